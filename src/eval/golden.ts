// Golden trajectories as a public API, for users' own test suites: play an env with a fixed policy and seeds, write
// every step (observation, action, reward, flags, info; numbers rounded) to a JSON file, and later check that the
// same env still plays the same trajectories, with a readable diff naming the episode, step and field.
//
// What decides the trajectories is pinned in the file and checked first: the env id and options, the seeds, the
// policy's name, crs-gym's version, and (for a CrsEnv with trained components) the hash of each trained stage. A
// pin that differs is reported as such ("the retriever was retrained"), not as hundreds of differing steps.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findDifference } from '../core/deep-equal.js';
import { OneLineError } from '../core/errors.js';
import { artifactsRoot } from '../core/home.js';
import { make } from '../core/registry.js';
import { Rng } from '../core/rng.js';
import type { Env } from '../core/env.js';
import { crsEnvNeedsComponents } from '../../envs/register.js';
import { packageVersion, writeFileAtomic } from './files.js';

export const GOLDEN_FORMAT = 'crs-gym-golden/1';

/** The policy that plays the episodes: a name (pinned) and a seeded act, e.g. an Agent of agents/. */
export interface GoldenPolicy<Obs = unknown, Act = unknown> {
  name: string;
  act(observation: Obs, rng: Rng): Promise<Act> | Act;
}

export interface GoldenStep {
  observation: unknown;
  action: unknown;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: unknown;
}

export interface GoldenEpisode {
  seed: number;
  episode: number;
  steps: GoldenStep[];
}

export interface GoldenPins {
  env: { id: string; options: Record<string, unknown> };
  seeds: number[];
  episodesPerSeed: number;
  maxSteps: number;
  policy: string;
  digits: number;
  ignoreKeys: string[];
  crsGym: string;
  /** Trained stage -> hash of its config and inputs (stage.json), for envs that load trained components. */
  artifacts: Record<string, string>;
}

export interface GoldenFile {
  format: string;
  about: string;
  pins: GoldenPins;
  episodes: GoldenEpisode[];
}

export interface GoldenRecordOptions<Obs = unknown, Act = unknown> {
  /** Registered env id and make() options, e.g. 'CrsEnv/inspired-v0', { retriever: 'bm25' }. */
  id: string;
  options?: Record<string, unknown>;
  policy: GoldenPolicy<Obs, Act>;
  seeds: readonly number[];
  /** Episodes per seed: the first after reset({ seed }), the next ones continue that seed's stream (default 1). */
  episodesPerSeed?: number;
  /** Steps at most per episode (default 100). */
  maxSteps?: number;
  /** Decimals numbers are rounded to (default 6): last-bit float noise is not a change of dynamics. */
  digits?: number;
  /** Fields left out wherever they occur, e.g. wall-clock timings (default ['timings']). */
  ignoreKeys?: readonly string[];
}

export class GoldenError extends OneLineError {}

/** JSON-safe copy with numbers rounded, typed arrays as arrays, Maps as objects, undefined fields dropped. */
export function normalizeForGolden(value: unknown, digits: number, ignore: ReadonlySet<string> = new Set()): unknown {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    const f = 10 ** digits;
    const r = Math.round(value * f) / f;
    return Object.is(r, -0) ? 0 : r;
  }
  if (value === null || typeof value !== 'object') return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>, (v) => normalizeForGolden(v, digits));
  if (Array.isArray(value)) return value.map((v) => normalizeForGolden(v, digits, ignore) ?? null);
  if (value instanceof Map) return normalizeForGolden(Object.fromEntries(value), digits, ignore);
  if (value instanceof Set) return normalizeForGolden([...value], digits, ignore);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (ignore.has(k)) continue;
    const n = normalizeForGolden(v, digits, ignore);
    if (n !== undefined) out[k] = n;
  }
  return out;
}

/** Stage hashes of the trained components a CrsEnv made with these options loads ({} for other envs). */
export function artifactPins(id: string, options: Record<string, unknown>): Record<string, string> {
  const m = /^CrsEnv\/(inspired|redial)-v\d+$/.exec(id);
  if (!m) return {};
  const dataset = m[1] as 'inspired' | 'redial';
  if (!crsEnvNeedsComponents(dataset, options)) return {};
  const root = join(typeof options.artifactsDir === 'string' ? options.artifactsDir : artifactsRoot(), dataset);
  const out: Record<string, string> = {};
  for (const stage of ['encoder', 'simulator', 'student', 'retriever']) {
    const file = join(root, stage, 'stage.json');
    if (!existsSync(file)) continue;
    try {
      out[stage] = String((JSON.parse(readFileSync(file, 'utf8')) as { hash?: unknown }).hash);
    } catch {
      out[stage] = '(unreadable stage.json)';
    }
  }
  return out;
}

async function playEpisode<Obs, Act>(env: Env<Obs, Act>, policy: GoldenPolicy<Obs, Act>, seed: number, episode: number, maxSteps: number, digits: number, ignore: ReadonlySet<string>): Promise<GoldenEpisode> {
  let { observation } = await env.reset(episode === 0 ? { seed } : {});
  const rng = new Rng(seed).split(`golden-policy-${episode}`);
  const steps: GoldenStep[] = [];
  for (let t = 0; t < maxSteps; t++) {
    const action = await policy.act(observation, rng);
    const r = await env.step(action);
    steps.push({
      observation: normalizeForGolden(observation, digits, ignore),
      action: normalizeForGolden(action, digits, ignore),
      reward: normalizeForGolden(r.reward, digits) as number,
      terminated: r.terminated,
      truncated: r.truncated,
      info: normalizeForGolden(r.info, digits, ignore),
    });
    if (r.terminated || r.truncated) break;
    observation = r.observation;
  }
  return { seed, episode, steps };
}

/** Plays the episodes the options pin and returns them with the pins (no file written). */
export async function playGolden<Obs, Act>(opts: GoldenRecordOptions<Obs, Act>): Promise<GoldenFile> {
  const options = opts.options ?? {};
  const pins: GoldenPins = {
    env: { id: opts.id, options: normalizeForGolden(options, 12) as Record<string, unknown> },
    seeds: [...opts.seeds],
    episodesPerSeed: opts.episodesPerSeed ?? 1,
    maxSteps: opts.maxSteps ?? 100,
    policy: opts.policy.name,
    digits: opts.digits ?? 6,
    ignoreKeys: [...(opts.ignoreKeys ?? ['timings'])],
    crsGym: packageVersion(),
    artifacts: artifactPins(opts.id, options),
  };
  const env = await make<Obs, Act>(opts.id, options);
  const episodes: GoldenEpisode[] = [];
  try {
    for (const seed of pins.seeds) {
      for (let e = 0; e < pins.episodesPerSeed; e++) episodes.push(await playEpisode(env, opts.policy, seed, e, pins.maxSteps, pins.digits, new Set(pins.ignoreKeys)));
    }
  } finally {
    await env.close();
  }
  return { format: GOLDEN_FORMAT, about: 'Golden trajectories (crs-gym golden record|check, recordTrajectories/checkTrajectories).', pins, episodes };
}

/** Plays and writes the golden file; returns what it wrote. */
export async function recordTrajectories<Obs, Act>(file: string, opts: GoldenRecordOptions<Obs, Act>): Promise<GoldenFile> {
  const golden = await playGolden(opts);
  await writeFileAtomic(file, `${JSON.stringify(golden, null, 1)}\n`);
  return golden;
}

export function readGoldenFile(file: string): GoldenFile {
  let parsed: GoldenFile;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as GoldenFile;
  } catch (err) {
    throw new GoldenError(`${file}: cannot read golden trajectories (${err instanceof Error ? err.message : String(err)})`);
  }
  if (parsed?.format !== GOLDEN_FORMAT) throw new GoldenError(`${file}: not a golden trajectory file of format ${GOLDEN_FORMAT} (format: ${JSON.stringify(parsed?.format)})`);
  return parsed;
}

export interface GoldenCheckResult {
  ok: boolean;
  /** Pins that differ, one line each ('' pins equal): checked before any episode is played. */
  pinProblems: string[];
  /** Differing steps, one line each: 'seed 11 episode 0 step 2: info.ranking[3]: "12" != "40"'. */
  differences: string[];
  /** Everything above as one readable text ('' when ok). */
  report: string;
}

/** Which pins of `recorded` the current setting does not match, each with what to do. */
export function comparePins(recorded: GoldenPins, current: GoldenPins): string[] {
  const out: string[] = [];
  if (recorded.crsGym !== current.crsGym) out.push(`crs-gym version: recorded with ${recorded.crsGym}, this is ${current.crsGym} (re-record if the change is intended)`);
  if (recorded.policy !== current.policy) out.push(`policy: recorded with '${recorded.policy}', checked with '${current.policy}'`);
  const stages = [...new Set([...Object.keys(recorded.artifacts), ...Object.keys(current.artifacts)])].sort();
  for (const stage of stages) {
    const [a, b] = [recorded.artifacts[stage], current.artifacts[stage]];
    if (a === b) continue;
    if (b === undefined) out.push(`artifacts: the ${stage} stage was recorded (hash ${a?.slice(0, 12)}) but is not trained here`);
    else if (a === undefined) out.push(`artifacts: the ${stage} stage is trained here (hash ${b.slice(0, 12)}) but was not when recorded`);
    else out.push(`artifacts: the ${stage} stage differs (recorded hash ${a.slice(0, 12)}, here ${b.slice(0, 12)}): it was retrained with other settings or data`);
  }
  return out;
}

/** Plays the recorded setting again and compares: pins first, then every step. */
export async function checkTrajectories<Obs, Act>(file: string, opts: { policy: GoldenPolicy<Obs, Act>; maxDifferences?: number }): Promise<GoldenCheckResult> {
  const recorded = readGoldenFile(file);
  const p = recorded.pins;
  const current: GoldenPins = { ...p, policy: opts.policy.name, crsGym: packageVersion(), artifacts: artifactPins(p.env.id, p.env.options) };
  const pinProblems = comparePins(p, current);
  if (pinProblems.length > 0) {
    return { ok: false, pinProblems, differences: [], report: `${file}: the setting that pins these trajectories changed:\n${pinProblems.map((l) => `  ${l}`).join('\n')}` };
  }
  const played = await playGolden({ id: p.env.id, options: p.env.options, policy: opts.policy, seeds: p.seeds, episodesPerSeed: p.episodesPerSeed, maxSteps: p.maxSteps, digits: p.digits, ignoreKeys: p.ignoreKeys ?? [] });
  const differences: string[] = [];
  const max = opts.maxDifferences ?? 20;
  let differing = 0;
  const n = Math.max(recorded.episodes.length, played.episodes.length);
  for (let e = 0; e < n; e++) {
    const a = recorded.episodes[e];
    const b = played.episodes[e];
    const where = `seed ${a?.seed ?? b?.seed} episode ${a?.episode ?? b?.episode}`;
    if (!a || !b) {
      differences.push(`${where}: ${a ? 'not played now' : 'not recorded'}`);
      differing++;
      continue;
    }
    const m = Math.max(a.steps.length, b.steps.length);
    for (let t = 0; t < m; t++) {
      const d = findDifference(a.steps[t], b.steps[t], 'step');
      if (d === undefined) continue;
      differing++;
      if (differences.length < max) differences.push(`${where} step ${t + 1}: ${d.replace(/^step\.?/, '') || '(the whole step)'}`);
      // Later steps of a diverged episode only repeat the divergence.
      break;
    }
  }
  const ok = differing === 0;
  const report = ok
    ? ''
    : `${file}: ${differing} episode(s) of ${n} differ (first difference per episode; recorded != now):\n${differences.map((l) => `  ${l}`).join('\n')}${differing > differences.length ? `\n  ... and ${differing - differences.length} more` : ''}`;
  return { ok, pinProblems, differences, report };
}
