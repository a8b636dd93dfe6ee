import { describe, expect, it } from 'vitest';
import { makeSyntheticDataset } from '../../src/data/synthetic.js';
import { SPLITS, type Dataset } from '../../src/data/types.js';

/** A JSON-comparable view (Maps are not compared by toEqual's JSON form). */
function snapshot(ds: Dataset): string {
  return JSON.stringify({ items: ds.items, dialogues: ds.dialogues, samples: ds.samples });
}

describe('makeSyntheticDataset', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = makeSyntheticDataset({ seed: 7 });
    const b = makeSyntheticDataset({ seed: 7 });
    const c = makeSyntheticDataset({ seed: 8 });
    expect(snapshot(a)).toBe(snapshot(b));
    expect(snapshot(a)).not.toBe(snapshot(c));
  });

  it('honours the sizes and fills every split', () => {
    const ds = makeSyntheticDataset({ seed: 1, items: 30, dialogues: 20 });
    expect(ds.items).toHaveLength(30);
    expect(SPLITS.reduce((n, s) => n + ds.dialogues[s].length, 0)).toBe(20);
    for (const split of SPLITS) {
      expect(ds.dialogues[split].length).toBeGreaterThan(0);
      expect(ds.samples[split].length).toBe(2 * ds.dialogues[split].length);
      for (const d of ds.dialogues[split]) expect(d.split).toBe(split);
    }
    expect(ds.dialogues.train.length).toBe(14);
    ds.items.forEach((item, i) => expect(item.index).toBe(i));
  });

  it('is consistent: targets and mentions exist, items carry attributes', () => {
    const ds = makeSyntheticDataset({ seed: 'consistency', items: 12, dialogues: 10 });
    for (const split of SPLITS) {
      for (const s of ds.samples[split]) {
        expect(ds.itemById.has(s.target)).toBe(true);
        for (const id of s.contextItems) expect(ds.itemById.has(id)).toBe(true);
      }
    }
    for (const item of ds.items) {
      expect(item.attributes.genre?.length).toBeGreaterThan(0);
      expect(item.attributes.director).toHaveLength(1);
      expect(item.attributes.actor?.length).toBeGreaterThanOrEqual(2);
    }
    expect(new Set(ds.items.map((i) => i.title)).size).toBe(ds.items.length);
  });

  it('has a learnable signal: a target shares its genre with the context', () => {
    const ds = makeSyntheticDataset({ seed: 3 });
    const samples = SPLITS.flatMap((s) => ds.samples[s]);
    for (const s of samples) {
      const genre = ds.itemById.get(s.target)?.attributes.genre?.[0];
      expect(s.contextEntities).toContain(genre);
      const contextGenres = s.contextItems.map((id) => ds.itemById.get(id)?.attributes.genre?.[0]);
      expect(contextGenres).toContain(genre);
    }
  });

  it('rejects sizes it cannot fill', () => {
    expect(() => makeSyntheticDataset({ seed: 1, items: 2 })).toThrowError(RangeError);
    expect(() => makeSyntheticDataset({ seed: 1, dialogues: 1 })).toThrowError(/dialogues/);
  });
});
