import { describe, it, expect, beforeAll } from 'vitest';
import { getTf, type Tf } from '../../src/nn/tf.js';
import { groupAdvantages, MovingBaseline, padRewards, turnSignal } from '../../src/learners/advantages.js';
import { clippedSurrogate, clippedSurrogateTf, k3Kl, k3KlTf, lossWeights } from '../../src/learners/objective.js';
import { resolveRlConfig } from '../../src/learners/config.js';
import { Adam, clipGradNorm } from '../../src/learners/optimizer.js';

let tf: Tf;
beforeAll(async () => {
  tf = await getTf('wasm');
});

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]): number => Math.sqrt(xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1));

describe('advantages', () => {
  it('GRPO per-turn advantages are normalized within each group at each turn', () => {
    const groups = [
      [[1, 2], [3, 0], [2, 2], [0, 4]],
      [[10, 10], [10, 10], [12, 10], [14, 10]],
    ];
    const adv = groupAdvantages(groups, { mode: 'per-turn', gamma: 1, scale: 'group', baseline: 'group-mean', rounds: 2 });
    for (const [k, group] of adv.entries()) {
      for (let t = 0; t < 2; t++) {
        const col = group.map((a) => a[t]!);
        expect(mean(col)).toBeCloseTo(0, 6);
        const raw = groups[k]!.map((r) => r[t]!);
        if (sd(raw) > 0) expect(sd(col)).toBeCloseTo(sd(raw) / (sd(raw) + 1e-4), 4);
        else expect(col.every((a) => a === 0)).toBe(true);
      }
    }
    // Hand values for group 0, turn 0: rewards 1,3,2,0 -> mean 1.5, sample std 1.291.
    expect(adv[0]![0]![0]).toBeCloseTo((1 - 1.5) / (1.2909944 + 1e-4), 5);
  });

  it('episodes that ended early keep their last reward over the remaining rounds; only played turns get advantages', () => {
    expect(padRewards([5], 3)).toEqual([5, 5, 5]);
    const groups = [[[5], [1, 1, 1], [0, 2, 3]]];
    const adv = groupAdvantages(groups, { mode: 'per-turn', gamma: 1, scale: 'none', baseline: 'group-mean', rounds: 3 });
    expect(adv[0]!.map((a) => a.length)).toEqual([1, 3, 3]);
    expect(adv[0]![0]![0]).toBeCloseTo(5 - 2, 10);
    expect(adv[0]![1]![2]).toBeCloseTo(1 - (5 + 1 + 3) / 3, 10);
  });

  it('return mode uses the discounted return-to-go; RLOO uses the mean of the others', () => {
    expect(turnSignal([1, 2, 3], 'return', 0.5)).toEqual([1 + 0.5 * (2 + 0.5 * 3), 2 + 1.5, 3]);
    const groups = [[[1], [2], [6]]];
    const rloo = groupAdvantages(groups, { mode: 'return', gamma: 1, scale: 'none', baseline: 'leave-one-out', rounds: 1 });
    expect(rloo[0]!.map((a) => a[0]!)).toEqual([1 - 4, 2 - 3.5, 6 - 1.5].map((x) => expect.closeTo(x, 10)) as unknown as number[]);
  });

  it('batch scaling divides by one std over the batch; REINFORCE baseline moves toward the batch mean', () => {
    const groups = [[[1], [3]], [[5], [9]]];
    const adv = groupAdvantages(groups, { mode: 'per-turn', gamma: 1, scale: 'batch', baseline: 'group-mean', rounds: 1 });
    const s = sd([1, 3, 5, 9]) + 1e-4;
    expect(adv.flat().map((a) => a[0]!)).toEqual([-1 / s, 1 / s, -2 / s, 2 / s].map((x) => expect.closeTo(x, 8)) as unknown as number[]);
    const b = new MovingBaseline(0.5);
    const first = b.advantages([[[2], [4]]], { mode: 'per-turn', gamma: 1, scale: 'none', rounds: 1 });
    expect(first.flat().map((a) => a[0])).toEqual([-1, 1]);
    expect(b.values[0]).toBe(3);
    const second = b.advantages([[[7], [7]]], { mode: 'per-turn', gamma: 1, scale: 'none', rounds: 1 });
    expect(second.flat().map((a) => a[0])).toEqual([4, 4]);
    expect(b.values[0]).toBe(5);
  });
});

describe('clipped objective', () => {
  it('matches the hand-computed PPO/GRPO clip cases (epsilon 0.2)', () => {
    expect(clippedSurrogate(1.5, 1, 0.2, 0.2)).toBeCloseTo(1.2, 12); // capped gain
    expect(clippedSurrogate(0.5, 1, 0.2, 0.2)).toBeCloseTo(0.5, 12); // no floor on a loss of probability
    expect(clippedSurrogate(0.5, -1, 0.2, 0.2)).toBeCloseTo(-0.8, 12); // capped gain from lowering a bad action
    expect(clippedSurrogate(1.5, -1, 0.2, 0.2)).toBeCloseTo(-1.5, 12); // pessimistic: no cap on the penalty
    expect(clippedSurrogate(1.5, 1, 0.2, 0.28)).toBeCloseTo(1.28, 12); // clip-higher
    expect(k3Kl(-1, -1)).toBe(0);
    expect(k3Kl(-1, -2)).toBeCloseTo(Math.exp(-1) + 1 - 1, 12);
  });

  it('the tfjs objective equals the JS one and has zero gradient where clipped', () => {
    const old = [-2, -2, -2, -2];
    const logp = [-2 + Math.log(1.5), -2 + Math.log(0.5), -2 + Math.log(0.5), -2 + Math.log(1.5)];
    const adv = [1, 1, -1, -1];
    const oldT = tf.tensor1d(old);
    const advT = tf.tensor1d(adv);
    const grad = tf.grad((lp) => tf.sum(clippedSurrogateTf(tf, lp, oldT, advT, 0.2, 0.2).surrogate));
    const lpT = tf.tensor1d(logp);
    const terms = clippedSurrogateTf(tf, lpT, oldT, advT, 0.2, 0.2);
    const values = Array.from(terms.surrogate.dataSync());
    expect(values.map((v) => Number(v.toFixed(5)))).toEqual([1.2, 0.5, -0.8, -1.5]);
    expect(Array.from(terms.clipped.dataSync())).toEqual([1, 0, 1, 0]);
    const g = Array.from(grad(lpT).dataSync());
    // d/dlogp (ratio * A) = ratio * A where unclipped; 0 where the clipped branch is taken.
    expect(g[0]).toBe(0);
    expect(g[1]).toBeCloseTo(0.5, 5);
    expect(g[2]).toBe(0);
    expect(g[3]).toBeCloseTo(-1.5, 5);
    const kl = Array.from(k3KlTf(tf, tf.tensor1d([-1, -1]), tf.tensor1d([-1, -2])).dataSync());
    expect(kl[0]).toBeCloseTo(0, 6);
    expect(kl[1]).toBeCloseTo(k3Kl(-1, -2), 6);
  });

  it('loss weights implement grpo / bnpo / dr_grpo aggregation', () => {
    const ep = [0, 0, 0, 1];
    expect(Array.from(lossWeights(ep, 'grpo', 5))).toEqual([1 / 6, 1 / 6, 1 / 6, 1 / 2].map((x) => Math.fround(x)));
    expect(Array.from(lossWeights(ep, 'bnpo', 5))).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(Array.from(lossWeights(ep, 'dr_grpo', 5))).toEqual([0.1, 0.1, 0.1, 0.1].map((x) => Math.fround(x)));
  });
});

describe('config and optimizer', () => {
  it('fills the paper defaults and per-algorithm defaults, and rejects bad values with the field name', () => {
    const grpo = resolveRlConfig('grpo');
    expect(grpo).toMatchObject({ num_generations: 4, num_iterations: 3, gradient_accumulation_steps: 8, epsilon: 0.2, epsilon_high: 0.2, scale_rewards: 'group', loss_type: 'grpo' });
    expect(grpo.generation_batch_size).toBe(64);
    expect(resolveRlConfig('reinforce')).toMatchObject({ num_iterations: 1, scale_rewards: 'none' });
    expect(resolveRlConfig('rloo').scale_rewards).toBe('none');
    expect(() => resolveRlConfig('grpo', { generation_batch_size: 10 })).toThrow(/multiple of num_generations/);
    expect(() => resolveRlConfig('grpo', { epsilon: 2 })).toThrow(/epsilon/);
    expect(() => resolveRlConfig('grpo', { nonsense: 1 } as never)).toThrow(/nonsense|unrecognized/i);
  });

  it('Adam moves against the gradient and gradient clipping caps the global norm', () => {
    const p = [Float32Array.from([1, -1])];
    const adam = new Adam([2], { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 });
    adam.step(p, [Float32Array.from([2, -3])]);
    expect(p[0]![0]).toBeCloseTo(0.9, 5); // first Adam step = lr * sign(g)
    expect(p[0]![1]).toBeCloseTo(-0.9, 5);
    const g = [Float32Array.from([3, 4])];
    expect(clipGradNorm(g, 1)).toBeCloseTo(5, 6);
    expect(Math.hypot(g[0]![0]!, g[0]![1]!)).toBeCloseTo(1, 4);
  });

  it('Adam takes a per-tensor learning rate where one is given (SFT: the attribute head)', () => {
    const p = [Float32Array.from([1]), Float32Array.from([1]), Float32Array.from([1])];
    const adam = new Adam([1, 1, 1], { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, learningRates: [null, 0.5, 0] });
    adam.step(p, [Float32Array.from([1]), Float32Array.from([1]), Float32Array.from([1])]);
    expect(p.map((t) => t[0])).toEqual([expect.closeTo(0.9, 5), expect.closeTo(0.5, 5), 1]);
  });
});
