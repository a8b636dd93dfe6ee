// The dual-view network in tfjs, batched, for training (the same math as DualViewForward in
// dual-view-model.ts; a unit test keeps them equal). Missing tokens are masked: keys with -1e9 before the
// softmax, queries with zero weight in the mean pool. The null tokens are always present.
import type { Tensor, Tensor1D, Tensor2D, Tensor3D, Variable } from '@tensorflow/tfjs';
import { matMulT } from '../nn/gradient-fixes.js';
import type { Tf } from '../nn/tf.js';
import { N_COLLABORATIVE, N_SEMANTIC, type QueryFeatures } from './features.js';
import { lexicalSkipDim, paramShapes, usesCollaborative, usesSemantic, type DualViewParams, type DualViewSpec } from './dual-view-model.js';

export type DualViewVariables = Record<string, Variable>;

const MASKED = -1e9;

export function createVariables(tf: Tf, spec: DualViewSpec, params: DualViewParams): DualViewVariables {
  const vars: DualViewVariables = {};
  for (const [name, shape] of Object.entries(paramShapes(spec))) {
    vars[name] = tf.tidy(() => tf.variable(tf.tensor(params[name] as Float32Array, shape, 'float32'), true));
  }
  return vars;
}

/** Current values of the variables, as plain arrays. */
export function readVariables(vars: DualViewVariables): DualViewParams {
  const out: DualViewParams = {};
  for (const [name, v] of Object.entries(vars)) out[name] = Float32Array.from(v.dataSync() as Float32Array);
  return out;
}

export function disposeVariables(vars: DualViewVariables): void {
  for (const v of Object.values(vars)) v.dispose();
}

export interface QueryBatch {
  /** [B, N_SEMANTIC, textDim] */
  semantic: Tensor3D;
  /** [B, N_SEMANTIC] of 0/1 */
  semanticMask: Tensor2D;
  /** [B, N_COLLABORATIVE, collabDim] */
  collaborative: Tensor3D;
  /** [B, N_COLLABORATIVE] */
  collaborativeMask: Tensor2D;
}

export function queryBatch(tf: Tf, spec: DualViewSpec, features: readonly QueryFeatures[]): QueryBatch {
  const b = features.length;
  const { textDim: s, collabDim: c } = spec;
  const sem = new Float32Array(b * N_SEMANTIC * s);
  const semMask = new Float32Array(b * N_SEMANTIC);
  const col = new Float32Array(b * N_COLLABORATIVE * c);
  const colMask = new Float32Array(b * N_COLLABORATIVE);
  features.forEach((f, i) => {
    sem.set(f.semantic, i * N_SEMANTIC * s);
    f.semanticMask.forEach((m, j) => (semMask[i * N_SEMANTIC + j] = m));
    col.set(f.collaborative, i * N_COLLABORATIVE * c);
    f.collaborativeMask.forEach((m, j) => (colMask[i * N_COLLABORATIVE + j] = m));
  });
  return {
    semantic: tf.tensor3d(sem, [b, N_SEMANTIC, s]),
    semanticMask: tf.tensor2d(semMask, [b, N_SEMANTIC]),
    collaborative: tf.tensor3d(col, [b, N_COLLABORATIVE, c]),
    collaborativeMask: tf.tensor2d(colMask, [b, N_COLLABORATIVE]),
  };
}

export function disposeBatch(batch: QueryBatch): void {
  batch.semantic.dispose();
  batch.semanticMask.dispose();
  batch.collaborative.dispose();
  batch.collaborativeMask.dispose();
}

function adapter(tf: Tf, vars: DualViewVariables, prefix: 'q' | 'i', x: Tensor2D): Tensor2D {
  const v = (n: string): Variable => vars[`${prefix}${n}`] as Variable;
  const hidden = tf.add(tf.matMul(x, v('W1')), v('b1'));
  return tf.add(tf.matMul(hidden, v('W2')), v('b2')) as Tensor2D;
}

/** Prepends a learned token (always present) to [B, n, c] tokens and a 1 to their mask. */
function withNull(tf: Tf, tokens: Tensor3D, mask: Tensor2D, nullToken: Variable): { x: Tensor3D; m: Tensor2D } {
  const [b, , c] = tokens.shape;
  const nul = tf.broadcastTo(tf.reshape(nullToken, [1, 1, c]), [b, 1, c]);
  return { x: tf.concat([nul, tokens], 1) as Tensor3D, m: tf.concat([tf.ones([b, 1]), mask], 1) as Tensor2D };
}

function projectTokens(tf: Tf, x: Tensor3D, w: Variable): Tensor3D {
  const [b, n, c] = x.shape;
  return tf.reshape(tf.matMul(tf.reshape(x, [b * n, c]), w), [b, n, c]) as Tensor3D;
}

/** Mean over present rows of [B, n, c] by mask [B, n]. */
function maskedMean(tf: Tf, x: Tensor3D, m: Tensor2D): Tensor2D {
  const weighted = tf.sum(tf.mul(x, tf.expandDims(m, 2)), 1);
  return tf.div(weighted, tf.sum(m, 1, true)) as Tensor2D;
}

function attend(
  tf: Tf,
  spec: DualViewSpec,
  vars: DualViewVariables,
  prefix: 's' | 'c',
  queries: { x: Tensor3D; m: Tensor2D },
  keys: { x: Tensor3D; m: Tensor2D },
): Tensor2D {
  const w = (n: string): Variable => vars[`${prefix}${n}`] as Variable;
  const q = projectTokens(tf, queries.x, w('Wq'));
  const k = projectTokens(tf, keys.x, w('Wk'));
  const v = projectTokens(tf, keys.x, w('Wv'));
  const scale = 1 / Math.sqrt(spec.collabDim);
  const keyMask = tf.mul(tf.sub(1, tf.expandDims(keys.m, 1)), MASKED); // [B, 1, nk]
  const logits = tf.add(tf.mul(matMulT(q, k, false, true), scale), keyMask);
  const attn = tf.softmax(logits) as Tensor3D;
  let out = maskedMean(tf, tf.matMul(attn, v) as Tensor3D, queries.m);
  if (spec.residual) out = tf.add(out, maskedMean(tf, keys.x, keys.m)) as Tensor2D;
  return out;
}

/** Query vectors e, [B, outputDim]. Call inside tf.tidy or a gradient function. */
export function tfQuery(tf: Tf, spec: DualViewSpec, vars: DualViewVariables, batch: QueryBatch): Tensor2D {
  const b = batch.semantic.shape[0];
  let S: { x: Tensor3D; m: Tensor2D } | undefined;
  let C: { x: Tensor3D; m: Tensor2D } | undefined;
  if (usesSemantic(spec.variant)) {
    const flat = tf.reshape(batch.semantic, [b * N_SEMANTIC, spec.textDim]) as Tensor2D;
    const adapted = tf.reshape(adapter(tf, vars, 'q', flat), [b, N_SEMANTIC, spec.collabDim]) as Tensor3D;
    S = withNull(tf, adapted, batch.semanticMask, vars['nullS'] as Variable);
  }
  if (usesCollaborative(spec.variant)) C = withNull(tf, batch.collaborative, batch.collaborativeMask, vars['nullC'] as Variable);
  const parts: Tensor2D[] =
    spec.variant === 'semanticOnly'
      ? [attend(tf, spec, vars, 's', S!, S!)]
      : spec.variant === 'collaborativeOnly'
        ? [attend(tf, spec, vars, 'c', C!, C!)]
        : [attend(tf, spec, vars, 'c', S!, C!), attend(tf, spec, vars, 's', C!, S!)];
  const skip = lexicalSkipDim(spec);
  if (skip > 0) {
    const lexical = tf.slice(batch.semantic, [0, 0, spec.textDim - skip], [b, N_SEMANTIC, skip]);
    const summed = tf.sum(tf.mul(lexical, tf.expandDims(batch.semanticMask, 2)), 1);
    parts.push(tf.mul(summed, vars['lexicalWeight'] as Variable) as Tensor2D);
  }
  if (spec.prior) parts.push(tf.broadcastTo(tf.reshape(vars['priorWeight'] as Variable, [1, 1]), [b, 1]) as Tensor2D);
  if (spec.itemBias) parts.push(tf.ones([b, 1]) as Tensor2D);
  return parts.length === 1 ? (parts[0] as Tensor2D) : (tf.concat(parts, 1) as Tensor2D);
}

/**
 * Item vectors [U, outputDim] from E_T(item text) [U, textDim], E_C(item) [U, collabDim] and the prior [U, 1];
 * `indices` [U] (int32) are the items' catalogue indices, which the learned item bias is gathered by.
 */
export function tfItems(tf: Tf, spec: DualViewSpec, vars: DualViewVariables, text: Tensor2D, collaborative: Tensor2D, prior: Tensor2D, indices?: Tensor1D): Tensor2D {
  const parts: Tensor2D[] = [];
  if (usesCollaborative(spec.variant)) parts.push(collaborative);
  if (usesSemantic(spec.variant)) parts.push(adapter(tf, vars, 'i', text));
  const skip = lexicalSkipDim(spec);
  if (skip > 0) parts.push(tf.slice(text, [0, spec.textDim - skip], [text.shape[0], skip]) as Tensor2D);
  if (spec.prior) parts.push(prior);
  if (spec.itemBias) {
    if (indices === undefined) throw new RangeError('tfItems: the item bias needs the items\' indices');
    parts.push(tf.reshape(tf.gather(vars['itemBias'] as Variable, indices), [-1, 1]) as Tensor2D);
  }
  return parts.length === 1 ? (parts[0] as Tensor2D) : (tf.concat(parts, 1) as Tensor2D);
}

/**
 * InfoNCE over each row's candidates: -log softmax of the target among the candidates, averaged.
 * `logits` [B, U]; `candidateMask` [B, U] is 0 for a row's candidates (target included) and -1e9 elsewhere;
 * `targetOneHot` [B, U] marks each row's target.
 */
export function infoNce(tf: Tf, logits: Tensor2D, candidateMask: Tensor2D, targetOneHot: Tensor2D): Tensor {
  const target = tf.sum(tf.mul(logits, targetOneHot), 1);
  const norm = tf.logSumExp(tf.add(logits, candidateMask), 1);
  return tf.mean(tf.sub(norm, target));
}

export { MASKED };
