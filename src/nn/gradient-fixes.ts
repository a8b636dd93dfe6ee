// Two gradient replacements that make training on the wasm backend practical (see docs/ml-stack.md):
// - GatherV2: tfjs's gradient calls UnsortedSegmentSum, which wasm lacks (and the cpu fallback is slow).
//   The replacement scatters dy back with scatterND (which sums duplicate indices), along any axis.
// - BatchMatMul: matMul with transpose flags is ~12x slower on wasm than an explicit transpose followed
//   by a plain matMul, and the stock gradient uses the flags.
// Gradients are registered globally (for every backend), so installing them also changes the cpu backend;
// `removeGradientFixes` restores tfjs's originals (the tests compare both).
// Two more wasm slow spots are not gradients: tf.gather's forward (use embeddingLookup, embedding.ts) and
// matMul's transpose flags in a forward pass (use matMulT below).
import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs';
// The tfjs namespace itself (not ./tf.js, which installs these fixes: importing it back would be a cycle).
import * as tf from '@tensorflow/tfjs';

type GradMap = Record<string, () => Tensor>;

const GATHER = 'GatherV2';
const BATCH_MAT_MUL = 'BatchMatMul';

let originals: Map<string, GradConfig> | undefined;

/** Swaps the last two axes (the matrix transpose of a possibly batched tensor). */
export function transposeLast2(x: Tensor): Tensor {
  const perm = [...Array(x.rank).keys()];
  const r = x.rank;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1] as number, perm[r - 2] as number];
  return tf.transpose(x, perm);
}

/** matMul with the transposes done explicitly: the same result, much faster on wasm. */
export function matMulT(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  return tf.matMul(transposeA ? transposeLast2(a) : a, transposeB ? transposeLast2(b) : b);
}

function fixedGatherGrad(original: GradConfig): GradConfig {
  return {
    kernelName: GATHER,
    inputsToSave: ['x', 'indices'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs?: NamedAttrMap): GradMap => {
      const [x, indices] = saved as [Tensor, Tensor];
      const axis = Number(attrs?.['axis'] ?? 0);
      const batchDims = Number(attrs?.['batchDims'] ?? 0);
      const parsedAxis = axis < 0 ? axis + x.rank : axis;
      if (batchDims !== 0) return original.gradFunc(dy, saved, attrs ?? {}) as GradMap;
      const g = dy as Tensor;
      return {
        x: () => {
          // dy has shape outer + [indices.size] + inner; move the gathered axis first, scatter, move it back.
          const outer = x.shape.slice(0, parsedAxis);
          const inner = x.shape.slice(parsedAxis + 1);
          const idx = tf.reshape(tf.cast(indices, 'int32'), [indices.size, 1]);
          let updates = tf.reshape(g, [...outer, indices.size, ...inner]);
          if (parsedAxis === 0) return tf.scatterND(idx, updates, x.shape);
          const toFront = [parsedAxis, ...[...Array(x.rank).keys()].filter((d) => d !== parsedAxis)];
          updates = tf.transpose(updates, toFront);
          const scattered = tf.scatterND(idx, updates, [x.shape[parsedAxis] as number, ...outer, ...inner]);
          const back = [...Array(x.rank).keys()].map((d) => (d < parsedAxis ? d + 1 : d === parsedAxis ? 0 : d));
          return tf.transpose(scattered, back);
        },
        indices: () => indices,
      };
    },
  };
}

const fixedBatchMatMulGrad: GradConfig = {
  kernelName: BATCH_MAT_MUL,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs?: NamedAttrMap): GradMap => {
    const [a, b] = saved as [Tensor, Tensor];
    const g = dy as Tensor;
    const transposeA = Boolean(attrs?.['transposeA']);
    const transposeB = Boolean(attrs?.['transposeB']);
    // Same formulas as tfjs's BatchMatMul gradient, with matMulT instead of the transpose flags.
    if (!transposeA && !transposeB) return { a: () => matMulT(g, b, false, true), b: () => matMulT(a, g, true, false) };
    if (!transposeA && transposeB) return { a: () => matMulT(g, b), b: () => matMulT(g, a, true, false) };
    if (transposeA && !transposeB) return { a: () => matMulT(b, g, false, true), b: () => matMulT(a, g) };
    return { a: () => matMulT(b, g, true, true), b: () => matMulT(g, a, true, true) };
  },
};

/** Registers both fixes (idempotent). `getTf('wasm')` calls this. */
export function installGradientFixes(): void {
  if (originals) return;
  const gather = tf.getGradient(GATHER);
  const batchMatMul = tf.getGradient(BATCH_MAT_MUL);
  if (!gather || !batchMatMul) throw new Error('tfjs has no GatherV2/BatchMatMul gradient to replace');
  originals = new Map([
    [GATHER, gather],
    [BATCH_MAT_MUL, batchMatMul],
  ]);
  tf.registerGradient(fixedGatherGrad(gather));
  tf.registerGradient(fixedBatchMatMulGrad);
}

/** Restores tfjs's own gradients (for tests and benchmarks that compare against them). */
export function removeGradientFixes(): void {
  if (!originals) return;
  for (const config of originals.values()) tf.registerGradient(config);
  originals = undefined;
}

export function gradientFixesInstalled(): boolean {
  return originals !== undefined;
}
