// Offline evaluation of a retriever on recommendation samples, at cold start (no feedback, no preference).
import type { Dataset, ItemId, RecSample } from '../data/types.js';
import { meanMetrics, metricKeys } from '../data/rank-metrics.js';
import type { MetricReport, RankedSample } from '../data/rank-metrics.js';
import { maskQuery } from './types.js';
import type { RetrievalQuery, Retriever, RetrieverInputs } from './types.js';

/** The cold-start query of a sample: its context, I_D items and entities; no feedback, preference or list. */
export function queryFromSample(sample: RecSample): RetrievalQuery {
  return { context: sample.context, contextItems: sample.contextItems, contextEntities: sample.contextEntities };
}

export interface RetrieveRankingsOptions {
  /** Never return the items mentioned in the sample's context (default false: a re-mentioned target counts). */
  excludeContextItems?: boolean;
  /** Ablation switches applied to every query. */
  inputs?: Partial<RetrieverInputs>;
  /** Called after each sample with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

/** The top-`k` ranking of every sample, aligned with `samples` (input of `metricsPerSample` and t-tests). */
export async function retrieveRankings(
  retriever: Retriever,
  samples: readonly RecSample[],
  k: number,
  options: RetrieveRankingsOptions = {},
): Promise<RankedSample[]> {
  const out: RankedSample[] = [];
  for (const sample of samples) {
    const query = maskQuery(queryFromSample(sample), options.inputs);
    const exclude: ReadonlySet<ItemId> | undefined = options.excludeContextItems ? new Set(sample.contextItems) : undefined;
    const scored = await retriever.retrieve(query, k, exclude);
    out.push({ ranking: scored.map((s) => s.id), target: sample.target });
    options.onProgress?.(out.length, samples.length);
  }
  return out;
}

export interface EvaluateRetrieverOptions<K extends number = number, N extends number = number>
  extends RetrieveRankingsOptions {
  /** Recall cut-offs (default [1, 10, 20, 50]). */
  ks?: readonly K[];
  /** NDCG cut-off (default 20, the size of the candidate set). */
  ndcgK?: N;
}

export type DefaultRecallK = 1 | 10 | 20 | 50;
export type DefaultNdcgK = 20;

/** Keyed `recall@1`, `recall@10`, `recall@20`, `recall@50`, `ndcg@20` by default. */
export type RetrieverReport<K extends number = DefaultRecallK, N extends number = DefaultNdcgK> = MetricReport<'recall', K> &
  MetricReport<'ndcg', N>;

/**
 * `recall@k` for each k in `ks` and `ndcg@{ndcgK}`, averaged over `samples` (0 for an empty list).
 * A target missing from the catalogue counts as a miss.
 */
export async function evaluateRetriever<K extends number = DefaultRecallK, N extends number = DefaultNdcgK>(
  retriever: Retriever,
  samples: readonly RecSample[],
  dataset: Dataset,
  options: EvaluateRetrieverOptions<K, N> = {},
): Promise<RetrieverReport<K, N>> {
  // Without options the defaults below match the default type parameters.
  const ks = options.ks ?? ([1, 10, 20, 50] as readonly number[] as readonly K[]);
  const ndcgK = options.ndcgK ?? (20 as N);
  metricKeys([...ks, ndcgK]); // validates the cut-offs before any retrieval work
  const depth = Math.min(Math.max(...ks, ndcgK), Math.max(dataset.items.length, 1));
  const rankings = await retrieveRankings(retriever, samples, depth, options);
  const recall = meanMetrics(rankings, ks, ['recall']);
  const ndcg = meanMetrics(rankings, [ndcgK], ['ndcg']);
  return { ...recall, ...ndcg };
}
