// The gradient fixes (and embeddingLookup) must give the same gradients as tfjs's own code on the cpu backend.
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import {
  embeddingLookup,
  getTf,
  gradientFixesInstalled,
  matMulT,
  normalValues,
  removeGradientFixes,
  tf,
} from '../../src/nn/index.js';
import type { Tensor } from '@tensorflow/tfjs';

type Case = { name: string; shapes: number[][]; loss: (inputs: Tensor[]) => Tensor };

const ids = [3, 1, 3, 0, 7, 3, 5, 1]; // repeated ids: the gradient must sum them
const CASES: Case[] = [
  {
    name: 'gather rows (BPR-like)',
    shapes: [[8, 5]],
    loss: ([table]) => {
      const e = tf.gather(table!, tf.tensor1d(ids, 'int32'));
      return tf.sum(tf.softplus(tf.neg(tf.sum(tf.mul(e, tf.reverse(e, 0)), 1))));
    },
  },
  {
    name: 'gather along axis 1 of a 3-D tensor',
    shapes: [[3, 4, 2]],
    loss: ([x]) => tf.sum(tf.sin(tf.gather(x!, tf.tensor2d([[0, 2], [2, 3]], [2, 2], 'int32'), 1))),
  },
  {
    name: 'gather along the last axis',
    shapes: [[3, 4]],
    loss: ([x]) => tf.sum(tf.square(tf.gather(x!, tf.tensor1d([0, 2, 2], 'int32'), -1))),
  },
  ...[
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ].map(
    ([ta, tb]): Case => ({
      name: `matMul transposeA=${ta} transposeB=${tb}`,
      shapes: [ta ? [4, 3] : [3, 4], tb ? [5, 4] : [4, 5]],
      loss: ([a, b]) => tf.sum(tf.sin(tf.matMul(a!, b!, ta, tb))),
    }),
  ),
  {
    name: 'batched matMul with transposeB',
    shapes: [
      [2, 3, 4],
      [2, 5, 4],
    ],
    loss: ([a, b]) => tf.sum(tf.square(tf.matMul(a!, b!, false, true))),
  },
];

function inputsFor(c: Case, seed: string): Float32Array[] {
  const rng = new Rng(seed);
  return c.shapes.map((s, i) => normalValues(rng.split(String(i)), s.reduce((a, b) => a * b, 1), 1));
}

function gradients(c: Case, values: Float32Array[]): Float32Array[] {
  return tf.tidy(() => {
    const inputs = values.map((v, i) => tf.tensor(v, c.shapes[i]));
    const grads = tf.grads((...xs: Tensor[]) => c.loss(xs))(inputs);
    return grads.map((g) => Float32Array.from(g.dataSync() as Float32Array));
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('gradient fixes', () => {
  const reference = new Map<string, Float32Array[]>();
  const lookupReference: Float32Array[] = [];

  beforeAll(async () => {
    await getTf('cpu');
    removeGradientFixes();
    for (const c of CASES) reference.set(c.name, gradients(c, inputsFor(c, c.name)));
    const table = normalValues(new Rng('lookup'), 8 * 5, 1);
    lookupReference.push(...gradients({ name: 'lookup', shapes: [[8, 5]], loss: ([t]) => tf.sum(tf.tanh(tf.gather(t!, tf.tensor1d(ids, 'int32')))) }, [table]));
    await getTf('wasm');
  });

  it('getTf("wasm") installs them', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(gradientFixesInstalled()).toBe(true);
  });

  for (const c of CASES) {
    it(`${c.name}: wasm with fixes equals cpu without`, () => {
      const got = gradients(c, inputsFor(c, c.name));
      const want = reference.get(c.name)!;
      got.forEach((g, i) => expect(maxAbsDiff(g, want[i]!)).toBeLessThan(1e-4));
      // The reference is not trivially zero (a vacuous comparison would pass too).
      expect(Math.max(...want[0]!.map(Math.abs))).toBeGreaterThan(0.01);
    });
  }

  it('embeddingLookup has the value and the gradient of gather (repeated ids summed)', () => {
    const table = normalValues(new Rng('lookup'), 8 * 5, 1);
    const loss = ([t]: Tensor[]) => tf.sum(tf.tanh(embeddingLookup(t!, Int32Array.from(ids))));
    const got = gradients({ name: 'lookup', shapes: [[8, 5]], loss }, [table]);
    expect(maxAbsDiff(got[0]!, lookupReference[0]!)).toBeLessThan(1e-5);
    // Rows never looked up get no gradient.
    expect(Array.from(got[0]!.subarray(2 * 5, 3 * 5))).toEqual([0, 0, 0, 0, 0]);
    const value = tf.tidy(() => embeddingLookup(tf.tensor2d(table, [8, 5]), tf.tensor2d([[3, 1], [0, 7]], [2, 2], 'int32')));
    expect(value.shape).toEqual([2, 2, 5]);
    expect(Array.from(value.dataSync().subarray(0, 5))).toEqual(Array.from(table.subarray(15, 20)));
    value.dispose();
  });

  it('matMulT equals matMul with flags', () => {
    const [a, b] = [tf.randomNormal([3, 4], 0, 1, 'float32', 1), tf.randomNormal([5, 4], 0, 1, 'float32', 2)];
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(matMulT(a, b, false, true), tf.matMul(a, b, false, true)))).dataSync()[0]!);
    expect(d).toBeLessThan(1e-5);
    tf.dispose([a, b]);
  });

  it('training inside optimizer.minimize works with the fixes (no UnsortedSegmentSum on wasm)', () => {
    const table = tf.variable(tf.randomNormal([50, 8], 0, 0.1, 'float32', 3));
    const opt = tf.train.adam(0.05);
    const idx = tf.tensor1d([1, 2, 3, 1], 'int32');
    const loss = () => tf.sum(tf.square(tf.sub(tf.gather(table, idx), 1))) as tf.Scalar;
    const before = loss().dataSync()[0]!;
    for (let i = 0; i < 20; i++) opt.minimize(loss);
    expect(loss().dataSync()[0]!).toBeLessThan(before * 0.5);
    tf.dispose([table, idx]);
    opt.dispose();
  });
});
