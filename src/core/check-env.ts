// checkEnv: tests an env against the contract (Gymnasium's check_env), and throws a CheckEnvError that
// lists EVERY failed check, each with how often it failed and the first occurrence.
//
// What it does: two rollouts of `steps` steps each, both starting with reset({ seed }) and driven by
// the policy with a fresh `new Rng(seed).split('checkEnv/policy')`; when an episode ends inside a
// rollout it resets WITHOUT a seed (continuing the env's stream) and goes on. Then one more episode
// from reset({ seed }) is run to its end (if it ends within `steps`) to probe what happens after it.
//
// Checks (names as they appear in the report):
//   api                          reset/step/render/close are functions; both spaces have sample/contains;
//                                metadata.renderModes is an array that lists 'ansi'
//   reset-result                 reset() resolves to { observation, info } with info a plain object
//   reset-observation-in-space   observationSpace.contains(observation) after every reset
//   step-result                  step() resolves to { observation, reward, terminated, truncated, info }
//                                with a number reward, boolean flags and a plain-object info
//   reward-finite                the reward is a finite number (not NaN or +-Infinity)
//   step-observation-in-space    observationSpace.contains(observation) after every step
//   action-in-space              every action the policy chose is in actionSpace
//   reset-seed-determinism       reset({ seed }) gives deep-equal observations in both rollouts
//   trajectory-determinism       both rollouts give deep-equal observations, rewards and flags
//                                (info is not compared: it may hold timings)
//   step-after-done              a step() after terminated/truncated either rejects with an Error
//                                (EnvStateError recommended) or resolves to a well-formed step result;
//                                skipped when no episode ends within `steps`
//   reset-after-done             reset({ seed }) after that gives the same observation as the first
//                                reset({ seed }) (no state leaks across episodes)
//   render-ansi                  render('ansi') returns a string after reset and after steps
//   no-exceptions                reset/step/render/policy did not throw (a throw stops that rollout)
// checkEnv does not close the env.
import { findDifference, preview } from './deep-equal.js';
import type { Env } from './env.js';
import { Rng } from './rng.js';

/** Picks an action; gets a seeded Rng so that the same seed gives the same choices. May be async. */
export type Policy<Obs, Act> = (observation: Obs, rng: Rng) => Act | Promise<Act>;

export interface CheckEnvOptions<Obs, Act> {
  /** Seed for reset and for the policy's Rng (default 0). */
  seed?: number;
  /** Steps per rollout (default 50). */
  steps?: number;
  /** Default: `actionSpace.sample(rng)`. Pass one when random actions are meaningless for the env. */
  policy?: Policy<Obs, Act>;
}

export type CheckName =
  | 'api'
  | 'reset-result'
  | 'reset-observation-in-space'
  | 'step-result'
  | 'reward-finite'
  | 'step-observation-in-space'
  | 'action-in-space'
  | 'reset-seed-determinism'
  | 'trajectory-determinism'
  | 'step-after-done'
  | 'reset-after-done'
  | 'render-ansi'
  | 'no-exceptions';

export const CHECK_NAMES: readonly CheckName[] = [
  'api',
  'reset-result',
  'reset-observation-in-space',
  'step-result',
  'reward-finite',
  'step-observation-in-space',
  'action-in-space',
  'reset-seed-determinism',
  'trajectory-determinism',
  'step-after-done',
  'reset-after-done',
  'render-ansi',
  'no-exceptions',
];

export interface CheckResult {
  name: CheckName;
  status: 'pass' | 'fail' | 'skip';
  /** Number of failed occurrences (0 unless status is 'fail'). */
  failures: number;
  /** The first failure, or why the check was skipped; empty for a pass. */
  detail: string;
}

export interface CheckReport {
  ok: boolean;
  checks: CheckResult[];
  seed: number;
  stepsPerRollout: number;
  /** Episodes that ended (terminated or truncated) during the first rollout. */
  episodesEnded: number;
}

export class CheckEnvError extends Error {
  override name = 'CheckEnvError';
  readonly failures: CheckResult[];

  constructor(readonly report: CheckReport) {
    const failures = report.checks.filter((c) => c.status === 'fail');
    const lines = failures.map((c) => `  - ${c.name}${c.failures > 1 ? ` (${c.failures} times)` : ''}: ${c.detail}`);
    super(`checkEnv: ${failures.length} check(s) failed:\n${lines.join('\n')}`);
    this.failures = failures;
  }
}

/** One reset or step, as compared between rollouts. */
interface Transition {
  kind: 'reset' | 'step';
  observation: unknown;
  reward?: unknown;
  terminated?: unknown;
  truncated?: unknown;
}

class Recorder {
  private readonly failed = new Map<CheckName, { count: number; first: string }>();
  private readonly skipped = new Map<CheckName, string>();

  fail(name: CheckName, detail: string): void {
    const entry = this.failed.get(name);
    if (entry) entry.count += 1;
    else this.failed.set(name, { count: 1, first: detail });
  }

  skip(name: CheckName, why: string): void {
    this.skipped.set(name, why);
  }

  results(): CheckResult[] {
    return CHECK_NAMES.map((name): CheckResult => {
      const f = this.failed.get(name);
      if (f) return { name, status: 'fail', failures: f.count, detail: f.first };
      const why = this.skipped.get(name);
      if (why !== undefined) return { name, status: 'skip', failures: 0, detail: why };
      return { name, status: 'pass', failures: 0, detail: '' };
    });
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : `non-Error thrown: ${preview(err)}`;
}

/** A snapshot, so that an env mutating its observation later cannot make two rollouts look equal. */
function snapshot(v: unknown): unknown {
  try {
    return structuredClone(v);
  } catch {
    return v;
  }
}

/** Problems with a step result's shape, as messages (empty when well-formed). */
function stepShapeProblems(result: unknown): string[] {
  if (!isPlainObject(result)) return [`resolved to ${preview(result)} instead of a step result object`];
  const problems: string[] = [];
  for (const key of ['observation', 'reward', 'terminated', 'truncated', 'info']) {
    if (!(key in result)) problems.push(`missing '${key}'`);
  }
  if ('reward' in result && typeof result.reward !== 'number') problems.push(`reward is ${preview(result.reward)}, not a number`);
  for (const flag of ['terminated', 'truncated']) {
    if (flag in result && typeof result[flag] !== 'boolean') problems.push(`${flag} is ${preview(result[flag])}, not a boolean`);
  }
  if ('info' in result && !isPlainObject(result.info)) problems.push(`info is ${preview(result.info)}, not an object`);
  return problems;
}

/** Checks the env's API surface; returns false when reset/step are unusable (nothing else can run). */
function checkApi(env: unknown, rec: Recorder): boolean {
  if (!isPlainObject(env)) {
    rec.fail('api', `expected an env object, got ${preview(env)}`);
    return false;
  }
  const problems: string[] = [];
  for (const method of ['reset', 'step', 'render', 'close']) {
    if (typeof env[method] !== 'function') problems.push(`${method} is not a function`);
  }
  for (const key of ['observationSpace', 'actionSpace']) {
    const space = env[key];
    if (!isPlainObject(space) || typeof space.sample !== 'function' || typeof space.contains !== 'function') {
      problems.push(`${key} is not a Space (needs sample and contains)`);
    }
  }
  const metadata = env.metadata;
  if (!isPlainObject(metadata) || !Array.isArray(metadata.renderModes)) problems.push('metadata.renderModes is not an array');
  else if (!metadata.renderModes.includes('ansi')) problems.push("metadata.renderModes does not list 'ansi'");
  if (problems.length > 0) rec.fail('api', problems.join('; '));
  const usable =
    typeof env.reset === 'function' &&
    typeof env.step === 'function' &&
    !problems.some((p) => p.startsWith('observationSpace') || p.startsWith('actionSpace'));
  return usable;
}

interface RolloutResult {
  records: Transition[];
  episodesEnded: number;
}

class Checker<Obs, Act> {
  constructor(
    private readonly env: Env<Obs, Act>,
    private readonly rec: Recorder,
    private readonly seed: number,
    private readonly steps: number,
    private readonly policy: Policy<Obs, Act>,
  ) {}

  /** reset() with shape and space checks; undefined when it threw or resolved to garbage. */
  async reset(where: string, seeded: boolean): Promise<{ observation: unknown } | undefined> {
    let result: unknown;
    try {
      result = await (seeded ? this.env.reset({ seed: this.seed }) : this.env.reset());
    } catch (err) {
      this.rec.fail('no-exceptions', `${where}: reset() threw ${describeError(err)}`);
      return undefined;
    }
    if (!isPlainObject(result) || !('observation' in result) || !('info' in result)) {
      this.rec.fail('reset-result', `${where}: reset() resolved to ${preview(result)}, expected { observation, info }`);
      return undefined;
    }
    if (!isPlainObject(result.info)) this.rec.fail('reset-result', `${where}: info is ${preview(result.info)}, not an object`);
    this.checkObservation('reset-observation-in-space', where, result.observation);
    return { observation: result.observation };
  }

  checkObservation(name: CheckName, where: string, observation: unknown): void {
    let ok: boolean;
    try {
      ok = this.env.observationSpace.contains(observation);
    } catch (err) {
      this.rec.fail(name, `${where}: observationSpace.contains threw ${describeError(err)}`);
      return;
    }
    if (!ok) this.rec.fail(name, `${where}: observation ${preview(observation)} is not in observationSpace`);
  }

  checkRender(where: string): void {
    try {
      const out: unknown = this.env.render('ansi');
      if (typeof out !== 'string') this.rec.fail('render-ansi', `${where}: render('ansi') returned ${preview(out)}, not a string`);
    } catch (err) {
      this.rec.fail('no-exceptions', `${where}: render('ansi') threw ${describeError(err)}`);
    }
  }

  /** The policy's action, checked against actionSpace; undefined when the policy threw. */
  async act(where: string, observation: unknown, rng: Rng): Promise<{ action: Act } | undefined> {
    let action: Act;
    try {
      action = await this.policy(observation as Obs, rng);
    } catch (err) {
      this.rec.fail('no-exceptions', `${where}: the policy threw ${describeError(err)}`);
      return undefined;
    }
    if (!this.env.actionSpace.contains(action)) this.rec.fail('action-in-space', `${where}: action ${preview(action)} is not in actionSpace`);
    return { action };
  }

  /** step() with shape, reward and space checks; undefined when it threw. */
  async step(where: string, action: Act): Promise<Record<string, unknown> | undefined> {
    let result: unknown;
    try {
      result = await this.env.step(action);
    } catch (err) {
      this.rec.fail('no-exceptions', `${where}: step() threw ${describeError(err)}`);
      return undefined;
    }
    for (const p of stepShapeProblems(result)) this.rec.fail('step-result', `${where}: ${p}`);
    if (!isPlainObject(result)) return undefined;
    if (typeof result.reward === 'number' && !Number.isFinite(result.reward)) {
      this.rec.fail('reward-finite', `${where}: reward is ${result.reward}`);
    }
    this.checkObservation('step-observation-in-space', where, result.observation);
    return result;
  }

  async rollout(label: string): Promise<RolloutResult> {
    const records: Transition[] = [];
    let episodesEnded = 0;
    const rng = new Rng(this.seed).split('checkEnv/policy');
    const first = await this.reset(`${label}, reset({ seed: ${this.seed} })`, true);
    if (first === undefined) return { records, episodesEnded };
    records.push({ kind: 'reset', observation: snapshot(first.observation) });
    this.checkRender(`${label}, after reset`);

    let observation = first.observation;
    for (let t = 0; t < this.steps; t++) {
      const where = `${label}, step ${t}`;
      const chosen = await this.act(where, observation, rng);
      if (chosen === undefined) break;
      const result = await this.step(where, chosen.action);
      if (result === undefined) break;
      records.push({
        kind: 'step',
        observation: snapshot(result.observation),
        reward: result.reward,
        terminated: result.terminated,
        truncated: result.truncated,
      });
      observation = result.observation;
      if (result.terminated === true || result.truncated === true) {
        episodesEnded += 1;
        const next = await this.reset(`${label}, reset() after step ${t}`, false);
        if (next === undefined) break;
        records.push({ kind: 'reset', observation: snapshot(next.observation) });
        observation = next.observation;
      }
    }
    this.checkRender(`${label}, after ${this.steps} steps`);
    return { records, episodesEnded };
  }

  /** Runs one seeded episode to its end, steps once more, then re-resets with the seed. */
  async probeAfterDone(firstObservation: unknown, haveFirst: boolean): Promise<void> {
    const label = 'after-done probe';
    const rng = new Rng(this.seed).split('checkEnv/policy');
    const start = await this.reset(`${label}, reset({ seed: ${this.seed} })`, true);
    if (start === undefined) return;
    let observation = start.observation;
    let ended = false;
    for (let t = 0; t < this.steps && !ended; t++) {
      const chosen = await this.act(`${label}, step ${t}`, observation, rng);
      if (chosen === undefined) return;
      const result = await this.step(`${label}, step ${t}`, chosen.action);
      if (result === undefined) return;
      observation = result.observation;
      ended = result.terminated === true || result.truncated === true;
    }
    if (!ended) {
      this.rec.skip('step-after-done', `no episode ended within ${this.steps} steps`);
      this.rec.skip('reset-after-done', `no episode ended within ${this.steps} steps`);
      return;
    }

    const chosen = await this.act(`${label}, step after done`, observation, rng);
    if (chosen !== undefined) {
      try {
        const extra: unknown = await this.env.step(chosen.action);
        for (const p of stepShapeProblems(extra)) this.rec.fail('step-after-done', `step() after done resolved badly: ${p}`);
      } catch (err) {
        if (!(err instanceof Error)) this.rec.fail('step-after-done', `step() after done threw a non-Error: ${preview(err)}`);
      }
    }

    const again = await this.reset(`${label}, reset({ seed: ${this.seed} }) after done`, true);
    if (again === undefined || !haveFirst) return;
    const d = findDifference(firstObservation, again.observation, 'observation');
    if (d !== undefined) this.rec.fail('reset-after-done', `reset({ seed: ${this.seed} }) after an episode ended differs from the first: ${d}`);
  }
}

function compareRollouts(a: Transition[], b: Transition[], rec: Recorder): void {
  const [ra, rb] = [a[0], b[0]];
  if (ra !== undefined && rb !== undefined) {
    const d = findDifference(ra.observation, rb.observation, 'observation');
    if (d !== undefined) rec.fail('reset-seed-determinism', `two reset({ seed }) calls gave different observations: ${d}`);
  }
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const [x, y] = [a[i] as Transition, b[i] as Transition];
    const d = findDifference(x, y, 'transition');
    if (d !== undefined) {
      rec.fail('trajectory-determinism', `same seed and policy, rollouts diverge at record ${i} (${x.kind}): ${d}`);
      return;
    }
  }
  if (a.length !== b.length) {
    rec.fail('trajectory-determinism', `same seed and policy, rollouts have ${a.length} and ${b.length} records`);
  }
}

/**
 * Tests `env` against the contract (see the list of checks at the top of this file). Resolves to the
 * report when every check passes or is skipped; otherwise rejects with a CheckEnvError listing all
 * failures (`error.report` has the full report).
 */
export async function checkEnv<Obs, Act>(env: Env<Obs, Act>, options: CheckEnvOptions<Obs, Act> = {}): Promise<CheckReport> {
  const seed = options.seed ?? 0;
  const steps = options.steps ?? 50;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`checkEnv: seed must be a non-negative integer, got ${String(seed)}`);
  if (!Number.isSafeInteger(steps) || steps < 1) throw new RangeError(`checkEnv: steps must be a positive integer, got ${String(steps)}`);

  const rec = new Recorder();
  let episodesEnded = 0;
  if (checkApi(env, rec)) {
    const policy: Policy<Obs, Act> = options.policy ?? ((_obs, rng) => env.actionSpace.sample(rng));
    const checker = new Checker(env, rec, seed, steps, policy);
    const a = await checker.rollout('rollout 1');
    const b = await checker.rollout('rollout 2');
    episodesEnded = a.episodesEnded;
    compareRollouts(a.records, b.records, rec);
    await checker.probeAfterDone(a.records[0]?.observation, a.records[0] !== undefined);
  } else {
    for (const name of CHECK_NAMES) if (name !== 'api') rec.skip(name, 'the env API is unusable (see api)');
  }

  const checks = rec.results();
  const report: CheckReport = { ok: checks.every((c) => c.status !== 'fail'), checks, seed, stepsPerRollout: steps, episodesEnded };
  if (!report.ok) throw new CheckEnvError(report);
  return report;
}
