// Plugins reach every worker thread, and training and evaluation make their envs by id. Through the CLI's
// --plugin path, as a user would run them:
// - `crs-gym eval --workers 2` with a plugin's dataset (examples/custom-dataset), agent (examples/custom-agent) and
//   reward component (examples/custom-reward), or with an agent module (`--agent FILE`), gives the files
//   `--workers 0` gives;
// - `crs-gym train grpo --dataset synthetic --plugin novelty.ts --reward-weights ... --workers 2` trains as in the main
//   thread, with the plugin's component among the rollouts' rewards;
// - `--env ID` evaluates an env id a plugin registers (its options and wrappers apply, in workers too); an unknown id
//   is a usage error listing the known ones, and an id whose env is no CrsEnv underneath a one-line error;
// - the learners' CRS setup makes its env by id and steps it with the id's wrappers;
// - AsyncVectorEnv's workers load this thread's plugins before they build their envs (SyncVectorEnv's results).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { loadPlugin } from '../../src/plugins/load.js';
import { createEnv } from '../../src/pipeline/crs-setup.js';
import { runEpisode } from '../../src/learners/rollout.js';
import { crsEnvOf } from '../../envs/crs-env.js';
import { sharedDataset } from '../../envs/shared.js';
import type { TrainablePolicy } from '../../agents/trainable.js';
import { captureOutput } from '../fixtures/capture-output.js';
import { AsyncVectorEnv } from '../../src/core/async-vector.js';
import { SyncVectorEnv, type VectorEnv } from '../../src/core/vector.js';
import { makeCrsEnv } from '../../envs/make.js';
import type { CrsAction } from '../../envs/action.js';
import type { CrsObservation } from '../../envs/types.js';
import { NOT_CRS_ID, SHORT_LISTS_ID } from '../fixtures/plugins/toy-env-id.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ex = (path: string) => join(root, 'examples', path);
const DATASET_PLUGIN = ex('custom-dataset/toy-movies.ts');
const AGENT_PLUGIN = ex('custom-agent/plugin.mjs');
const REWARD_PLUGIN = ex('custom-reward/novelty.ts');
const ENV_PLUGIN = join(root, 'test', 'fixtures', 'plugins', 'toy-env-id.ts');
const DATA = ex('custom-dataset/data');
const dir = mkdtempSync(join(tmpdir(), 'crs-gym-plugin-workers-'));

afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface RankingLine {
  sampleId: string;
  round: number;
  ranking: string[];
  rewards: Record<string, number>;
}

const read = (out: string, file: string) => readFileSync(join(out, file), 'utf8');
const rankings = (out: string) => read(out, 'rankings.jsonl').trim().split('\n').map((l) => JSON.parse(l) as RankingLine);

async function cli(argv: string[]): Promise<{ code: number; err: string }> {
  const io = captureOutput();
  const code = await runCli(argv);
  vi.restoreAllMocks();
  return { code, err: io.err() };
}

const evalArgs = (out: string, workers: number, ...more: string[]) => [
  'eval', '--plugin', DATASET_PLUGIN, '--plugin', AGENT_PLUGIN, '--plugin', REWARD_PLUGIN, '--plugin', ENV_PLUGIN,
  '--dataset', 'toy-movies', '--data', DATA, '--simulator', 'single-task', '--rounds', '3', '--agent', 'fresh',
  '--reward-weights', '{"novelty":0.5,"preference":null}', '--workers', String(workers), '--out', out, ...more,
];

/** Runs the same command with 0 and with 2 workers into two folders (both must succeed); returns them. */
async function withZeroAndTwoWorkers(args: (out: string, workers: number) => string[], name: string): Promise<{ here: string; pooled: string }> {
  const [here, pooled] = [join(dir, `${name}-w0`), join(dir, `${name}-w2`)];
  const zero = await cli(args(here, 0));
  expect(zero.code, zero.err).toBe(0);
  const two = await cli(args(pooled, 2));
  expect(two.code, two.err).toBe(0);
  return { here, pooled };
}

describe('crs-gym eval --workers 2 with a plugin dataset, agent and reward component', () => {
  it('loads the plugins in every eval worker and writes the files --workers 0 writes', async () => {
    const { here, pooled } = await withZeroAndTwoWorkers(evalArgs, 'eval');
    expect(read(pooled, 'rankings.jsonl')).toBe(read(here, 'rankings.jsonl'));
    expect(read(pooled, 'summary.json')).toBe(read(here, 'summary.json'));
    const lines = rankings(pooled);
    expect(Object.keys(lines[0]?.rewards ?? {})).toEqual(['processFormat', 'answerFormat', 'hit', 'rank', 'novelty']);
    expect(lines.some((l) => l.round > 1 && (l.rewards.novelty as number) < 1)).toBe(true);
  }, 120_000);
});

describe('crs-gym eval --workers 2 --agent FILE', () => {
  it('loads the agent module in every eval worker', async () => {
    const args = (out: string, workers: number) => [
      'eval', '--plugin', DATASET_PLUGIN, '--dataset', 'toy-movies', '--data', DATA, '--simulator', 'single-task', '--rounds', '3',
      '--agent', ex('custom-agent/fresh-picks.mjs'), '--reward-weights', '{"preference":null}', '--workers', String(workers), '--out', out,
    ];
    const { here, pooled } = await withZeroAndTwoWorkers(args, 'agent');
    expect(read(pooled, 'rankings.jsonl')).toBe(read(here, 'rankings.jsonl'));
  }, 120_000);
});

describe('crs-gym eval --env ID', () => {
  it("evaluates a plugin's env id with its options (lists of 5), on workers too", async () => {
    const [here, pooled] = [join(dir, 'env-w0'), join(dir, 'env-w2')];
    const zero = await cli(evalArgs(here, 0, '--env', SHORT_LISTS_ID));
    expect(zero.code, zero.err).toBe(0);
    const two = await cli(evalArgs(pooled, 2, '--env', SHORT_LISTS_ID));
    expect(two.code, two.err).toBe(0);
    expect(read(pooled, 'rankings.jsonl')).toBe(read(here, 'rankings.jsonl'));
    expect(rankings(pooled).every((l) => l.ranking.length === 5)).toBe(true);
    const summary = JSON.parse(read(pooled, 'summary.json')) as { config: { envId?: string; env: { listLength: number } } };
    expect(summary.config.envId).toBe(SHORT_LISTS_ID);
    expect(summary.config.env.listLength).toBe(5);
  }, 120_000);

  it('an unknown id is a usage error listing the known ids, before anything runs', async () => {
    const run = await cli(evalArgs(join(dir, 'env-unknown'), 0, '--env', 'Toy/nope-v0'));
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/--env: unknown env id 'Toy\/nope-v0' \(known: .*CrsEnv\/inspired-v0.*Toy\/short-lists-v0/);
    expect(run.err.trim().split('\n')).toHaveLength(1);
  });

  it('an id whose env is no CrsEnv underneath is a one-line error naming it', async () => {
    const run = await cli(evalArgs(join(dir, 'env-not-crs'), 0, '--env', NOT_CRS_ID));
    expect(run.code).not.toBe(0);
    expect(run.err).toMatch(/env 'Toy\/not-crs-v0' is not a CrsEnv underneath/);
    expect(run.err.trim().split('\n')).toHaveLength(1);
  });
});

describe('crs-gym train grpo --workers 2 with a plugin reward component', () => {
  interface Iteration {
    event: string;
    reward_mean: number;
    rewards: Record<string, { mean: number }>;
  }
  const iterations = (out: string) =>
    read(out, 'log.jsonl').trim().split('\n').map((l) => JSON.parse(l) as Iteration).filter((e) => e.event === 'iteration').map((e) => ({ reward_mean: e.reward_mean, rewards: e.rewards }));

  it('loads the plugin in every rollout worker and trains as in the main thread', async () => {
    const config = join(dir, 'grpo.json');
    writeFileSync(config, JSON.stringify({ max_steps: 2, num_generations: 2, per_device_train_batch_size: 4, gradient_accumulation_steps: 1, sample_filter: 'all', eval_steps: 0, seed: 3 }));
    const train = (out: string, workers: number) =>
      cli(['train', 'grpo', '--plugin', REWARD_PLUGIN, '--dataset', 'synthetic', '--reward-weights', '{"novelty":0.5}', '--config', config, '--workers', String(workers), '--out', out]);
    const [here, pooled] = [join(dir, 'grpo-w0'), join(dir, 'grpo-w2')];
    const zero = await train(here, 0);
    expect(zero.code, zero.err).toBe(0);
    const two = await train(pooled, 2);
    expect(two.code, two.err).toBe(0);
    const its = iterations(pooled);
    expect(its).toHaveLength(2);
    expect(its[0]?.rewards.novelty?.mean).toBeGreaterThan(0);
    expect(its).toEqual(iterations(here));
  }, 180_000);
});

describe('the learners\' CRS setup makes its env by id', () => {
  it("steps the id's wrappers (doubled rewards) over the CrsEnv it finds beneath", async () => {
    for (const file of [DATASET_PLUGIN, ENV_PLUGIN]) await loadPlugin(file);
    const envOptions = { retriever: 'bm25', simulator: 'single-task', env: { rounds: 2, rewardWeights: { preference: null } } };
    const args = (envId?: string) => ({ dataset: 'toy-movies', dataRoot: DATA, envOptions, ...(envId ? { envId } : {}) });
    const plain = await createEnv(args());
    const wrapped = await createEnv(args(SHORT_LISTS_ID));
    expect(crsEnvOf(wrapped, SHORT_LISTS_ID).config.listLength).toBe(5);
    // A policy that plays the retriever's order.
    const policy = {
      actWithRecord: async (observation: { candidates: { id: string }[] }) => {
        const ranking = observation.candidates.slice(0, 5).map((c) => c.id);
        return { action: { ranking }, record: { ranking, logProb: 0, reward: 0, rewards: {} } };
      },
    } as unknown as TrainablePolicy;
    const sampleId = (sharedDataset('toy-movies', DATA).samples.test[0] as { id: string }).id;
    const spec = { sampleId, envSeed: 1, rngSeed: 'r', mode: 'greedy' as const };
    const [a, b] = [await runEpisode(plain, policy, spec), await runEpisode(wrapped, policy, spec)];
    expect(b.rewards).toEqual(b.steps.map((s) => s.reward));
    expect(b.rewards.length).toBeGreaterThan(0);
    // Same lists (the first 5 candidates), the wrapper's reward twice the env's weighted sum.
    expect(b.rewards).toEqual(a.rewards.map((r) => 2 * r));
    await expect(createEnv(args(NOT_CRS_ID))).rejects.toThrow(/env 'Toy\/not-crs-v0' is not a CrsEnv underneath/);
  });
});

describe('AsyncVectorEnv with a plugin dataset and reward component', () => {
  it("loads this thread's plugins in its workers and plays as SyncVectorEnv", async () => {
    for (const file of [DATASET_PLUGIN, REWARD_PLUGIN]) await loadPlugin(file);
    const options = { dataRoot: DATA, retriever: 'bm25', simulator: 'single-task', env: { rounds: 2, rewardWeights: { novelty: 0.5, preference: null } } };
    const setupModule = new URL('../../envs/register.ts', import.meta.url).href;
    const play = async (vec: VectorEnv<CrsObservation, CrsAction>) => {
      let { observations } = await vec.reset({ seed: 5 });
      const steps = [];
      for (let t = 0; t < 3; t++) {
        const r = await vec.step(observations.map((o) => ({ ranking: o.candidates.slice(0, 10).map((c) => c.id) })));
        steps.push({ rewards: r.rewards, components: r.infos.map((i) => ((i.finalInfo ?? i) as { rewards: Record<string, number> }).rewards) });
        observations = r.observations;
      }
      await vec.close();
      return steps;
    };
    const sync = await play(new SyncVectorEnv([await makeCrsEnv('toy-movies', options), await makeCrsEnv('toy-movies', options)]));
    const pooled = await play(new AsyncVectorEnv<CrsObservation, CrsAction>({ setupModule, args: { dataset: 'toy-movies', options }, numEnvs: 2, workers: 2 }));
    expect(pooled).toEqual(sync);
    // (An episode that ended has its last step's info in finalInfo: same-step autoreset.)
    expect(pooled.flatMap((step) => step.components).every((c) => typeof c.novelty === 'number')).toBe(true);
  }, 60_000);
});
