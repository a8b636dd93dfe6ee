// Seeded parameter initialization. Values are drawn in JS from our Rng (not from tfjs's own seeded
// initializers), so a seed gives the same weights on every backend and in every worker.
import type { Tensor, Tensor2D, Variable } from '@tensorflow/tfjs';
import type { Rng } from '../core/rng.js';
import type { ParamStore } from './params.js';
import { tf } from './tf.js';

/** `size` draws from U(-limit, limit). */
export function uniformValues(rng: Rng, size: number, limit: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.uniform(-limit, limit);
  return out;
}

/** `size` draws from N(0, std²). */
export function normalValues(rng: Rng, size: number, std: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.normal(0, std);
  return out;
}

/** Glorot/Xavier uniform for a [fanIn, fanOut] weight matrix. */
export function glorotUniform(rng: Rng, fanIn: number, fanOut: number): Float32Array {
  return uniformValues(rng, fanIn * fanOut, Math.sqrt(6 / (fanIn + fanOut)));
}

export interface DenseParams {
  /** [inDim, outDim] */
  w: Variable;
  /** [outDim], or undefined for a layer without bias */
  b: Variable | undefined;
}

/**
 * Adds `${name}.w` (Glorot uniform, drawn from rng.split(name)) and `${name}.b` (zeros) to the store.
 */
export function initDense(
  store: ParamStore,
  name: string,
  inDim: number,
  outDim: number,
  rng: Rng,
  options: { bias?: boolean } = {},
): DenseParams {
  const w = store.add(`${name}.w`, [inDim, outDim], glorotUniform(rng.split(name), inDim, outDim));
  const b = options.bias === false ? undefined : store.add(`${name}.b`, [outDim], new Float32Array(outDim));
  return { w, b };
}

/** x · w + b for x of shape [batch, inDim]. */
export function applyDense(x: Tensor, layer: DenseParams): Tensor2D {
  const y = tf.matMul(x as Tensor2D, layer.w as unknown as Tensor2D);
  return (layer.b ? tf.add(y, layer.b) : y) as Tensor2D;
}
