import { describe, expect, it } from 'vitest';
import { bootstrapMeanIntervals, bootstrapRatioInterval, quantileSorted } from '../../src/eval/bootstrap.js';
import { Rng } from '../../src/core/rng.js';

describe('bootstrap intervals', () => {
  it('cover the normal-theory interval of a proportion, and are seeded', () => {
    const rng = new Rng(1);
    const n = 400;
    const rows = Array.from({ length: n }, () => [rng.bernoulli(0.3) ? 1 : 0, 1]);
    const mean = rows.reduce((s, r) => s + r[0]!, 0) / n;
    const [hit, constant] = bootstrapMeanIntervals(rows, { seed: 'a' });
    const half = 1.96 * Math.sqrt((mean * (1 - mean)) / n);
    expect(hit![0]).toBeCloseTo(mean - half, 1);
    expect(hit![1]).toBeCloseTo(mean + half, 1);
    expect(Math.abs(hit![1] - hit![0] - 2 * half)).toBeLessThan(0.25 * half);
    expect(constant).toEqual([1, 1]);
    expect(bootstrapMeanIntervals(rows, { seed: 'a' })).toEqual([hit, constant]);
    expect(bootstrapMeanIntervals(rows, { seed: 'b' })[0]).not.toEqual(hit);
    // A wider level gives a wider interval.
    const [wide] = bootstrapMeanIntervals(rows, { seed: 'a', level: 0.99 });
    expect(wide![0]).toBeLessThanOrEqual(hit![0]);
    expect(wide![1]).toBeGreaterThanOrEqual(hit![1]);
  });

  it('handles no samples and rejects bad input', () => {
    expect(bootstrapMeanIntervals([], { seed: 1, columns: 2 })).toEqual([[0, 0], [0, 0]]);
    expect(() => bootstrapMeanIntervals([[1], [1, 2]], { seed: 1 })).toThrow(/row 1 has 2 values/);
    expect(() => bootstrapMeanIntervals([[NaN]], { seed: 1 })).toThrow(/not a finite number/);
    expect(() => bootstrapMeanIntervals([[1]], { seed: 1, resamples: 0 })).toThrow(/resamples/);
    expect(() => bootstrapMeanIntervals([[1]], { seed: 1, level: 1 })).toThrow(/level/);
  });

  it('bootstraps a ratio of sums over samples', () => {
    // 50 samples with 4 turns each, one in five turns a success.
    const num = Array.from({ length: 50 }, (_, i) => (i % 5 === 0 ? 4 : 0));
    const den = Array.from({ length: 50 }, () => 4);
    const [lo, hi] = bootstrapRatioInterval(num, den, { seed: 3 });
    expect(lo).toBeLessThan(0.2);
    expect(hi).toBeGreaterThan(0.2);
    expect(hi - lo).toBeGreaterThan(0.1); // whole samples move together: wider than 200 independent turns would give
    expect(bootstrapRatioInterval([0, 0], [0, 0], { seed: 3 })).toEqual([0, 0]);
    expect(() => bootstrapRatioInterval([1], [1, 2], { seed: 3 })).toThrow(/1 numerators but 2 denominators/);
  });

  it('interpolates quantiles between order statistics', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0)).toBe(1);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
    expect(() => quantileSorted([], 0.5)).toThrow();
  });
});
