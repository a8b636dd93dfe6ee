// Percentile bootstrap intervals over samples (Efron & Tibshirani, ch. 13): resample the n samples with
// replacement B times, compute the statistic on each resample, and take the (1-level)/2 and (1+level)/2
// quantiles of the B values (linear interpolation between order statistics, R's type 7). No npm statistics
// package offers a seeded bootstrap, so this is the small documented version; every draw comes from a seeded
// Rng, so the same data and seed give the same interval.
import { Rng, type Seed } from '../core/rng.js';

/** B of every interval crs-gym reports. */
export const BOOTSTRAP_RESAMPLES = 1000;

/** [low, high]. */
export type Interval = [number, number];

export interface BootstrapOptions {
  seed: Seed;
  /** B, the number of resamples (default BOOTSTRAP_RESAMPLES). */
  resamples?: number;
  /** Coverage (default 0.95). */
  level?: number;
}

function checkOptions(opts: BootstrapOptions): { resamples: number; level: number } {
  const resamples = opts.resamples ?? BOOTSTRAP_RESAMPLES;
  const level = opts.level ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`bootstrap: resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`bootstrap: level must be in (0, 1), got ${level}`);
  return { resamples, level };
}

/** The q-quantile of sorted values (type 7: linear interpolation between order statistics). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantile of no values');
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return (sorted[lo] as number) + (h - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}

/** The central `level` interval of `values` (sorted in place). */
export function percentileInterval(values: Float64Array, level: number): Interval {
  values.sort();
  return [quantileSorted(values, (1 - level) / 2), quantileSorted(values, (1 + level) / 2)];
}

/**
 * Intervals of the column means of `rows` (one row per sample, the same number of columns each), all from the
 * same resamples of the rows. No rows gives [0, 0] per column (the means are 0 then too); `columns` says how
 * many columns there are when `rows` may be empty.
 */
export function bootstrapMeanIntervals(rows: readonly (readonly number[])[], opts: BootstrapOptions & { columns?: number }): Interval[] {
  const { resamples, level } = checkOptions(opts);
  const n = rows.length;
  const k = opts.columns ?? rows[0]?.length ?? 0;
  if (n === 0) return Array.from({ length: k }, () => [0, 0] as Interval);
  const flat = new Float64Array(n * k);
  rows.forEach((row, i) => {
    if (row.length !== k) throw new RangeError(`bootstrap: row ${i} has ${row.length} values, expected ${k}`);
    for (let j = 0; j < k; j++) {
      const v = row[j] as number;
      if (!Number.isFinite(v)) throw new RangeError(`bootstrap: row ${i} column ${j} is not a finite number (${v})`);
      flat[i * k + j] = v;
    }
  });
  const rng = new Rng(opts.seed);
  // means[j * B + b]: column j's mean in resample b, so each column's values are contiguous for sorting.
  const means = new Float64Array(k * resamples);
  const sums = new Float64Array(k);
  for (let b = 0; b < resamples; b++) {
    sums.fill(0);
    for (let draw = 0; draw < n; draw++) {
      const at = Math.floor(rng.random() * n) * k;
      for (let j = 0; j < k; j++) sums[j] = (sums[j] as number) + (flat[at + j] as number);
    }
    for (let j = 0; j < k; j++) means[j * resamples + b] = (sums[j] as number) / n;
  }
  return Array.from({ length: k }, (_, j) => percentileInterval(means.subarray(j * resamples, (j + 1) * resamples), level));
}

/**
 * Interval of a ratio of sums, sum(numerators) / sum(denominators), resampling the samples (a cluster bootstrap:
 * each sample brings all its turns). Resamples whose denominator is 0 are left out; with no denominator at all the
 * interval is [0, 0].
 */
export function bootstrapRatioInterval(numerators: readonly number[], denominators: readonly number[], opts: BootstrapOptions): Interval {
  const { resamples, level } = checkOptions(opts);
  if (numerators.length !== denominators.length) throw new RangeError(`bootstrap: ${numerators.length} numerators but ${denominators.length} denominators`);
  const n = numerators.length;
  if (n === 0 || denominators.every((d) => d === 0)) return [0, 0];
  const rng = new Rng(opts.seed);
  const ratios: number[] = [];
  for (let b = 0; b < resamples; b++) {
    let num = 0;
    let den = 0;
    for (let draw = 0; draw < n; draw++) {
      const i = Math.floor(rng.random() * n);
      num += numerators[i] as number;
      den += denominators[i] as number;
    }
    if (den > 0) ratios.push(num / den);
  }
  if (ratios.length === 0) return [0, 0];
  return percentileInterval(Float64Array.from(ratios), level);
}
