// The neural recommender's forward in tfjs: the same scores as model.ts, differentiable in the parameters,
// batched over steps with padding. Everything that depends only on the recorded actions (which item was
// chosen at which position, which items were still available) is precomputed in JS as 0/1 masks, so the
// Plackett-Luce log-likelihood needs no gather (whose gradient is slow on wasm).
import type { Tensor, Tensor1D } from '@tensorflow/tfjs';
import type { Tf } from '../../src/nn/tf.js';
import { NUM_CANDIDATE_FEATURES, NUM_OPTION_FEATURES, type StepInputs } from './features.js';
import { PARAM_NAMES, paramShapes, type ModelShape, type ParamName, type PolicyParams } from './model.js';

/** What a batch row needs: the step's inputs and the action taken (candidate and option indices). */
export interface ActionSource {
  inputs: StepInputs;
  /** Chosen candidate indices, best first. */
  ranking: ArrayLike<number>;
  /** Chosen option indices, STOP (a-1) included when it was drawn. */
  attributes: ArrayLike<number>;
}

export interface TfBatch {
  size: number;
  x: Tensor;
  itemEmb: Tensor;
  query: Tensor;
  g: Tensor;
  rankChosen: Tensor;
  rankAvail: Tensor;
  rankStep: Tensor;
  optChosen: Tensor;
  optAvail: Tensor;
  optStep: Tensor;
  dispose(): void;
}

export type TfParams = Record<ParamName, Tensor>;

/** The named parameter tensors of a list in PARAM_NAMES order (the TrainablePolicy layout). */
export function tfParamsOf(list: readonly Tensor[]): TfParams {
  if (list.length !== PARAM_NAMES.length) throw new RangeError(`neural policy: expected ${PARAM_NAMES.length} parameter tensors, got ${list.length}`);
  const out = {} as TfParams;
  PARAM_NAMES.forEach((name, i) => (out[name] = list[i] as Tensor));
  return out;
}

const BIG = 1e9;

/** Chosen one-hots, availability masks and step masks of PL prefixes, padded to [B, K, N]. */
function plMasks(orders: ArrayLike<number>[], sizes: number[], K: number, N: number, blockStopFirst: boolean) {
  const B = orders.length;
  const chosen = new Float32Array(B * K * N);
  const avail = new Float32Array(B * K * N);
  const step = new Float32Array(B * K);
  for (let b = 0; b < B; b++) {
    const order = orders[b] as ArrayLike<number>;
    const n = sizes[b] as number;
    const used = new Uint8Array(n);
    for (let k = 0; k < order.length; k++) {
      const base = (b * K + k) * N;
      for (let i = 0; i < n; i++) if (!used[i] && !(blockStopFirst && k === 0 && i === n - 1)) avail[base + i] = 1;
      const c = order[k] as number;
      chosen[base + c] = 1;
      used[c] = 1;
      step[b * K + k] = 1;
    }
  }
  return { chosen, avail, step };
}

/** Builds padded input tensors for a batch of recorded steps. Call `dispose()` when done. */
export function makeTfBatch(tf: Tf, shape: ModelShape, rows: readonly ActionSource[]): TfBatch {
  const B = rows.length;
  if (B === 0) throw new RangeError('makeTfBatch: empty batch');
  const F = NUM_CANDIDATE_FEATURES;
  const G = NUM_OPTION_FEATURES;
  const d = shape.dim;
  const N = Math.max(1, ...rows.map((r) => r.inputs.n));
  const A = Math.max(1, ...rows.map((r) => r.inputs.a));
  const K = Math.max(1, ...rows.map((r) => r.ranking.length));
  const M = Math.max(1, ...rows.map((r) => r.attributes.length));
  const x = new Float32Array(B * N * F);
  const itemEmb = new Float32Array(B * N * d);
  const query = new Float32Array(B * 3 * d);
  const g = new Float32Array(B * A * G);
  rows.forEach((r, b) => {
    const inp = r.inputs;
    if (inp.itemEmb.length !== inp.n * d || inp.query.length !== 3 * d) {
      throw new RangeError(`makeTfBatch: row ${b} has embeddings of size ${inp.itemEmb.length / Math.max(1, inp.n)}, the model expects ${d}`);
    }
    x.set(inp.x, b * N * F);
    itemEmb.set(inp.itemEmb, b * N * d);
    query.set(inp.query, b * 3 * d);
    g.set(inp.g, b * A * G);
  });
  const rank = plMasks(rows.map((r) => r.ranking), rows.map((r) => r.inputs.n), K, N, false);
  const opt = plMasks(rows.map((r) => r.attributes), rows.map((r) => r.inputs.a), M, A, true);
  const tensors = {
    x: tf.tensor3d(x, [B, N, F]),
    itemEmb: tf.tensor3d(itemEmb, [B, N, d]),
    query: tf.tensor2d(query, [B, 3 * d]),
    g: tf.tensor3d(g, [B, A, G]),
    rankChosen: tf.tensor3d(rank.chosen, [B, K, N]),
    rankAvail: tf.tensor3d(rank.avail, [B, K, N]),
    rankStep: tf.tensor2d(rank.step, [B, K]),
    optChosen: tf.tensor3d(opt.chosen, [B, M, A]),
    optAvail: tf.tensor3d(opt.avail, [B, M, A]),
    optStep: tf.tensor2d(opt.step, [B, M]),
  };
  return {
    size: B,
    ...tensors,
    dispose: () => Object.values(tensors).forEach((t) => t.dispose()),
  };
}

/** The parameters as tensors (the caller disposes them). */
export function paramsToTensors(tf: Tf, shape: ModelShape, params: PolicyParams): TfParams {
  const shapes = paramShapes(shape);
  const out = {} as TfParams;
  for (const name of PARAM_NAMES) out[name] = tf.tensor(params[name], shapes[name]);
  return out;
}

/** Sum over PL positions of (chosen logit - logsumexp of the available logits); logits [B, N]. */
function plLogLikelihood(tf: Tf, logits: Tensor, chosen: Tensor, avail: Tensor, step: Tensor): Tensor {
  const z = tf.expandDims(logits, 1); // [B, 1, N]
  const masked = tf.add(z, tf.mul(tf.sub(avail, 1), BIG)); // unavailable -> about -1e9
  const lse = tf.logSumExp(masked, -1); // [B, K]
  const picked = tf.sum(tf.mul(chosen, z), -1); // [B, K]
  return tf.sum(tf.mul(step, tf.sub(picked, lse)), -1); // [B]
}

/** Candidate logits [B, N] (already divided by the temperature). */
export function candidateLogitsTf(tf: Tf, p: TfParams, shape: ModelShape, batch: TfBatch, temperature = 1): Tensor {
  const [B, N, F] = batch.x.shape as [number, number, number];
  const d = shape.dim;
  const xs = tf.reshape(batch.x, [B * N, F]);
  const linear = tf.matMul(xs, tf.reshape(p.candLinear, [F, 1]));
  const hidden = tf.tanh(tf.add(tf.matMul(xs, p.candW1), p.candB1));
  const mlp = tf.matMul(hidden, tf.reshape(p.candW2, [shape.hidden, 1]));
  const qU = tf.matMul(batch.query, p.bilinearU); // [B, r]
  const eV = tf.reshape(tf.matMul(tf.reshape(batch.itemEmb, [B * N, d]), p.bilinearV), [B, N, shape.rank]);
  const bilinear = tf.sum(tf.mul(eV, tf.expandDims(qU, 1)), -1); // [B, N]
  const scores = tf.add(tf.reshape(tf.add(linear, mlp), [B, N]), bilinear);
  return temperature === 1 ? scores : tf.div(scores, temperature);
}

/** Option logits [B, A]. */
export function optionLogitsTf(tf: Tf, p: TfParams, shape: ModelShape, batch: TfBatch, temperature = 1): Tensor {
  const [B, A, G] = batch.g.shape as [number, number, number];
  const gs = tf.reshape(batch.g, [B * A, G]);
  const linear = tf.matMul(gs, tf.reshape(p.optLinear, [G, 1]));
  const hidden = tf.tanh(tf.add(tf.matMul(gs, p.optW1), p.optB1));
  const mlp = tf.matMul(hidden, tf.reshape(p.optW2, [shape.optionHidden, 1]));
  const scores = tf.reshape(tf.add(linear, mlp), [B, A]);
  return temperature === 1 ? scores : tf.div(scores, temperature);
}

export interface TfLogProbs {
  /** log pi(action) = ranking + attributes, [B]. */
  total: Tensor1D;
  ranking: Tensor1D;
  attributes: Tensor1D;
}

/** Differentiable log-probabilities of the recorded actions under parameters `p`. */
export function logProbTf(tf: Tf, p: TfParams, shape: ModelShape, batch: TfBatch, temperature = 1): TfLogProbs {
  const ranking = plLogLikelihood(tf, candidateLogitsTf(tf, p, shape, batch, temperature), batch.rankChosen, batch.rankAvail, batch.rankStep) as Tensor1D;
  const attributes = plLogLikelihood(tf, optionLogitsTf(tf, p, shape, batch, temperature), batch.optChosen, batch.optAvail, batch.optStep) as Tensor1D;
  return { total: tf.add(ranking, attributes) as Tensor1D, ranking, attributes };
}
