// The environment contract, after Gymnasium's `Env[ObsType, ActType]`.
//
// Convention: `reset` and `step` ALWAYS return Promises, even in envs that could answer at once. Our
// simulators run LLMs and encoders and our agents are async, so one signature serves every env and
// every caller writes `await env.step(a)`. `render` stays synchronous: it only formats state.
//
// `terminated` means the task itself ended (the user accepted a recommendation); `truncated` means the
// episode was cut short from outside the task (a turn limit). A learner bootstraps on truncation, not
// on termination, so the two must stay separate.
import { freshSeed, Rng } from './rng.js';
import type { Space } from './spaces.js';

/** Auxiliary diagnostics from reset/step; never needed to act. */
export type Info = Record<string, unknown>;

/** `ansi`: a text transcript of the episode so far. */
export type RenderMode = 'ansi';

export interface EnvMetadata {
  readonly renderModes: readonly RenderMode[];
  /** When true, OrderEnforcing also rejects render() before the first reset(). */
  readonly renderNeedsReset?: boolean;
  readonly [key: string]: unknown;
}

export interface ResetOptions {
  /** Re-seeds the env's Rng; omit it to continue the current stream. A non-negative integer. */
  seed?: number;
  /** Env-specific episode options (e.g. which conversation to start from). */
  options?: Record<string, unknown>;
}

export interface ResetResult<Obs> {
  observation: Obs;
  info: Info;
}

export interface StepResult<Obs> {
  observation: Obs;
  reward: number;
  /** The task ended (a terminal state of the MDP). */
  terminated: boolean;
  /** The episode was cut short from outside the task (time limit). */
  truncated: boolean;
  info: Info;
}

export interface Env<Obs, Act> {
  readonly observationSpace: Space<Obs>;
  readonly actionSpace: Space<Act>;
  readonly metadata: EnvMetadata;
  /** Starts an episode. Always async (see the note at the top of this file). */
  reset(opts?: ResetOptions): Promise<ResetResult<Obs>>;
  /** Advances one step. Always async. Behaviour after terminated/truncated is env-defined until reset. */
  step(action: Act): Promise<StepResult<Obs>>;
  /** A rendering of the current state; `ansi` (the default) is a transcript string. */
  render(mode?: RenderMode): string;
  /** Releases models, workers and files. */
  close(): Promise<void>;
}

/** A call made in the wrong state: step before reset, overlapping calls, step after the episode ended. */
export class EnvStateError extends Error {
  override name = 'EnvStateError';
}

/** Validates a reset seed (Gymnasium requires a non-negative integer too). */
export function checkSeed(seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`reset: seed must be a non-negative integer, got ${String(seed)}`);
  }
  return seed;
}

/**
 * Base class for envs: owns the seeding convention. `reset({ seed })` re-seeds `npRandom` with
 * `new Rng(seed)`; `reset()` without a seed keeps drawing from the current stream (the first unseeded
 * reset seeds from `freshSeed()` and records it in `npRandomSeed`, so the run can be replayed).
 *
 * Subclasses implement `resetEpisode` (not `reset`), `step` and `render`, and draw all randomness from
 * `this.npRandom`. For sub-streams that should differ between unseeded episodes use
 * `this.npRandom.spawn(name)`; `split(name)` ignores the draws made so far.
 */
export abstract class BaseEnv<Obs, Act> implements Env<Obs, Act> {
  abstract readonly observationSpace: Space<Obs>;
  abstract readonly actionSpace: Space<Act>;
  readonly metadata: EnvMetadata = { renderModes: ['ansi'] };

  private rng: Rng | undefined;
  private rngSeed: number | undefined;

  /** The env's seeded generator (Gymnasium's `np_random`); seeded from entropy on first use if needed. */
  get npRandom(): Rng {
    if (this.rng === undefined) this.reseed(freshSeed());
    return this.rng as Rng;
  }

  /** The seed `npRandom` was last built from, or undefined before any seeding. */
  get npRandomSeed(): number | undefined {
    return this.rngSeed;
  }

  /** This env itself (wrappers return the env they wrap, all the way down). */
  get unwrapped(): Env<Obs, Act> {
    return this;
  }

  private reseed(seed: number): void {
    this.rng = new Rng(seed);
    this.rngSeed = seed;
  }

  async reset(opts: ResetOptions = {}): Promise<ResetResult<Obs>> {
    if (opts.seed !== undefined) this.reseed(checkSeed(opts.seed));
    else if (this.rng === undefined) this.reseed(freshSeed());
    return this.resetEpisode(opts.options ?? {});
  }

  /** Starts a new episode; `npRandom` is already seeded when this runs. */
  protected abstract resetEpisode(options: Record<string, unknown>): Promise<ResetResult<Obs>>;

  abstract step(action: Act): Promise<StepResult<Obs>>;

  abstract render(mode?: RenderMode): string;

  async close(): Promise<void> {}
}
