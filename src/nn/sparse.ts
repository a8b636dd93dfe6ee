// Graph propagation x -> Â x with a gradient, where Â = D^-1/2 A D^-1/2 is the symmetric normalized
// adjacency of an undirected graph without edge weights (LightGCN's, GCN's propagation matrix).
// tfjs has no sparse matmul and wasm lacks UnsortedSegmentSum. Measured (bench/nn.bench.ts; K=2 layers,
// forward + backward, dim 64, INSPIRED graph 6.9k nodes / 30k entries), fastest first:
//   'segment' — Â x = D^-1/2 · sparseSegmentSum(D^-1/2 x, cols, rows): the wasm kernel gathers and sums in
//               one pass and never materializes an nnz x dim tensor; exact because A is 0/1. 13 ms.
//   'js'      — a CSR loop in plain JS inside tf.customGrad (dataSync in, tensor out). 43 ms.
//   gather + scale + scatterND (nnz x dim intermediate): 320 ms; not offered.
// A dense Â does not fit: ReDial's graph has 27k nodes (a 3 GB matrix).
// Â is symmetric, so the gradient of x -> Â x is dy -> Â dy: the same op.
import type { Tensor, Tensor2D } from '@tensorflow/tfjs';
import { tf } from './tf.js';

/** Compressed sparse rows. `rowPtr` has rows + 1 entries; row r owns entries rowPtr[r]..rowPtr[r+1]-1. */
export interface CsrMatrix {
  rows: number;
  cols: number;
  rowPtr: Int32Array;
  colIdx: Int32Array;
  values: Float32Array;
}

/** Â of a 0/1 undirected graph; `csr.values[k]` = invSqrtDegree[row] * invSqrtDegree[col]. */
export interface NormalizedAdjacency {
  csr: CsrMatrix;
  /** 1/sqrt(degree) per node, 0 for isolated nodes. */
  invSqrtDegree: Float32Array;
}

export type PropagationImpl = 'segment' | 'js';

/**
 * Â for `nodes` nodes from undirected edges (src[k], dst[k]). Duplicate edges and self-loops are dropped;
 * columns are sorted within each row, so equal inputs give equal matrices.
 */
export function normalizedAdjacency(nodes: number, src: ArrayLike<number>, dst: ArrayLike<number>): NormalizedAdjacency {
  if (src.length !== dst.length) throw new RangeError('normalizedAdjacency: src and dst differ in length');
  const neighbours: Set<number>[] = Array.from({ length: nodes }, () => new Set<number>());
  for (let k = 0; k < src.length; k++) {
    const a = src[k] as number;
    const b = dst[k] as number;
    if (!(Number.isInteger(a) && Number.isInteger(b) && a >= 0 && b >= 0 && a < nodes && b < nodes)) {
      throw new RangeError(`normalizedAdjacency: edge ${k} (${a}, ${b}) outside 0..${nodes - 1}`);
    }
    if (a === b) continue;
    neighbours[a]!.add(b);
    neighbours[b]!.add(a);
  }
  const rowPtr = new Int32Array(nodes + 1);
  for (let r = 0; r < nodes; r++) rowPtr[r + 1] = rowPtr[r]! + neighbours[r]!.size;
  const nnz = rowPtr[nodes]!;
  const colIdx = new Int32Array(nnz);
  const invSqrtDegree = new Float32Array(nodes);
  for (let r = 0; r < nodes; r++) {
    const sorted = Int32Array.from(neighbours[r]!).sort();
    colIdx.set(sorted, rowPtr[r]!);
    invSqrtDegree[r] = sorted.length > 0 ? 1 / Math.sqrt(sorted.length) : 0;
  }
  const values = new Float32Array(nnz);
  for (let r = 0; r < nodes; r++) {
    for (let k = rowPtr[r]!; k < rowPtr[r + 1]!; k++) values[k] = invSqrtDegree[r]! * invSqrtDegree[colIdx[k]!]!;
  }
  return { csr: { rows: nodes, cols: nodes, rowPtr, colIdx, values }, invSqrtDegree };
}

/** The row index of every stored entry (the COO view of a CSR matrix). */
export function csrRowIndex(m: CsrMatrix): Int32Array {
  const rowIdx = new Int32Array(m.colIdx.length);
  for (let r = 0; r < m.rows; r++) rowIdx.fill(r, m.rowPtr[r]!, m.rowPtr[r + 1]!);
  return rowIdx;
}

/** out = m · x for a row-major dense x with `dim` columns, in plain JS. */
export function spmmJs(m: CsrMatrix, x: Float32Array, dim: number, out = new Float32Array(m.rows * dim)): Float32Array {
  if (x.length !== m.cols * dim) throw new RangeError(`spmmJs: x has ${x.length} values, expected ${m.cols}x${dim}`);
  out.fill(0);
  const { rowPtr, colIdx, values } = m;
  for (let r = 0; r < m.rows; r++) {
    const o = r * dim;
    for (let k = rowPtr[r]!; k < rowPtr[r + 1]!; k++) {
      const v = values[k]!;
      const c = colIdx[k]! * dim;
      for (let j = 0; j < dim; j++) out[o + j]! += v * x[c + j]!;
    }
  }
  return out;
}

/** A differentiable x -> Â x. Holds a few index tensors; call dispose() when done. */
export interface PropagationOp {
  apply(x: Tensor2D): Tensor2D;
  dispose(): void;
}

type Forward = (x: Tensor2D) => Tensor2D;

function segmentForward(adj: NormalizedAdjacency, owned: Tensor[]): Forward {
  const { csr } = adj;
  const nnz = csr.colIdx.length;
  const keep = <T extends Tensor>(t: T): T => {
    owned.push(tf.keep(t));
    return t;
  };
  const scale = keep(tf.tensor2d(adj.invSqrtDegree, [csr.rows, 1]));
  const cols = keep(tf.tensor1d(csr.colIdx, 'int32'));
  const segments = keep(tf.tensor1d(csrRowIndex(csr), 'int32'));
  // sparseSegmentSum emits rows only up to the last non-empty segment; the empty tail is padded.
  let lastRow = csr.rows - 1;
  while (lastRow >= 0 && csr.rowPtr[lastRow] === csr.rowPtr[lastRow + 1]) lastRow--;
  const emitted = lastRow + 1;
  return (x) =>
    tf.tidy(() => {
      const dim = x.shape[1];
      if (nnz === 0) return tf.zeros([csr.rows, dim]) as Tensor2D;
      let summed = tf.sparse.sparseSegmentSum(tf.mul(scale, x), cols, segments) as Tensor2D;
      if (emitted < csr.rows) summed = tf.concat([summed, tf.zeros([csr.rows - emitted, dim])]);
      return tf.mul(scale, summed) as Tensor2D;
    });
}

function jsForward(adj: NormalizedAdjacency): Forward {
  return (x) => {
    const dim = x.shape[1];
    return tf.tensor2d(spmmJs(adj.csr, x.dataSync() as Float32Array, dim), [adj.csr.rows, dim]);
  };
}

export function makePropagation(adj: NormalizedAdjacency, impl: PropagationImpl = 'segment'): PropagationOp {
  const owned: Tensor[] = [];
  const forward = impl === 'segment' ? segmentForward(adj, owned) : jsForward(adj);
  const rows = adj.csr.rows;
  const op = tf.customGrad((x) => {
    const input = x as Tensor2D;
    if (input.rank !== 2 || input.shape[0] !== rows) {
      throw new RangeError(`propagation: x has shape [${input.shape.join(', ')}], expected [${rows}, dim]`);
    }
    return { value: forward(input), gradFunc: (dy) => forward(dy as Tensor2D) };
  });
  return {
    apply: (x) => op(x) as Tensor2D,
    dispose: () => {
      for (const t of owned.splice(0)) t.dispose();
    },
  };
}
