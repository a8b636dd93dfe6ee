// The comparison statistics: Holm adjustment, the interquartile mean, and intervals that cover what they should.
import { describe, expect, it } from 'vitest';
import { hierarchicalMeanInterval, holmAdjust, interquartileMean, pairedMethodTests, stratifiedIqmInterval, summarizeScores, type ScoreMatrix } from '../../src/eval/compare.js';
import { Rng } from '../../src/core/rng.js';

function matrix(seeds: number, samples: number, value: (s: number, i: number) => number): ScoreMatrix {
  return {
    seeds: Array.from({ length: seeds }, (_, s) => s),
    sampleIds: Array.from({ length: samples }, (_, i) => `s${i}`),
    scores: Array.from({ length: seeds }, (_, s) => Array.from({ length: samples }, (_, i) => value(s, i))),
  };
}

describe('comparison statistics', () => {
  it('Holm: the i-th smallest p times (m - i + 1), kept non-decreasing, capped at 1, in input order', () => {
    expect(holmAdjust([0.01, 0.04, 0.03, 0.5])).toEqual([0.04, 0.09, 0.09, 0.5]);
    expect(holmAdjust([0.3, 0.6])).toEqual([0.6, 0.6]);
    expect(holmAdjust([])).toEqual([]);
  });

  it('IQM drops floor(n/4) values at each end (scipy trim_mean 0.25)', () => {
    expect(interquartileMean([1, 2, 3, 4, 100, -100, 5, 6])).toBeCloseTo((2 + 3 + 4 + 5) / 4);
    expect(interquartileMean([7])).toBe(7);
    expect(interquartileMean([0, 0, 0, 1, 1, 1, 1, 1])).toBe(0.75);
  });

  it('the mean interval covers the mean, widens with seed-to-seed spread, and is reproducible', () => {
    const rng = new Rng(1);
    const noise = Array.from({ length: 3 }, () => Array.from({ length: 80 }, () => rng.random()));
    const tight = matrix(3, 80, (s, i) => noise[s]![i]!);
    const spread = matrix(3, 80, (s, i) => noise[s]![i]! + s * 0.5);
    const summary = summarizeScores(tight, { seed: 3 });
    expect(summary.interval[0]).toBeLessThan(summary.mean);
    expect(summary.interval[1]).toBeGreaterThan(summary.mean);
    const width = (i: [number, number]) => i[1] - i[0];
    expect(width(hierarchicalMeanInterval(spread, { seed: 3 }))).toBeGreaterThan(2 * width(hierarchicalMeanInterval(tight, { seed: 3 })));
    expect(summarizeScores(tight, { seed: 3 })).toEqual(summary);
    expect(summarizeScores(spread, { seed: 3 }).sd).toBeCloseTo(0.5, 1);
  });

  it('the stratified IQM interval is a point when every seed agrees on every sample', () => {
    const same = matrix(3, 10, (_s, i) => i / 10);
    const [lo, hi] = stratifiedIqmInterval(same, { seed: 0 });
    expect(lo).toBe(hi);
    expect(lo).toBeCloseTo(interquartileMean(same.scores.flat()));
  });

  it('paired tests find a real difference, not a null one, and Holm-adjust over all of them', () => {
    const rng = new Rng(2);
    const base = Array.from({ length: 60 }, () => rng.random());
    const a = { name: 'a', metrics: { m: matrix(2, 60, (_s, i) => base[i]!) } };
    const b = { name: 'b', metrics: { m: matrix(2, 60, (_s, i) => base[i]! + 0.1 + 0.01 * rng.random()) } };
    const c = { name: 'c', metrics: { m: matrix(2, 60, (s, i) => base[i]! + (i % 2 === 0 ? 0.01 : -0.01) * (s + 1)) } };
    const tests = pairedMethodTests([a, b, c], ['m']);
    expect(tests.map((t) => `${t.a}-${t.b}`)).toEqual(['a-b', 'a-c', 'b-c']);
    const ab = tests.find((t) => t.b === 'b' && t.a === 'a')!;
    expect(ab.pHolm).toBeLessThan(0.001);
    expect(ab.test.meanDiff).toBeLessThan(0);
    const ac = tests.find((t) => t.a === 'a' && t.b === 'c')!;
    expect(ac.pHolm).toBeGreaterThan(0.05);
    for (const t of tests) expect(t.pHolm).toBeGreaterThanOrEqual(t.test.pValue);
  });
});
