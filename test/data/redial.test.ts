import { beforeAll, describe, expect, it } from 'vitest';
import { loadRedial } from '../../src/data/redial.js';
import { SPLITS, type Dataset } from '../../src/data/types.js';
import { realDataRoot } from './real-data.js';

const root = realDataRoot('redial');

describe.skipIf(root === null)('loadRedial on the real data', () => {
  let ds: Dataset;
  beforeAll(() => {
    ds = loadRedial(root as string);
  });

  it('has the expected items, dialogues and samples, with no warnings', () => {
    expect(ds.items).toHaveLength(6924);
    expect(SPLITS.map((s) => ds.dialogues[s].length)).toEqual([1270, 1000, 1342]);
    expect(SPLITS.map((s) => ds.samples[s].length)).toEqual([4988, 3863, 4969]);
    expect(ds.warnings).toEqual([]);
  });

  it('records that train is the partial pool', () => {
    expect(ds.sources?.trainIsPartial).toBe(true);
    expect(ds.sources?.train).toEqual(['redial/derived/train_portion_partial.jsonl.gz']);
  });

  it('never puts one dialogue in two splits', () => {
    const ids = SPLITS.flatMap((s) => ds.dialogues[s].map((d) => d.id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('replaces @ids with titles and keeps the ids as items', () => {
    const leftover = SPLITS.flatMap((s) => ds.dialogues[s].flatMap((d) => d.utterances.filter((u) => /@\d{3,}/.test(u.text))));
    expect(leftover).toEqual([]);
    const s = ds.samples.test.find((x) => x.dialogueId === '20001' && x.turnIndex === 1 && x.target === '151656');
    expect(s?.id).toBe('20001#1#0');
    expect(s?.context).toHaveLength(1);
    expect(s?.context[0]?.role).toBe('seeker');
    expect(s?.context[0]?.text).toBe('Hi I am looking for a movie like Super Troopers (2001)');
    expect(s?.contextItems).toEqual(['111776']);
    expect(ds.itemById.get(s?.target ?? '')?.title).toBe('Police Academy (1984)');
    expect(s?.response).toBe('You should watch Police Academy (1984)');
  });

  it('merges consecutive messages of one speaker', () => {
    for (const d of ds.dialogues.test.slice(0, 200)) {
      d.utterances.slice(1).forEach((u, i) => expect(u.role).not.toBe(d.utterances[i]?.role));
    }
  });

  it('normalizes titles and uses the plot as description', () => {
    const angels = ds.itemById.get('75815');
    expect(angels?.title).toBe('Angels in the Outfield (1994)');
    expect(angels?.year).toBe(1994);
    expect(angels?.attributes.genre).toEqual(['comedy', 'family', 'fantasy']);
    expect(angels?.attributes.actor).toContain('Danny Glover');
    expect(angels?.description).toMatch(/^When a boy prays/);
    expect(ds.items.filter((i) => /\s{2}|\s$/.test(i.title))).toEqual([]);
  });

  it('finds genre words and person names as entities', () => {
    const entities = new Set(SPLITS.flatMap((s) => ds.dialogues[s].flatMap((d) => d.utterances.flatMap((u) => u.entities))));
    expect(entities.has('horror')).toBe(true);
    expect(entities.has('Tom Hanks')).toBe(true);
  });
});
