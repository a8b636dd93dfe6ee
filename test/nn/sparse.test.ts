import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { getTf, makePropagation, normalizedAdjacency, normalValues, spmmJs, tf } from '../../src/nn/index.js';
import type { Tensor } from '@tensorflow/tfjs';

// 7 nodes; node 3 and the last two are isolated; one duplicate edge and one self-loop to drop.
const N = 7;
const SRC = [0, 0, 1, 2, 4, 1, 2];
const DST = [1, 2, 2, 4, 0, 0, 2];
const DIM = 3;

function denseAdjacency(): number[][] {
  const a = Array.from({ length: N }, () => new Array<number>(N).fill(0));
  SRC.forEach((s, k) => {
    const d = DST[k]!;
    if (s !== d) a[s]![d] = a[d]![s] = 1;
  });
  const deg = a.map((row) => row.reduce((x, y) => x + y, 0));
  return a.map((row, i) => row.map((v, j) => (v ? v / Math.sqrt(deg[i]! * deg[j]!) : 0)));
}

function denseTimes(m: number[][], x: Float32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < N; i++) for (let j = 0; j < DIM; j++) out.push(m[i]!.reduce((s, v, k) => s + v * x[k * DIM + j]!, 0));
  return out;
}

beforeAll(async () => {
  await getTf('wasm');
});

describe('normalized adjacency', () => {
  it('drops self-loops and duplicates, symmetric, D^-1/2 A D^-1/2', () => {
    const adj = normalizedAdjacency(N, SRC, DST);
    expect(adj.csr.colIdx.length).toBe(10); // edges 0-1, 0-2, 0-4, 1-2, 2-4, both ways
    expect(Array.from(adj.csr.rowPtr)).toEqual([0, 3, 5, 8, 8, 10, 10, 10]);
    const dense = denseAdjacency();
    for (let r = 0; r < N; r++) {
      for (let k = adj.csr.rowPtr[r]!; k < adj.csr.rowPtr[r + 1]!; k++) {
        expect(adj.csr.values[k]).toBeCloseTo(dense[r]![adj.csr.colIdx[k]!]!, 6);
      }
    }
    expect(adj.invSqrtDegree[3]).toBe(0);
    expect(() => normalizedAdjacency(3, [0], [3])).toThrow(/edge 0 \(0, 3\)/);
  });
});

describe('propagation op', () => {
  const x = normalValues(new Rng('x'), N * DIM, 1);
  const dy = normalValues(new Rng('dy'), N * DIM, 1);
  const dense = denseAdjacency();

  for (const impl of ['segment', 'js'] as const) {
    it(`${impl}: value and gradient equal the dense computation`, () => {
      const op = makePropagation(normalizedAdjacency(N, SRC, DST), impl);
      const [value, grad] = tf.tidy(() => {
        const input = tf.tensor2d(x, [N, DIM]);
        const v = Array.from(op.apply(input).dataSync());
        // d/dx sum(dy * Âx) = Âᵀ dy = Â dy
        const g = tf.grad((t: Tensor) => tf.sum(tf.mul(tf.tensor2d(dy, [N, DIM]), op.apply(t as tf.Tensor2D))))(input);
        return [v, Array.from(g.dataSync())];
      });
      denseTimes(dense, x).forEach((want, i) => expect(value[i]).toBeCloseTo(want, 5));
      denseTimes(dense, dy).forEach((want, i) => expect(grad[i]).toBeCloseTo(want, 5));
      // Isolated nodes get zeros (including the trailing ones sparseSegmentSum would omit).
      expect(value.slice(5 * DIM)).toEqual(new Array(2 * DIM).fill(0));
      op.dispose();
    });
  }

  it('spmmJs and a shape error', () => {
    const adj = normalizedAdjacency(N, SRC, DST);
    expect(Array.from(spmmJs(adj.csr, x, DIM)).map((v) => Number(v.toFixed(5)))).toEqual(denseTimes(dense, x).map((v) => Number(Math.fround(v).toFixed(5))));
    const op = makePropagation(adj);
    expect(() => op.apply(tf.zeros([N + 1, DIM]) as tf.Tensor2D)).toThrow(/expected \[7, dim\]/);
    op.dispose();
  });
});
