import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { meanMetrics, metricKeys, metricsPerSample, mrrAtK, ndcgAtK, rankOf, recallAtK } from '../../src/eval/metrics.js';

const rankingArb = fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 30 }).map((a) => a.map(String));
const targetArb = fc.integer({ min: 0, max: 40 }).map(String);
const kArb = fc.integer({ min: 1, max: 35 });

describe('per-sample metrics', () => {
  it('rankOf is 1-based and 0 when absent', () => {
    expect(rankOf(['a', 'b', 'c'], 'a')).toBe(1);
    expect(rankOf(['a', 'b', 'c'], 'c')).toBe(3);
    expect(rankOf(['a', 'b', 'c'], 'z')).toBe(0);
    expect(rankOf([], 'a')).toBe(0);
  });

  it('gives the textbook values at position 3', () => {
    const r = ['x', 'y', 't', 'z'];
    expect(recallAtK(r, 't', 3)).toBe(1);
    expect(recallAtK(r, 't', 2)).toBe(0);
    expect(ndcgAtK(r, 't', 10)).toBeCloseTo(0.5, 12); // 1 / log2(4)
    expect(ndcgAtK(r, 't', 2)).toBe(0);
    expect(mrrAtK(r, 't', 10)).toBeCloseTo(1 / 3, 12);
    expect(mrrAtK(r, 't', 2)).toBe(0);
  });

  it('rejects a cut-off that is not a positive integer', () => {
    expect(() => recallAtK(['a'], 'a', 0)).toThrow(/positive integer/);
    expect(() => ndcgAtK(['a'], 'a', 1.5)).toThrow(/positive integer/);
  });

  it('keeps every metric in [0, 1] with ndcg <= recall and mrr <= ndcg', () => {
    fc.assert(
      fc.property(rankingArb, targetArb, kArb, (ranking, target, k) => {
        const r = recallAtK(ranking, target, k);
        const n = ndcgAtK(ranking, target, k);
        const m = mrrAtK(ranking, target, k);
        for (const v of [r, n, m]) expect(v >= 0 && v <= 1).toBe(true);
        expect(n).toBeLessThanOrEqual(r);
        expect(m).toBeLessThanOrEqual(n + 1e-15);
      }),
    );
  });

  it('makes recall, ndcg and mrr monotone non-decreasing in k', () => {
    fc.assert(
      fc.property(rankingArb, targetArb, kArb, kArb, (ranking, target, k1, k2) => {
        const [lo, hi] = k1 <= k2 ? [k1, k2] : [k2, k1];
        expect(recallAtK(ranking, target, lo)).toBeLessThanOrEqual(recallAtK(ranking, target, hi));
        expect(ndcgAtK(ranking, target, lo)).toBeLessThanOrEqual(ndcgAtK(ranking, target, hi));
        expect(mrrAtK(ranking, target, lo)).toBeLessThanOrEqual(mrrAtK(ranking, target, hi));
      }),
    );
  });

  it('gives 1 everywhere when the target is first', () => {
    fc.assert(
      fc.property(rankingArb, targetArb, kArb, (rest, target, k) => {
        const ranking = [target, ...rest.filter((x) => x !== target)];
        expect(recallAtK(ranking, target, k)).toBe(1);
        expect(ndcgAtK(ranking, target, k)).toBe(1);
        expect(mrrAtK(ranking, target, k)).toBe(1);
      }),
    );
  });

  it('gives 0 everywhere when the target is absent', () => {
    fc.assert(
      fc.property(rankingArb, kArb, (ranking, k) => {
        expect(recallAtK(ranking, 'absent', k) + ndcgAtK(ranking, 'absent', k) + mrrAtK(ranking, 'absent', k)).toBe(0);
      }),
    );
  });
});

describe('meanMetrics', () => {
  const samples = [
    { ranking: ['t', 'a', 'b'], target: 't' }, // rank 1
    { ranking: ['a', 'b', 't'], target: 't' }, // rank 3
    { ranking: ['a', 'b', 'c'], target: 't' }, // absent
    { ranking: Array.from({ length: 12 }, (_, i) => (i === 10 ? 't' : `x${i}`)), target: 't' }, // rank 11
  ];

  it('uses keys like recall@1, ndcg@10, mrr@10, exactly', () => {
    const m = meanMetrics(samples, [10, 1]);
    expect(Object.keys(m)).toEqual(['recall@1', 'recall@10', 'ndcg@1', 'ndcg@10', 'mrr@1', 'mrr@10']);
    expect(metricKeys([20, 5, 20], ['recall'])).toEqual(['recall@5', 'recall@20']);
  });

  it('averages over samples', () => {
    const m = meanMetrics(samples, [1, 10, 20]);
    expect(m['recall@1']).toBeCloseTo(1 / 4, 12);
    expect(m['recall@10']).toBeCloseTo(2 / 4, 12);
    expect(m['recall@20']).toBeCloseTo(3 / 4, 12);
    expect(m['ndcg@10']).toBeCloseTo((1 + 0.5) / 4, 12);
    expect(m['mrr@10']).toBeCloseTo((1 + 1 / 3) / 4, 12);
    expect(m['mrr@20']).toBeCloseTo((1 + 1 / 3 + 1 / 11) / 4, 12);
  });

  it('gives 0, not NaN, for no samples, and per-sample arrays aligned with the input', () => {
    expect(meanMetrics([], [10])).toEqual({ 'recall@10': 0, 'ndcg@10': 0, 'mrr@10': 0 });
    const per = metricsPerSample(samples, [10], ['recall']);
    expect(per['recall@10']).toEqual([1, 1, 0, 0]);
  });

  it('matches the mean of the per-sample functions on random input', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ ranking: rankingArb, target: targetArb }), { maxLength: 20 }), kArb, (list, k) => {
        const m = meanMetrics(list, [k]);
        const mean = (f: (r: string[], t: string, k: number) => number): number =>
          list.length === 0 ? 0 : list.reduce((s, x) => s + f(x.ranking, x.target, k), 0) / list.length;
        expect(m[`recall@${k}`]).toBeCloseTo(mean(recallAtK), 12);
        expect(m[`ndcg@${k}`]).toBeCloseTo(mean(ndcgAtK), 12);
        expect(m[`mrr@${k}`]).toBeCloseTo(mean(mrrAtK), 12);
      }),
    );
  });
});
