// Vector envs: N copies of an env stepped together, after Gymnasium's SyncVectorEnv / AsyncVectorEnv.
//
// Autoreset mode: SAME-STEP. When copy i ends (terminated or truncated), the vector env resets it at once
// and returns the NEW episode's first observation in `observations[i]`; the ended episode's last
// observation and info are kept in `infos[i].finalObservation` and `infos[i].finalInfo`. Rewards and flags
// at index i belong to the ended episode. Copy i is seeded with `seed + i` on `reset({ seed })`, and its
// automatic resets continue its own stream, so trajectories do not depend on how copies map to threads.
import type { Env, Info, ResetOptions, StepResult } from './env.js';

export interface VectorStepResult<Obs> {
  observations: Obs[];
  rewards: number[];
  terminated: boolean[];
  truncated: boolean[];
  infos: Info[];
}

export interface VectorEnv<Obs, Act> {
  readonly numEnvs: number;
  readonly autoresetMode: 'same-step';
  reset(opts?: ResetOptions): Promise<{ observations: Obs[]; infos: Info[] }>;
  step(actions: Act[]): Promise<VectorStepResult<Obs>>;
  close(): Promise<void>;
}

/**
 * Compact transfer of observations between AsyncVectorEnv's worker threads and the main thread. A setup module
 * may export `createObservationCodec(args, index)`; each env copy then gets one codec in its worker, which
 * `encode`s every observation it sends, and one in the main thread, which `decode`s them back. `decode(encode(o))`
 * must equal `o` (deep equality) and keep its shape, so users see the same observations with or without a codec.
 * A codec may keep state on either side (what the other side already holds, so repeated parts are sent once):
 * every encoded observation of a copy is decoded exactly once, in the order it was encoded, and a copy rebuilt
 * after its worker died gets fresh codecs on both sides.
 */
export interface ObservationCodec<Obs> {
  /** Worker side: a structured-cloneable stand-in for `observation`. */
  encode(observation: Obs): unknown;
  /** Main side: the observation back from what `encode` gave. */
  decode(wire: unknown): Obs;
}

/** What a setup module may export besides `createEnv`, for AsyncVectorEnv. */
export type ObservationCodecFactory<Obs> = (args: unknown, index: number) => ObservationCodec<Obs>;

function seedFor(opts: ResetOptions, index: number): ResetOptions {
  return { ...(opts.seed !== undefined ? { seed: opts.seed + index } : {}), ...(opts.options ? { options: opts.options } : {}) };
}

function checkActionCount(name: string, actions: readonly unknown[], numEnvs: number): void {
  if (actions.length !== numEnvs) throw new RangeError(`${name}.step: got ${actions.length} actions for ${numEnvs} envs`);
}

/** One copy's step with same-step autoreset: an ended episode's last observation and info move into the info. */
async function stepCopy<Obs, Act>(env: Env<Obs, Act>, action: Act, resetOptions: Record<string, unknown> | undefined): Promise<StepResult<Obs>> {
  const r = await env.step(action);
  if (!(r.terminated || r.truncated)) return r;
  const next = await env.reset(resetOptions ? { options: resetOptions } : {});
  return { ...r, observation: next.observation, info: { ...next.info, finalObservation: r.observation, finalInfo: r.info } };
}

/** Per-copy step results as the vector result's parallel arrays. */
export function columns<Obs>(results: ReadonlyArray<StepResult<Obs>>): VectorStepResult<Obs> {
  return {
    observations: results.map((r) => r.observation),
    rewards: results.map((r) => r.reward),
    terminated: results.map((r) => r.terminated),
    truncated: results.map((r) => r.truncated),
    infos: results.map((r) => r.info),
  };
}

/** Steps every copy in this thread, one after another. */
export class SyncVectorEnv<Obs, Act> implements VectorEnv<Obs, Act> {
  readonly autoresetMode = 'same-step' as const;
  protected resetOptions: Record<string, unknown> | undefined;

  constructor(protected readonly envs: Env<Obs, Act>[]) {
    if (envs.length === 0) throw new RangeError(`${new.target.name} needs at least one env`);
  }

  get numEnvs(): number {
    return this.envs.length;
  }

  async reset(opts: ResetOptions = {}): Promise<{ observations: Obs[]; infos: Info[] }> {
    this.resetOptions = opts.options;
    const results = [];
    for (let i = 0; i < this.envs.length; i++) results.push(await this.envs[i]!.reset(seedFor(opts, i)));
    return { observations: results.map((r) => r.observation), infos: results.map((r) => r.info) };
  }

  async step(actions: Act[]): Promise<VectorStepResult<Obs>> {
    checkActionCount('SyncVectorEnv', actions, this.envs.length);
    const steps: StepResult<Obs>[] = [];
    for (let i = 0; i < this.envs.length; i++) steps.push(await stepCopy(this.envs[i]!, actions[i] as Act, this.resetOptions));
    return columns(steps);
  }

  async close(): Promise<void> {
    for (const env of this.envs) await env.close();
  }
}

/**
 * Steps every copy at once (its calls overlap; each copy's own calls stay in order): for envs whose calls wait on
 * something else, such as RemoteEnvs on servers. Same contract as SyncVectorEnv: copy i is seeded with seed + i,
 * same-step autoreset, so it plays the same trajectories as SyncVectorEnv over the same envs.
 */
export class ConcurrentVectorEnv<Obs, Act> extends SyncVectorEnv<Obs, Act> {
  override async reset(opts: ResetOptions = {}): Promise<{ observations: Obs[]; infos: Info[] }> {
    this.resetOptions = opts.options;
    const results = await Promise.all(this.envs.map((env, i) => env.reset(seedFor(opts, i))));
    return { observations: results.map((r) => r.observation), infos: results.map((r) => r.info) };
  }

  override async step(actions: Act[]): Promise<VectorStepResult<Obs>> {
    checkActionCount('ConcurrentVectorEnv', actions, this.envs.length);
    return columns(await Promise.all(this.envs.map((env, i) => stepCopy(env, actions[i] as Act, this.resetOptions))));
  }

  override async close(): Promise<void> {
    await Promise.all(this.envs.map((env) => env.close()));
  }
}
