import { afterAll, describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { trainRl } from '../../src/learners/rl.js';
import { loadCheckpoint } from '../../src/learners/checkpoint.js';
import { iterationSamples, rolloutSpecs } from '../../src/learners/rl.js';
import { resolveRlConfig } from '../../src/learners/config.js';
import { readArchive } from '../../agents/neural/archive.js';
import { PARAM_NAMES } from '../../agents/neural/model.js';
import { readLog, RL_ARGS, RL_SETUP, SMALL_RL_CONFIG, type LogEntry } from './fixtures/runs.js';

const made: string[] = [];
const tmp = (name: string): string => {
  const dir = mkdtempSync(join(tmpdir(), `crs-${name}-`));
  made.push(dir);
  return dir;
};
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
const iterations = (log: LogEntry[]): LogEntry[] => log.filter((e) => e.event === 'iteration');
const rewardOf = (e: LogEntry): number => e['reward_mean'] as number;
const evalOf = (e: LogEntry): { reward_mean: number; rewards: Record<string, { mean: number }> } => (e.event === 'eval' ? e : e['eval']) as never;
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('multi-turn GRPO', () => {
  it('improves the mean reward on synthetic data, and logs every documented field', async () => {
    const result = await trainRl('grpo', {
      setup: RL_SETUP,
      outDir: tmp('grpo'),
      config: { ...SMALL_RL_CONFIG, max_steps: 12, eval_steps: 4, eval_samples: 0 },
      progress: false,
    });
    expect(result.completed).toBe(true);
    const log = readLog(result.logFile);
    const its = iterations(log);
    expect(its.map((e) => e['iteration'])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    // Rollout reward: last third vs first third; greedy evaluation: end vs start.
    expect(mean(its.slice(-4).map(rewardOf))).toBeGreaterThan(mean(its.slice(0, 4).map(rewardOf)) + 0.1);
    const evals = log.filter((e) => e.event === 'eval' || e['eval'] !== undefined).map(evalOf);
    expect(evals.length).toBe(4);
    expect(evals.at(-1)!.reward_mean).toBeGreaterThan(evals[0]!.reward_mean + 0.1);
    const first = its[0]!;
    for (const key of ['kl', 'clip_fraction', 'entropy_ranking', 'entropy_attributes', 'grad_norm', 'loss', 'hit_rate', 'candidate_recall']) {
      expect(Number.isFinite(first[key] as number), key).toBe(true);
    }
    expect(Object.keys(first['rewards'] as object).sort()).toEqual(['answerFormat', 'hit', 'preference', 'processFormat', 'rank']);
    expect((first['rewards'] as Record<string, { mean: number; std: number }>)['processFormat']).toEqual({ mean: 1, std: 0 });
    expect(Object.keys(first['seconds'] as object)).toEqual(['rollout', 'update', 'eval', 'checkpoint', 'total']);
    expect(first['optimizer_steps']).toBe(3); // num_iterations (3) epochs x one accumulated step each
    expect(its.at(-1)!['kl'] as number).toBeGreaterThan(0);
    expect(existsSync(join(result.policyDir, 'policy.bin'))).toBe(true);
  });

  it('reports constant reward components, can exclude them, and logs how far each inner epoch moves the ratio', async () => {
    const config = { ...SMALL_RL_CONFIG, max_steps: 2, num_iterations: 3, learning_rate: 0.05, advantage: 'return' as const, gamma: 0.9, scale_rewards: 'batch' as const };
    const runs = await Promise.all([false, true].map((exclude) => trainRl('grpo', { setup: RL_SETUP, outDir: tmp(`grpo-constants-${exclude}`), config: { ...config, exclude_constant_rewards: exclude }, progress: false })));
    const [kept, excluded] = runs.map((r) => iterations(readLog(r.logFile)));
    for (const its of [kept!, excluded!]) {
      const first = its[0]!;
      // The neural policy always writes five steps and a well-formed list.
      expect(first['constant_rewards']).toMatchObject({ processFormat: 1, answerFormat: 1 });
      expect(Object.keys(first['constant_rewards'] as object)).not.toContain('hit');
      const deviation = first['ratio_deviation_by_epoch'] as number[];
      expect(deviation).toHaveLength(3);
      expect(first['clip_fraction_by_epoch'] as number[]).toHaveLength(3);
      expect(deviation[0]).toBeLessThan(1e-4); // the weights that played the rollouts
      expect(deviation[2]).toBeGreaterThan(deviation[0]! + 1e-3); // two updates later
    }
    expect(excluded![0]!['constant_rewards_excluded']).toBe(true);
    // Same rollouts in iteration 1, different advantages ('batch' scaling of returns): different updates.
    expect(excluded![0]!['reward_mean']).toBe(kept![0]!['reward_mean']);
    expect(excluded![0]!['advantage_std']).not.toBeCloseTo(kept![0]!['advantage_std'] as number, 3);
  });

  it('improves on the initial policy with the label-free multi-task simulator as the user', async () => {
    // The simulator is trained in the setup (hashing features, seeded) and never sees the target.
    const setup = { ...RL_SETUP, args: { ...RL_ARGS, simulator: 'multi-task' as const } };
    const result = await trainRl('grpo', { setup, outDir: tmp('grpo-multi-task'), config: { ...SMALL_RL_CONFIG, max_steps: 12, eval_steps: 12, eval_samples: 0 }, progress: false });
    expect(result.completed).toBe(true);
    const its = iterations(readLog(result.logFile));
    // Rollouts play the training samples: the last third of the run against the first (the initial policy's).
    expect(mean(its.slice(-4).map(rewardOf))).toBeGreaterThan(mean(its.slice(0, 4).map(rewardOf)) + 0.1);
  });

  it('gives identical results with 1 and 2 rollout workers (and in the main thread)', async () => {
    const run = async (workers: number) => {
      const r = await trainRl('grpo', { setup: RL_SETUP, outDir: tmp(`w${workers}`), workers, config: { ...SMALL_RL_CONFIG, max_steps: 2 }, progress: false });
      const ckpt = await loadCheckpoint(r.checkpointFile);
      return { rewards: iterations(readLog(r.logFile)).map((e) => [e['reward_mean'], e['kl'], e['grad_norm']]), weights: ckpt!.policy.map((w) => Array.from(w)) };
    };
    const one = await run(1);
    const two = await run(2);
    const main = await run(0);
    expect(two.rewards).toEqual(one.rewards);
    expect(two.weights).toEqual(one.weights);
    expect(main.weights).toEqual(one.weights);
  });

  it('derives rollout seeds from (iteration, sample, generation) only; groups share the env seed', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const specs = rolloutSpecs(7, 3, ['a', 'b'], 4);
    expect(specs).toHaveLength(8);
    expect(new Set(specs.slice(0, 4).map((s) => s.envSeed)).size).toBe(1);
    expect(new Set(specs.map((s) => s.rngSeed)).size).toBe(8);
    expect(rolloutSpecs(7, 3, ['a', 'b'], 4)).toEqual(specs);
    // Consecutive iterations walk through a shuffled epoch without repeats.
    const walk = [0, 1, 2].flatMap((it) => iterationSamples(7, it, ids, 2));
    expect(new Set(walk.slice(0, 5)).size).toBe(5);
    expect(walk).toHaveLength(6);
  });

  it("sample_filter 'round1-misses' trains only on the samples the initial policy misses in round 1", async () => {
    const args = { ...(RL_SETUP.args as object), policy: { hidden: 8, optionHidden: 4, rank: 4 } }; // prior init: some round-1 hits
    const r = await trainRl('grpo', { setup: { ...RL_SETUP, args }, outDir: tmp('filter'), config: { ...SMALL_RL_CONFIG, max_steps: 1, sample_filter: 'round1-misses' }, progress: false });
    const log = readLog(r.logFile);
    const trainSamples = log.find((e) => e.event === 'start')!['train_samples'] as number;
    const { makeSyntheticDataset } = await import('../../src/data/synthetic.js');
    expect(trainSamples).toBeGreaterThan(0);
    expect(trainSamples).toBeLessThan(makeSyntheticDataset({ seed: 3, items: 60, dialogues: 40 }).samples.train.length);
    expect(iterations(log)).toHaveLength(1);
  });

  it('load_best_model_at_end saves the weights of the best evaluation, which survive a resume', async () => {
    const config = { ...SMALL_RL_CONFIG, learning_rate: 0.05, max_steps: 6, eval_steps: 1, eval_samples: 0, load_best_model_at_end: true, metric_for_best_model: 'rank' as const };
    const run = await trainRl('grpo', { setup: RL_SETUP, outDir: tmp('best'), config, progress: false });
    const log = readLog(run.logFile);
    const evals = log
      .filter((e) => e.event === 'eval' || e['eval'] !== undefined)
      .map((e) => ({ iteration: e['iteration'] as number, metric: evalOf(e).rewards['rank']!.mean }));
    expect(evals.map((e) => e.iteration)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const top = Math.max(...evals.map((e) => e.metric));
    const first = evals.find((e) => e.metric === top)!;
    expect(run.best).toEqual({ iteration: first.iteration, metric: top });
    expect(first.iteration).toBeLessThan(6); // this seeded run peaks before its end, so the weights are restored
    expect(log.at(-1)).toMatchObject({ event: 'end', best_iteration: first.iteration, best_metric: top });

    // The saved policy is the policy as it was after `best.iteration` iterations: a run stopped there has it.
    const saved = await readArchive(join(run.policyDir, 'policy.bin'), 'crs-gym/neural-recommender');
    const savedWeights = PARAM_NAMES.map((n) => Array.from(saved.tensors.get(n)!.data));
    const ckpt = await loadCheckpoint(run.checkpointFile);
    let expected: Float32Array[];
    if (first.iteration === 0) expected = ckpt!.reference;
    else {
      const short = await trainRl('grpo', { setup: RL_SETUP, outDir: tmp('best-short'), config: { ...config, max_steps: first.iteration, load_best_model_at_end: false }, progress: false });
      expected = (await loadCheckpoint(short.checkpointFile))!.policy;
    }
    expect(savedWeights).toEqual(expected.map((w) => Array.from(w)));
    expect(ckpt!.best!.iteration).toBe(first.iteration);
    expect(ckpt!.best!.weights.map((w) => Array.from(w))).toEqual(savedWeights);

    // A resumed run knows the best evaluation from before the stop.
    const resumed = await trainRl('grpo', { setup: RL_SETUP, outDir: run.outDir, config: { ...config, max_steps: 6 }, progress: false });
    expect(resumed.resumedFrom).toBe(6);
    expect(resumed.best).toEqual(run.best);
    expect(() => resolveRlConfig('grpo', { load_best_model_at_end: true })).toThrow(/needs eval_steps > 0/);
  });

  it('runs RLOO and REINFORCE with a baseline behind the same loop', async () => {
    for (const algorithm of ['rloo', 'reinforce'] as const) {
      const r = await trainRl(algorithm, { setup: RL_SETUP, outDir: tmp(algorithm), config: { ...SMALL_RL_CONFIG, max_steps: 6, eval_steps: 6, eval_samples: 0 }, progress: false });
      const log = readLog(r.logFile);
      const its = iterations(log);
      expect(its).toHaveLength(6);
      expect(its.every((e) => Number.isFinite(e['loss'] as number))).toBe(true);
      if (algorithm === 'reinforce') expect(its.every((e) => e['clip_fraction'] === 0 && e['ratio_mean'] === 1)).toBe(true);
      else expect(its.some((e) => (e['clip_fraction'] as number) > 0)).toBe(true);
      const evals = log.filter((e) => e.event === 'eval' || e['eval'] !== undefined).map(evalOf);
      expect(evals).toHaveLength(2);
      expect(evals[1]!.reward_mean).toBeGreaterThan(evals[0]!.reward_mean + 0.1);
    }
  });
});

describe('checkpoints', () => {
  it('a run killed with SIGKILL after its first checkpoint resumes, finishes, and matches an uninterrupted run', async () => {
    const outDir = tmp('kill');
    const child = spawn(process.execPath, ['--import', 'tsx', resolve('test/learners/fixtures/train-child.ts'), outDir, '5', '1000'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_code, signal) => res(signal)));
    const deadline = Date.now() + 40_000;
    while (!/iteration 1\n/.test(stdout)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`child never reached iteration 1: ${stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(stdout).not.toMatch(/done/);
    const saved = await loadCheckpoint(join(outDir, 'checkpoint.bin'));
    expect(saved!.meta.iteration).toBeGreaterThanOrEqual(1);
    expect(saved!.meta.iteration).toBeLessThan(5);

    const resumed = await trainRl('grpo', { setup: RL_SETUP, outDir, config: { ...SMALL_RL_CONFIG, max_steps: 5, save_steps: 1 }, progress: false });
    expect(resumed.resumedFrom).toBe(saved!.meta.iteration);
    expect(resumed.completed).toBe(true);
    const log = readLog(resumed.logFile);
    expect(iterations(log).map((e) => e['iteration'])).toEqual([1, 2, 3, 4, 5]);
    expect(log.filter((e) => e.event === 'resume')).toHaveLength(1);
    expect(log.at(-1)!.event).toBe('end');

    const straight = await trainRl('grpo', { setup: RL_SETUP, outDir: tmp('straight'), config: { ...SMALL_RL_CONFIG, max_steps: 5, save_steps: 1 }, progress: false });
    const a = await loadCheckpoint(resumed.checkpointFile);
    const b = await loadCheckpoint(straight.checkpointFile);
    expect(a!.policy.map((w) => Array.from(w))).toEqual(b!.policy.map((w) => Array.from(w)));
    expect(iterations(log).map(rewardOf)).toEqual(iterations(readLog(straight.logFile)).map(rewardOf));
  });

  it('refuses to resume a checkpoint written with another config', async () => {
    const outDir = tmp('mismatch');
    await trainRl('grpo', { setup: RL_SETUP, outDir, config: { ...SMALL_RL_CONFIG, max_steps: 1 }, progress: false });
    await expect(trainRl('grpo', { setup: RL_SETUP, outDir, config: { ...SMALL_RL_CONFIG, max_steps: 1, beta: 0.5 }, progress: false })).rejects.toThrow(/another config/);
    const fresh = await trainRl('grpo', { setup: RL_SETUP, outDir, config: { ...SMALL_RL_CONFIG, max_steps: 1, beta: 0.5 }, resume: false, progress: false });
    expect(fresh.resumedFrom).toBeNull();
  });
});
