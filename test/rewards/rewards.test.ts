import { describe, expect, it } from 'vitest';
import { answerFormat, hit, mergeRewardWeights, preference, processFormat, rank, registerReward, rewardComponents, WeightedReward } from '../../rewards/index.js';
import type { RewardComponent, RewardContext } from '../../rewards/index.js';

function ctx(overrides: Partial<RewardContext> = {}): RewardContext {
  return { turn: 1, sampleId: 's', dialogue: [], contextItems: [], feedback: '', candidates: ['a', 't', 'b', 'c'], earlierLists: [], target: 't', ranking: ['a', 't', 'b', 'c'], thinkSteps: 5, answerWellFormed: true, preference: '', ...overrides };
}

describe('paper reward components (eq. 15-19)', () => {
  it('process format follows 1 - |N-5|/5 on 1..7 and 0 outside', () => {
    const values = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((n) => processFormat.compute(ctx({ thinkSteps: n })));
    [0, 0.2, 0.4, 0.6, 0.8, 1, 0.8, 0.6, 0].forEach((v, i) => expect(values[i]).toBeCloseTo(v, 12));
  });
  it('answer format is 1 or 0', () => {
    expect(answerFormat.compute(ctx())).toBe(1);
    expect(answerFormat.compute(ctx({ answerWellFormed: false }))).toBe(0);
  });
  it('hit and rank reward the target position linearly', () => {
    expect(hit.compute(ctx())).toBe(1);
    expect(rank.compute(ctx())).toBeCloseTo(1 - 1 / 4);
    expect(rank.compute(ctx({ ranking: ['t'] }))).toBe(1);
    expect(hit.compute(ctx({ ranking: ['a'] }))).toBe(0);
    expect(rank.compute(ctx({ ranking: [] }))).toBe(0);
  });
  it('preference is the cosine of the two embeddings, 0 without a preference', () => {
    const a = new Float32Array([1, 0]);
    const b = new Float32Array([1, 1]);
    expect(preference.compute(ctx({ preference: 'x', preferenceEmbedding: a, referencePreferenceEmbedding: b }))).toBeCloseTo(Math.SQRT1_2);
    expect(preference.compute(ctx({ preference: '', preferenceEmbedding: a, referencePreferenceEmbedding: b }))).toBe(0);
  });
});

describe('WeightedReward', () => {
  it('sums with weights and reports every component', () => {
    const reward = new WeightedReward({ hit: 2, rank: 0, answerFormat: 1, processFormat: null, preference: null });
    const out = reward.compute(ctx());
    expect(out.components).toEqual({ hit: 1, rank: 0.75, answerFormat: 1 });
    expect(out.total).toBe(3);
  });
  it('accepts custom components and zeroes non-finite values', () => {
    const bad: RewardComponent = { name: 'broken', compute: () => Number.NaN };
    const brevity: RewardComponent = { name: 'brevity', compute: (c) => 1 / (1 + c.ranking.length) };
    const only = { processFormat: null, answerFormat: null, hit: null, rank: null, preference: null };
    const reward = new WeightedReward({ ...only, broken: 1, brevity: 1 }, [bad, brevity]);
    const out = reward.compute(ctx());
    expect(out.components.broken).toBe(0);
    expect(out.total).toBeCloseTo(0.2);
  });
  it('merges the weights given over the five defaults (a custom one is added, not swapped in)', () => {
    const brevity: RewardComponent = { name: 'brevity', compute: (c) => 1 / (1 + c.ranking.length) };
    const reward = new WeightedReward({ brevity: 1 }, [brevity]);
    expect(reward.names).toEqual(['processFormat', 'answerFormat', 'hit', 'rank', 'preference', 'brevity']);
    // processFormat 1 + answerFormat 1 + hit 1 + rank 0.75 + preference 0 + brevity 0.2
    expect(reward.compute(ctx()).total).toBeCloseTo(3.95);
    expect(mergeRewardWeights({ hit: 3, preference: null })).toEqual({ processFormat: 1, answerFormat: 1, hit: 3, rank: 1 });
  });
  it('finds components registered by name (what a plugin does) and sees the episode state', () => {
    const seen: RewardContext[] = [];
    const novelty: RewardComponent = {
      name: 'testNovelty',
      compute: (c) => {
        seen.push(c);
        return c.ranking.filter((id) => !c.earlierLists.some((list) => list.includes(id))).length / Math.max(1, c.ranking.length);
      },
    };
    registerReward(novelty, { source: 'test' });
    try {
      const reward = new WeightedReward({ testNovelty: 2 });
      const out = reward.compute(ctx({ earlierLists: [['a', 't']] }));
      expect(out.components.testNovelty).toBe(0.5);
      expect(seen[0]?.candidates).toEqual(['a', 't', 'b', 'c']);
    } finally {
      rewardComponents.unregister('testNovelty');
    }
  });
  it('rejects unknown names and non-numeric weights with a clear message', () => {
    expect(() => new WeightedReward({ nope: 1 })).toThrow(/unknown component 'nope'/);
    expect(() => new WeightedReward({ hit: 'x' } as unknown as Record<string, number>)).toThrow(/rewards: hit/);
  });
});

describe('referencePreference', () => {
  it('reads as a sentence with and without genres', async () => {
    const { referencePreference } = await import('../../rewards/index.js');
    expect(referencePreference({ genre: ['drama', 'crime'], director: ['Todd Phillips'] })).toBe('The user prefers drama and crime movies, directed by Todd Phillips.');
    expect(referencePreference({ director: ['George Lucas'] })).toBe('The user prefers movies directed by George Lucas.');
    expect(referencePreference({})).toMatch(/^The user prefers/);
  });
});
