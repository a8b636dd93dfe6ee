// Golden trajectories: CrsEnv's dynamics pinned down on the synthetic env (setup-synthetic.ts) for fixed seeds
// and a fixed scripted agent. Each step records the candidates (ids, scores to 6 decimals), the feedback,
// the reward components, the flags and the target's ranks; the test compares them exactly with
// test/envs/fixtures/golden/<retriever>.json and names the first differing episode, step and field.
//
// A deliberate change to the dynamics (retrieval, simulator, rewards, env config, training) must update the
// fixtures on purpose, and the diff of the JSON files shows what moved in review:
//
//   CRS_GYM_UPDATE_GOLDEN=1 npx vitest run test/envs/golden.test.ts
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { CrsEnv } from '../../envs/crs-env.js';
import {
  buildSyntheticEnv,
  freshSyntheticComponents,
  scriptedAction,
  SYNTHETIC_ENV_CONFIG,
  SYNTHETIC_SETTINGS,
  syntheticComponents,
  type SyntheticComponents,
  type SyntheticRetrieverName,
} from './setup-synthetic.js';

const UPDATE = process.env.CRS_GYM_UPDATE_GOLDEN === '1';
const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'golden');
const SEEDS = [11, 12, 13];
/** Episodes per seed: the first after reset({ seed }), the next ones continue that seed's stream. */
const EPISODES_PER_SEED = 2;
const FORMAT_VERSION = 1;

interface GoldenStep {
  turn: number;
  feedback: string;
  /** [id, score rounded to 6 decimals], best first. */
  candidates: Array<[string, number]>;
  action: 'structured' | 'text';
  ranking: string[];
  rewards: Record<string, number>;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  targetRank: number;
  candidateRank: number;
  accepted: boolean;
  problems: string[];
  /** The simulator's answer for the next round (absent on the last step). */
  simulator?: { kind: string; text: string };
}

interface GoldenEpisode {
  seed: number;
  episode: number;
  sampleId: string;
  steps: GoldenStep[];
}

interface GoldenFile {
  about: string;
  version: number;
  retriever: SyntheticRetrieverName;
  settings: unknown;
  env: unknown;
  simulatorThresholds: unknown;
  episodes: GoldenEpisode[];
}

function round6(x: number): number {
  const r = Math.round(x * 1e6) / 1e6;
  return Object.is(r, -0) ? 0 : r;
}

function roundAll(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, round6(v)]));
}

async function playEpisode(env: CrsEnv, seed: number, episode: number): Promise<GoldenEpisode> {
  let { observation } = await env.reset(episode === 0 ? { seed } : {});
  const steps: GoldenStep[] = [];
  for (;;) {
    const action = scriptedAction(observation);
    const r = await env.step(action);
    steps.push({
      turn: observation.turn,
      feedback: observation.feedback,
      candidates: observation.candidates.map((c) => [c.id, round6(c.score)]),
      action: typeof action === 'string' ? 'text' : 'structured',
      ranking: r.info.ranking,
      rewards: roundAll(r.info.rewards),
      reward: round6(r.reward),
      terminated: r.terminated,
      truncated: r.truncated,
      targetRank: r.info.targetRank,
      // Read from the sample (the env's info does not say where the target was among the candidates).
      candidateRank: observation.candidates.findIndex((c) => c.id === env.currentSample?.target) + 1,
      accepted: r.info.accepted,
      problems: r.info.problems,
      ...(r.info.feedback ? { simulator: { kind: r.info.feedback.kind, text: r.info.feedback.text } } : {}),
    });
    if (r.terminated || r.truncated) return { seed, episode, sampleId: observation.sampleId, steps };
    observation = r.observation;
  }
}

async function record(retriever: SyntheticRetrieverName, parts: SyntheticComponents): Promise<GoldenFile> {
  const env = await buildSyntheticEnv({ retriever }, parts);
  const episodes: GoldenEpisode[] = [];
  for (const seed of SEEDS) {
    for (let e = 0; e < EPISODES_PER_SEED; e++) episodes.push(await playEpisode(env, seed, e));
  }
  await env.close();
  return {
    about: 'Golden CrsEnv trajectories (test/envs/golden.test.ts). Regenerate on purpose: CRS_GYM_UPDATE_GOLDEN=1 npx vitest run test/envs/golden.test.ts',
    version: FORMAT_VERSION,
    retriever,
    settings: SYNTHETIC_SETTINGS,
    env: SYNTHETIC_ENV_CONFIG,
    simulatorThresholds: roundAll({ ...parts.simulator.thresholds }),
    episodes,
  };
}

/** JSON with arrays of plain values on one line (a candidate per line), so a fixture's diff reads well in review. */
function formatGolden(value: unknown, indent = ''): string {
  const inner = `${indent} `;
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) return JSON.stringify(value);
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + formatGolden(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatGolden(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

// ---------------------------------------------------------------------------------------------------
// A readable first difference

type Path = Array<string | number>;

function firstDifferencePath(expected: unknown, actual: unknown, path: Path = []): { path: Path; expected: unknown; actual: unknown } | undefined {
  if (Object.is(expected, actual)) return undefined;
  const bothArrays = Array.isArray(expected) && Array.isArray(actual);
  const bothObjects = !bothArrays && typeof expected === 'object' && typeof actual === 'object' && expected !== null && actual !== null && !Array.isArray(expected) && !Array.isArray(actual);
  if (bothArrays) {
    const a = expected as unknown[];
    const b = actual as unknown[];
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const d = firstDifferencePath(a[i], b[i], [...path, i]);
      if (d) return d;
    }
    if (a.length !== b.length) return { path: [...path, 'length'], expected: a.length, actual: b.length };
    return undefined;
  }
  if (bothObjects) {
    const a = expected as Record<string, unknown>;
    const b = actual as Record<string, unknown>;
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])]) {
      if (!(key in b)) return { path: [...path, key], expected: a[key], actual: '(missing)' };
      if (!(key in a)) return { path: [...path, key], expected: '(missing)', actual: b[key] };
      const d = firstDifferencePath(a[key], b[key], [...path, key]);
      if (d) return d;
    }
    return undefined;
  }
  return { path, expected, actual };
}

function show(value: unknown): string {
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 200 ? `${s.slice(0, 200)}...` : s;
}

/** '' when equal, else e.g. "episodes[2] (seed 12, episode 0, sample s#3) > steps[1] (turn 2) > candidates[4][0]: expected "1012", got "1033"". */
function describeGoldenDifference(expected: GoldenFile, actual: GoldenFile): string {
  const d = firstDifferencePath(expected, actual);
  if (!d) return '';
  const parts: string[] = [];
  let node: unknown = expected;
  for (let i = 0; i < d.path.length; i++) {
    const key = d.path[i] as string | number;
    const parent = node;
    node = (node as Record<string | number, unknown> | undefined)?.[key];
    const prev = d.path[i - 1];
    if (typeof key === 'number' && prev === 'episodes' && node) {
      const ep = node as GoldenEpisode;
      parts[parts.length - 1] = `episodes[${key}] (seed ${ep.seed}, episode ${ep.episode}, sample ${ep.sampleId})`;
    } else if (typeof key === 'number' && prev === 'steps' && node) {
      parts[parts.length - 1] = `steps[${key}] (turn ${(node as GoldenStep).turn})`;
    } else if (typeof key === 'number') {
      parts[parts.length - 1] += `[${key}]`;
    } else if (key === 'length' && parts.length > 0) {
      parts[parts.length - 1] += '.length';
    } else {
      parts.push(key);
    }
    if (parent === undefined) break;
  }
  return `${parts.join(' > ')}: expected ${show(d.expected)}, got ${show(d.actual)}`;
}

// ---------------------------------------------------------------------------------------------------

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'crs-golden-'));
  temps.push(dir);
  return dir;
}

async function savedBytes(parts: SyntheticComponents): Promise<Record<string, Buffer>> {
  const simDir = tempDir();
  await parts.simulator.save(simDir);
  const retDir = tempDir();
  await (await parts.dualView()).save(retDir);
  return {
    lightgcn: Buffer.from(parts.collaborative.table.buffer, parts.collaborative.table.byteOffset, parts.collaborative.table.byteLength),
    simulator: readFileSync(join(simDir, 'weights.bin')),
    dualViewWeights: readFileSync(join(retDir, 'weights.f32')),
    dualViewItems: readFileSync(join(retDir, 'items.f32')),
  };
}

describe('golden CrsEnv trajectories (synthetic env, scripted agent)', () => {
  it('the components train to byte-identical weights for the same seed', async () => {
    const a = await savedBytes(await syntheticComponents());
    const b = await savedBytes(await freshSyntheticComponents());
    for (const name of Object.keys(a)) {
      expect(a[name]!.length, name).toBeGreaterThan(0);
      expect(a[name]!.equals(b[name]!), `${name} weights differ between two trainings with the same seed`).toBe(true);
    }
  });

  for (const retriever of ['bm25', 'dual-view'] as const) {
    it(`${retriever}: the trajectories equal fixtures/golden/${retriever}.json`, async () => {
      const actual = await record(retriever, await syntheticComponents());
      const file = join(GOLDEN_DIR, `${retriever}.json`);

      // Guard against a vacuous fixture: both endings, feedback, and both action kinds parsed in full.
      const steps = actual.episodes.flatMap((e) => e.steps);
      expect(actual.episodes.some((e) => e.steps.at(-1)!.terminated)).toBe(true);
      expect(actual.episodes.some((e) => e.steps.at(-1)!.truncated)).toBe(true);
      expect(steps.some((s) => s.feedback !== '')).toBe(true);
      expect(steps.filter((s) => s.action === 'text').every((s) => s.ranking.length === 10 && s.rewards.answerFormat === 1)).toBe(true);

      if (UPDATE) {
        // CI checks the fixtures; rewriting them there would make the test pass whatever the dynamics.
        if (process.env.CI === 'true') expect.fail('CRS_GYM_UPDATE_GOLDEN=1 is refused under CI=true: regenerate on a work tree and commit');
        mkdirSync(GOLDEN_DIR, { recursive: true });
        writeFileSync(file, `${formatGolden(actual)}\n`);
        process.stderr.write(`golden: wrote ${file}\n`);
        return;
      }
      if (!existsSync(file)) {
        expect.fail(`${file} is missing; create it with CRS_GYM_UPDATE_GOLDEN=1 npx vitest run test/envs/golden.test.ts`);
      }
      const expected = JSON.parse(readFileSync(file, 'utf8')) as GoldenFile;
      const difference = describeGoldenDifference(expected, actual);
      if (difference) {
        expect.fail(
          `CrsEnv dynamics changed (${retriever}): ${difference}\n` +
            'If the change is deliberate, regenerate: CRS_GYM_UPDATE_GOLDEN=1 npx vitest run test/envs/golden.test.ts',
        );
      }
      expect(actual).toEqual(expected);
    });
  }

  it('the difference names the episode, the step and the field', () => {
    const step = (turn: number, id: string): GoldenStep => ({
      turn,
      feedback: '',
      candidates: [['1000', 0.5], [id, 0.25]],
      action: 'structured',
      ranking: [],
      rewards: { hit: 0 },
      reward: 0,
      terminated: false,
      truncated: turn === 2,
      targetRank: 0,
      candidateRank: 0,
      accepted: false,
      problems: [],
    });
    const file = (id: string, rounds = 2): GoldenFile => ({
      about: '',
      version: 1,
      retriever: 'bm25',
      settings: {},
      env: { rounds },
      simulatorThresholds: {},
      episodes: [{ seed: 11, episode: 0, sampleId: 's#1', steps: [step(1, '1001')] }, { seed: 12, episode: 1, sampleId: 's#2', steps: [step(1, '1001'), step(2, id)] }],
    });
    expect(describeGoldenDifference(file('1001'), file('1001'))).toBe('');
    expect(describeGoldenDifference(file('1001'), file('1033'))).toBe(
      'episodes[1] (seed 12, episode 1, sample s#2) > steps[1] (turn 2) > candidates[1][0]: expected "1001", got "1033"',
    );
    expect(describeGoldenDifference(file('1001'), file('1001', 3))).toBe('env > rounds: expected 2, got 3');
    const shorter = file('1001');
    shorter.episodes[1]!.steps.pop();
    expect(describeGoldenDifference(file('1001'), shorter)).toBe('episodes[1] (seed 12, episode 1, sample s#2) > steps.length: expected 2, got 1');
  });
});
