import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pairedTTest, twoSidedPValue } from '../../src/eval/stats-tests.js';

describe('twoSidedPValue', () => {
  it('matches reference values of the Student t distribution (scipy 1.17)', () => {
    expect(twoSidedPValue(2, 10)).toBeCloseTo(0.0733880347707404, 10);
    expect(twoSidedPValue(-2, 10)).toBeCloseTo(0.0733880347707404, 10);
    expect(twoSidedPValue(8, 3)).toBeCloseTo(0.004076577587785466, 10);
    expect(twoSidedPValue(1, 1)).toBeCloseTo(0.5, 12); // Cauchy: P(|T| > 1) = 1/2
    expect(twoSidedPValue(2.228138851986, 10)).toBeCloseTo(0.05, 8); // the t table's 97.5% quantile
    expect(twoSidedPValue(0, 5)).toBe(1);
  });

  it('keeps precision far in the tail', () => {
    const p = twoSidedPValue(40, 100);
    expect(p / 2.462107602140071e-63).toBeCloseTo(1, 6);
    expect(twoSidedPValue(Infinity, 4)).toBe(0);
  });

  it('rejects non-positive degrees of freedom and NaN', () => {
    expect(() => twoSidedPValue(1, 0)).toThrow(/degrees of freedom/);
    expect(() => twoSidedPValue(Number.NaN, 3)).toThrow(/NaN/);
  });
});

describe('pairedTTest', () => {
  it('matches scipy.stats.ttest_rel', () => {
    const a = [0.2, 0.5, 0.9, 0.4, 0.7, 0.1, 0.8];
    const b = [0.1, 0.3, 0.85, 0.5, 0.4, 0.1, 0.6];
    const r = pairedTTest(a, b);
    expect(r.t).toBeCloseTo(2.073490549128412, 10);
    expect(r.pValue).toBeCloseTo(0.08348325779479052, 10);
    expect(r.df).toBe(6);
    expect(r.n).toBe(7);
    expect(r.meanDiff).toBeCloseTo(0.75 / 7, 12);
  });

  it('is antisymmetric: swapping the arrays flips t and keeps p', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: -5, max: 5, noNaN: true })), {
          minLength: 2,
          maxLength: 40,
        }),
        (pairs) => {
          const a = pairs.map((p) => p[0]);
          const b = pairs.map((p) => p[1]);
          const ab = pairedTTest(a, b);
          const ba = pairedTTest(b, a);
          expect(Number.isNaN(ab.pValue)).toBe(false);
          expect(ab.pValue).toBeGreaterThanOrEqual(0);
          expect(ab.pValue).toBeLessThanOrEqual(1);
          expect(ba.pValue).toBeCloseTo(ab.pValue, 12);
          if (Number.isFinite(ab.t)) expect(ba.t).toBeCloseTo(-ab.t, 9);
          else expect(ba.t).toBe(-ab.t);
        },
      ),
    );
  });

  it('handles zero variance without NaN', () => {
    const same = pairedTTest([0, 1, 1, 0], [0, 1, 1, 0]);
    expect(same).toEqual({ t: 0, df: 3, pValue: 1, meanDiff: 0, n: 4 });
    const shifted = pairedTTest([1, 1, 1], [0, 0, 0]);
    expect(shifted.t).toBe(Infinity);
    expect(shifted.pValue).toBe(0);
    expect(shifted.meanDiff).toBe(1);
    // Differences equal up to rounding (0.3-0.1 vs 0.7-0.5) are a constant shift, not noise.
    expect(pairedTTest([0.3, 0.7], [0.1, 0.5]).pValue).toBe(0);
  });

  it('gives a small p-value only for a real difference', () => {
    const a = Array.from({ length: 50 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const better = a.map((x, i) => (i % 5 === 1 ? 1 : x));
    expect(pairedTTest(better, a).pValue).toBeLessThan(0.01);
    const noisy = a.map((x, i) => (i % 10 === 1 ? 1 - x : x));
    expect(pairedTTest(noisy, a).pValue).toBeGreaterThan(0.05);
  });

  it('names the problem for bad input', () => {
    expect(() => pairedTTest([1, 2], [1])).toThrow(/equal length, got 2 and 1/);
    expect(() => pairedTTest([1], [1])).toThrow(/at least 2 pairs/);
    expect(() => pairedTTest([1, Number.NaN], [1, 2])).toThrow(/a\[1\] is not a finite number/);
  });
});
