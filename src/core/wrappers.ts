// Wrappers add behaviour around an env without flags on the env (Gymnasium's wrappers).
//
// `BaseWrapper<Obs, Act, InnerObs, InnerAct>` holds the inner env and delegates metadata, render and
// close. `Wrapper<Obs, Act>` also delegates spaces, reset and step (same types in and out); override
// what you change. ObservationWrapper / ActionWrapper change a type, so they declare the new space.
// The transform hooks (`observation`, `action`, `reward`) may be async, e.g. to run an encoder.
import { EnvStateError } from './env.js';
import type { Env, EnvMetadata, Info, RenderMode, ResetOptions, ResetResult, StepResult } from './env.js';
import type { Space } from './spaces.js';

export abstract class BaseWrapper<Obs, Act, InnerObs, InnerAct> implements Env<Obs, Act> {
  abstract readonly observationSpace: Space<Obs>;
  abstract readonly actionSpace: Space<Act>;

  constructor(readonly env: Env<InnerObs, InnerAct>) {
    if (typeof env !== 'object' || env === null || typeof env.step !== 'function' || typeof env.reset !== 'function') {
      throw new TypeError(`${new.target.name}: expected an env with reset() and step(), got ${String(env)}`);
    }
  }

  get metadata(): EnvMetadata {
    return this.env.metadata;
  }

  /** The innermost env, below every wrapper. */
  get unwrapped(): Env<unknown, unknown> {
    return this.env instanceof BaseWrapper ? (this.env.unwrapped as Env<unknown, unknown>) : this.env;
  }

  abstract reset(opts?: ResetOptions): Promise<ResetResult<Obs>>;
  abstract step(action: Act): Promise<StepResult<Obs>>;

  render(mode?: RenderMode): string {
    return this.env.render(mode);
  }

  close(): Promise<void> {
    return this.env.close();
  }
}

/** Delegates everything; subclass it and override what you change. */
export class Wrapper<Obs, Act> extends BaseWrapper<Obs, Act, Obs, Act> {
  get observationSpace(): Space<Obs> {
    return this.env.observationSpace;
  }

  get actionSpace(): Space<Act> {
    return this.env.actionSpace;
  }

  reset(opts?: ResetOptions): Promise<ResetResult<Obs>> {
    return this.env.reset(opts);
  }

  step(action: Act): Promise<StepResult<Obs>> {
    return this.env.step(action);
  }
}

// ---------------------------------------------------------------------------------------------------

/** Sets `truncated` once `maxEpisodeSteps` steps have run since the last reset. */
export class TimeLimit<Obs, Act> extends Wrapper<Obs, Act> {
  readonly maxEpisodeSteps: number;
  private elapsed = 0;

  constructor(env: Env<Obs, Act>, maxEpisodeSteps: number) {
    super(env);
    if (!Number.isSafeInteger(maxEpisodeSteps) || maxEpisodeSteps < 1) {
      throw new RangeError(`TimeLimit: maxEpisodeSteps must be a positive integer, got ${String(maxEpisodeSteps)}`);
    }
    this.maxEpisodeSteps = maxEpisodeSteps;
  }

  /** Steps taken since the last reset. */
  get elapsedSteps(): number {
    return this.elapsed;
  }

  override async reset(opts?: ResetOptions): Promise<ResetResult<Obs>> {
    this.elapsed = 0;
    return this.env.reset(opts);
  }

  override async step(action: Act): Promise<StepResult<Obs>> {
    const result = await this.env.step(action);
    this.elapsed += 1;
    if (this.elapsed >= this.maxEpisodeSteps) return { ...result, truncated: true };
    return result;
  }
}

// ---------------------------------------------------------------------------------------------------

/** What RecordEpisodeStatistics puts in `info.episode` on the step that ends an episode. */
export interface EpisodeStatistics {
  /** Return: the sum of rewards. */
  r: number;
  /** Length in steps. */
  l: number;
  /** Wall-clock seconds since the reset. */
  t: number;
}

export interface RecordEpisodeStatisticsOptions {
  /** How many finished episodes the queues keep (default 100). */
  bufferLength?: number;
  /** The info key for the statistics (default 'episode'). */
  infoKey?: string;
  /** Clock in milliseconds (default performance.now); injectable for tests. */
  now?: () => number;
}

/**
 * On the step where terminated or truncated is set, adds `info[infoKey] = { r, l, t }` and appends to
 * `returnQueue`, `lengthQueue` and `timeQueue` (the last `bufferLength` episodes).
 */
export class RecordEpisodeStatistics<Obs, Act> extends Wrapper<Obs, Act> {
  readonly returnQueue: number[] = [];
  readonly lengthQueue: number[] = [];
  readonly timeQueue: number[] = [];
  /** Episodes finished since construction. */
  episodeCount = 0;
  private readonly bufferLength: number;
  private readonly infoKey: string;
  private readonly now: () => number;
  private episodeReturn = 0;
  private episodeLength = 0;
  private startedAt = 0;

  constructor(env: Env<Obs, Act>, options: RecordEpisodeStatisticsOptions = {}) {
    super(env);
    this.bufferLength = options.bufferLength ?? 100;
    if (!Number.isSafeInteger(this.bufferLength) || this.bufferLength < 1) {
      throw new RangeError(`RecordEpisodeStatistics: bufferLength must be a positive integer, got ${String(options.bufferLength)}`);
    }
    this.infoKey = options.infoKey ?? 'episode';
    this.now = options.now ?? (() => performance.now());
  }

  override async reset(opts?: ResetOptions): Promise<ResetResult<Obs>> {
    const result = await this.env.reset(opts);
    this.episodeReturn = 0;
    this.episodeLength = 0;
    this.startedAt = this.now();
    return result;
  }

  override async step(action: Act): Promise<StepResult<Obs>> {
    const result = await this.env.step(action);
    this.episodeReturn += result.reward;
    this.episodeLength += 1;
    if (!result.terminated && !result.truncated) return result;

    if (Object.hasOwn(result.info, this.infoKey)) {
      throw new Error(`RecordEpisodeStatistics: the env's info already has a '${this.infoKey}' key; pass another infoKey`);
    }
    const stats: EpisodeStatistics = {
      r: this.episodeReturn,
      l: this.episodeLength,
      t: Math.round((this.now() - this.startedAt) * 1000) / 1e6, // ms -> s, to the microsecond
    };
    this.push(this.returnQueue, stats.r);
    this.push(this.lengthQueue, stats.l);
    this.push(this.timeQueue, stats.t);
    this.episodeCount += 1;
    const info: Info = { ...result.info, [this.infoKey]: stats };
    return { ...result, info };
  }

  private push(queue: number[], value: number): void {
    queue.push(value);
    if (queue.length > this.bufferLength) queue.shift();
  }
}

// ---------------------------------------------------------------------------------------------------

export interface OrderEnforcingOptions {
  /** Reject render() before the first reset() (default: the env's `metadata.renderNeedsReset`, else false). */
  enforceRender?: boolean;
}

/**
 * Rejects step() before the first reset(), and a reset()/step() while another is still pending (an
 * un-awaited call; with async envs that silently corrupts state). Optionally rejects render() before reset.
 */
export class OrderEnforcing<Obs, Act> extends Wrapper<Obs, Act> {
  private didReset = false;
  private pending: 'reset' | 'step' | undefined;
  private readonly enforceRender: boolean;

  constructor(env: Env<Obs, Act>, options: OrderEnforcingOptions = {}) {
    super(env);
    this.enforceRender = options.enforceRender ?? env.metadata?.renderNeedsReset ?? false;
  }

  /** Whether reset() has completed at least once. */
  get hasReset(): boolean {
    return this.didReset;
  }

  override async reset(opts?: ResetOptions): Promise<ResetResult<Obs>> {
    this.enter('reset');
    try {
      const result = await this.env.reset(opts);
      this.didReset = true;
      return result;
    } finally {
      this.pending = undefined;
    }
  }

  override async step(action: Act): Promise<StepResult<Obs>> {
    if (!this.didReset) {
      throw new EnvStateError('Cannot call step() before reset(): call `await env.reset()` first.');
    }
    this.enter('step');
    try {
      return await this.env.step(action);
    } finally {
      this.pending = undefined;
    }
  }

  override render(mode?: RenderMode): string {
    if (this.enforceRender && !this.didReset) {
      throw new EnvStateError('Cannot call render() before reset(): this env renders only after `await env.reset()`.');
    }
    return this.env.render(mode);
  }

  private enter(call: 'reset' | 'step'): void {
    if (this.pending !== undefined) {
      throw new EnvStateError(`Cannot call ${call}() while ${this.pending}() is still pending: await each call before the next.`);
    }
    this.pending = call;
  }
}

// ---------------------------------------------------------------------------------------------------

/** Transforms every reward with `reward(r)`. */
export abstract class RewardWrapper<Obs, Act> extends Wrapper<Obs, Act> {
  abstract reward(reward: number): number | Promise<number>;

  override async step(action: Act): Promise<StepResult<Obs>> {
    const result = await this.env.step(action);
    return { ...result, reward: await this.reward(result.reward) };
  }
}

/** Transforms every observation (from reset and step) with `observation(o)`; declares the new space. */
export abstract class ObservationWrapper<Obs, Act, InnerObs = Obs> extends BaseWrapper<Obs, Act, InnerObs, Act> {
  abstract override readonly observationSpace: Space<Obs>;
  abstract observation(observation: InnerObs): Obs | Promise<Obs>;

  get actionSpace(): Space<Act> {
    return this.env.actionSpace;
  }

  async reset(opts?: ResetOptions): Promise<ResetResult<Obs>> {
    const result = await this.env.reset(opts);
    return { observation: await this.observation(result.observation), info: result.info };
  }

  async step(action: Act): Promise<StepResult<Obs>> {
    const result = await this.env.step(action);
    return { ...result, observation: await this.observation(result.observation) };
  }
}

/** Maps each action with `action(a)` before the inner env sees it; declares the outer action space. */
export abstract class ActionWrapper<Obs, Act, InnerAct = Act> extends BaseWrapper<Obs, Act, Obs, InnerAct> {
  abstract override readonly actionSpace: Space<Act>;
  abstract action(action: Act): InnerAct | Promise<InnerAct>;

  get observationSpace(): Space<Obs> {
    return this.env.observationSpace;
  }

  reset(opts?: ResetOptions): Promise<ResetResult<Obs>> {
    return this.env.reset(opts);
  }

  async step(action: Act): Promise<StepResult<Obs>> {
    return this.env.step(await this.action(action));
  }
}
