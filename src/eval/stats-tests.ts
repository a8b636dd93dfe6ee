// Significance tests on per-sample metric values (e.g. recall@10 of two systems on the same samples).
// The Student t CDF comes from @stdlib (regularized incomplete beta done right, with types).
import tCdf from '@stdlib/stats-base-dists-t-cdf';

export interface PairedTTestResult {
  /** t statistic of mean(a - b); +-Infinity when every difference is the same non-zero value. */
  t: number;
  /** Degrees of freedom, n - 1. */
  df: number;
  /** Two-sided p-value. */
  pValue: number;
  /** mean(a - b). */
  meanDiff: number;
  /** Number of pairs. */
  n: number;
}

/** Two-sided p-value of a t statistic with `df` degrees of freedom. */
export function twoSidedPValue(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be positive, got ${df}`);
  if (Number.isNaN(t)) throw new RangeError('t statistic is NaN');
  if (!Number.isFinite(t)) return 0;
  // cdf(-|t|) keeps precision in the tail, where 1 - cdf(|t|) would round to 0.
  return Math.min(1, 2 * tCdf(-Math.abs(t), df));
}

function checkValues(values: readonly number[], label: string): void {
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new RangeError(`paired t-test: ${label}[${i}] is not a finite number (${v})`);
  });
}

/**
 * Paired Student t-test of H0: mean(a - b) = 0, two-sided.
 * Zero variance of the differences gives p = 1 when they are all 0 and p = 0 otherwise (never NaN).
 */
export function pairedTTest(a: readonly number[], b: readonly number[]): PairedTTestResult {
  if (a.length !== b.length) {
    throw new RangeError(`paired t-test needs arrays of equal length, got ${a.length} and ${b.length}`);
  }
  if (a.length < 2) throw new RangeError(`paired t-test needs at least 2 pairs, got ${a.length}`);
  checkValues(a, 'a');
  checkValues(b, 'b');
  const n = a.length;
  const diffs = a.map((x, i) => x - (b[i] as number));
  const meanDiff = diffs.reduce((s, d) => s + d, 0) / n;
  // Two-pass variance: stable when the differences are large and close together.
  const variance = diffs.reduce((s, d) => s + (d - meanDiff) ** 2, 0) / (n - 1);
  const sd = Math.sqrt(variance);
  const df = n - 1;
  const scale = diffs.reduce((s, d) => s + Math.abs(d), 0) / n;
  // Treat rounding noise (e.g. 0.3-0.1 vs 0.7-0.5) as zero variance.
  if (sd <= 1e-12 * scale || sd === 0) {
    if (scale === 0) return { t: 0, df, pValue: 1, meanDiff: 0, n };
    return { t: Math.sign(meanDiff) * Infinity, df, pValue: 0, meanDiff, n };
  }
  const t = meanDiff / (sd / Math.sqrt(n));
  return { t, df, pValue: twoSidedPValue(t, df), meanDiff, n };
}
