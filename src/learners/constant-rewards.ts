// Reward components that cannot vary within a batch (e.g. the format rewards of a policy that always writes a
// well-formed answer: 1.000 +/- 0). Under group normalisation they cancel anyway; under 'batch' or 'none' scaling
// with 'return' advantages, or against a moving baseline, they shift the signal by turn-dependent amounts and
// blur the advantage. Detected per batch, reported in the log, and (with exclude_constant_rewards) taken out of
// the rewards the advantages are formed from.
import type { EpisodeRecord } from './rollout.js';

/** Tolerance of "the same value": the components are sums of a few float terms. */
const SAME = 1e-9;

/**
 * The components of `info.rewards` that take one value at every played turn of the batch, with that value
 * (components missing at some turn are not constant). Fewer than two played turns: none (nothing to compare).
 */
export function constantRewardComponents(episodes: readonly { steps: readonly { rewards: Readonly<Record<string, number>> }[] }[]): Record<string, number> {
  const steps = episodes.flatMap((e) => e.steps);
  if (steps.length < 2) return {};
  const first = steps[0]!.rewards;
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(first)) {
    if (steps.every((s) => name in s.rewards && Math.abs((s.rewards[name] as number) - value) <= SAME)) out[name] = value;
  }
  return out;
}

/**
 * Each played turn's reward minus the weighted constant components: `weights` are the env's (EpisodeRecord's
 * rewardWeights; a component without a weight is not in the sum, so nothing is taken out for it).
 */
export function rewardsWithoutConstants(episode: Pick<EpisodeRecord, 'rewards' | 'rewardWeights'>, constants: Readonly<Record<string, number>>): number[] {
  let shift = 0;
  for (const [name, value] of Object.entries(constants)) shift += (episode.rewardWeights?.[name] ?? 0) * value;
  return shift === 0 ? episode.rewards.slice() : episode.rewards.map((r) => r - shift);
}
