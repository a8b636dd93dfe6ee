// The learner registry: `crs-gym train NAME` and `trainRl(NAME, ...)` read it. A learner decides how advantages
// are formed from a batch of rollout groups and which per-step objective is maximized (learner.ts); the rollout
// loop is shared. An unknown name is an error listing the registered ones (never a silent fallback).
import { NamedRegistry } from '../core/named-registry.js';
import type { ResolvedRlConfig } from './config.js';
import { GrpoLearner, ReinforceLearner, RlooLearner, type Learner } from './learner.js';

/** Builds a learner from the resolved RL config. */
export type LearnerFactory = (config: ResolvedRlConfig) => Learner;

export const learners = new NamedRegistry<LearnerFactory>('learner', (factory) => {
  if (typeof factory !== 'function') throw new Error('a learner is a function (config) => Learner');
});

learners.register('grpo', (config) => new GrpoLearner(config), { description: 'GRPO: group-mean baseline, std scaling, clipped ratio objective' });
learners.register('rloo', (config) => new RlooLearner(config), { description: 'RLOO: leave-one-out baseline, clipped ratio objective' });
learners.register('reinforce', (config) => new ReinforceLearner(config), { description: 'REINFORCE with a per-turn moving-average baseline' });

/** The learner registered as `algorithm`; an unknown name fails listing the registered ones. */
export function createLearner(algorithm: string, config: ResolvedRlConfig): Learner {
  return learners.get(algorithm)(config);
}
