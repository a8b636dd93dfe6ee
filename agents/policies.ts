// The trainable policies the learners can train, by name (`crs-gym train grpo --policy NAME`). 'neural' is the
// setup module's own policy (NeuralRecommender in the built-in setups, built with the trained encoders); a plugin
// registers more with one call: `registries.policies.register('linear', (ctx) => new LinearPolicy(ctx.options))`.
import { NamedRegistry } from '../src/core/named-registry.js';
import type { TrainablePolicy } from './trainable.js';

export interface PolicyContext {
  /** The policy's options (SetupSpec.policy.options; {} from the CLI). */
  options: Record<string, unknown>;
  /** The setup module's own policy (what 'neural' builds). */
  setupPolicy(): Promise<TrainablePolicy>;
}

export type PolicyFactory = (ctx: PolicyContext) => TrainablePolicy | Promise<TrainablePolicy>;

export const policies = new NamedRegistry<PolicyFactory>('trainable policy', (factory) => {
  if (typeof factory !== 'function') throw new Error('a policy is registered as a factory function (ctx) => TrainablePolicy');
});

policies.register('neural', (ctx) => ctx.setupPolicy(), { description: 'the neural recommender (candidate and attribute heads over the trained encoders)' });
