import { describe, expect, it } from 'vitest';
import { answerFormat, hit, mergeRewardWeights, preference, preferenceLift, processFormat, rank, referencePreference, registerReward, rewardComponents, WeightedReward } from '../../rewards/index.js';
import { NO_INFORMATION_PREFERENCE } from '../../src/data/reference-preference.js';
import { createEnv } from '../../src/learners/standard-setup.js';
import { SMALL_ARGS } from '../agents/fixtures.js';
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

  it('preferenceLift counts the cosine above the no-information sentence, rescaled to [0, 1]', () => {
    const reference = new Float32Array([1, 1]);
    const none = new Float32Array([1, 0]); // cos .707 with the reference: the floor
    const lift = (p: Float32Array, text = 'x') => preferenceLift.compute(ctx({ preference: text, preferenceEmbedding: p, referencePreferenceEmbedding: reference, noInformationPreferenceEmbedding: none }));
    expect(lift(none)).toBe(0);
    expect(lift(reference)).toBeCloseTo(1, 10);
    expect(lift(new Float32Array([0, 1]))).toBe(0); // as far from P* as the floor
    const cos03 = (0.3 + 1) / Math.hypot(0.3, 1) / Math.SQRT2;
    expect(lift(new Float32Array([0.3, 1]))).toBeCloseTo((cos03 - Math.SQRT1_2) / (1 - Math.SQRT1_2), 5);
    expect(lift(new Float32Array([-1, 0]))).toBe(0); // below the floor: clipped
    expect(lift(reference, '')).toBe(0);
    // Against the plain cosine, the same two preferences are far apart only with the lift.
    const cos = (p: Float32Array) => preference.compute(ctx({ preference: 'x', preferenceEmbedding: p, referencePreferenceEmbedding: reference }));
    expect(cos(none)).toBeGreaterThan(0.7);
  });

  it('preferenceLift in the env: the no-information sentence scores 0 and P* scores 1 (the plain cosine gives the first a high floor)', async () => {
    const env = await createEnv({ ...SMALL_ARGS, env: { ...SMALL_ARGS.env, rewardWeights: { preferenceLift: 1 } } });
    expect(env.rewardWeights).toEqual({ processFormat: 1, answerFormat: 1, hit: 1, rank: 1, preference: 1, preferenceLift: 1 });
    const { observation } = await env.reset({ seed: 1, options: { split: 'train' } });
    const target = env.currentSample!.target;
    const ranking = observation.candidates.filter((c) => c.id !== target).slice(0, 2).map((c) => c.id);
    const none = await env.step({ ranking, preference: NO_INFORMATION_PREFERENCE });
    expect(none.info.rewards['preferenceLift']).toBeCloseTo(0, 6);
    expect(none.info.rewards['preference']).toBeGreaterThan(0.01); // the floor (hashing encoder: low; E_T: .635)
    if (none.terminated || none.truncated) throw new Error('the episode should go on after a miss');
    const attributes = (await import('../../src/data/synthetic.js')).makeSyntheticDataset({ seed: 3, items: 60, dialogues: 40 }).itemById.get(target)!.attributes;
    const exact = await env.step({ ranking, preference: referencePreference(attributes) });
    expect(exact.info.rewards['preferenceLift']).toBeCloseTo(1, 5);
    expect(exact.info.rewards['preference']).toBeCloseTo(1, 5);
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
