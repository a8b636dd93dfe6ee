// Popularity counts (data/popularity.ts): train targets without train signals, train-portion mentions with them,
// each leaving a train sample's own dialogue out, and never a valid/test dialogue.
import { describe, expect, it } from 'vitest';
import { TargetPopularity, trainCounts } from '../../src/data/popularity.js';
import { makeSyntheticDataset } from '../../src/data/synthetic.js';

describe('TargetPopularity', () => {
  it('counts train dialogues per target without train signals, leaving the own dialogue out', () => {
    const ds = makeSyntheticDataset({ seed: 5, items: 30, dialogues: 40 });
    const p = TargetPopularity.of(ds);
    expect(p.source).toBe('train targets');
    const dialoguesOf = new Map<string, Set<string>>();
    for (const s of ds.samples.train) dialoguesOf.set(s.target, (dialoguesOf.get(s.target) ?? new Set()).add(s.dialogueId));
    expect(Object.fromEntries(p.counts)).toEqual(Object.fromEntries([...dialoguesOf].map(([id, set]) => [id, set.size])));
    const s = ds.samples.train[0]!;
    expect(p.count(s.target, s.dialogueId)).toBe(p.count(s.target) - 1);
    expect(p.count(s.target, ds.dialogues.valid[0]!.id)).toBe(p.count(s.target));
    // The recommender's counts without signals stay per sample.
    const perSample = new Map<string, number>();
    for (const x of ds.samples.train) perSample.set(x.target, (perSample.get(x.target) ?? 0) + 1);
    expect(Object.fromEntries(trainCounts(ds))).toEqual(Object.fromEntries(perSample));
  });

  it('counts mentions over the train signals when the dataset has them, for the simulator and the recommender', () => {
    const ds = makeSyntheticDataset({ seed: 5, items: 30, dialogues: 40 });
    const [a, b, c] = ds.items.map((i) => i.id);
    const own = ds.dialogues.train[0]!.id;
    ds.trainSignals = [
      { dialogueId: own, items: [a!, b!], likedItems: [], source: 'dialogue' },
      { dialogueId: 'text-1', items: [a!, c!], likedItems: [], source: 'text' },
      { dialogueId: 'text-2', items: [a!], likedItems: [], source: 'text' },
    ];
    const p = TargetPopularity.of(ds);
    expect(p.source).toBe('train-portion mentions');
    expect(p.dialogues).toBe(3);
    expect(Object.fromEntries(p.counts)).toEqual({ [a!]: 3, [b!]: 1, [c!]: 1 });
    expect(p.count(a!, own)).toBe(2);
    expect(p.count(b!, own)).toBe(0);
    expect(p.count(c!, own)).toBe(1);
    expect(p.covered(ds.items.map((i) => i.id))).toBe(3);
    expect(Object.fromEntries(trainCounts(ds))).toEqual({ [a!]: 3, [b!]: 1, [c!]: 1 });
  });

  it('refuses a train signal that is a valid or test dialogue', () => {
    for (const split of ['valid', 'test'] as const) {
      const ds = makeSyntheticDataset({ seed: 5, items: 30, dialogues: 40 });
      const leaked = ds.dialogues[split][0]!.id;
      ds.trainSignals = [{ dialogueId: leaked, items: [ds.items[0]!.id], likedItems: [], source: 'text' }];
      expect(() => TargetPopularity.of(ds)).toThrowError(new RegExp(`train signal ${leaked} is a valid/test dialogue`));
      expect(() => trainCounts(ds)).toThrowError(/valid\/test dialogue/);
    }
  });
});
