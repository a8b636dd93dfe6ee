// USE lite on several cores: the tfjs wasm backend runs one thread per engine in Node, so a big
// `encode` is spread over piscina worker threads, each with its own copy of the model. The calling
// thread tokenizes and plans the batches exactly as UseLiteEncoder does (planBatches), the workers run
// the model calls, and the vectors go back to their rows: bit for bit the vectors of UseLiteEncoder.
import { setMaxListeners } from 'node:events';
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { workerScript } from '../core/worker-pool.js';
import { errorMessage } from '../core/errors.js';
import { planBatches, UseLiteEncoder, type UseLiteOptions } from './use-lite.js';
import type { TextEncoder } from './text-encoder.js';
import type { UseLiteBatchTask } from './use-lite-worker.js';

export type ParallelUseLiteOptions = UseLiteOptions & {
  /** Worker threads (default min(2, available cores)); 1 runs everything on the calling thread, like UseLiteEncoder. */
  threads?: number;
  /**
   * Calls with fewer texts run on the calling thread while no worker is running, so small calls do not pay
   * the workers' start-up (about 1-2 s: a thread, tfjs and the model). Default: two batches (2 x batchSize).
   * Once the workers run, every call goes to them.
   */
  minParallelTexts?: number;
  /** The worker threads are stopped after this long without a call (default 30 s); the next big call starts them again. */
  idleTimeoutMs?: number;
};

/** Threads for USE lite when nothing says otherwise: two cores at most (the machines we target have 2). */
export function defaultEncoderThreads(): number {
  return Math.max(1, Math.min(2, availableParallelism()));
}

const WORKER_FILE = new URL('./use-lite-worker.ts', import.meta.url);

/**
 * Universal Sentence Encoder lite spread over worker threads. Same `id`, `dim` and vectors (bit for bit)
 * as UseLiteEncoder with the same `batchSize`: each model call holds the same rows, only on another
 * thread. Batches are handed out longest first to whichever thread is free.
 *
 * Threads start on the first call of at least `minParallelTexts` texts and stop after `idleTimeoutMs`
 * without calls (or on `close()`); idle threads never keep the process alive. A thread that throws or
 * dies fails the call with an error naming the batch (never a hang); the next call gets a new thread.
 */
export class ParallelUseLiteEncoder implements TextEncoder {
  readonly id: string;
  readonly dim: number;
  readonly threads: number;
  readonly batchSize: number;
  readonly minParallelTexts: number;
  readonly idleTimeoutMs: number;
  /** Runs small calls, and tokenizes for the workers. */
  readonly local: UseLiteEncoder;
  private pool: Piscina | undefined;
  private active = 0;
  /** Calls in flight on the workers, to fail them all when a thread fails outside a task. */
  private readonly calls = new Set<AbortController>();
  private idleTimer: NodeJS.Timeout | undefined;
  private parallelCalls = 0;
  private parallelBatches = 0;

  constructor(options: ParallelUseLiteOptions = {}) {
    const { threads, minParallelTexts, idleTimeoutMs, ...useLite } = options;
    this.local = new UseLiteEncoder(useLite);
    this.id = this.local.id;
    this.dim = this.local.dim;
    this.batchSize = this.local.batchSize;
    this.threads = threads ?? defaultEncoderThreads();
    if (!Number.isInteger(this.threads) || this.threads < 1) {
      throw new RangeError(`ParallelUseLiteEncoder: threads must be a positive integer, got ${threads}`);
    }
    this.minParallelTexts = minParallelTexts ?? 2 * this.batchSize;
    if (!Number.isInteger(this.minParallelTexts) || this.minParallelTexts < 1) {
      throw new RangeError(`ParallelUseLiteEncoder: minParallelTexts must be a positive integer, got ${minParallelTexts}`);
    }
    this.idleTimeoutMs = idleTimeoutMs ?? 30_000;
    if (!(this.idleTimeoutMs >= 0)) throw new RangeError(`ParallelUseLiteEncoder: idleTimeoutMs must be >= 0, got ${idleTimeoutMs}`);
  }

  /** Whether worker threads are running now. */
  get running(): boolean {
    return this.pool !== undefined;
  }

  /** Calls and model batches that went to the workers so far. */
  stats(): { parallelCalls: number; parallelBatches: number } {
    return { parallelCalls: this.parallelCalls, parallelBatches: this.parallelBatches };
  }

  /** The live worker threads (diagnostics and tests). */
  workerThreads(): ReadonlyArray<{ terminate(): Promise<number> }> {
    return this.pool?.threads ?? [];
  }

  async encode(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    if (this.threads === 1 || (this.pool === undefined && texts.length < this.minParallelTexts)) return this.local.encode(texts);
    this.active++;
    this.clearIdleTimer();
    const call = new AbortController();
    setMaxListeners(0, call.signal); // One listener per batch of the call.
    this.calls.add(call);
    try {
      const ids = await this.local.tokenize(texts);
      const batches = planBatches(
        ids.map((t) => t.length),
        this.batchSize,
      );
      const pool = this.ensurePool();
      const out = new Array<Float32Array>(texts.length);
      this.parallelCalls++;
      this.parallelBatches += batches.length;
      // Longest batches first (they come last in the plan): the short ones fill in at the end.
      const order = batches.map((_, b) => b).reverse();
      try {
        await Promise.all(
          order.map(async (b) => {
            const rows = batches[b]!;
            const vectors = await this.runBatch(pool, call, rows.map((r) => ids[r]!), b, batches.length);
            rows.forEach((r, k) => (out[r] = vectors[k]!));
          }),
        );
      } catch (err) {
        // The other batches of the call are dropped, and the pool is replaced: a thread that failed to start
        // leaves piscina waiting for threads it will not start, so queued tasks would never run.
        call.abort(err);
        if (this.pool === pool) void this.close().catch(() => undefined);
        throw err;
      }
      return out;
    } finally {
      this.calls.delete(call);
      this.active--;
      if (this.active === 0) this.armIdleTimer();
    }
  }

  /** Stops the worker threads now (a later call starts them again). */
  async close(): Promise<void> {
    this.clearIdleTimer();
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await pool.destroy();
  }

  /** Stops the workers and frees the calling thread's model. */
  async dispose(): Promise<void> {
    await this.close();
    await this.local.dispose();
  }

  private async runBatch(pool: Piscina, call: AbortController, rows: number[][], index: number, count: number): Promise<Float32Array[]> {
    const lengths = Int32Array.from(rows, (r) => r.length);
    const ids = new Int32Array(lengths.reduce((s, n) => s + n, 0));
    let at = 0;
    for (const r of rows) {
      ids.set(r, at);
      at += r.length;
    }
    const task: UseLiteBatchTask = { modelDir: this.local.modelDir, backend: this.local.backend, lengths, ids };
    let flat: unknown;
    try {
      if (call.signal.aborted) throw call.signal.reason;
      flat = await pool.run(task, { transferList: [lengths.buffer, ids.buffer], signal: call.signal });
    } catch (err) {
      // Once the call is aborted, its first failure is the one to report.
      if (call.signal.aborted && call.signal.reason instanceof Error) throw call.signal.reason;
      throw new Error(`${this.id}: worker thread failed on batch ${index + 1} of ${count} (${rows.length} text${rows.length === 1 ? '' : 's'}): ${errorMessage(err)}`, {
        cause: err,
      });
    }
    if (!(flat instanceof Float32Array) || flat.length !== rows.length * this.dim) {
      const got = flat instanceof Float32Array ? `${flat.length} floats` : typeof flat;
      throw new Error(`${this.id}: worker thread returned ${got} for batch ${index + 1} of ${count}, expected ${rows.length * this.dim} floats`);
    }
    return rows.map((_, r) => flat.slice(r * this.dim, (r + 1) * this.dim));
  }

  private ensurePool(): Piscina {
    if (this.pool) return this.pool;
    const pool = new Piscina({
      ...workerScript(WORKER_FILE),
      minThreads: this.threads,
      maxThreads: this.threads,
      idleTimeout: Number.POSITIVE_INFINITY, // The whole pool stops after idleTimeoutMs (armIdleTimer).
    });
    // A thread that fails while it holds no task (e.g. at start-up) is reported here, not by a task: fail
    // the calls in flight rather than leave their tasks queued for a thread that will never come.
    pool.on('error', (err: unknown) => {
      const error = new Error(`${this.id}: worker thread failed: ${errorMessage(err)}`, { cause: err });
      for (const call of this.calls) call.abort(error);
      if (this.pool === pool) void this.close().catch(() => undefined);
    });
    this.pool = pool;
    return pool;
  }

  private armIdleTimer(): void {
    this.clearIdleTimer();
    if (this.pool === undefined) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.active === 0) void this.close().catch(() => undefined);
    }, this.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}
