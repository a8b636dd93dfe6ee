// A reward function built from config: named components with weights, each value reported on its own.
// The weights given are merged OVER the defaults (the paper's five, each 1): `{ myReward: 1 }` adds a sixth
// component; `{ preference: null }` leaves one out; `{ hit: 0 }` keeps it in `info.rewards` but out of the sum.
import { z } from 'zod';
import { parseConfig } from '../src/config/load.js';
import { rewardComponents } from './registry.js';
import type { RewardComponent, RewardContext } from './types.js';

/** The paper's five reward components, each weighted 1: what any weights given are merged over. */
export const DEFAULT_REWARD_WEIGHTS: Readonly<Record<string, number>> = Object.freeze({ processFormat: 1, answerFormat: 1, hit: 1, rank: 1, preference: 1 });

/**
 * Weights by component name, merged over DEFAULT_REWARD_WEIGHTS: a weight of 0 keeps the component in
 * `info.rewards` but out of the sum; null leaves the component out altogether.
 */
export const RewardWeightsSchema = z.record(z.string(), z.number().finite().nullable()).default({ ...DEFAULT_REWARD_WEIGHTS });
export type RewardWeights = z.input<typeof RewardWeightsSchema>;

/** `weights` over the defaults, without the components set to null. */
export function mergeRewardWeights(weights: Readonly<Record<string, number | null>> = {}): Record<string, number> {
  const merged: Record<string, number | null> = { ...DEFAULT_REWARD_WEIGHTS, ...weights };
  return Object.fromEntries(Object.entries(merged).filter((e): e is [string, number] => e[1] !== null));
}

export interface RewardBreakdown {
  total: number;
  components: Record<string, number>;
}

export class WeightedReward {
  private readonly entries: { component: RewardComponent; weight: number }[];

  constructor(
    weights: RewardWeights,
    custom: readonly RewardComponent[] = [],
  ) {
    const parsed = mergeRewardWeights(parseConfig(RewardWeightsSchema, weights, 'rewards'));
    // Registered components (built-ins and plugins'), then those passed in (they win on a shared name).
    const available = new Map<string, RewardComponent>(rewardComponents.list().map((e) => [e.name, e.value]));
    for (const component of custom) available.set(component.name, component);
    this.entries = Object.entries(parsed).map(([name, weight]) => {
      const component = available.get(name);
      if (!component) {
        throw new Error(`rewards: unknown component '${name}' (known: ${[...available.keys()].join(', ')})`);
      }
      return { component, weight };
    });
  }

  get names(): string[] {
    return this.entries.map((e) => e.component.name);
  }

  /** Weight by component name (0 = reported, out of the sum). */
  get weights(): Record<string, number> {
    return Object.fromEntries(this.entries.map((e) => [e.component.name, e.weight]));
  }

  /** Needs E_T embeddings of the preferences only when a preference component is weighted in. */
  get needsPreferenceEmbeddings(): boolean {
    return this.entries.some((e) => e.component.name === 'preference' || e.component.name === 'preferenceLift');
  }

  /** Needs E_T of the no-information preference (preferenceLift's baseline). */
  get needsNoInformationEmbedding(): boolean {
    return this.entries.some((e) => e.component.name === 'preferenceLift');
  }

  compute(ctx: RewardContext): RewardBreakdown {
    const components: Record<string, number> = {};
    let total = 0;
    for (const { component, weight } of this.entries) {
      let value = component.compute(ctx);
      // A custom component that returns garbage must not poison the return: count it as 0.
      if (!Number.isFinite(value)) value = 0;
      components[component.name] = value;
      total += weight * value;
    }
    return { total, components };
  }
}
