// A small synthetic world for the agent and learner tests: synthetic dataset, BM25, the oracle simulator,
// the hashing encoder, and observations collected by playing a few episodes.
import { Rng } from '../../src/core/rng.js';
import { createEnv, createPolicy } from '../../src/learners/standard-setup.js';
import type { StandardSetupArgs } from '../../src/learners/standard-setup.js';
import type { CrsObservation } from '../../envs/types.js';
import type { CrsEnv } from '../../envs/crs-env.js';
import type { NeuralRecommender } from '../../agents/neural/recommender.js';

export const SMALL_ARGS: StandardSetupArgs = {
  dataset: { name: 'synthetic', seed: 3, items: 60, dialogues: 40 },
  retriever: 'bm25',
  simulator: 'oracle',
  encoder: { kind: 'hash', dim: 64 },
  env: { rounds: 3, rewardWeights: { processFormat: 1, answerFormat: 1, hit: 1, rank: 1, preference: 1 } },
  policy: { hidden: 8, optionHidden: 4, rank: 4 },
};

export async function makeWorld(args: StandardSetupArgs = SMALL_ARGS): Promise<{ env: CrsEnv; policy: NeuralRecommender }> {
  return { env: await createEnv(args), policy: await createPolicy(args) };
}

/** Observations from a few sampled episodes on the train split. */
export async function collectObservations(env: CrsEnv, policy: NeuralRecommender, episodes = 4): Promise<CrsObservation[]> {
  const out: CrsObservation[] = [];
  for (let e = 0; e < episodes; e++) {
    let { observation } = await env.reset({ seed: 100 + e });
    for (;;) {
      out.push(observation);
      const action = (await policy.actWithRecord(observation, new Rng(`obs/${e}/${observation.turn}`), { mode: 'sample' })).action;
      const r = await env.step(action);
      if (r.terminated || r.truncated) break;
      observation = r.observation;
    }
  }
  return out;
}
