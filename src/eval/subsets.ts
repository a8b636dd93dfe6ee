// Per-round metrics of an evaluation, over the complete sample set and over its two subsets:
// new-item samples (the target was NOT mentioned earlier in the dialogue) and repeated samples (it was).
// Recommending an item the user already named is easy, so the new-item numbers are the honest ones.
import { metricAtRank, rankOf } from './metrics.js';
import type { SampleRound, SampleTrace } from './protocol.js';

/** The metrics reported for every round, in report order. */
export const EVAL_METRIC_KEYS = ['recall@1', 'recall@10', 'ndcg@10', 'mrr@10', 'retrieverRecall@20', 'retrieverNdcg@20'] as const;
export type EvalMetricKey = (typeof EVAL_METRIC_KEYS)[number];
export type RoundMetrics = Record<EvalMetricKey, number>;

/** Metrics over one subset, with its size. */
export interface SubsetMetrics extends RoundMetrics {
  samples: number;
}

/** One round's summary: metrics over all samples, the two subsets, and mean rewards per component. */
export interface RoundSummary extends RoundMetrics {
  /** 1-based round t. */
  round: number;
  newItem: SubsetMetrics;
  repeated: SubsetMetrics;
  /** Mean reward per component over the samples that report that component. */
  rewards: Record<string, number>;
}

export type EvalSubset = 'all' | 'newItem' | 'repeated';

/** Cut-offs: the recommender list is scored at 1 and 10, the retriever's candidates at 20 (paper 4.1, 4.4). */
export const RECOMMENDER_KS = [1, 10] as const;
export const RETRIEVER_K = 20;

/** The six metric values of one sample at one round. */
export function sampleRoundMetrics(target: string, round: Pick<SampleRound, 'ranking' | 'candidates'>): RoundMetrics {
  const rank = rankOf(round.ranking, target);
  const candidateRank = rankOf(round.candidates, target);
  return {
    'recall@1': metricAtRank('recall', rank, 1),
    'recall@10': metricAtRank('recall', rank, 10),
    'ndcg@10': metricAtRank('ndcg', rank, 10),
    'mrr@10': metricAtRank('mrr', rank, 10),
    'retrieverRecall@20': metricAtRank('recall', candidateRank, RETRIEVER_K),
    'retrieverNdcg@20': metricAtRank('ndcg', candidateRank, RETRIEVER_K),
  };
}

function roundOf(trace: SampleTrace, round: number): SampleRound {
  const entry = trace.rounds[round - 1];
  if (!entry || entry.round !== round) throw new RangeError(`sample '${trace.sampleId}' has no record for round ${round}`);
  return entry;
}

/** A new-item sample: its target was not mentioned earlier in the dialogue. */
export function isNewItem(trace: Pick<SampleTrace, 'targetInContext'>): boolean {
  return !trace.targetInContext;
}

/** The traces of one subset, in their original order. */
export function subsetTraces<T extends Pick<SampleTrace, 'targetInContext'>>(traces: readonly T[], subset: EvalSubset): T[] {
  if (subset === 'all') return [...traces];
  return traces.filter((t) => isNewItem(t) === (subset === 'newItem'));
}

/** Per-sample values of one metric at one round (aligned with `traces`): the input of paired tests. */
export function perSampleValues(traces: readonly SampleTrace[], round: number, key: EvalMetricKey): number[] {
  return traces.map((t) => sampleRoundMetrics(t.target, roundOf(t, round))[key]);
}

/** Mean of every metric at one round over `traces`; an empty set gives 0 everywhere (never NaN). */
export function roundMetrics(traces: readonly SampleTrace[], round: number): RoundMetrics {
  const sums = Object.fromEntries(EVAL_METRIC_KEYS.map((k) => [k, 0])) as RoundMetrics;
  for (const trace of traces) {
    const values = sampleRoundMetrics(trace.target, roundOf(trace, round));
    for (const key of EVAL_METRIC_KEYS) sums[key] += values[key];
  }
  const n = traces.length;
  for (const key of EVAL_METRIC_KEYS) sums[key] = n === 0 ? 0 : sums[key] / n;
  return sums;
}

function subsetMetrics(traces: readonly SampleTrace[], round: number): SubsetMetrics {
  return { ...roundMetrics(traces, round), samples: traces.length };
}

function meanRewards(traces: readonly SampleTrace[], round: number): Record<string, number> {
  const sums = new Map<string, { total: number; n: number }>();
  for (const trace of traces) {
    for (const [name, value] of Object.entries(roundOf(trace, round).rewards)) {
      if (!Number.isFinite(value)) continue;
      const acc = sums.get(name) ?? { total: 0, n: 0 };
      acc.total += value;
      acc.n += 1;
      sums.set(name, acc);
    }
  }
  const names = [...sums.keys()].sort();
  return Object.fromEntries(names.map((name) => {
    const acc = sums.get(name) as { total: number; n: number };
    return [name, acc.total / acc.n];
  }));
}

/** The summary of one round over the complete set and both subsets. */
export function summarizeRound(traces: readonly SampleTrace[], round: number): RoundSummary {
  return {
    round,
    ...roundMetrics(traces, round),
    newItem: subsetMetrics(subsetTraces(traces, 'newItem'), round),
    repeated: subsetMetrics(subsetTraces(traces, 'repeated'), round),
    rewards: meanRewards(traces, round),
  };
}

/** Summaries for rounds 1..`rounds`. */
export function summarizeRounds(traces: readonly SampleTrace[], rounds: number): RoundSummary[] {
  return Array.from({ length: rounds }, (_, i) => summarizeRound(traces, i + 1));
}
