import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadInspired } from '../../src/data/inspired.js';
import { SPLITS, type Dataset } from '../../src/data/types.js';
import { realDataRoot } from './real-data.js';

const root = realDataRoot('inspired');

describe.skipIf(root === null)('loadInspired on the real data', () => {
  let ds: Dataset;
  beforeAll(() => {
    ds = loadInspired(root as string);
  });

  it('has the expected items, dialogues and samples, with no warnings', () => {
    expect(ds.items).toHaveLength(1123);
    expect(SPLITS.map((s) => ds.dialogues[s].length)).toEqual([801, 99, 99]);
    expect(SPLITS.map((s) => ds.samples[s].length)).toEqual([2072, 272, 253]);
    expect(ds.warnings).toEqual([]);
    expect(ds.sources?.trainIsPartial).toBe(false);
  });

  it('has dense item indexes and resolves every mentioned item and target', () => {
    ds.items.forEach((item, i) => expect(item.index).toBe(i));
    for (const split of SPLITS) {
      for (const s of ds.samples[split]) {
        expect(ds.itemById.has(s.target)).toBe(true);
        for (const id of s.contextItems) expect(ds.itemById.has(id)).toBe(true);
      }
    }
  });

  it('makes exactly the test samples of the UniCRS processed test file', () => {
    const text = gunzipSync(readFileSync(join(root as string, 'inspired/unicrs_dbpedia/test_processed.jsonl.gz'))).toString('utf8');
    const expected = new Set<string>();
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const row = JSON.parse(line) as { dialog_id: string; turn_id: string; rec: number[] };
      const turn = row.turn_id.split('_')[1];
      for (const rec of row.rec) expected.add(`${row.dialog_id}#${turn}#${rec}`);
    }
    // By (dialogue, turn, target): sample ids themselves say nothing about the target.
    expect(new Set(ds.samples.test.map((s) => `${s.dialogueId}#${s.turnIndex}#${s.target}`))).toEqual(expected);
  });

  it('builds the first test sample with its context, entities and target', () => {
    const s = ds.samples.test[0];
    expect(s?.id).toBe('test_0#4#0');
    expect(s?.target).toBe('9722');
    expect(s?.context.map((u) => u.role)).toEqual(['recommender', 'seeker', 'recommender', 'seeker']);
    expect(s?.context[3]?.text).toContain('Hustlers');
    expect(s?.contextItems).toEqual(['9722']);
    expect(s?.contextEntities).toEqual(['comedy', 'drama', 'documentary']);
    expect(ds.itemById.get('9722')?.title).toBe('Hustlers (2019)');
    expect(s?.response).toMatch(/^How did you like Hustlers\?/);
  });

  it('keeps a target at the first utterance and a target already mentioned earlier', () => {
    const knivesOut = ds.items.find((i) => i.title === 'Knives Out (2019)');
    expect(knivesOut).toBeDefined();
    const first = ds.samples.train.find((s) => s.dialogueId === 'train_0');
    expect(first?.turnIndex).toBe(2);
    expect(first?.target).toBe(knivesOut?.id);
    expect(first?.contextEntities).toEqual(expect.arrayContaining(['action', 'mystery']));
    const atFirstUtterance = ds.samples.train.filter((s) => s.turnIndex === 0);
    expect(atFirstUtterance.length).toBeGreaterThan(0);
    expect(atFirstUtterance.every((s) => s.context.length === 0)).toBe(true);
    const repeated = SPLITS.flatMap((sp) => ds.samples[sp]).filter((s) => s.contextItems.includes(s.target));
    expect(repeated.length).toBeGreaterThan(300);
  });

  it('joins CFCRS genres and keeps DBpedia people without disambiguators', () => {
    const knivesOut = ds.items.find((i) => i.title === 'Knives Out (2019)');
    expect(knivesOut?.attributes.director).toContain('Rian Johnson');
    expect(knivesOut?.attributes.genre?.length).toBeGreaterThan(0);
    expect(knivesOut?.aliases).toContain('Knives Out');
    const withGenre = ds.items.filter((i) => (i.attributes.genre?.length ?? 0) > 0).length;
    expect(withGenre / ds.items.length).toBeGreaterThan(0.7);
    const people = ds.items.flatMap((i) => [...(i.attributes.actor ?? []), ...(i.attributes.director ?? [])]);
    expect(people.filter((p) => /\((actor|director|filmmaker)\)$/.test(p))).toEqual([]);
    expect(ds.items.every((i) => i.description.startsWith(i.title))).toBe(true);
  });
});
