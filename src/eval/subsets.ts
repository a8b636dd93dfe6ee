// Per-round metrics of an evaluation, over the complete sample set and over its two subsets:
// new-item samples (the target was NOT mentioned earlier in the dialogue) and repeated samples (it was).
// Recommending an item the user already named is easy, so the new-item numbers are the honest ones.
// Every metric comes in two blocks from the same play (see protocol.ts): cumulative (a sample keeps the list of
// the first round the env accepted) and per turn (each round's own list).
import { metricAtRank, rankOf } from './metrics.js';
import type { SampleRound, SampleTrace } from './trace.js';
import { bootstrapMeanIntervals, type Interval } from './bootstrap.js';
import { feedbackStats, type FeedbackStats } from './feedback-stats.js';

/** The metrics reported for every round, in report order. */
export const EVAL_METRIC_KEYS = ['recall@1', 'recall@10', 'ndcg@10', 'mrr@10', 'retrieverRecall@20', 'retrieverNdcg@20'] as const;
export type EvalMetricKey = (typeof EVAL_METRIC_KEYS)[number];
export type RoundMetrics = Record<EvalMetricKey, number>;

/** 95% bootstrap intervals over samples, per metric ([low, high]). */
export type MetricIntervals = Record<EvalMetricKey, Interval>;

/** Metrics over one subset, with its size. */
export interface SubsetMetrics extends RoundMetrics {
  samples: number;
  /** 95% bootstrap intervals of the metrics (absent when not computed). */
  ci95?: MetricIntervals;
}

/** One round's summary: metrics over all samples, the two subsets, and mean rewards per component. */
export interface RoundSummary extends RoundMetrics {
  /** 1-based round t. */
  round: number;
  newItem: SubsetMetrics;
  repeated: SubsetMetrics;
  /** Mean reward per component over the samples that report that component. */
  rewards: Record<string, number>;
  /** 95% bootstrap intervals of the metrics over all samples (absent when not computed). */
  ci95?: MetricIntervals;
}

export type EvalSubset = 'all' | 'newItem' | 'repeated';

/**
 * Which list a round is scored on. 'cumulative': success by turn t (a sample keeps the list of the first round
 * the env accepted, as if the episode had stopped there); 'perTurn': round t's own list.
 */
export type EvalBlock = 'cumulative' | 'perTurn';
export const EVAL_BLOCKS: readonly EvalBlock[] = ['cumulative', 'perTurn'];

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

/** The round a block scores at round `round`: that round's own, or (cumulative) the first accepted one before it. */
export function roundOf(trace: SampleTrace, round: number, block: EvalBlock = 'cumulative'): SampleRound {
  const entry = trace.rounds[round - 1];
  if (!entry || entry.round !== round) throw new RangeError(`sample '${trace.sampleId}' has no record for round ${round}`);
  if (block === 'perTurn' || trace.acceptedRound === 0 || trace.acceptedRound >= round) return entry;
  return trace.rounds[trace.acceptedRound - 1] as SampleRound;
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
export function perSampleValues(traces: readonly SampleTrace[], round: number, key: EvalMetricKey, block: EvalBlock = 'cumulative'): number[] {
  return traces.map((t) => sampleRoundMetrics(t.target, roundOf(t, round, block))[key]);
}

/** Mean of every metric at one round over `traces`; an empty set gives 0 everywhere (never NaN). */
export function roundMetrics(traces: readonly SampleTrace[], round: number, block: EvalBlock = 'cumulative'): RoundMetrics {
  const sums = Object.fromEntries(EVAL_METRIC_KEYS.map((k) => [k, 0])) as RoundMetrics;
  for (const trace of traces) {
    const values = sampleRoundMetrics(trace.target, roundOf(trace, round, block));
    for (const key of EVAL_METRIC_KEYS) sums[key] += values[key];
  }
  const n = traces.length;
  for (const key of EVAL_METRIC_KEYS) sums[key] = n === 0 ? 0 : sums[key] / n;
  return sums;
}

function subsetMetrics(traces: readonly SampleTrace[], round: number, block: EvalBlock): SubsetMetrics {
  return { ...roundMetrics(traces, round, block), samples: traces.length };
}

function meanRewards(traces: readonly SampleTrace[], round: number, block: EvalBlock): Record<string, number> {
  const sums = new Map<string, { total: number; n: number }>();
  for (const trace of traces) {
    for (const [name, value] of Object.entries(roundOf(trace, round, block).rewards)) {
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
export function summarizeRound(traces: readonly SampleTrace[], round: number, block: EvalBlock = 'cumulative'): RoundSummary {
  return {
    round,
    ...roundMetrics(traces, round, block),
    newItem: subsetMetrics(subsetTraces(traces, 'newItem'), round, block),
    repeated: subsetMetrics(subsetTraces(traces, 'repeated'), round, block),
    rewards: meanRewards(traces, round, block),
  };
}

/** Summaries for rounds 1..`rounds`. */
export function summarizeRounds(traces: readonly SampleTrace[], rounds: number, block: EvalBlock = 'cumulative'): RoundSummary[] {
  return Array.from({ length: rounds }, (_, i) => summarizeRound(traces, i + 1, block));
}

/**
 * Adds 95% bootstrap intervals (over samples, `BOOTSTRAP_RESAMPLES` resamples) to every metric of
 * `summaries`, for all samples and within each subset (resampled within the subset). Seeded: the same traces and
 * seed give the same intervals.
 */
export function withIntervals(summaries: readonly RoundSummary[], traces: readonly SampleTrace[], block: EvalBlock, seed: number | string): RoundSummary[] {
  const rounds = summaries.length;
  const intervalsOf = (subset: EvalSubset): MetricIntervals[] => {
    const members = subsetTraces(traces, subset);
    // One row per sample: every metric of every round, so one resample of the samples serves them all.
    const rows = members.map((t) => Array.from({ length: rounds }, (_, i) => EVAL_METRIC_KEYS.map((k) => sampleRoundMetrics(t.target, roundOf(t, i + 1, block))[k])).flat());
    const flat = bootstrapMeanIntervals(rows, { seed: `${String(seed)}/bootstrap/${block}/${subset}`, columns: rounds * EVAL_METRIC_KEYS.length });
    return Array.from({ length: rounds }, (_, i) => Object.fromEntries(EVAL_METRIC_KEYS.map((k, j) => [k, flat[i * EVAL_METRIC_KEYS.length + j] as Interval])) as MetricIntervals);
  };
  const [all, newItem, repeated] = (['all', 'newItem', 'repeated'] as const).map(intervalsOf) as [MetricIntervals[], MetricIntervals[], MetricIntervals[]];
  return summaries.map((r, i) => ({
    ...r,
    newItem: { ...r.newItem, ci95: newItem[i] as MetricIntervals },
    repeated: { ...r.repeated, ci95: repeated[i] as MetricIntervals },
    ci95: all[i] as MetricIntervals,
  }));
}

/** Both blocks (with intervals) and the feedback statistics of a play: what an EvalRun holds besides its traces. */
export function summarizeRun(traces: readonly SampleTrace[], rounds: number, seed: number): { rounds: RoundSummary[]; perTurnRounds: RoundSummary[]; feedback: FeedbackStats } {
  return {
    rounds: withIntervals(summarizeRounds(traces, rounds, 'cumulative'), traces, 'cumulative', seed),
    perTurnRounds: withIntervals(summarizeRounds(traces, rounds, 'perTurn'), traces, 'perTurn', seed),
    feedback: feedbackStats(traces, seed),
  };
}
