// Summaries of rollout batches for logs: per-component reward mean and std over played turns, returns,
// hit rates, and the policy's first-position entropies.
import type { EpisodeRecord } from './rollout.js';
import type { BestModelMetric } from './config.js';
import { std } from './advantages.js';

function mean(xs: readonly number[]): number {
  return xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

export interface EpisodeSummary {
  episodes: number;
  turns: number;
  /** Mean and std of the weighted per-turn reward. */
  reward_mean: number;
  reward_std: number;
  return_mean: number;
  /** Share of episodes whose target made the list in some round. */
  hit_rate: number;
  /** Share of episodes with a hit in round 1. */
  hit_rate_round1: number;
  /**
   * Per round t = 1..T: share of episodes with a hit in round t or before. With the env's default top-10
   * acceptance (a hit ends the episode, the paper's protocol carries the list on) this is Recall@10 at
   * round t of greedy evaluations; the last entry equals hit_rate.
   */
  hit_rate_by_round: number[];
  /** Share of played turns whose candidates held the target. */
  candidate_recall: number;
  /** Mean rounds played. */
  episode_length: number;
  entropy_ranking: number;
  entropy_attributes: number;
  /** Per component: mean and std over played turns. */
  rewards: Record<string, { mean: number; std: number }>;
}

export function summarizeEpisodes(episodes: readonly EpisodeRecord[]): EpisodeSummary {
  const steps = episodes.flatMap((e) => e.steps);
  const components = new Map<string, number[]>();
  for (const s of steps) for (const [k, v] of Object.entries(s.rewards)) (components.get(k) ?? components.set(k, []).get(k)!).push(v);
  const rewards: Record<string, { mean: number; std: number }> = {};
  for (const [k, values] of components) rewards[k] = { mean: mean(values), std: std(values) };
  const perTurn = steps.map((s) => s.reward);
  return {
    episodes: episodes.length,
    turns: steps.length,
    reward_mean: mean(perTurn),
    reward_std: std(perTurn),
    return_mean: mean(episodes.map((e) => e.rewards.reduce((a, b) => a + b, 0))),
    hit_rate: mean(episodes.map((e) => (e.firstHit > 0 ? 1 : 0))),
    hit_rate_round1: mean(episodes.map((e) => (e.firstHit === 1 ? 1 : 0))),
    hit_rate_by_round: Array.from({ length: Math.max(0, ...episodes.map((e) => e.rounds)) }, (_, t) => mean(episodes.map((e) => (e.firstHit > 0 && e.firstHit <= t + 1 ? 1 : 0)))),
    candidate_recall: mean(episodes.flatMap((e) => e.targetInCandidates.map((b) => (b ? 1 : 0)))),
    episode_length: mean(episodes.map((e) => e.steps.length)),
    entropy_ranking: mean(steps.map((s) => s.entropy?.['ranking'] ?? 0)),
    entropy_attributes: mean(steps.map((s) => s.entropy?.['attributes'] ?? 0)),
    rewards,
  };
}

/** The evaluation metric a learner maximizes when it keeps its best weights (config metric_for_best_model). */
export function bestModelMetric(summary: EpisodeSummary, which: BestModelMetric): number {
  if (which === 'hit' || which === 'recall@10') return summary.hit_rate;
  if (which === 'recall@10-mean') return summary.hit_rate_by_round.reduce((a, b) => a + b, 0) / Math.max(1, summary.hit_rate_by_round.length);
  if (which === 'reward') return summary.reward_mean;
  return summary.rewards['rank']?.mean ?? 0;
}
