// A reward function built from config: named components with weights, each value reported on its own.
import { z } from 'zod';
import { parseConfig } from '../src/config/load.js';
import { BUILTIN_REWARDS } from './components.js';
import type { RewardComponent, RewardContext } from './types.js';

/** The paper's five reward components, each weighted 1: the one place the default weights are written. */
export const DEFAULT_REWARD_WEIGHTS: Readonly<Record<string, number>> = Object.freeze({ processFormat: 1, answerFormat: 1, hit: 1, rank: 1, preference: 1 });

/** Weights by component name; a weight of 0 keeps the component in `info.rewards` but out of the sum. */
export const RewardWeightsSchema = z
  .record(z.string(), z.number().finite())
  .default({ ...DEFAULT_REWARD_WEIGHTS });
export type RewardWeights = z.output<typeof RewardWeightsSchema>;

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
    const parsed = parseConfig(RewardWeightsSchema, weights, 'rewards');
    const available = new Map<string, RewardComponent>(Object.entries(BUILTIN_REWARDS));
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

  /** Needs E_T embeddings of the preferences only when a preference component is weighted in. */
  get needsPreferenceEmbeddings(): boolean {
    return this.entries.some((e) => e.component.name === 'preference');
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
