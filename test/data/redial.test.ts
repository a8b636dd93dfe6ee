import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LoadReport, readJsonl } from '../../src/data/read.js';
import { REDIAL_FILES, loadRedial } from '../../src/data/redial.js';
import { parseTextDialogue } from '../../src/data/redial-text.js';
import { trainItemCounts } from '../../src/data/signals.js';
import { datasetStats, formatStats } from '../../src/data/stats.js';
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
    // Train: the 4,732 raw train-portion dialogues minus the 1,000 valid ones minus 5 whose text copies a valid one.
    expect(SPLITS.map((s) => ds.dialogues[s].length)).toEqual([3727, 1000, 1342]);
    expect(SPLITS.map((s) => ds.samples[s].length)).toEqual([14605, 3863, 4969]);
    expect(ds.warnings).toEqual([]);
  });

  it('records that train is every raw train-portion dialogue, still partial', () => {
    expect(ds.sources?.trainIsPartial).toBe(true);
    expect(ds.sources?.train).toEqual([REDIAL_FILES.partialTrain, REDIAL_FILES.extraTrain]);
    expect(ds.sources?.trainSignals).toEqual([REDIAL_FILES.partialTrain, REDIAL_FILES.extraTrain, REDIAL_FILES.trainText]);
  });

  it('leaves out train dialogues whose text copies a valid dialogue, and says which', () => {
    const note = ds.sources?.notes.find((n) => n.startsWith('train: the raw train-portion dialogues')) ?? '';
    expect(note).toMatch(/\(4732\) minus 1000 valid\/test dialogues \(by conversationId\) minus 5 whose text copies/);
    const train = new Set(ds.dialogues.train.map((d) => d.id));
    for (const id of ['10716', '10718', '10719', '10720', '6937']) {
      expect(note).toContain(id);
      expect(train.has(id)).toBe(false);
    }
  });

  it('never puts one dialogue in two splits', () => {
    const ids = SPLITS.flatMap((s) => ds.dialogues[s].map((d) => d.id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has train signals for every train-portion dialogue outside valid and test', () => {
    const signals = ds.trainSignals ?? [];
    // 10,006 train-portion dialogues - 1,000 valid - 12 whose text copies a valid/test dialogue (5 raw, 7 text-only).
    expect(signals).toHaveLength(8994);
    expect(signals.filter((s) => s.source === 'dialogue').map((s) => s.dialogueId)).toEqual(ds.dialogues.train.map((d) => d.id));
    expect(signals.filter((s) => s.source === 'text')).toHaveLength(5267);
    const ids = signals.map((s) => s.dialogueId);
    expect(new Set(ids).size).toBe(ids.length);
    // The 35 records without a conversationId are kept: no valid/test id fits their place, and no text matches.
    expect(ids.filter((id) => id.startsWith('text-pos-'))).toHaveLength(35);
    const heldOut = new Set([...ds.dialogues.valid, ...ds.dialogues.test].map((d) => d.id));
    expect(ids.filter((id) => heldOut.has(id))).toEqual([]);
    expect(ds.samples.train.filter((s) => heldOut.has(s.dialogueId))).toEqual([]);
    for (const s of signals) {
      expect(s.items.every((id) => ds.itemById.has(id))).toBe(true);
      expect(s.likedItems.every((id) => s.items.includes(id))).toBe(true);
    }
    expect(signals.filter((s) => s.likedItems.length > 0).length).toBeGreaterThan(8500);
  });

  it('reads the same likes from the text-only file as from the raw questionnaire', () => {
    const signals = new Map((ds.trainSignals ?? []).filter((s) => s.source === 'dialogue').map((s) => [s.dialogueId, s]));
    const path = join(root as string, REDIAL_FILES.trainText);
    let same = 0;
    let compared = 0;
    for (const { line, value } of readJsonl(path, new LoadReport(true))) {
      const record = parseTextDialogue(line, value);
      if (typeof record === 'string' || record.conversationId === null) continue;
      const raw = signals.get(record.conversationId);
      if (raw === undefined) continue;
      const titles = new Set(record.likedTitles.map((t) => t.replace(/\s+/g, ' ').trim()));
      const fromRaw = new Set(raw.likedItems.map((id) => ds.itemById.get(id)?.title));
      compared++;
      if (titles.size === fromRaw.size && [...fromRaw].every((t) => t !== undefined && titles.has(t))) same++;
    }
    expect(compared).toBe(3727);
    expect(same / compared).toBeGreaterThan(0.98); // 3,715 of 3,727 when written

  });

  it('counts popularity over all train signals', () => {
    const counts = trainItemCounts(ds);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe((ds.trainSignals ?? []).reduce((t, s) => t + s.items.length, 0));
    const liked = trainItemCounts(ds, 'liked');
    for (const [id, n] of liked) expect(n).toBeLessThanOrEqual(counts.get(id) ?? 0);
    // The text-only dialogues count too: more items are popular than the raw train dialogues mention.
    const inRawTrain = new Set(ds.dialogues.train.flatMap((d) => d.utterances.flatMap((u) => u.items)));
    expect(counts.size).toBeGreaterThan(inRawTrain.size + 500);
  });

  it('reports the signals in data stats', () => {
    const stats = datasetStats(ds);
    expect(stats.trainSignals).toEqual({ dialogues: 8994, textOnly: 5267, withLikes: expect.any(Number) as number });
    expect(formatStats(stats)).toMatch(/train signals \(co-mention graph, popularity\): 8994 dialogues, 5267 of them known only as text/);
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
