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
//
// Two ways to drive it. Lock-step (`reset`/`step`, Gymnasium's VectorEnv): every call waits for every worker, so
// the workers idle while this thread decodes and picks the next actions. Pipelined (`asyncReset`/`send`/`recv`,
// EnvPool's asynchronous mode): results come back in batches as each finishes, and a batch's next actions go
// out while the other batches are still running, so no worker waits for this thread or for a slower worker.
// Each copy's trajectory depends only on its own seed and actions, so both ways give the same episodes.
import { PinnedWorkers } from './worker-pool.js';
import { errorMessage } from './errors.js';
import type { Info, ResetOptions, StepResult, ResetResult } from './env.js';
import { columns, type ObservationCodec, type ObservationCodecFactory, type VectorEnv, type VectorStepResult } from './vector.js';
import { importModule, type Outcome, type ResetItem, type StepItem, type VectorPlugins, type VectorTask, type WireReset, type WireStep } from './vector-worker.js';
import { loadedPluginPaths, pluginLoaderModule } from './loaded-plugins.js';

/** The plugins for the workers, with the module that loads them; none loaded, none sent. */
function vectorPlugins(files: readonly string[]): VectorPlugins | undefined {
  if (files.length === 0) return undefined;
  const loader = pluginLoaderModule();
  if (loader === undefined) throw new Error(`AsyncVectorEnv: plugins given (${files.join(', ')}) but no plugin loader is loaded in this thread; import crs-gym's plugin layer (loadPlugin) first`);
  return { files: [...files], loader };
}

/** A batch of the pipelined mode: the results of the copies in `envIds`, index k of each array for envIds[k]. */
export interface VectorBatch<Obs> extends VectorStepResult<Obs> {
  envIds: number[];
}

/** A finished batch, or the error that failed it (with the copies it held). */
type FinishedBatch<Obs> = { ok: true; value: VectorBatch<Obs> } | { ok: false; error: unknown; envIds: number[] };

export interface AsyncVectorEnvOptions {
  /** Module (file URL or absolute path) that exports `createEnv(args, index): Env | Promise<Env>`. */
  setupModule: string;
  /** Passed to `createEnv`; must be structured-cloneable (plain JSON-like data). */
  args: unknown;
  /**
   * Plugin files every worker loads before it builds an env (a worker starts with the built-in registries only).
   * Default: the files loaded in this thread (`--plugin`, loadPlugin).
   */
  plugins?: readonly string[];
  numEnvs: number;
  /** Worker threads (default: min(numEnvs, 2)). */
  workers?: number;
  /**
   * Use the setup module's `createObservationCodec(args, index)` when it exports one (default true). The
   * module is then also imported in this thread, to decode. False sends observations as they are.
   */
  observationCodec?: boolean;
  /**
   * Pipelined mode: copies per batch that `asyncReset` starts (default: all copies of a worker, one batch per
   * worker). Two or more batches per worker keep it busy while this thread handles another of its batches.
   */
  batchSize?: number;
}

const workerFile = new URL('./vector-worker.ts', import.meta.url);

/** Whether a worker's task failed because the thread died (as opposed to the env throwing). */
function isWorkerDeath(err: unknown): boolean {
  return /terminated|worker|exited/i.test(errorMessage(err));
}

/**
 * Batches posted to a worker at once. The worker runs them one after another in arrival order (vector-worker.ts),
 * but the next one is already there when a batch ends: without it the worker idles while this thread, busy
 * decoding or competing for a core, hands over the next batch (pipelined mode: about 10% of the throughput).
 */
const TASKS_AHEAD = 4;

export class AsyncVectorEnv<Obs, Act> implements VectorEnv<Obs, Act> {
  readonly autoresetMode = 'same-step' as const;
  readonly numEnvs: number;
  private readonly threads: PinnedWorkers;
  /** The copies on each worker, ascending. */
  private readonly copies: number[][];
  private readonly setupModule: string;
  private readonly args: unknown;
  private readonly plugins: VectorPlugins | undefined;
  private readonly useCodec: boolean;
  private readonly reseedCount: number[];
  /** Main-side codec of each copy (absent without a codec). */
  private readonly codecs: Array<ObservationCodec<Obs> | undefined>;
  private codecFactory: ObservationCodecFactory<Obs> | undefined;
  private lastReset: ResetOptions = {};
  /** Copies rebuilt after their worker died: their next step reports the lost episode instead of stepping. */
  private readonly lost = new Map<number, StepResult<Obs>>();
  private initialized: Promise<void> | undefined;
  private readonly batchSize: number;
  /** Per worker: bumped when the thread is replaced, so results of tasks sent to the dead thread are not used. */
  private readonly generation: number[];
  /** Per worker: the rebuild after its thread died, while it runs or once done. */
  private readonly recovering: Array<Promise<void> | undefined>;
  /** Pipelined mode: copies sent (by send or asyncReset) whose batch `recv` has not returned yet (running or finished). */
  private readonly inFlight = new Set<number>();
  /** Pipelined mode: finished batches not yet received, and `recv` calls waiting for one. */
  private readonly finished: Array<FinishedBatch<Obs>> = [];
  private readonly receivers: Array<(batch: FinishedBatch<Obs>) => void> = [];
  private closed = false;
  /** Pipelined mode: the batches being run, so that `close` lets them finish first. */
  private readonly running = new Set<Promise<void>>();

  constructor(opts: AsyncVectorEnvOptions) {
    if (!Number.isInteger(opts.numEnvs) || opts.numEnvs < 1) throw new RangeError(`AsyncVectorEnv: numEnvs must be >= 1, got ${opts.numEnvs}`);
    this.numEnvs = opts.numEnvs;
    this.setupModule = opts.setupModule.startsWith('file:') ? opts.setupModule : `file://${opts.setupModule}`;
    this.args = opts.args;
    this.plugins = vectorPlugins(opts.plugins ?? loadedPluginPaths());
    this.useCodec = opts.observationCodec ?? true;
    this.reseedCount = new Array<number>(opts.numEnvs).fill(0);
    this.codecs = new Array<ObservationCodec<Obs> | undefined>(opts.numEnvs).fill(undefined);
    const workers = Math.max(1, Math.min(opts.workers ?? Math.min(opts.numEnvs, 2), opts.numEnvs));
    this.copies = Array.from({ length: workers }, (_, p) => Array.from({ length: opts.numEnvs }, (_, i) => i).filter((i) => i % workers === p));
    this.threads = new PinnedWorkers(workerFile, workers, TASKS_AHEAD);
    this.generation = new Array<number>(workers).fill(0);
    this.recovering = new Array<Promise<void> | undefined>(workers).fill(undefined);
    const perWorker = Math.ceil(opts.numEnvs / workers);
    if (opts.batchSize !== undefined && (!Number.isInteger(opts.batchSize) || opts.batchSize < 1)) {
      throw new RangeError(`AsyncVectorEnv: batchSize must be an integer >= 1, got ${opts.batchSize}`);
    }
    this.batchSize = Math.min(opts.batchSize ?? perWorker, perWorker);
  }

  private poolIndex(index: number): number {
    return index % this.threads.size;
  }

  private run<T>(poolIndex: number, task: VectorTask): Promise<T> {
    return this.threads.run<T>(poolIndex, task);
  }

  /** 0 .. workers-1. */
  private workerIndices(): number[] {
    return Array.from({ length: this.threads.size }, (_, p) => p);
  }

  private copiesOf(poolIndex: number): readonly number[] {
    return this.copies[poolIndex]!;
  }

  /** Builds copy `index` in its worker, with fresh codecs on both sides. */
  private async initCopy(index: number): Promise<void> {
    const codec = this.codecFactory !== undefined;
    this.codecs[index] = undefined;
    await this.run(this.poolIndex(index), { op: 'init', index, setupModule: this.setupModule, args: this.args, codec, ...(this.plugins ? { plugins: this.plugins } : {}) });
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

  private checkOpen(call: string): void {
    if (this.closed) throw new Error(`AsyncVectorEnv.${call}: the vector env is closed`);
  }

  /** Lock-step calls cannot run while the pipelined mode has copies out. */
  private checkNothingInFlight(call: string): void {
    this.checkOpen(call);
    if (this.inFlight.size > 0) {
      throw new Error(`AsyncVectorEnv.${call}: ${this.inFlight.size} env(s) are still running in pipelined mode (send/asyncReset); recv() their batches first`);
    }
  }

  async reset(opts: ResetOptions = {}): Promise<{ observations: Obs[]; infos: Info[] }> {
    this.checkNothingInFlight('reset');
    await this.init();
    this.lastReset = opts;
    this.lost.clear();
    const results = new Array<ResetResult<Obs>>(this.numEnvs);
    let failure: { error: unknown } | undefined;
    await Promise.all(
      this.workerIndices().map(async (_, p) => {
        const items = this.resetItems(this.copiesOf(p), opts);
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

  private resetItems(indices: readonly number[], opts: ResetOptions): ResetItem[] {
    return indices.map((index) => ({
      index,
      ...(opts.seed !== undefined ? { seed: opts.seed + index } : {}),
      ...(opts.options ? { options: opts.options } : {}),
    }));
  }

  async step(actions: Act[]): Promise<VectorStepResult<Obs>> {
    if (actions.length !== this.numEnvs) throw new RangeError(`AsyncVectorEnv.step: got ${actions.length} actions for ${this.numEnvs} envs`);
    this.checkNothingInFlight('step');
    await this.init();
    const results = new Array<StepResult<Obs>>(this.numEnvs);
    await Promise.all(
      this.workerIndices().map(async (_, p) => {
        const items: StepItem[] = [];
        for (const index of this.copiesOf(p)) {
          const lost = this.takeLost(index);
          if (lost) results[index] = lost;
          else items.push({ index, action: actions[index] });
        }
        if (items.length === 0) return;
        const stepped = await this.stepBatch(p, items);
        items.forEach((item, k) => (results[item.index] = stepped[k]!));
      }),
    );
    return columns(results);
  }

  private takeLost(index: number): StepResult<Obs> | undefined {
    const lost = this.lost.get(index);
    if (lost) this.lost.delete(index);
    return lost;
  }

  /**
   * Runs one reset or step batch on worker `p` and decodes it. If the worker dies (or the batch ran on its
   * replacement before the copies were rebuilt), the batch's copies are rebuilt and each reports its lost
   * episode as truncated with `info.workerError`. An env that throws fails the batch with its error (the other
   * copies of the batch did run).
   */
  private async stepBatch(p: number, items: readonly StepItem[]): Promise<Array<StepResult<Obs>>>;
  private async stepBatch(p: number, items: readonly ResetItem[], reset: true): Promise<Array<StepResult<Obs>>>;
  private async stepBatch(p: number, items: ReadonlyArray<StepItem | ResetItem>, reset = false): Promise<Array<StepResult<Obs>>> {
    // Once a worker was replaced, a batch for it first waits for the rebuild: a copy rebuilt meanwhile reports its
    // lost episode instead of stepping (a reset batch starts new episodes, so their lost ones are dropped).
    const rebuild = this.recovering[p];
    if (rebuild !== undefined) {
      await rebuild;
      if (reset) for (const item of items) this.lost.delete(item.index);
      else {
        const lost = items.map((item) => this.takeLost(item.index));
        if (lost.some((r) => r !== undefined)) {
          const rest = items.filter((_, k) => lost[k] === undefined) as StepItem[];
          const stepped = rest.length > 0 ? await this.stepBatch(p, rest) : [];
          let next = 0;
          return lost.map((r) => r ?? stepped[next++]!);
        }
      }
    }
    const generation = this.generation[p]!;
    let wire: Array<Outcome<WireStep | WireReset>>;
    try {
      wire = await this.run<Array<Outcome<WireStep | WireReset>>>(p, reset ? { op: 'reset', items: items as ResetItem[] } : { op: 'step', items: items as StepItem[] });
    } catch (err) {
      if (!isWorkerDeath(err)) throw err;
      return this.lostToWorkerDeath(p, generation, items, errorMessage(err));
    }
    if (generation !== this.generation[p]) return this.lostToWorkerDeath(p, generation, items, 'the worker was replaced');
    const outcomes = reset
      ? this.decodeResets(items as ResetItem[], wire as Array<Outcome<WireReset>>).map((o) =>
          o.ok ? { ok: true as const, value: { observation: o.value.observation, reward: 0, terminated: false, truncated: false, info: o.value.info } } : o,
        )
      : this.decodeSteps(items as StepItem[], wire as Array<Outcome<WireStep>>);
    const failed = outcomes.find((o) => !o.ok);
    if (failed && !failed.ok) throw failed.error;
    return outcomes.map((o) => (o as { value: StepResult<Obs> }).value);
  }

  /** Results for a batch lost with worker `p`'s thread; the first batch to notice starts the rebuild. */
  private async lostToWorkerDeath(p: number, generation: number, items: ReadonlyArray<{ index: number }>, message: string): Promise<Array<StepResult<Obs>>> {
    if (generation === this.generation[p]) {
      this.generation[p] = generation + 1;
      this.recovering[p] = this.recover(p, message);
    }
    await this.recovering[p];
    return items.map((item) => {
      const r = this.takeLost(item.index);
      if (r === undefined) throw new Error(`AsyncVectorEnv: env ${item.index} was lost with its worker and not rebuilt`);
      return r;
    });
  }

  /** A dead worker lost its copies: rebuild them on the replacement thread and start new episodes (kept in `lost`). */
  private async recover(poolIndex: number, message: string): Promise<void> {
    for (const i of this.copiesOf(poolIndex)) {
      await this.initCopy(i);
      const attempt = ++this.reseedCount[i]!;
      const seed = this.lastReset.seed !== undefined ? this.lastReset.seed + i + this.numEnvs * attempt : undefined;
      const item: ResetItem = { index: i, ...(seed !== undefined ? { seed } : {}), ...(this.lastReset.options ? { options: this.lastReset.options } : {}) };
      const [outcome] = this.decodeResets([item], await this.run<Array<Outcome<WireReset>>>(poolIndex, { op: 'reset', items: [item] }));
      if (!outcome!.ok) throw outcome!.error;
      const r = outcome!.value;
      this.lost.set(i, { observation: r.observation, reward: 0, terminated: false, truncated: true, info: { ...r.info, workerError: `worker for env ${i} died: ${message}` } });
    }
  }

  // ---- Pipelined mode (EnvPool's send/recv) ----

  /**
   * Starts a new episode in every copy (seeded `seed + index`, as `reset`) without waiting: the first observations
   * come from `recv()`, in batches of `batchSize` copies of one worker.
   */
  async asyncReset(opts: ResetOptions = {}): Promise<void> {
    this.checkNothingInFlight('asyncReset');
    await this.init();
    this.lastReset = opts;
    this.lost.clear();
    this.workerIndices().forEach((_, p) => {
      const copies = this.copiesOf(p);
      for (let at = 0; at < copies.length; at += this.batchSize) {
        const items = this.resetItems(copies.slice(at, at + this.batchSize), opts);
        this.dispatch(p, items, (batch) => this.stepBatch(p, batch, true));
      }
    });
  }

  /**
   * Sends actions to the copies in `envIds` (actions[k] to envIds[k]) without waiting; each copy must have come
   * back from `recv()` since it was last sent. The copies of one worker go out as one batch; with same-step
   * autoreset, as `step`.
   */
  send(actions: readonly Act[], envIds: readonly number[]): void {
    this.checkOpen('send');
    if (actions.length !== envIds.length) throw new RangeError(`AsyncVectorEnv.send: got ${actions.length} actions for ${envIds.length} env ids`);
    const seen = new Set<number>();
    for (const id of envIds) {
      if (!Number.isInteger(id) || id < 0 || id >= this.numEnvs) throw new RangeError(`AsyncVectorEnv.send: env id ${String(id)} is not in 0..${this.numEnvs - 1}`);
      if (seen.has(id)) throw new RangeError(`AsyncVectorEnv.send: env id ${id} appears twice`);
      if (this.inFlight.has(id)) throw new Error(`AsyncVectorEnv.send: env ${id} is still running; recv() its result before sending it an action`);
      seen.add(id);
    }
    const byWorker: StepItem[][] = this.workerIndices().map(() => []);
    const lost: Array<[number, StepResult<Obs>]> = [];
    envIds.forEach((index, k) => {
      const r = this.takeLost(index);
      if (r) lost.push([index, r]);
      else byWorker[this.poolIndex(index)]!.push({ index, action: actions[k] });
    });
    if (lost.length > 0) {
      for (const [index] of lost) this.inFlight.add(index);
      this.deliver({ ok: true, value: toBatch(lost.map(([i]) => i), lost.map(([, r]) => r)) });
    }
    byWorker.forEach((items, p) => {
      if (items.length > 0) this.dispatch(p, items, (batch) => this.init().then(() => this.stepBatch(p, batch)));
    });
  }

  /**
   * The next batch to finish (first finished, first returned). Rejects with an env's error if one threw in that
   * batch (its copies then count as received); throws at once when nothing was sent.
   */
  async recv(): Promise<VectorBatch<Obs>> {
    let next = this.finished.shift();
    if (next === undefined) {
      this.checkOpen('recv');
      if (this.inFlight.size === 0) throw new Error('AsyncVectorEnv.recv: no env is running; call asyncReset() or send() first');
      next = await new Promise<FinishedBatch<Obs>>((resolve) => this.receivers.push(resolve));
    }
    // The copies are the caller's again: free to send.
    for (const id of next.ok ? next.value.envIds : next.envIds) this.inFlight.delete(id);
    if (!next.ok) throw next.error;
    return next.value;
  }

  private dispatch<I extends { index: number }>(p: number, items: I[], run: (items: I[]) => Promise<Array<StepResult<Obs>>>): void {
    const envIds = items.map((item) => item.index);
    for (const id of envIds) this.inFlight.add(id);
    const done = run(items).then(
      (results) => this.deliver({ ok: true, value: toBatch(envIds, results) }),
      (error: unknown) => this.deliver({ ok: false, error, envIds }),
    );
    this.running.add(done);
    void done.then(() => this.running.delete(done));
  }

  /** Hands a finished batch to a waiting `recv`, or keeps it for the next one. */
  private deliver(batch: FinishedBatch<Obs>): void {
    const receiver = this.receivers.shift();
    if (receiver) receiver(batch);
    else this.finished.push(batch);
  }

  async render(index: number): Promise<string> {
    return this.run<string>(this.poolIndex(index), { op: 'render', index });
  }

  /** Ends every copy and the worker threads; batches still running finish first and can still be received. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.running]);
    if (this.initialized) {
      await Promise.allSettled(Array.from({ length: this.numEnvs }, (_, index) => this.run(this.poolIndex(index), { op: 'close', index })));
    }
    await this.threads.destroy();
  }
}

function toBatch<Obs>(envIds: number[], results: ReadonlyArray<StepResult<Obs>>): VectorBatch<Obs> {
  return { envIds, ...columns(results) };
}
