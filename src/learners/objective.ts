// The policy-gradient objectives in tfjs, with plain-JS references for tests. Per step (one turn's action):
//   clipped (GRPO, RLOO): min(rho A, clip(rho, 1 - eps_low, 1 + eps_high) A), rho = exp(logp - logp_old)
//   REINFORCE:            A logp
//   KL (k3, as TRL):      exp(ref - logp) - (ref - logp) - 1, subtracted with coefficient beta
// Losses are these objectives negated and averaged with weights that implement `loss_type`.
import type { Tensor } from '@tensorflow/tfjs';
import type { Tf } from '../nn/tf.js';

export function clippedSurrogate(ratio: number, advantage: number, epsLow: number, epsHigh: number): number {
  const clipped = Math.min(Math.max(ratio, 1 - epsLow), 1 + epsHigh);
  return Math.min(ratio * advantage, clipped * advantage);
}

export function k3Kl(logp: number, refLogp: number): number {
  const d = refLogp - logp;
  return Math.exp(d) - d - 1;
}

export interface StepTerms {
  /** Objective per step (to maximize), before the KL term. */
  surrogate: Tensor;
  /** Probability ratio per step (1 for REINFORCE). */
  ratio: Tensor;
  /** 1 where the clipped branch was taken. */
  clipped: Tensor;
}

export function clippedSurrogateTf(tf: Tf, logp: Tensor, oldLogp: Tensor, adv: Tensor, epsLow: number, epsHigh: number): StepTerms {
  const ratio = tf.exp(tf.sub(logp, oldLogp));
  const unclipped = tf.mul(ratio, adv);
  const clippedValue = tf.mul(tf.clipByValue(ratio, 1 - epsLow, 1 + epsHigh), adv);
  const surrogate = tf.minimum(unclipped, clippedValue);
  const clipped = tf.cast(tf.less(clippedValue, unclipped), 'float32');
  return { surrogate, ratio, clipped };
}

export function policyGradientTf(tf: Tf, logp: Tensor, adv: Tensor): StepTerms {
  return { surrogate: tf.mul(adv, logp), ratio: tf.onesLike(logp), clipped: tf.zerosLike(logp) };
}

export function k3KlTf(tf: Tf, logp: Tensor, refLogp: Tensor): Tensor {
  const d = tf.sub(refLogp, logp);
  return tf.sub(tf.sub(tf.exp(d), d), 1);
}

export type LossType = 'grpo' | 'bnpo' | 'dr_grpo';

/**
 * Per-step weights of a micro-batch: 'grpo' averages each episode's turns then the episodes; 'bnpo' averages
 * all turns; 'dr_grpo' sums turns and divides by (episodes x rounds). `episodeOfStep[s]` = episode index.
 */
export function lossWeights(episodeOfStep: readonly number[], lossType: LossType, rounds: number): Float32Array {
  const counts = new Map<number, number>();
  for (const e of episodeOfStep) counts.set(e, (counts.get(e) ?? 0) + 1);
  const episodes = counts.size;
  const steps = episodeOfStep.length;
  return Float32Array.from(episodeOfStep, (e) => {
    if (lossType === 'grpo') return 1 / ((counts.get(e) as number) * episodes);
    if (lossType === 'bnpo') return 1 / steps;
    return 1 / (episodes * rounds);
  });
}
