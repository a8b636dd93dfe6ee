// The plugin: one call registers the linear policy, so `crs-gym train grpo --plugin examples/linear-policy/index.ts
// --policy linear` trains it (options, in code: SetupSpec.policy.options).
import type { PolicyFactory } from '../../agents/policies.js';
import type { NamedRegistry } from '../../src/core/named-registry.js';
import { LinearPolicy, type LinearPolicyOptions } from './policy.js';

export default function register(registries: { policies: NamedRegistry<PolicyFactory>; source?: string }): void {
  registries.policies.register('linear', (ctx) => new LinearPolicy(ctx.options as LinearPolicyOptions), {
    description: 'a linear softmax over six candidate features (examples/linear-policy)',
    ...(registries.source ? { source: registries.source } : {}),
  });
}
