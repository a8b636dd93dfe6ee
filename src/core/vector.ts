// Vector envs: N copies of an env stepped together, after Gymnasium's SyncVectorEnv / AsyncVectorEnv.
//
// Autoreset mode: SAME-STEP. When copy i ends (terminated or truncated), the vector env resets it at once
// and returns the NEW episode's first observation in `observations[i]`; the ended episode's last
// observation and info are kept in `infos[i].finalObservation` and `infos[i].finalInfo`. Rewards and flags
// at index i belong to the ended episode. Copy i is seeded with `seed + i` on `reset({ seed })`, and its
// automatic resets continue its own stream, so trajectories do not depend on how copies map to threads.
import type { Env, Info, ResetOptions } from './env.js';

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

/** Steps every copy in this thread, one after another. */
export class SyncVectorEnv<Obs, Act> implements VectorEnv<Obs, Act> {
  readonly autoresetMode = 'same-step' as const;
  private resetOptions: Record<string, unknown> | undefined;

  constructor(private readonly envs: Env<Obs, Act>[]) {
    if (envs.length === 0) throw new RangeError('SyncVectorEnv needs at least one env');
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
    if (actions.length !== this.envs.length) {
      throw new RangeError(`SyncVectorEnv.step: got ${actions.length} actions for ${this.envs.length} envs`);
    }
    const out: VectorStepResult<Obs> = { observations: [], rewards: [], terminated: [], truncated: [], infos: [] };
    for (let i = 0; i < this.envs.length; i++) {
      const env = this.envs[i]!;
      const r = await env.step(actions[i] as Act);
      let observation = r.observation;
      let info = r.info;
      if (r.terminated || r.truncated) {
        const next = await env.reset(this.resetOptions ? { options: this.resetOptions } : {});
        info = { ...next.info, finalObservation: r.observation, finalInfo: r.info };
        observation = next.observation;
      }
      out.observations.push(observation);
      out.rewards.push(r.reward);
      out.terminated.push(r.terminated);
      out.truncated.push(r.truncated);
      out.infos.push(info);
    }
    return out;
  }

  async close(): Promise<void> {
    for (const env of this.envs) await env.close();
  }
}
