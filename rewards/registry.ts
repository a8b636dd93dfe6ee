// The reward-component registry: `rewardWeights` (env config), `--reward-weights` and plugins name components
// by it. The paper's five are built in; a plugin registers more with one call and weights them in by name.
import { NamedRegistry } from '../src/core/named-registry.js';
import { answerFormat, hit, preference, preferenceLift, processFormat, rank } from './components.js';
import type { RewardComponent } from './types.js';

export const rewardComponents = new NamedRegistry<RewardComponent>('reward component', (component, name) => {
  if (typeof component?.compute !== 'function') throw new Error('a reward component is { name, compute(ctx) }');
  if (component.name !== name) throw new Error(`the component is named '${String(component.name)}'`);
});

/** Registers a reward component under its own name: the one call a custom reward needs. */
export function registerReward(component: RewardComponent, options: { description?: string; override?: boolean; source?: string } = {}): void {
  rewardComponents.register(component.name, component, options);
}

registerReward(processFormat, { description: 'eq. 15: reasoning steps near 5 inside <think>' });
registerReward(answerFormat, { description: 'eq. 16: the answer matches RANK LIST: [...]' });
registerReward(hit, { description: 'eq. 17: the target is in the list' });
registerReward(rank, { description: "eq. 18: linear decay with the target's position" });
registerReward(preference, { description: 'eq. 19: cosine of E_T(P_t) and E_T(P*)' });
registerReward(preferenceLift, { description: "ours: eq. 19's cosine above the no-information sentence's, rescaled to [0, 1]" });
