// The examples/ plugins through the CLI's --plugin and --agent FILE paths, as a newcomer would run them: a custom
// dataset (examples/custom-dataset), a custom agent (examples/custom-agent) and a custom reward
// (examples/custom-reward), on the toy dataset so nothing needs training.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { make } from '../../src/core/registry.js';
import { createLearner } from '../../src/learners/registry.js';
import { resolveRlConfig } from '../../src/learners/config.js';
import '../../envs/register.js';
import type { CrsEnv } from '../../envs/crs-env.js';
import { captureOutput } from '../fixtures/capture-output.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ex = (path: string) => join(root, 'examples', path);
const DATASET_PLUGIN = ex('custom-dataset/toy-movies.ts');
const DATA = ex('custom-dataset/data');
const dir = mkdtempSync(join(tmpdir(), 'crs-gym-examples-'));

const capture = captureOutput;

interface RankingLine {
  sampleId: string;
  round: number;
  ranking: string[];
  rewards: Record<string, number>;
}

function rankings(out: string): RankingLine[] {
  return readFileSync(join(out, 'rankings.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as RankingLine);
}

const evalArgs = (out: string) => ['eval', '--plugin', DATASET_PLUGIN, '--dataset', 'toy-movies', '--data', DATA, '--simulator', 'single-task', '--rounds', '3', '--out', out];

afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('examples/custom-dataset: a dataset registered by a plugin', () => {
  it('crs-gym data stats --plugin FILE --dataset toy-movies reads it', async () => {
    const io = capture();
    expect(await runCli(['data', 'stats', '--plugin', DATASET_PLUGIN, '--dataset', 'toy-movies', '--data', DATA, '--json'])).toBe(0);
    const stats = JSON.parse(io.out()) as { name: string; items: number; splits: Record<string, { samples: number }> };
    expect(stats.items).toBe(12);
    expect(stats.splits.test?.samples).toBe(8);
  });

  it("make('CrsEnv/toy-movies-v0') plays it once the plugin is loaded", async () => {
    const env = (await make('CrsEnv/toy-movies-v0', { dataRoot: DATA, retriever: 'bm25', simulator: 'single-task', env: { rounds: 2, rewardWeights: { preference: null } } })) as unknown as CrsEnv;
    const { observation } = await env.reset({ seed: 0 });
    expect(observation.candidates.length).toBeGreaterThan(0);
    const step = await env.step({ ranking: observation.candidates.slice(0, 10).map((c) => c.id) });
    expect(Object.keys(step.info.rewards)).toEqual(['processFormat', 'answerFormat', 'hit', 'rank']);
  });

  it('an unknown --dataset is a usage error that lists the plugin dataset too', async () => {
    const io = capture();
    expect(await runCli(['data', 'stats', '--plugin', DATASET_PLUGIN, '--dataset', 'toy-movie', '--data', DATA])).toBe(2);
    expect(io.err()).toMatch(/unknown dataset 'toy-movie'\. Did you mean 'toy-movies'\?.*known: inspired, redial, opendialkg, toy-movies/);
  });
});

describe('examples/custom-agent: an agent module and an agent plugin', () => {
  it('--agent ./examples/custom-agent/fresh-picks.mjs evaluates the module, which moves shown items back', async () => {
    const out = join(dir, 'agent-file');
    capture();
    expect(await runCli([...evalArgs(out), '--agent', ex('custom-agent/fresh-picks.mjs'), '--reward-weights', '{"preference":null}'])).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { agent: string };
    expect(summary.agent).toContain('fresh-picks');
    const lines = rankings(out);
    const first = lines.find((l) => l.round === 1) as RankingLine;
    const second = lines.find((l) => l.round === 2 && l.sampleId === first.sampleId) as RankingLine;
    // 12 candidates, lists of 10: round 2 opens with the two items round 1 left out.
    expect(first.ranking.includes(second.ranking[0] as string)).toBe(false);
  });

  it('--plugin examples/custom-agent/plugin.mjs --agent fresh names it', async () => {
    const out = join(dir, 'agent-plugin');
    capture();
    expect(await runCli([...evalArgs(out), '--plugin', ex('custom-agent/plugin.mjs'), '--agent', 'fresh', '--reward-weights', '{"preference":null}'])).toBe(0);
    expect(rankings(out).length).toBeGreaterThan(0);
  });

  it('an unknown --agent lists the registered agents', async () => {
    const io = capture();
    expect(await runCli([...evalArgs(join(dir, 'nope')), '--plugin', ex('custom-agent/plugin.mjs'), '--agent', 'nope'])).toBe(2);
    expect(io.err()).toMatch(/unknown agent 'nope' \(known: popularity, .*fresh/);
  });
});

describe('examples/custom-reward: a reward component weighted in from the CLI', () => {
  it('--plugin novelty.ts --reward-weights adds novelty next to the built-ins', async () => {
    const out = join(dir, 'reward');
    capture();
    const argv = [...evalArgs(out), '--plugin', ex('custom-reward/novelty.ts'), '--agent', 'bm25', '--reward-weights', '{"novelty":0.5,"preference":null}'];
    expect(await runCli(argv)).toBe(0);
    const lines = rankings(out);
    expect(Object.keys(lines[0]?.rewards ?? {})).toEqual(['processFormat', 'answerFormat', 'hit', 'rank', 'novelty']);
    // Round 1 has no earlier list: everything is new. bm25 repeats much of its list later, so less is.
    expect(lines.filter((l) => l.round === 1).every((l) => l.rewards.novelty === 1)).toBe(true);
    expect(lines.some((l) => l.round > 1 && (l.rewards.novelty as number) < 1)).toBe(true);
  });

  it('an unknown component in --reward-weights is a usage error listing the known ones', async () => {
    const io = capture();
    expect(await runCli([...evalArgs(join(dir, 'bad-reward')), '--agent', 'bm25', '--reward-weights', '{"noveltee":1}'])).toBe(2);
    expect(io.err()).toMatch(/unknown reward component 'noveltee' \(known: processFormat, answerFormat, hit, rank, preference/);
  });
});

describe('learners', () => {
  it('createLearner fails on an unknown name, listing the registered learners', () => {
    expect(() => createLearner('ppo', resolveRlConfig('grpo'))).toThrow(/unknown learner 'ppo'.*known: grpo, rloo, reinforce/);
  });
});
