// The simulator's learned heads over E_T and E_C, with one shared trunk (the multi-task part):
//   h = relu(x W1 + b1)                                  x = context features (D, I_D)
//   attribute logits a = h Wa + ba + bag * wcopy         (attribute alignment, 3.2.2)
//   target logit(j) = (h Wu) . (f_j Wv) + pair_j . wp + wov * mean_{a in item j} sigmoid(a) + bt
//                                                        (target prediction, 3.2.3)
//   preference logits p = relu(x W1 + b1 + s Ws) Wa + ba + bag * wcopy + s * wshown
//                                                        (what the feedback states, 3.2.1: list-aware)
// where s = [attribute bag of R_{t-1} | attribute bag of the lists shown before it] (2 x vocab): the
// preference a user states depends on what they were shown; the target head judges items without it.
// Training runs the tfjs forward; inference runs the same arithmetic in plain JS on Float32Arrays (tiny
// batches are much faster that way). A test keeps the two forwards equal.
import type * as tfjs from '@tensorflow/tfjs';
import type { Rng } from '../core/rng.js';
import { vecMatJs, type VecMat } from '../core/vec-mat-kernel.js';

export interface HeadShapes {
  contextDim: number;
  /** Where the vocab bag starts inside x. */
  bagOffset: number;
  vocabSize: number;
  itemDim: number;
  pairDim: number;
  hidden: number;
  /** Size of the user/item interaction space. */
  userDim: number;
}

export const WEIGHT_NAMES = ['W1', 'b1', 'Wa', 'ba', 'wcopy', 'Wu', 'Wv', 'wp', 'wov', 'bt', 'Ws', 'wshown'] as const;
export type WeightName = (typeof WEIGHT_NAMES)[number];
export type HeadWeights = Record<WeightName, Float32Array>;

export function weightShapes(s: HeadShapes): Record<WeightName, number[]> {
  return {
    W1: [s.contextDim, s.hidden],
    b1: [s.hidden],
    Wa: [s.hidden, s.vocabSize],
    ba: [s.vocabSize],
    wcopy: [s.vocabSize],
    Wu: [s.hidden, s.userDim],
    Wv: [s.itemDim, s.userDim],
    wp: [s.pairDim],
    wov: [1],
    bt: [1],
    Ws: [listDim(s), s.hidden],
    wshown: [listDim(s)],
  };
}

/** Length of the shown-lists input s: the bag of R_{t-1} and the bag of the earlier lists. */
export function listDim(s: Pick<HeadShapes, 'vocabSize'>): number {
  return 2 * s.vocabSize;
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Glorot-uniform matrices, zero biases, a small positive copy weight; every draw from `rng`. */
export function initWeights(s: HeadShapes, rng: Rng, attributePrior?: Float32Array): HeadWeights {
  const shapes = weightShapes(s);
  const glorot = (shape: number[]): Float32Array => {
    const [fanIn, fanOut] = shape as [number, number];
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const out = new Float32Array(size(shape));
    for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-limit, limit);
    return out;
  };
  // Attribute biases start at the log-odds of their train frequency, so the head begins as the popularity
  // baseline and learns what the context adds.
  const ba = attributePrior ? Float32Array.from(attributePrior) : new Float32Array(s.vocabSize);
  return {
    W1: glorot(shapes.W1),
    b1: new Float32Array(s.hidden),
    Wa: glorot(shapes.Wa),
    ba,
    wcopy: new Float32Array(s.vocabSize).fill(0.5),
    Wu: glorot(shapes.Wu),
    Wv: glorot(shapes.Wv),
    wp: new Float32Array(s.pairDim),
    wov: new Float32Array([0.5]),
    bt: new Float32Array([-1]),
    Ws: glorot(shapes.Ws),
    wshown: new Float32Array(listDim(s)),
  };
}

export function checkWeights(w: HeadWeights, s: HeadShapes): void {
  const shapes = weightShapes(s);
  for (const name of WEIGHT_NAMES) {
    const expected = size(shapes[name]);
    if (!w[name] || w[name].length !== expected) {
      throw new Error(`simulator weights: '${name}' has ${w[name]?.length ?? 0} values, expected ${expected} (shape ${shapes[name].join('x')})`);
    }
  }
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

// ---------------------------------------------------------------------------------------------------
// Plain-JS forward (inference)

export interface ContextState {
  /** x W1 + b1, before the relu (the preference head adds the shown lists to it). */
  pre: Float32Array;
  h: Float32Array;
  attrLogits: Float32Array;
  attrProbs: Float32Array;
  u: Float32Array;
}

/** Attribute logits from a trunk output h (and, for the preference head, the shown lists s). */
function attributeLogits(w: HeadWeights, s: HeadShapes, h: Float32Array, x: Float32Array, vecMat: VecMat, shown?: Float32Array): { logits: Float32Array; probs: Float32Array } {
  const logits = vecMat(h, w.Wa, s.vocabSize, w.ba);
  const probs = new Float32Array(s.vocabSize);
  const V = s.vocabSize;
  for (let i = 0; i < V; i++) {
    let z = (logits[i] as number) + (x[s.bagOffset + i] as number) * (w.wcopy[i] as number);
    if (shown) z += (shown[i] as number) * (w.wshown[i] as number) + (shown[V + i] as number) * (w.wshown[V + i] as number);
    logits[i] = z;
    probs[i] = sigmoid(z);
  }
  return { logits, probs };
}

export function contextForward(w: HeadWeights, s: HeadShapes, x: Float32Array, vecMat: VecMat = vecMatJs): ContextState {
  const pre = vecMat(x, w.W1, s.hidden, w.b1);
  const h = Float32Array.from(pre, (v) => (v > 0 ? v : 0));
  const { logits: attrLogits, probs: attrProbs } = attributeLogits(w, s, h, x, vecMat);
  const u = vecMat(h, w.Wu, s.userDim);
  return { pre, h, attrLogits, attrProbs, u };
}

/** The preference head: attribute probabilities given the context and the shown lists s (length listDim). */
export function preferenceForward(w: HeadWeights, s: HeadShapes, ctx: ContextState, x: Float32Array, shown: Float32Array, vecMat: VecMat = vecMatJs): Float32Array {
  const h2 = vecMat(shown, w.Ws, s.hidden, ctx.pre);
  for (let j = 0; j < h2.length; j++) if ((h2[j] as number) < 0) h2[j] = 0;
  return attributeLogits(w, s, h2, x, vecMat, shown).probs;
}

/** The item's projection f Wv (f given densely). */
export function itemForward(w: HeadWeights, s: HeadShapes, f: Float32Array, vecMat: VecMat = vecMatJs): Float32Array {
  return vecMat(f, w.Wv, s.userDim);
}

/** The target logit of one item given the context state, its projection, pair features and vocab indices. */
export function targetLogit(
  w: HeadWeights,
  ctx: ContextState,
  itemProjection: Float32Array,
  pair: Float32Array,
  itemIndices: Int32Array,
): number {
  let logit = w.bt[0] as number;
  for (let k = 0; k < itemProjection.length; k++) logit += (ctx.u[k] as number) * (itemProjection[k] as number);
  for (let k = 0; k < pair.length; k++) logit += (pair[k] as number) * (w.wp[k] as number);
  if (itemIndices.length > 0) {
    let overlap = 0;
    for (const i of itemIndices) overlap += ctx.attrProbs[i] as number;
    logit += (w.wov[0] as number) * (overlap / itemIndices.length);
  }
  return logit;
}

// ---------------------------------------------------------------------------------------------------
// tfjs forward (training)

export type HeadVariables = Record<WeightName, tfjs.Variable>;

// tfjs variable names must be unique per process; a counter keeps them so across trainings.
let variableCounter = 0;

export interface TfBatch {
  /** [B, contextDim] */
  X: tfjs.Tensor2D;
  /** [B, L, itemDim] */
  F: tfjs.Tensor3D;
  /** [B, L, vocab]: the item's multi-hot divided by its attribute count. */
  M: tfjs.Tensor3D;
  /** [B, L, pairDim] */
  P: tfjs.Tensor3D;
  /** [B, listDim]: the shown lists (zeros at cold start). */
  S: tfjs.Tensor2D;
}

export function toVariables(tf: typeof tfjs, w: HeadWeights, s: HeadShapes): HeadVariables {
  const shapes = weightShapes(s);
  const out = {} as HeadVariables;
  const tag = variableCounter++;
  for (const name of WEIGHT_NAMES) out[name] = tf.variable(tf.tensor(w[name], shapes[name]), true, `simulator_${tag}_${name}`);
  return out;
}

export function fromVariables(v: HeadVariables): HeadWeights {
  const out = {} as HeadWeights;
  for (const name of WEIGHT_NAMES) out[name] = Float32Array.from(v[name].dataSync() as Float32Array);
  return out;
}

/**
 * Attribute logits [B, V] (no list), preference logits [B, V] (given the shown lists) and target logits [B, L].
 * `dropout` (0..1) applies to both trunk outputs when `dropoutSeed` is given.
 */
export function tfForward(
  tf: typeof tfjs,
  v: HeadVariables,
  s: HeadShapes,
  batch: TfBatch,
  dropout = 0,
  dropoutSeed?: number,
): { attrLogits: tfjs.Tensor2D; preferenceLogits: tfjs.Tensor2D; targetLogits: tfjs.Tensor2D } {
  const [B, L] = batch.F.shape as [number, number, number];
  const V = s.vocabSize;
  const pre = tf.add(tf.matMul(batch.X, v.W1), v.b1);
  let h = tf.relu(pre) as tfjs.Tensor2D;
  let h2 = tf.relu(tf.add(pre, tf.matMul(batch.S, v.Ws))) as tfjs.Tensor2D;
  if (dropout > 0 && dropoutSeed !== undefined) {
    h = tf.dropout(h, dropout, undefined, dropoutSeed) as tfjs.Tensor2D;
    h2 = tf.dropout(h2, dropout, undefined, dropoutSeed + 1) as tfjs.Tensor2D;
  }
  const bag = tf.slice(batch.X, [0, s.bagOffset], [B, V]);
  const copy = tf.mul(bag, v.wcopy);
  const attrLogits = tf.add(tf.add(tf.matMul(h, v.Wa), v.ba), copy) as tfjs.Tensor2D;
  const shownTerm = tf.add(
    tf.mul(tf.slice(batch.S, [0, 0], [B, V]), tf.slice(v.wshown, [0], [V])),
    tf.mul(tf.slice(batch.S, [0, V], [B, V]), tf.slice(v.wshown, [V], [V])),
  );
  const preferenceLogits = tf.add(tf.add(tf.add(tf.matMul(h2, v.Wa), v.ba), copy), shownTerm) as tfjs.Tensor2D;
  const u = tf.matMul(h, v.Wu); // [B, K]
  const itemProj = tf.reshape(tf.matMul(tf.reshape(batch.F, [B * L, s.itemDim]), v.Wv), [B, L, s.userDim]);
  const interaction = tf.sum(tf.mul(itemProj, tf.expandDims(u, 1)), 2); // [B, L]
  const pairTerm = tf.sum(tf.mul(batch.P, v.wp), 2); // [B, L]
  const overlap = tf.reshape(tf.matMul(batch.M, tf.expandDims(tf.sigmoid(attrLogits), 2)), [B, L]);
  const targetLogits = tf.add(tf.add(tf.add(interaction, pairTerm), tf.mul(overlap, v.wov)), v.bt) as tfjs.Tensor2D;
  return { attrLogits, preferenceLogits, targetLogits };
}
