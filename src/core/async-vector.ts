// AsyncVectorEnv: env copies on piscina worker threads, stepped in parallel. Copies are pinned to threads
// (one single-thread pool per worker, copies assigned round-robin) because an env holds state between
// calls. Same autoreset mode and seeding as SyncVectorEnv, so results do not depend on the thread count.
// A worker that dies is replaced: its copies are rebuilt and reset, and the step that was lost is reported
// as truncated with `info.workerError`, never as a crash of the run.
//
// Traffic: one message per worker per reset or step, holding all of that worker's copies (a batch), and
// observations encoded by the setup module's observation codec when it exports `createObservationCodec`
// (see ObservationCodec in vector.ts: e.g. CrsEnv sends its dialogue and item details once, then ids and
// scores). Each copy's codec state is decoded here in the order its worker encoded it.
import type { Piscina } from 'piscina';
import { singleThreadPool } from './worker-pool.js';
import { errorMessage } from './errors.js';
import type { Info, ResetOptions, StepResult, ResetResult } from './env.js';
import type { ObservationCodec, ObservationCodecFactory, VectorEnv, VectorStepResult } from './vector.js';
import { importModule, type Outcome, type ResetItem, type StepItem, type VectorTask, type WireReset, type WireStep } from './vector-worker.js';

export interface AsyncVectorEnvOptions {
  /** Module (file URL or absolute path) that exports `createEnv(args, index): Env | Promise<Env>`. */
  setupModule: string;
  /** Passed to `createEnv`; must be structured-cloneable (plain JSON-like data). */
  args: unknown;
  numEnvs: number;
  /** Worker threads (default: min(numEnvs, 2)). */
  workers?: number;
  /**
   * Use the setup module's `createObservationCodec(args, index)` when it exports one (default true). The
   * module is then also imported in this thread, to decode. False sends observations as they are.
   */
  observationCodec?: boolean;
}

const workerFile = new URL('./vector-worker.ts', import.meta.url);

/** Whether a worker's task failed because the thread died (as opposed to the env throwing). */
function isWorkerDeath(err: unknown): boolean {
  return /terminated|worker|exited/i.test(errorMessage(err));
}

export class AsyncVectorEnv<Obs, Act> implements VectorEnv<Obs, Act> {
  readonly autoresetMode = 'same-step' as const;
  readonly numEnvs: number;
  private readonly pools: Piscina[];
  /** The copies on each worker, ascending. */
  private readonly copies: number[][];
  private readonly setupModule: string;
  private readonly args: unknown;
  private readonly useCodec: boolean;
  private readonly reseedCount: number[];
  /** Main-side codec of each copy (absent without a codec). */
  private readonly codecs: Array<ObservationCodec<Obs> | undefined>;
  private codecFactory: ObservationCodecFactory<Obs> | undefined;
  private lastReset: ResetOptions = {};
  /** Copies rebuilt after their worker died: their next step reports the lost episode instead of stepping. */
  private readonly lost = new Map<number, StepResult<Obs>>();
  private initialized: Promise<void> | undefined;

  constructor(opts: AsyncVectorEnvOptions) {
    if (!Number.isInteger(opts.numEnvs) || opts.numEnvs < 1) throw new RangeError(`AsyncVectorEnv: numEnvs must be >= 1, got ${opts.numEnvs}`);
    this.numEnvs = opts.numEnvs;
    this.setupModule = opts.setupModule.startsWith('file:') ? opts.setupModule : `file://${opts.setupModule}`;
    this.args = opts.args;
    this.useCodec = opts.observationCodec ?? true;
    this.reseedCount = new Array<number>(opts.numEnvs).fill(0);
    this.codecs = new Array<ObservationCodec<Obs> | undefined>(opts.numEnvs).fill(undefined);
    const workers = Math.max(1, Math.min(opts.workers ?? Math.min(opts.numEnvs, 2), opts.numEnvs));
    this.copies = Array.from({ length: workers }, (_, p) => Array.from({ length: opts.numEnvs }, (_, i) => i).filter((i) => i % workers === p));
    this.pools = Array.from({ length: workers }, () => singleThreadPool(workerFile));
  }

  private poolIndex(index: number): number {
    return index % this.pools.length;
  }

  private run<T>(poolIndex: number, task: VectorTask): Promise<T> {
    return this.pools[poolIndex]!.run(task) as Promise<T>;
  }

  private copiesOf(poolIndex: number): readonly number[] {
    return this.copies[poolIndex]!;
  }

  /** Builds copy `index` in its worker, with fresh codecs on both sides. */
  private async initCopy(index: number): Promise<void> {
    const codec = this.codecFactory !== undefined;
    this.codecs[index] = undefined;
    await this.run(this.poolIndex(index), { op: 'init', index, setupModule: this.setupModule, args: this.args, codec });
    if (this.codecFactory !== undefined) this.codecs[index] = this.codecFactory(this.args, index);
  }

  private init(): Promise<void> {
    this.initialized ??= (async () => {
      if (this.useCodec) {
        // When this file runs as TypeScript a TS loader is active in this thread (tsx, vitest): a plain import
        // shares the module instance the caller already has. Compiled, the worker's importer handles a .ts module.
        const mod = (workerFile.pathname.endsWith('.ts') ? await import(this.setupModule) : await importModule(this.setupModule)) as {
          createObservationCodec?: ObservationCodecFactory<Obs>;
        };
        if (typeof mod.createObservationCodec === 'function') this.codecFactory = mod.createObservationCodec;
      }
      await Promise.all(Array.from({ length: this.numEnvs }, (_, index) => this.initCopy(index)));
    })();
    return this.initialized;
  }

  private decode(index: number, wire: unknown): Obs {
    const codec = this.codecs[index];
    return codec === undefined ? (wire as Obs) : codec.decode(wire);
  }

  /** Decodes a worker's reset batch as soon as it arrives (so codec state stays in step even if another worker fails). */
  private decodeResets(items: readonly ResetItem[], outcomes: Array<Outcome<WireReset>>): Array<Outcome<ResetResult<Obs>>> {
    return outcomes.map((o, k) => {
      if (!o.ok) return o;
      const index = items[k]!.index;
      return { ok: true, value: { observation: this.decode(index, o.value.observation), info: o.value.info } };
    });
  }

  private decodeSteps(items: readonly StepItem[], outcomes: Array<Outcome<WireStep>>): Array<Outcome<StepResult<Obs>>> {
    return outcomes.map((o, k) => {
      if (!o.ok) return o;
      const index = items[k]!.index;
      const w = o.value;
      const info = w.info;
      // The ended episode's last observation was encoded first.
      if (w.finalObservation !== undefined) info.finalObservation = this.decode(index, w.finalObservation);
      const observation = this.decode(index, w.observation);
      return { ok: true, value: { observation, reward: w.reward, terminated: w.terminated, truncated: w.truncated, info } };
    });
  }

  async reset(opts: ResetOptions = {}): Promise<{ observations: Obs[]; infos: Info[] }> {
    await this.init();
    this.lastReset = opts;
    this.lost.clear();
    const results = new Array<ResetResult<Obs>>(this.numEnvs);
    let failure: { error: unknown } | undefined;
    await Promise.all(
      this.pools.map(async (_, p) => {
        const items: ResetItem[] = this.copiesOf(p).map((index) => ({
          index,
          ...(opts.seed !== undefined ? { seed: opts.seed + index } : {}),
          ...(opts.options ? { options: opts.options } : {}),
        }));
        if (items.length === 0) return;
        const outcomes = this.decodeResets(items, await this.run<Array<Outcome<WireReset>>>(p, { op: 'reset', items }));
        outcomes.forEach((o, k) => {
          if (o.ok) results[items[k]!.index] = o.value;
          else failure ??= { error: o.error };
        });
      }),
    );
    if (failure) throw failure.error;
    return { observations: results.map((r) => r.observation), infos: results.map((r) => r.info) };
  }

  async step(actions: Act[]): Promise<VectorStepResult<Obs>> {
    if (actions.length !== this.numEnvs) throw new RangeError(`AsyncVectorEnv.step: got ${actions.length} actions for ${this.numEnvs} envs`);
    await this.init();
    const results = new Array<StepResult<Obs>>(this.numEnvs);
    let failure: { error: unknown } | undefined;
    await Promise.all(
      this.pools.map(async (_, p) => {
        const items: StepItem[] = [];
        for (const index of this.copiesOf(p)) {
          const lost = this.lost.get(index);
          if (lost) {
            this.lost.delete(index);
            results[index] = lost;
          } else items.push({ index, action: actions[index] });
        }
        if (items.length === 0) return;
        let outcomes: Array<Outcome<StepResult<Obs>>>;
        try {
          outcomes = this.decodeSteps(items, await this.run<Array<Outcome<WireStep>>>(p, { op: 'step', items }));
        } catch (err) {
          if (!isWorkerDeath(err)) throw err;
          const recovered = await this.recover(p, errorMessage(err));
          outcomes = items.map((item) => ({ ok: true, value: recovered.get(item.index)! }));
          for (const item of items) recovered.delete(item.index);
          for (const [i, r] of recovered) this.lost.set(i, r);
        }
        outcomes.forEach((o, k) => {
          if (o.ok) results[items[k]!.index] = o.value;
          else failure ??= { error: o.error };
        });
      }),
    );
    if (failure) throw failure.error;
    return {
      observations: results.map((r) => r.observation),
      rewards: results.map((r) => r.reward),
      terminated: results.map((r) => r.terminated),
      truncated: results.map((r) => r.truncated),
      infos: results.map((r) => r.info),
    };
  }

  /** A dead worker lost its copies: rebuild them on the replacement thread and start new episodes. */
  private async recover(poolIndex: number, message: string): Promise<Map<number, StepResult<Obs>>> {
    const out = new Map<number, StepResult<Obs>>();
    for (const i of this.copiesOf(poolIndex)) {
      await this.initCopy(i);
      const attempt = ++this.reseedCount[i]!;
      const seed = this.lastReset.seed !== undefined ? this.lastReset.seed + i + this.numEnvs * attempt : undefined;
      const item: ResetItem = { index: i, ...(seed !== undefined ? { seed } : {}), ...(this.lastReset.options ? { options: this.lastReset.options } : {}) };
      const [outcome] = this.decodeResets([item], await this.run<Array<Outcome<WireReset>>>(poolIndex, { op: 'reset', items: [item] }));
      if (!outcome!.ok) throw outcome!.error;
      const r = outcome!.value;
      out.set(i, { observation: r.observation, reward: 0, terminated: false, truncated: true, info: { ...r.info, workerError: `worker for env ${i} died: ${message}` } });
    }
    return out;
  }

  async render(index: number): Promise<string> {
    return this.run<string>(this.poolIndex(index), { op: 'render', index });
  }

  async close(): Promise<void> {
    if (this.initialized) {
      await Promise.allSettled(Array.from({ length: this.numEnvs }, (_, index) => this.run(this.poolIndex(index), { op: 'close', index })));
    }
    await Promise.all(this.pools.map((p) => p.destroy()));
  }
}
