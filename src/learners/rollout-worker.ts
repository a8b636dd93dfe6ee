// Worker side of the rollout pool: one piscina thread holds one env and one policy copy, built from the
// setup spec. The learner broadcasts weights before each batch (transferred Float32Array buffers).
import type { MadeCrsEnv } from '../../envs/crs-env.js';
import type { TrainablePolicy } from '../../agents/trainable.js';
import { buildRolloutParts, type EnvOverrides, type SetupSpec } from './setup.js';
import { runEpisode, type EpisodeRecord, type RolloutSpec } from './rollout.js';

export type RolloutTask =
  | { op: 'init'; setup: SetupSpec; index: number; envOverrides?: EnvOverrides }
  | { op: 'weights'; weights: Float32Array[] }
  | { op: 'run'; specs: RolloutSpec[] };

let env: MadeCrsEnv | undefined;
let policy: TrainablePolicy | undefined;

export default async function handle(task: RolloutTask): Promise<unknown> {
  switch (task.op) {
    case 'init': {
      ({ env, policy } = await buildRolloutParts(task.setup, task.index, task.envOverrides));
      return true;
    }
    case 'weights': {
      if (!policy) throw new Error('rollout worker: weights before init');
      policy.setWeights(task.weights);
      return true;
    }
    case 'run': {
      if (!env || !policy) throw new Error('rollout worker: run before init');
      const out: EpisodeRecord[] = [];
      for (const spec of task.specs) out.push(await runEpisode(env, policy, spec));
      return out;
    }
  }
}
