// Losses every trainer shares. tf.logSigmoid crashed inside optimizer.minimize on tfjs 4.22 (ml-stack.md),
// so log-sigmoid is written as -softplus(-x), which is also the numerically stable form.
import type { Scalar, Tensor } from '@tensorflow/tfjs';
import { tf } from './tf.js';

/** log(sigmoid(x)), elementwise. */
export function logSigmoid(x: Tensor): Tensor {
  return tf.neg(tf.softplus(tf.neg(x)));
}

/** Bayesian personalized ranking: mean of -log sigmoid(pos - neg). */
export function bprLoss(positive: Tensor, negative: Tensor): Scalar {
  return tf.mean(tf.softplus(tf.sub(negative, positive)));
}

/** Sum of squares of the given tensors, halved (the usual L2 penalty). */
export function l2Penalty(tensors: readonly Tensor[]): Scalar {
  return tf.mul(0.5, tf.addN(tensors.map((t) => tf.sum(tf.square(t))))) as Scalar;
}
