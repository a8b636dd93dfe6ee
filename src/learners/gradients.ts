// A loss and its gradients with respect to a trainable policy's parameters, as plain Float32Arrays (the
// optimizer runs in JS). The loss function receives the parameters as tensors, in `policy.parameters` order;
// tensors it wants to keep for logging must be `tf.keep`-ed and disposed by the caller.
import type { Scalar, Tensor } from '@tensorflow/tfjs';
import type { Tf } from '../nn/tf.js';
import { parameterTensors, type TrainablePolicy } from '../../agents/trainable.js';

export function lossAndGrads(tf: Tf, policy: Pick<TrainablePolicy, 'parameters'>, lossFn: (params: Tensor[]) => Scalar): { loss: number; grads: Float32Array[] } {
  const list = parameterTensors(tf, policy);
  const f = tf.valueAndGrads((...xs: Tensor[]) => lossFn(xs));
  const { value, grads } = f(list);
  const loss = value.dataSync()[0] as number;
  const out = grads.map((g) => Float32Array.from(g.dataSync()));
  value.dispose();
  grads.forEach((g) => g.dispose());
  list.forEach((t) => t.dispose());
  return { loss, grads: out };
}

/** Adds `b` into `a` (gradient accumulation). */
export function addInto(a: Float32Array[], b: readonly Float32Array[]): void {
  a.forEach((arr, k) => {
    const src = b[k] as Float32Array;
    for (let i = 0; i < arr.length; i++) arr[i] = (arr[i] as number) + (src[i] as number);
  });
}
