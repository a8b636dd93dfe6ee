// Greedy evaluation of the current weights on a fixed set of samples (for early stopping and learning
// curves). The env seed of each sample is fixed for the run, so evaluations differ only by the weights.
// It is the one src/eval/protocol.ts gives the sample for the same seed, so with the env's default top-10
// acceptance the hit rate by round is exactly the protocol's Recall@10 by round on those samples.
import { Rng } from '../core/rng.js';
import { summarizeEpisodes, type EpisodeSummary } from './metrics.js';
import type { RolloutRunner } from './runner.js';

/** A fixed subset of `ids` (all when `limit` is 0), the same for every evaluation of a run. */
export function evaluationIds(ids: readonly string[], limit: number, seed: number): string[] {
  if (limit === 0 || limit >= ids.length) return ids.slice();
  return new Rng(`${seed}/eval-subset`).sample(ids, limit);
}

/** Plays one greedy episode per id with the runner's current weights. */
export async function evaluatePolicy(runner: RolloutRunner, ids: readonly string[], seed: number): Promise<EpisodeSummary> {
  const specs = ids.map((sampleId) => ({
    sampleId,
    // = sampleEnvSeed(seed, sampleId) of src/eval/protocol.ts (not imported: eval sits above the learners).
    envSeed: new Rng(seed).split(`eval-env/${sampleId}`).uint32(),
    rngSeed: `${seed}/eval/${sampleId}`,
    mode: 'greedy' as const,
  }));
  return summarizeEpisodes(await runner.run(specs));
}
