import { afterAll, describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainSft } from '../../src/learners/sft.js';
import { NeuralRecommender } from '../../agents/neural/recommender.js';
import { createPolicy } from '../../src/learners/standard-setup.js';
import { runEpisode } from '../../src/learners/rollout.js';
import { createEnv } from '../../src/learners/standard-setup.js';
import { readLog, RL_ARGS, RL_SETUP } from './fixtures/runs.js';

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('SFT on teacher trajectories', () => {
  it('raises the teacher log-likelihood and the greedy hit rate and rank on synthetic data', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'crs-sft-'));
    made.push(outDir);
    const args = { ...RL_ARGS, dataset: { name: 'synthetic' as const, seed: 3, items: 60, dialogues: 120 }, env: { ...RL_ARGS.env, acceptance: { mode: 'topk' as const, k: 10 } } };
    const result = await trainSft({
      setup: { ...RL_SETUP, args },
      outDir,
      config: { num_train_epochs: 6, per_device_train_batch_size: 8, learning_rate: 0.01, eval_samples: 64, early_stopping_patience: 0 },
      progress: false,
    });
    expect(result.steps).toBeGreaterThan(50);
    expect(result.teacher.hit_rate).toBe(1); // the teacher knows the target
    expect(result.after.teacher_nll).toBeLessThan(result.before.teacher_nll - 5);
    const before = result.before.eval!;
    const after = result.after.eval!;
    expect(after.hit_rate).toBeGreaterThan(before.hit_rate);
    expect(after.rewards['rank']!.mean).toBeGreaterThan(before.rewards['rank']!.mean + 0.1);
    expect(after.rewards['preference']!.mean).toBeGreaterThan(before.rewards['preference']!.mean);
    // The saved policy is the trained one; the log has one line per epoch after the initial one.
    const saved = await NeuralRecommender.load(result.policyDir, (await createPolicy(args)).extractor);
    expect(saved.getWeights()[0]!.some((v) => v !== 0)).toBe(true);
    const epochs = readLog(result.logFile).filter((e) => e.event === 'epoch').map((e) => e['epoch']);
    expect(epochs).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('refuses to build teacher trajectories outside the TRAIN split', async () => {
    const env = await createEnv(RL_ARGS);
    const policy = await createPolicy(RL_ARGS);
    const { makeSyntheticDataset } = await import('../../src/data/synthetic.js');
    const valid = makeSyntheticDataset({ seed: 3, items: 60, dialogues: 40 }).samples.valid[0]!;
    await expect(runEpisode(env, policy, { sampleId: valid.id, envSeed: 1, rngSeed: 'x', mode: 'teacher' })).rejects.toThrow(/TRAIN split only/);
  });
});
