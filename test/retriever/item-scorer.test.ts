import { describe, expect, it } from 'vitest';
import { ItemScorer } from '../../src/retriever/item-scorer.js';
import { Rng } from '../../src/core/rng.js';

/** [n x dim] rows: dense values outside the block, `density` non-zeros inside it. */
function rows(rng: Rng, n: number, dim: number, block: { start: number; width: number }, density: number): Float32Array {
  const out = new Float32Array(n * dim);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < dim; j++) {
      const inBlock = j >= block.start && j < block.start + block.width;
      if (!inBlock || rng.random() < density) out[r * dim + j] = rng.random() * 2 - 1;
    }
  }
  return out;
}

function naive(m: Float32Array, n: number, dim: number, q: Float32Array): number[] {
  return Array.from({ length: n }, (_, r) => {
    let s = 0;
    for (let j = 0; j < dim; j++) s += (m[r * dim + j] as number) * (q[j] as number);
    return s;
  });
}

describe('ItemScorer', () => {
  const n = 57;
  const dim = 150;
  const block = { start: 33, width: 100 };

  it('scores a sparse block like the dense dot product', () => {
    const rng = new Rng(3);
    const m = rows(rng, n, dim, block, 0.05);
    const scorer = new ItemScorer(m, n, dim, block);
    expect(scorer.sparse).toBe(true);
    for (let t = 0; t < 5; t++) {
      const q = Float32Array.from({ length: dim }, () => rng.random() * 2 - 1);
      const got = Array.from(scorer.scores(q));
      const want = naive(m, n, dim, q);
      got.forEach((g, r) => expect(g).toBeCloseTo(want[r] as number, 4));
    }
  });

  it('keeps a block dense when it is not mostly zeros, with the same scores', () => {
    const rng = new Rng(4);
    const m = rows(rng, n, dim, block, 0.9);
    const scorer = new ItemScorer(m, n, dim, block);
    expect(scorer.sparse).toBe(false);
    const q = Float32Array.from({ length: dim }, () => rng.random());
    const want = naive(m, n, dim, q);
    Array.from(scorer.scores(q)).forEach((g, r) => expect(g).toBeCloseTo(want[r] as number, 4));
  });

  it('handles a block at the end of the row and rows with no non-zeros in it', () => {
    const end = { start: 50, width: 100 };
    const m = rows(new Rng(5), n, dim, end, 0);
    m[3 * dim + 120] = 2;
    const scorer = new ItemScorer(m, n, dim, end);
    expect(scorer.sparse).toBe(true);
    const q = new Float32Array(dim);
    q[120] = 1.5;
    const got = scorer.scores(q);
    expect(got[3]).toBeCloseTo(3, 6);
    expect(got[4]).toBeCloseTo(0, 6);
  });

  it('names what is wrong with bad sizes', () => {
    expect(() => new ItemScorer(new Float32Array(10), 3, 4)).toThrow(/10 values for 3 x 4/);
    expect(() => new ItemScorer(new Float32Array(12), 3, 4, { start: 2, width: 3 })).toThrow(/outside 4 columns/);
    expect(() => new ItemScorer(new Float32Array(12), 3, 4).scores(new Float32Array(3))).toThrow(/query of 3 for 4/);
  });
});
