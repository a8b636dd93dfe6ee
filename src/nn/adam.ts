// Adam bound to a fixed list of variables. tfjs's Adam keeps its moment estimates by position in the
// variable list, so one optimizer must always see the same list; binding it here makes that impossible
// to get wrong. Optional clipping by global norm.
import type { AdamOptimizer, Scalar, Tensor, Variable } from '@tensorflow/tfjs';
import { tf } from './tf.js';

export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Rescale the gradients when their global L2 norm exceeds this. */
  clipNorm?: number;
}

/** Scales all tensors by min(1, maxNorm / their global L2 norm). */
export function clipByGlobalNorm(tensors: readonly Tensor[], maxNorm: number): Tensor[] {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(tensors.map((g) => tf.sum(tf.square(g)))));
    const scale = tf.minimum(1, tf.div(maxNorm, tf.maximum(norm, 1e-12)));
    return tensors.map((g) => tf.mul(g, scale));
  });
}

export class Adam {
  private readonly optimizer: AdamOptimizer;
  private readonly vars: Variable[];
  private readonly clipNorm: number | undefined;
  private steps = 0;

  constructor(variables: readonly Variable[], options: AdamOptions) {
    if (!(options.learningRate > 0)) throw new RangeError(`Adam: learningRate must be > 0, got ${options.learningRate}`);
    if (options.clipNorm !== undefined && !(options.clipNorm > 0)) throw new RangeError(`Adam: clipNorm must be > 0`);
    this.vars = variables.filter((v) => v.trainable);
    if (this.vars.length === 0) throw new Error('Adam: no trainable variables');
    this.optimizer = tf.train.adam(options.learningRate, options.beta1 ?? 0.9, options.beta2 ?? 0.999, options.epsilon ?? 1e-8);
    this.clipNorm = options.clipNorm;
  }

  /** Number of update steps taken. */
  get iterations(): number {
    return this.steps;
  }

  /** One update on the loss returned by `loss`; returns the loss value (before the update). */
  step(loss: () => Scalar): number {
    this.steps++;
    if (this.clipNorm === undefined) {
      const value = this.optimizer.minimize(loss, true, this.vars);
      if (!value) throw new Error('Adam.step: loss function returned nothing');
      const out = value.dataSync()[0] as number;
      value.dispose();
      return out;
    }
    const clip = this.clipNorm;
    const { value, grads } = tf.variableGrads(loss, this.vars);
    const names = Object.keys(grads);
    const scaled = clipByGlobalNorm(names.map((name) => grads[name] as Tensor), clip);
    const clipped = names.map((name, i) => ({ name, tensor: scaled[i] as Tensor }));
    this.optimizer.applyGradients(clipped);
    const out = value.dataSync()[0] as number;
    tf.dispose([value, grads, clipped.map((c) => c.tensor)]);
    return out;
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
