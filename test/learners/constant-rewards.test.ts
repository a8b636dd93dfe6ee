// Constant reward components (src/learners/constant-rewards.ts) and the credit 'return' advantages give P_t
// for what happens in the next round (src/learners/advantages.ts).
import { describe, expect, it } from 'vitest';
import { groupAdvantages, type AdvantageOptions } from '../../src/learners/advantages.js';
import { constantRewardComponents, rewardsWithoutConstants } from '../../src/learners/constant-rewards.js';

const WEIGHTS = { processFormat: 1, answerFormat: 1, hit: 1, rank: 1, preference: 1 };

/** An episode whose turns score `hits` (hit = rank = the value), the format rewards 1, preference `pref`. */
function episode(hits: number[], pref = 0.7) {
  const steps = hits.map((h) => ({ rewards: { processFormat: 1, answerFormat: 1, hit: h, rank: h, preference: pref } }));
  return { steps, rewards: steps.map((s) => Object.entries(s.rewards).reduce((t, [k, v]) => t + WEIGHTS[k as keyof typeof WEIGHTS] * v, 0)), rewardWeights: WEIGHTS };
}

describe('constant reward components', () => {
  it('finds the components with one value at every played turn of the batch', () => {
    expect(constantRewardComponents([episode([0, 1]), episode([1])])).toEqual({ processFormat: 1, answerFormat: 1, preference: 0.7 });
    expect(constantRewardComponents([episode([0, 1], 0.7), episode([1], 0.8)])).toEqual({ processFormat: 1, answerFormat: 1 });
    const broken = episode([0, 1]);
    broken.steps[1]!.rewards.processFormat = 0.8;
    expect(constantRewardComponents([broken])).toEqual({ answerFormat: 1, preference: 0.7 });
    expect(constantRewardComponents([episode([1])])).toEqual({}); // one turn: nothing to compare
  });

  it('takes the weighted constants out of every turn, and a weight of 0 takes nothing out', () => {
    const e = episode([0, 1]);
    expect(rewardsWithoutConstants(e, { processFormat: 1, answerFormat: 1 })).toEqual([0 + 0 + 0.7, 1 + 1 + 0.7].map((x) => expect.closeTo(x, 10)) as unknown as number[]);
    expect(rewardsWithoutConstants({ ...e, rewardWeights: { ...WEIGHTS, processFormat: 0 } }, { processFormat: 1 })).toEqual(e.rewards);
  });

  it("cancel under group scaling but change 'batch'-scaled return advantages, which exclusion restores", () => {
    // Two groups of two rollouts over 3 rounds; only hit/rank differ.
    const batch = [
      [episode([0, 0, 1]), episode([0, 1, 1])],
      [episode([1, 1, 1]), episode([0, 0, 0])],
    ];
    const raw = batch.map((g) => g.map((e) => e.rewards));
    const excluded = batch.map((g) => g.map((e) => rewardsWithoutConstants(e, constantRewardComponents(batch.flat()))));
    const flat = (a: number[][][]): number[] => a.flat(2);
    const opts = (scale: AdvantageOptions['scale']): AdvantageOptions => ({ mode: 'return', gamma: 0.9, scale, baseline: 'group-mean', rounds: 3 });
    const closeTo = (xs: number[]) => xs.map((x) => expect.closeTo(x, 8)) as unknown as number[];
    expect(flat(groupAdvantages(raw, opts('group')))).toEqual(closeTo(flat(groupAdvantages(excluded, opts('group')))));
    const withConstants = flat(groupAdvantages(raw, opts('batch')));
    const without = flat(groupAdvantages(excluded, opts('batch')));
    // The constants add a turn-dependent return (2.7 + 2.7 * 0.9 + ...) that inflates the batch std: smaller advantages.
    const norm = (xs: number[]): number => Math.sqrt(xs.reduce((s, x) => s + x * x, 0));
    expect(norm(without)).toBeGreaterThan(norm(withConstants) * 1.2);
  });
});

describe("'return' advantages credit a turn for the next round", () => {
  it("give turn 1 of the rollout that hits in round 2 the larger advantage; 'per-turn' gives both 0 at turn 1", () => {
    // Both miss in round 1 (same reward); rollout A's preference pulls the target into round 2's list.
    const groups = [[[0, 1, 1], [0, 0, 1]]];
    const per = groupAdvantages(groups, { mode: 'per-turn', gamma: 0.9, scale: 'group', baseline: 'group-mean', rounds: 3 });
    const ret = groupAdvantages(groups, { mode: 'return', gamma: 0.9, scale: 'group', baseline: 'group-mean', rounds: 3 });
    expect(per[0]![0]![0]).toBe(0);
    expect(per[0]![1]![0]).toBe(0);
    expect(ret[0]![0]![0]).toBeGreaterThan(0.5);
    expect(ret[0]![1]![0]).toBeLessThan(-0.5);
    // gamma 0: the return is the turn's own reward again.
    const myopic = groupAdvantages(groups, { mode: 'return', gamma: 0, scale: 'group', baseline: 'group-mean', rounds: 3 });
    expect(myopic[0]![0]![0]).toBe(0);
  });

  it('an episode that ended with a hit keeps its last reward for the rounds it did not play, so an earlier hit earns more', () => {
    const groups = [[[1], [0, 1], [0, 0, 0]]];
    const ret = groupAdvantages(groups, { mode: 'return', gamma: 0.9, scale: 'none', baseline: 'group-mean', rounds: 3 });
    expect(ret[0]![0]![0]).toBeGreaterThan(ret[0]![1]![0]!);
    expect(ret[0]![1]![0]).toBeGreaterThan(ret[0]![2]![0]!);
  });
});
