import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RowSumKernel, sumRowsJs } from '../../src/encoders/row-sum-kernel.js';
import { Rng } from '../../src/core/rng.js';

/** A table whose values span many magnitudes, so that any change in the order or width of the adds shows. */
function table(rows: number, dim: number, seed: string): Float32Array {
  const rng = new Rng(seed);
  const t = new Float32Array(rows * dim);
  for (let i = 0; i < t.length; i++) t[i] = (rng.random() - 0.5) * 10 ** Math.floor(rng.random() * 12 - 6);
  return t;
}

const sameBits = (a: Float32Array, b: Float32Array): boolean =>
  a.length === b.length && new Uint32Array(a.buffer, a.byteOffset, a.length).every((x, i) => x === new Uint32Array(b.buffer, b.byteOffset, b.length)[i]);

describe('RowSumKernel', () => {
  it('runs the SIMD kernel here and sums rows bit for bit as the JS loop (property)', () => {
    const dim = 64;
    const t = table(300, dim, 'sums');
    const kernel = new RowSumKernel(t, dim);
    expect(kernel.simd).toBe(true);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 299 }), { maxLength: 3000 }), (picked) => {
        const rows = Int32Array.from(picked);
        expect(sameBits(kernel.sumRows(rows, new Float32Array(dim)), sumRowsJs(t, rows, dim, new Float32Array(dim)))).toBe(true);
      }),
      { numRuns: 200, seed: 11 },
    );
  });

  it('grows its row buffer for long texts and starts every sum from zero', () => {
    const dim = 512;
    const t = table(40, dim, 'grow');
    const kernel = new RowSumKernel(t, dim);
    const long = Int32Array.from({ length: 5000 }, (_, i) => (i * 7) % 40);
    expect(sameBits(kernel.sumRows(long, new Float32Array(dim)), sumRowsJs(t, long, dim, new Float32Array(dim)))).toBe(true);
    const short = Int32Array.from([3]);
    expect(sameBits(kernel.sumRows(short, new Float32Array(dim)), t.subarray(3 * dim, 4 * dim))).toBe(true);
    expect(Array.from(kernel.sumRows(new Int32Array(0), new Float32Array(dim))).every((x) => x === 0)).toBe(true);
  });

  it('falls back to the JS loop for widths the kernel does not take, and refuses rows outside the table', () => {
    const t = table(10, 12, 'odd');
    const odd = new RowSumKernel(t, 12);
    expect(odd.simd).toBe(false);
    const rows = Int32Array.from([1, 9, 1]);
    expect(sameBits(odd.sumRows(rows, new Float32Array(12)), sumRowsJs(t, rows, 12, new Float32Array(12)))).toBe(true);
    const kernel = new RowSumKernel(table(10, 16, 'bad'), 16);
    expect(() => kernel.sumRows(Int32Array.from([10]), new Float32Array(16))).toThrow(/row 10 outside the table's 10 rows/);
    expect(() => kernel.sumRows(Int32Array.from([-1]), new Float32Array(16))).toThrow(/row -1/);
    expect(() => new RowSumKernel(new Float32Array(10), 4)).toThrow(/not made of rows of 4/);
  });
});
