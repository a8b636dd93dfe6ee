// The env owns the reward: a learner's reward_weights reach the env (every copy it builds), the records keep the
// env's reward and components as they come (no second weighting), and a setup module that ignores the weights is
// refused before any rollout.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createRunner } from '../../src/learners/runner.js';
import { STANDARD_SETUP_MODULE, sampleIds } from '../../src/learners/standard-setup.js';
import { DEFAULT_REWARD_WEIGHTS } from '../../rewards/weighted-sum.js';

const ARGS = { dataset: { name: 'synthetic', seed: 2, items: 40, dialogues: 20 } };

describe('reward weighting has one owner, the env', () => {
  it("reward_weights are the env's: each record's reward is the env's weighted sum of its components", async () => {
    const weights = { ...DEFAULT_REWARD_WEIGHTS, hit: 3, rank: 0 };
    const runner = await createRunner({ setup: { module: STANDARD_SETUP_MODULE, args: ARGS }, workers: 0, envOverrides: { rewardWeights: weights } });
    try {
      const ids = (await sampleIds(ARGS, 'train')).slice(0, 4);
      const episodes = await runner.run(ids.map((sampleId, i) => ({ sampleId, envSeed: i, rngSeed: `r${i}`, mode: 'sample' as const })));
      const steps = episodes.flatMap((e) => e.steps);
      expect(steps.length).toBeGreaterThan(0);
      for (const step of steps) {
        expect(Object.keys(step.rewards)).toEqual(Object.keys(weights));
        const expected = Object.entries(weights).reduce((sum, [name, w]) => sum + w * (step.rewards[name] as number), 0);
        expect(step.reward).toBeCloseTo(expected, 12);
      }
      // The weights moved the reward: with hit weighted 3 and rank 0, a hit turn earns more than the default sum would.
      expect(steps.some((s) => s.rewards['hit'] === 1 && s.reward !== Object.values(s.rewards).reduce((a, b) => a + b, 0))).toBe(true);
    } finally {
      await runner.close();
    }
  });

  it('a setup module that ignores the reward weights is an error naming it', async () => {
    const module = fileURLToPath(new URL('./fixtures/ignoring-setup.ts', import.meta.url));
    await expect(createRunner({ setup: { module, args: ARGS }, workers: 0, envOverrides: { rewardWeights: { ...DEFAULT_REWARD_WEIGHTS, hit: 2 } } })).rejects.toThrow(
      /ignoring-setup\.ts: createEnv ignored the reward_weights it was given/,
    );
  });
});
