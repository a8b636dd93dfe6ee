import { afterAll, describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainSft } from '../../src/learners/sft.js';
import { NeuralRecommender } from '../../agents/neural/recommender.js';
import { createPolicy } from '../../src/learners/standard-setup.js';
import { runEpisode } from '../../src/learners/rollout.js';
import { createEnv, STANDARD_SETUP_MODULE } from '../../src/learners/standard-setup.js';
import { createRunner } from '../../src/learners/runner.js';
import { evaluatePolicy } from '../../src/learners/evaluate.js';
import { evaluate } from '../../src/eval/protocol.js';
import { readLog, RL_ARGS, RL_SETUP } from './fixtures/runs.js';

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'crs-sft-'));
  made.push(dir);
  return dir;
};

// Top-10 acceptance (a hit ends the episode), as the real env and the paper's protocol.
const SFT_ARGS = { ...RL_ARGS, dataset: { name: 'synthetic' as const, seed: 3, items: 60, dialogues: 120 }, env: { ...RL_ARGS.env, acceptance: { mode: 'topk' as const, k: 10 } } };

describe('SFT on teacher trajectories', () => {
  it('raises the target likelihood, the greedy Recall@10 and the rank reward on synthetic data; keeps the best epoch', async () => {
    const result = await trainSft({
      setup: { ...RL_SETUP, args: SFT_ARGS },
      outDir: tmp(),
      config: { num_train_epochs: 4, per_device_train_batch_size: 16, learning_rate: 0.02, eval_samples: 64, early_stopping_patience: 0 },
      progress: false,
    });
    expect(result.steps).toBeGreaterThan(50);
    expect(result.targetSteps).toBeGreaterThan(20);
    expect(result.teacher.hit_rate).toBe(1); // the teacher knows the target
    expect(result.after.teacher_nll).toBeLessThan(result.before.teacher_nll - 1);
    const before = result.before.eval!;
    const after = result.after.eval!;
    expect(after.hit_rate).toBeGreaterThan(before.hit_rate);
    expect(after.rewards['rank']!.mean).toBeGreaterThan(before.rewards['rank']!.mean + 0.1);
    expect(after.rewards['preference']!.mean).toBeGreaterThan(before.rewards['preference']!.mean);
    // The saved policy is the best epoch's (valid Recall@10 at the last round, earliest on ties).
    const saved = await NeuralRecommender.load(result.policyDir, (await createPolicy(SFT_ARGS)).extractor);
    expect(saved.getWeights()[0]!.some((v) => v !== 0)).toBe(true);
    const log = readLog(result.logFile);
    const epochs = log.filter((e) => e.event === 'epoch');
    expect(epochs.map((e) => e['epoch'])).toEqual([0, 1, 2, 3, 4]);
    const recalls = epochs.map((e) => (e['eval'] as { hit_rate: number }).hit_rate);
    expect(result.bestEpoch).toBe(recalls.indexOf(Math.max(...recalls)));
    expect(after.hit_rate).toBe(Math.max(...recalls));
    // Withheld-target episodes add later-round states.
    const teacher = log.find((e) => e.event === 'teacher')!;
    expect(teacher['withheld_episodes']).toBeGreaterThan(0);
    expect((teacher['target_steps_by_turn'] as number[]).length).toBe(3);
    expect((teacher['target_steps_by_turn'] as number[])[1]).toBeGreaterThan(0);
  });

  it('builds teacher trajectories on a worker thread as in the main thread (the worker may load its setup as another module copy)', async () => {
    const config = { num_train_epochs: 1, per_device_train_batch_size: 16, learning_rate: 0.02, eval_samples: 8, early_stopping_patience: 0, max_samples: 24 };
    const main = await trainSft({ setup: { ...RL_SETUP, args: SFT_ARGS }, outDir: tmp(), config, progress: false, workers: 0 });
    const worker = await trainSft({ setup: { ...RL_SETUP, args: SFT_ARGS }, outDir: tmp(), config, progress: false, workers: 1 });
    expect(worker.steps).toBe(main.steps);
    expect(worker.targetSteps).toBe(main.targetSteps);
    expect(worker.after.teacher_nll).toBeCloseTo(main.after.teacher_nll, 6);
  });

  it("still trains on the teacher's whole list with loss 'list' and no withheld episodes", async () => {
    const result = await trainSft({
      setup: { ...RL_SETUP, args: SFT_ARGS },
      outDir: tmp(),
      config: { loss: 'list', withheld_passes: 0, num_train_epochs: 2, max_samples: 40, per_device_train_batch_size: 16, learning_rate: 0.02, eval_samples: 0 },
      progress: false,
    });
    expect(result.after.teacher_nll).toBeLessThan(result.before.teacher_nll - 2);
    expect(result.bestEpoch).toBe(2); // no evaluation: the last epoch
  });

  it('withheld-target episodes play every round without the target and record the teacher (TRAIN only)', async () => {
    const env = await createEnv(SFT_ARGS);
    const policy = await createPolicy(SFT_ARGS);
    const { makeSyntheticDataset } = await import('../../src/data/synthetic.js');
    const data = makeSyntheticDataset({ seed: 3, items: 60, dialogues: 120 });
    let withTarget = 0;
    for (const sample of data.samples.train.slice(0, 12)) {
      const episode = await runEpisode(env, policy, { sampleId: sample.id, envSeed: 5, rngSeed: 'w', mode: 'withheld' });
      expect(episode.steps.length).toBe(3);
      expect(episode.firstHit).toBe(0);
      for (const step of episode.steps) {
        expect(step.targetIndex).toBeGreaterThanOrEqual(-1);
        if (step.targetIndex! >= 0) {
          withTarget++;
          expect(step.ranking[0]).toBe(step.targetIndex); // the teacher's list starts with the target
        }
      }
    }
    expect(withTarget).toBeGreaterThan(0);
    await expect(runEpisode(env, policy, { sampleId: data.samples.valid[0]!.id, envSeed: 1, rngSeed: 'x', mode: 'withheld' })).rejects.toThrow(/TRAIN split only/);
  });

  it("names the target's values in the configured kind order, at most maxAttributes, and finds the target's index", async () => {
    const { teacherAction } = await import('../../src/learners/teacher.js');
    const options = [
      { kind: 'genre' as const, value: 'drama' },
      { kind: 'actor' as const, value: 'A' },
      { kind: 'director' as const, value: 'D' },
      { kind: 'genre' as const, value: 'crime' },
    ];
    const features = { candidateIds: ['x', 't', 'y'], options } as never;
    const target = { genre: ['drama', 'crime'], director: ['D'], actor: ['A'] };
    const attributesOf = (id: string) => (id === 'y' ? { director: ['D'] } : {});
    const genreFirst = teacherAction(features, 't', target, attributesOf, 2, 3);
    expect(genreFirst).toMatchObject({ ranking: [1, 2], attributes: [0, 3, 2], supervisedAttributes: true, targetIndex: 1 });
    const specific = teacherAction(features, 't', target, attributesOf, 2, 3, ['director', 'writer', 'actor', 'producer', 'genre']);
    expect(specific.attributes).toEqual([2, 1, 0]);
    expect(teacherAction(features, 'absent', {}, attributesOf, 2, 3)).toMatchObject({ targetIndex: -1, supervisedAttributes: false, attributes: [] });
  });

  it('refuses to build teacher trajectories outside the TRAIN split', async () => {
    const env = await createEnv(RL_ARGS);
    const policy = await createPolicy(RL_ARGS);
    const { makeSyntheticDataset } = await import('../../src/data/synthetic.js');
    const valid = makeSyntheticDataset({ seed: 3, items: 60, dialogues: 40 }).samples.valid[0]!;
    await expect(runEpisode(env, policy, { sampleId: valid.id, envSeed: 1, rngSeed: 'x', mode: 'teacher' })).rejects.toThrow(/TRAIN split only/);
  });

  it("the learners' greedy evaluation (episodes end at the acceptance) gives the protocol's cumulative Recall@10 by round (every round played) on the same samples and seed", async () => {
    const args = { ...SFT_ARGS, policy: { ...SFT_ARGS.policy, priorInit: true } };
    const { makeSyntheticDataset } = await import('../../src/data/synthetic.js');
    const ids = makeSyntheticDataset({ seed: 3, items: 60, dialogues: 120 }).samples.valid.slice(0, 24).map((s) => s.id);
    const runner = await createRunner({ setup: { module: STANDARD_SETUP_MODULE, args }, workers: 0 });
    const summary = await evaluatePolicy(runner, ids, 7);
    await runner.close();
    const run = await evaluate({ env: await createEnv({ ...args, env: { ...args.env, runAllRounds: true } }), agent: await createPolicy(args), samples: ids, rounds: 3, seed: 7 });
    expect(summary.hit_rate_by_round).toEqual(run.rounds.map((r) => r['recall@10']));
    expect(summary.hit_rate).toBe(run.rounds[2]!['recall@10']);
  });
});
