import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frozenVecMat, VecMatKernel, vecMatJs } from '../../src/core/vec-mat-kernel.js';
import { Rng } from '../../src/core/rng.js';

/** Values over many magnitudes, a share of them zero, so that any change in rounding or order shows. */
function values(n: number, rng: Rng, zeroShare = 0): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.random() < zeroShare ? 0 : (rng.random() - 0.5) * 10 ** Math.floor(rng.random() * 12 - 6);
  return out;
}

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** What a plain f32x4 kernel would compute: the product rounded to f32 before the add. */
function vecMatF32(v: Float32Array, m: Float32Array, cols: number): Float32Array {
  const out = new Float32Array(cols);
  for (let i = 0; i < v.length; i++) {
    if (v[i] === 0) continue;
    for (let j = 0; j < cols; j++) out[j] = out[j]! + Math.fround(v[i]! * m[i * cols + j]!);
  }
  return out;
}

describe('VecMatKernel', () => {
  it('runs the SIMD kernel here and gives the JS loop bits for any shape, sparsity and bias (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 70 }),
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        fc.boolean(),
        fc.string(),
        (rows, cols, zeroShare, withBias, seed) => {
          const rng = new Rng(`vm/${seed}`);
          const m = values(rows * cols, rng);
          const kernel = new VecMatKernel(m, cols);
          expect(kernel.simd).toBe(true);
          const v = values(rows, rng, zeroShare);
          const bias = withBias ? values(cols, rng) : undefined;
          expect(bits(kernel.apply(v, bias))).toEqual(bits(vecMatJs(v, m, cols, bias)));
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });

  it('is sensitive: on the same data an f32-product kernel would differ from the JS loop', () => {
    const rng = new Rng('sensitive');
    const rows = 128;
    const cols = 64;
    const m = values(rows * cols, rng);
    const v = values(rows, rng, 0.5);
    const js = vecMatJs(v, m, cols);
    expect(bits(new VecMatKernel(m, cols).apply(v))).toEqual(bits(js));
    expect(bits(vecMatF32(v, m, cols))).not.toEqual(bits(js));
  });

  it('keeps its own copy of the matrix, reuses its buffers across calls, and refuses mismatched lengths', () => {
    const rng = new Rng('copy');
    const m = values(6 * 5, rng);
    const kernel = new VecMatKernel(m, 5);
    const v = values(6, rng);
    const before = kernel.apply(v);
    m.fill(1);
    expect(bits(kernel.apply(v))).toEqual(bits(before));
    const bias = values(5, rng);
    expect(bits(kernel.apply(new Float32Array(6), bias))).toEqual(bits(bias));
    expect(Array.from(kernel.apply(new Float32Array(6)))).toEqual([0, 0, 0, 0, 0]);
    expect(() => kernel.apply(new Float32Array(5))).toThrow(/a vector of 5 values for a matrix of 6 rows/);
    expect(() => kernel.apply(v, new Float32Array(4))).toThrow(/a bias of 4 values for 5 columns/);
    expect(() => new VecMatKernel(new Float32Array(7), 2)).toThrow(/not made of rows of 2/);
  });

  it('frozenVecMat builds one kernel per matrix and matches the JS loop', () => {
    const rng = new Rng('frozen');
    const vecMat = frozenVecMat();
    const a = values(10 * 8, rng);
    const b = values(8 * 3, rng);
    const x = values(10, rng, 0.3);
    const h = vecMat(x, a, 8);
    expect(bits(h)).toEqual(bits(vecMatJs(x, a, 8)));
    expect(bits(vecMat(h, b, 3))).toEqual(bits(vecMatJs(h, b, 3)));
    expect(bits(vecMat(x, a, 8))).toEqual(bits(h));
  });
});
