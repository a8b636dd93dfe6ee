// Ranking metrics for one relevant item per sample (the CRS convention: each sample has a single target).
import type { ItemId } from './types.js';

export type MetricName = 'recall' | 'ndcg' | 'mrr';
export const METRIC_NAMES: readonly MetricName[] = ['recall', 'ndcg', 'mrr'];

/** A metric key such as `recall@10`, `ndcg@10`, `mrr@10`. */
export type MetricKey<N extends MetricName = MetricName, K extends number = number> = `${N}@${K}`;
/**
 * Metric values by key. With literal cut-offs (`meanMetrics(s, [1, 10])`) the keys are a finite union, so
 * `report['recall@10']` is a plain number.
 */
export type MetricReport<N extends MetricName = MetricName, K extends number = number> = Record<MetricKey<N, K>, number>;

/** One ranked list and the sample's target item. */
export interface RankedSample {
  ranking: readonly ItemId[];
  target: ItemId;
}

/** 1-based position of the first occurrence of `target` in `ranking`, or 0 when absent. */
export function rankOf(ranking: readonly ItemId[], target: ItemId): number {
  return ranking.indexOf(target) + 1;
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`metric cut-off k must be a positive integer, got ${k}`);
}

/** Value of a metric for a target found at 1-based `rank` (0 = absent), cut at `k`. */
export function metricAtRank(name: MetricName, rank: number, k: number): number {
  checkK(k);
  if (rank < 1 || rank > k) return 0;
  switch (name) {
    case 'recall':
      return 1;
    case 'ndcg':
      // A single relevant item makes the ideal DCG 1, so NDCG is its discounted gain alone.
      return 1 / Math.log2(rank + 1);
    case 'mrr':
      return 1 / rank;
  }
}

/** 1 if the target is in the first `k` items, else 0. */
export function recallAtK(ranking: readonly ItemId[], target: ItemId, k: number): number {
  return metricAtRank('recall', rankOf(ranking, target), k);
}

/** 1/log2(pos+1) if the target is at 1-based position pos <= k, else 0. */
export function ndcgAtK(ranking: readonly ItemId[], target: ItemId, k: number): number {
  return metricAtRank('ndcg', rankOf(ranking, target), k);
}

/** 1/pos if the target is at 1-based position pos <= k, else 0. */
export function mrrAtK(ranking: readonly ItemId[], target: ItemId, k: number): number {
  return metricAtRank('mrr', rankOf(ranking, target), k);
}

/** The keys `meanMetrics` returns for `ks` and `names`, in a stable order (by metric, then by k). */
export function metricKeys(ks: readonly number[], names: readonly MetricName[] = METRIC_NAMES): MetricKey[] {
  ks.forEach(checkK);
  const sorted = [...new Set(ks)].sort((a, b) => a - b);
  return names.flatMap((name) => sorted.map((k) => `${name}@${k}` as MetricKey));
}

function parseKey(key: MetricKey): { name: MetricName; k: number } {
  const [name, k] = key.split('@') as [MetricName, string];
  return { name, k: Number(k) };
}

/**
 * Per-sample values of every metric, keyed like `recall@10`; the input of paired significance tests.
 * Each array is aligned with `samples`.
 */
export function metricsPerSample<K extends number, N extends MetricName = MetricName>(
  samples: readonly RankedSample[],
  ks: readonly K[],
  names: readonly N[] = METRIC_NAMES as readonly N[],
): Record<MetricKey<N, K>, number[]> {
  const keys = metricKeys(ks, names);
  const ranks = samples.map((s) => rankOf(s.ranking, s.target));
  const out = {} as Record<MetricKey<N, K>, number[]>;
  for (const key of keys) {
    const { name, k } = parseKey(key);
    out[key as MetricKey<N, K>] = ranks.map((rank) => metricAtRank(name, rank, k));
  }
  return out;
}

/**
 * Mean of every metric over the samples, keyed `recall@k`, `ndcg@k`, `mrr@k` for each k in `ks`.
 * An empty sample list gives 0 for every key (never NaN).
 */
export function meanMetrics<K extends number, N extends MetricName = MetricName>(
  samples: readonly RankedSample[],
  ks: readonly K[],
  names: readonly N[] = METRIC_NAMES as readonly N[],
): MetricReport<N, K> {
  const perSample = metricsPerSample(samples, ks, names);
  const out = {} as MetricReport<N, K>;
  for (const [key, values] of Object.entries(perSample) as [MetricKey<N, K>, number[]][]) {
    out[key] = values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
  }
  return out;
}
