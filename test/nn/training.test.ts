import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { Adam, batchCount, clipByGlobalNorm, bprLoss, EarlyStopping, getTf, logSigmoid, miniBatches, ParamStore, tf } from '../../src/nn/index.js';

beforeAll(async () => {
  await getTf('wasm');
});

describe('losses', () => {
  it('logSigmoid equals log(sigmoid(x)) and stays finite for large |x|', () => {
    const x = [-50, -3, -0.5, 0, 0.5, 3, 50];
    const got = tf.tidy(() => Array.from(logSigmoid(tf.tensor1d(x)).dataSync()));
    x.forEach((v, i) => expect(got[i]).toBeCloseTo(-Math.log1p(Math.exp(-v)), 4));
  });
  it('bprLoss is mean softplus(neg - pos)', () => {
    const v = tf.tidy(() => bprLoss(tf.tensor1d([2, 0]), tf.tensor1d([0, 1])).dataSync()[0]!);
    expect(v).toBeCloseTo((Math.log1p(Math.exp(-2)) + Math.log1p(Math.exp(1))) / 2, 5);
  });
});

describe('Adam', () => {
  it('minimizes a quadratic, and a BPR loss inside minimize does not crash', () => {
    const store = new ParamStore();
    const w = store.add('w', [3], Float32Array.from([2, -1, 4]));
    const adam = new Adam(store.trainableVariables(), { learningRate: 0.1 });
    const first = adam.step(() => tf.sum(tf.square(w)));
    let last = first;
    for (let i = 0; i < 100; i++) last = adam.step(() => tf.add(tf.sum(tf.square(w)), bprLoss(w.slice(0, 1), w.slice(1, 1))));
    expect(first).toBeCloseTo(21, 4);
    expect(last).toBeLessThan(1);
    expect(adam.iterations).toBe(101);
    adam.dispose();
    store.dispose();
  });
  it('clipByGlobalNorm rescales only when the global norm is above the limit', () => {
    const [a, b] = clipByGlobalNorm([tf.tensor1d([3, 0]), tf.tensor1d([4])], 1);
    expect(Array.from(a!.dataSync())).toEqual([expect.closeTo(0.6, 6), 0]);
    expect(b!.dataSync()[0]).toBeCloseTo(0.8, 6);
    const [c] = clipByGlobalNorm([tf.tensor1d([0.3, 0.4])], 1);
    expect(Array.from(c!.dataSync())).toEqual([expect.closeTo(0.3, 6), expect.closeTo(0.4, 6)]);
  });
  it('Adam with clipNorm still descends', () => {
    const store = new ParamStore();
    const w = store.add('w', [2], Float32Array.from([1, 1]));
    const adam = new Adam([w], { learningRate: 0.1, clipNorm: 0.5 });
    const first = adam.step(() => tf.sum(tf.square(tf.mul(w, tf.tensor1d([100, 1])))));
    let last = first;
    for (let i = 0; i < 30; i++) last = adam.step(() => tf.sum(tf.square(tf.mul(w, tf.tensor1d([100, 1])))));
    expect(last).toBeLessThan(first / 10);
    store.dispose();
  });
  it('rejects a bad learning rate', () => {
    expect(() => new Adam([], { learningRate: 0 })).toThrow(/learningRate/);
  });
});

describe('miniBatches', () => {
  it('covers every index once per epoch, seeded', () => {
    const a = [...miniBatches(10, 4, new Rng(1))].map((b) => Array.from(b));
    const b = [...miniBatches(10, 4, new Rng(1))].map((b) => Array.from(b));
    const c = [...miniBatches(10, 4, new Rng(2))].map((b) => Array.from(b));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.map((x) => x.length)).toEqual([4, 4, 2]);
    expect(a.flat().sort((x, y) => x - y)).toEqual([...Array(10).keys()]);
    expect(batchCount(10, 4)).toBe(3);
  });
  it('dropLast and shuffle: false', () => {
    expect([...miniBatches(10, 4, new Rng(1), { dropLast: true })].map((x) => x.length)).toEqual([4, 4]);
    expect([...miniBatches(5, 2, new Rng(1), { shuffle: false })].map((x) => Array.from(x))).toEqual([[0, 1], [2, 3], [4]]);
    expect(batchCount(10, 4, true)).toBe(2);
    expect(() => [...miniBatches(5, 0, new Rng(1))]).toThrow(/batchSize/);
  });
});

describe('EarlyStopping', () => {
  it('stops after `patience` checks without improvement and restores the best weights', () => {
    const store = new ParamStore();
    const w = store.add('w', [1], Float32Array.from([0]));
    const stopper = new EarlyStopping({ patience: 2 });
    const losses = [5, 3, 4, 2.5, 2.6, 2.7, 1];
    const stops: boolean[] = [];
    losses.forEach((loss, epoch) => {
      w.assign(tf.tensor1d([epoch]));
      stops.push(stopper.update(loss, store).stop);
    });
    expect(stops).toEqual([false, false, false, false, false, true, false]);
    expect(stopper.best).toBe(1);
    const stopper2 = new EarlyStopping({ patience: 2 });
    for (const [epoch, loss] of losses.slice(0, 6).entries()) {
      w.assign(tf.tensor1d([epoch]));
      if (stopper2.update(loss, store).stop) break;
    }
    expect(stopper2.bestCheck).toBe(3);
    expect(stopper2.restoreBest(store)).toBe(true);
    expect(w.dataSync()[0]).toBe(3);
    store.dispose();
  });
  it('max mode and NaN values', () => {
    const s = new EarlyStopping({ patience: 1, mode: 'max', minDelta: 0.01 });
    expect(s.update(0.5).improved).toBe(true);
    expect(s.update(0.505)).toEqual({ improved: false, stop: true });
    const n = new EarlyStopping({ patience: 1 });
    expect(n.update(Number.NaN)).toEqual({ improved: false, stop: true });
    expect(n.restoreBest(new ParamStore())).toBe(false);
  });
});
