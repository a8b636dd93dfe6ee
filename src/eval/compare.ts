// Statistics for comparing methods run over several seeds on the same samples (`crs-gym compare`):
// - mean, sd over seeds (of each seed's mean), and a 95% two-level bootstrap interval that resamples the seeds and
//   then the samples within each drawn seed, so both sources of variation widen it;
// - the interquartile mean (IQM) of all seed x sample scores with a stratified bootstrap interval, the `rliable`
//   convention (Agarwal et al., 2021: "Deep RL at the edge of the statistical precipice"): each sample (rliable's
//   task) keeps its column and only the seeds (runs) are resampled within it;
// - paired t-tests between methods over the samples (each sample's score averaged over seeds), Holm-corrected
//   over every test reported together.
// Every resample is drawn from a seeded Rng: the same scores and seed give the same intervals.
import { Rng, type Seed } from '../core/rng.js';
import { BOOTSTRAP_RESAMPLES, percentileInterval, type Interval } from './bootstrap.js';
import { pairedTTest, type PairedTTestResult } from './stats-tests.js';

/** One method's scores on one metric: scores[s][i] is seed s's value on sample i (the same samples for every seed). */
export interface ScoreMatrix {
  seeds: readonly number[];
  sampleIds: readonly string[];
  scores: readonly (readonly number[])[];
}

export interface MetricSummary {
  /** Mean over seeds of each seed's mean over samples. */
  mean: number;
  /** Standard deviation of the seed means (n - 1); 0 with one seed. */
  sd: number;
  /** 95% bootstrap interval of the mean, resampling seeds then samples. */
  interval: Interval;
  /** Interquartile mean of all seed x sample scores. */
  iqm: number;
  /** 95% stratified bootstrap interval of the IQM (seeds resampled within each sample). */
  iqmInterval: Interval;
  seeds: number;
  samples: number;
}

function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] as number;
  return values.length === 0 ? 0 : s / values.length;
}

function checkMatrix(m: ScoreMatrix): void {
  if (m.scores.length !== m.seeds.length) throw new RangeError(`scores: ${m.scores.length} rows for ${m.seeds.length} seeds`);
  if (m.seeds.length === 0) throw new RangeError('scores: no seeds');
  m.scores.forEach((row, s) => {
    if (row.length !== m.sampleIds.length) throw new RangeError(`scores: seed ${m.seeds[s]} has ${row.length} values for ${m.sampleIds.length} samples`);
    row.forEach((v, i) => {
      if (!Number.isFinite(v)) throw new RangeError(`scores: seed ${m.seeds[s]} sample ${m.sampleIds[i]} is not a finite number (${v})`);
    });
  });
}

/**
 * Interquartile mean: the mean of the middle 50% of the values, dropping floor(n/4) from each end
 * (scipy.stats.trim_mean(x, 0.25), as rliable computes it).
 */
export function interquartileMean(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  const n = sorted.length;
  if (n === 0) throw new RangeError('interquartile mean of no values');
  const cut = Math.floor(n / 4);
  return mean(sorted.subarray(cut, n - cut));
}

export interface CompareBootstrapOptions {
  seed: Seed;
  resamples?: number;
  level?: number;
}

/**
 * A percentile interval of `statistic` over `opts.resamples` bootstrap draws from one seeded stream; `statistic`
 * draws one resample of the [seeds x samples] matrix (k seeds, n samples) and returns its value.
 */
function bootstrapInterval(m: ScoreMatrix, opts: CompareBootstrapOptions, statistic: (rng: Rng, k: number, n: number) => number): Interval {
  checkMatrix(m);
  const resamples = opts.resamples ?? BOOTSTRAP_RESAMPLES;
  const rng = new Rng(opts.seed);
  const k = m.seeds.length;
  const n = m.sampleIds.length;
  if (n === 0) return [0, 0];
  const values = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) values[b] = statistic(rng, k, n);
  return percentileInterval(values, opts.level ?? 0.95);
}

/** Two-level bootstrap of the grand mean: draw seeds with replacement, then samples with replacement within each. */
export function hierarchicalMeanInterval(m: ScoreMatrix, opts: CompareBootstrapOptions): Interval {
  return bootstrapInterval(m, opts, (rng, k, n) => {
    let total = 0;
    for (let s = 0; s < k; s++) {
      const row = m.scores[Math.floor(rng.random() * k)]!;
      let sum = 0;
      for (let i = 0; i < n; i++) sum += row[Math.floor(rng.random() * n)]!;
      total += sum / n;
    }
    return total / k;
  });
}

/** rliable's stratified bootstrap of the IQM: for each sample, its seeds' scores are redrawn with replacement. */
export function stratifiedIqmInterval(m: ScoreMatrix, opts: CompareBootstrapOptions): Interval {
  let drawn: Float64Array | undefined; // Allocated once, after the matrix is checked.
  return bootstrapInterval(m, opts, (rng, k, n) => {
    drawn ??= new Float64Array(k * n);
    for (let i = 0; i < n; i++) {
      for (let s = 0; s < k; s++) drawn![i * k + s] = m.scores[Math.floor(rng.random() * k)]![i]!;
    }
    return interquartileMean(drawn!);
  });
}

export function summarizeScores(m: ScoreMatrix, opts: CompareBootstrapOptions): MetricSummary {
  checkMatrix(m);
  const seedMeans = m.scores.map((row) => mean(row));
  const grand = mean(seedMeans);
  const sd = seedMeans.length > 1 ? Math.sqrt(seedMeans.reduce((s, v) => s + (v - grand) ** 2, 0) / (seedMeans.length - 1)) : 0;
  const rng = new Rng(opts.seed);
  return {
    mean: grand,
    sd,
    interval: hierarchicalMeanInterval(m, { ...opts, seed: rng.split('mean').int(0, 2 ** 31 - 1) }),
    iqm: interquartileMean(m.scores.flat()),
    iqmInterval: stratifiedIqmInterval(m, { ...opts, seed: rng.split('iqm').int(0, 2 ** 31 - 1) }),
    seeds: m.seeds.length,
    samples: m.sampleIds.length,
  };
}

/**
 * Holm-Bonferroni adjusted p-values, in the input order: the i-th smallest p is multiplied by (m - i + 1), and the
 * adjusted values are made non-decreasing in that order (capped at 1). Rejecting adjusted p < alpha controls the
 * family-wise error rate at alpha.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}

export interface MethodPairTest {
  a: string;
  b: string;
  metric: string;
  /** Samples both methods played (scores averaged over each method's seeds). */
  samples: number;
  test: PairedTTestResult;
  /** Holm-adjusted over every comparison of the same call. */
  pHolm: number;
}

/** Per-sample scores averaged over seeds, by sample id. */
function sampleMeans(m: ScoreMatrix): Map<string, number> {
  const out = new Map<string, number>();
  m.sampleIds.forEach((id, i) => out.set(id, mean(m.scores.map((row) => row[i]!))));
  return out;
}

/** Paired t-tests of every pair of methods on every metric, over the samples they share; Holm over all of them. */
export function pairedMethodTests(methods: ReadonlyArray<{ name: string; metrics: Readonly<Record<string, ScoreMatrix>> }>, metrics: readonly string[]): MethodPairTest[] {
  const raw: Omit<MethodPairTest, 'pHolm'>[] = [];
  for (const metric of metrics) {
    for (let x = 0; x < methods.length; x++) {
      for (let y = x + 1; y < methods.length; y++) {
        const ma = methods[x]!;
        const mb = methods[y]!;
        const a = sampleMeans(ma.metrics[metric]!);
        const b = sampleMeans(mb.metrics[metric]!);
        const shared = [...a.keys()].filter((id) => b.has(id));
        if (shared.length < 2) continue;
        raw.push({ a: ma.name, b: mb.name, metric, samples: shared.length, test: pairedTTest(shared.map((id) => a.get(id)!), shared.map((id) => b.get(id)!)) });
      }
    }
  }
  const adjusted = holmAdjust(raw.map((r) => r.test.pValue));
  return raw.map((r, i) => ({ ...r, pHolm: adjusted[i]! }));
}
