// What distinguishes GRPO, RLOO and REINFORCE-with-baseline: how advantages are formed from a batch of
// rollout groups, and which per-step objective is maximized. The loop in rl.ts is shared; the learners are
// registered by name in registry.ts (a plugin registers more).
import type { Tensor } from '@tensorflow/tfjs';
import type { Tf } from '../nn/tf.js';
import { groupAdvantages, MovingBaseline, type AdvantageOptions } from './advantages.js';
import type { ResolvedRlConfig, RlAlgorithm } from './config.js';
import { clippedSurrogateTf, policyGradientTf, type StepTerms } from './objective.js';

export interface Learner {
  readonly algorithm: RlAlgorithm;
  /** Advantages of the played turns: groups[k][i][t] = reward of rollout i of group k at turn t. */
  advantages(groups: readonly (readonly (readonly number[])[])[], rounds: number): number[][][];
  /** Per-step objective (to maximize, before the KL term) from new and old log-probs and advantages. */
  objective(tf: Tf, logp: Tensor, oldLogp: Tensor, advantages: Tensor): StepTerms;
  /** State carried across iterations (checkpointed); null when there is none. */
  state(): unknown;
  load(state: unknown): void;
}

function options(config: ResolvedRlConfig, rounds: number): Omit<AdvantageOptions, 'baseline'> {
  return { mode: config.advantage, gamma: config.gamma, scale: config.scale_rewards, rounds };
}

/** GRPO: group-mean baseline, std scaling ('group' by default), clipped ratio objective. */
export class GrpoLearner implements Learner {
  readonly algorithm: RlAlgorithm = 'grpo';
  constructor(protected readonly config: ResolvedRlConfig) {}
  advantages(groups: readonly (readonly (readonly number[])[])[], rounds: number): number[][][] {
    return groupAdvantages(groups, { ...options(this.config, rounds), baseline: 'group-mean' });
  }
  objective(tf: Tf, logp: Tensor, oldLogp: Tensor, adv: Tensor): StepTerms {
    return clippedSurrogateTf(tf, logp, oldLogp, adv, this.config.epsilon, this.config.epsilon_high);
  }
  state(): unknown {
    return null;
  }
  load(): void {}
}

/** RLOO: leave-one-out baseline (the mean of the other G-1 rollouts), same clipped objective. */
export class RlooLearner extends GrpoLearner {
  override readonly algorithm: RlAlgorithm = 'rloo';
  override advantages(groups: readonly (readonly (readonly number[])[])[], rounds: number): number[][][] {
    return groupAdvantages(groups, { ...options(this.config, rounds), baseline: 'leave-one-out' });
  }
}

/** REINFORCE with a per-turn moving-average baseline; plain policy gradient A * log pi. */
export class ReinforceLearner implements Learner {
  readonly algorithm: RlAlgorithm = 'reinforce';
  private readonly baseline: MovingBaseline;
  constructor(private readonly config: ResolvedRlConfig) {
    this.baseline = new MovingBaseline(config.baseline_momentum);
  }
  advantages(groups: readonly (readonly (readonly number[])[])[], rounds: number): number[][][] {
    return this.baseline.advantages(groups, options(this.config, rounds));
  }
  objective(tf: Tf, logp: Tensor, _old: Tensor, adv: Tensor): StepTerms {
    return policyGradientTf(tf, logp, adv);
  }
  state(): unknown {
    return { baseline: this.baseline.values.slice() };
  }
  load(state: unknown): void {
    const values = (state as { baseline?: unknown } | null)?.baseline;
    this.baseline.values = Array.isArray(values) ? values.filter((v): v is number => typeof v === 'number') : [];
  }
}
