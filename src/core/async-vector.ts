// AsyncVectorEnv: env copies on piscina worker threads, stepped in parallel. Copies are pinned to threads
// (one single-thread pool per worker, copies assigned round-robin) because an env holds state between
// calls. Same autoreset mode and seeding as SyncVectorEnv, so results do not depend on the thread count.
// A worker that dies is replaced: its copies are rebuilt and reset, and the step that was lost is reported
// as truncated with `info.workerError`, never as a crash of the run.
import { Piscina } from 'piscina';
import { fileURLToPath } from 'node:url';
import type { Info, ResetOptions, StepResult, ResetResult } from './env.js';
import type { VectorEnv, VectorStepResult } from './vector.js';
import type { VectorTask } from './vector-worker.js';

export interface AsyncVectorEnvOptions {
  /** Module (file URL or absolute path) that exports `createEnv(args, index): Env | Promise<Env>`. */
  setupModule: string;
  /** Passed to `createEnv`; must be structured-cloneable (plain JSON-like data). */
  args: unknown;
  numEnvs: number;
  /** Worker threads (default: min(numEnvs, 2)). */
  workers?: number;
}

const workerFile = new URL('./vector-worker.ts', import.meta.url);

export class AsyncVectorEnv<Obs, Act> implements VectorEnv<Obs, Act> {
  readonly autoresetMode = 'same-step' as const;
  readonly numEnvs: number;
  private readonly pools: Piscina[];
  private readonly setupModule: string;
  private readonly args: unknown;
  private readonly reseedCount: number[];
  private lastReset: ResetOptions = {};
  /** Copies rebuilt after their worker died: their next step reports the lost episode instead of stepping. */
  private readonly lost = new Map<number, StepResult<Obs>>();
  private initialized: Promise<void> | undefined;

  constructor(opts: AsyncVectorEnvOptions) {
    if (!Number.isInteger(opts.numEnvs) || opts.numEnvs < 1) throw new RangeError(`AsyncVectorEnv: numEnvs must be >= 1, got ${opts.numEnvs}`);
    this.numEnvs = opts.numEnvs;
    this.setupModule = opts.setupModule.startsWith('file:') ? opts.setupModule : `file://${opts.setupModule}`;
    this.args = opts.args;
    this.reseedCount = new Array<number>(opts.numEnvs).fill(0);
    const workers = Math.max(1, Math.min(opts.workers ?? Math.min(opts.numEnvs, 2), opts.numEnvs));
    // Workers run TypeScript through tsx when this file is TypeScript (a checkout); compiled JS needs nothing.
    const isTs = workerFile.pathname.endsWith('.ts');
    this.pools = Array.from(
      { length: workers },
      () =>
        new Piscina({
          filename: isTs ? workerFile.href : fileURLToPath(workerFile).replace(/\.ts$/, '.js'),
          minThreads: 1,
          maxThreads: 1,
          idleTimeout: Number.POSITIVE_INFINITY,
          execArgv: isTs ? ['--import', 'tsx'] : [],
        }),
    );
  }

  private pool(index: number): Piscina {
    return this.pools[index % this.pools.length]!;
  }

  private run<T>(task: VectorTask): Promise<T> {
    return this.pool(task.index).run(task) as Promise<T>;
  }

  private init(): Promise<void> {
    this.initialized ??= Promise.all(
      Array.from({ length: this.numEnvs }, (_, index) => this.run({ op: 'init', index, setupModule: this.setupModule, args: this.args })),
    ).then(() => undefined);
    return this.initialized;
  }

  async reset(opts: ResetOptions = {}): Promise<{ observations: Obs[]; infos: Info[] }> {
    await this.init();
    this.lastReset = opts;
    const results = await Promise.all(
      Array.from({ length: this.numEnvs }, (_, index) =>
        this.run<ResetResult<Obs>>({ op: 'reset', index, ...(opts.seed !== undefined ? { seed: opts.seed + index } : {}), ...(opts.options ? { options: opts.options } : {}) }),
      ),
    );
    return { observations: results.map((r) => r.observation), infos: results.map((r) => r.info) };
  }

  async step(actions: Act[]): Promise<VectorStepResult<Obs>> {
    if (actions.length !== this.numEnvs) throw new RangeError(`AsyncVectorEnv.step: got ${actions.length} actions for ${this.numEnvs} envs`);
    await this.init();
    const results = await Promise.all(actions.map((action, index) => this.stepOne(index, action)));
    return {
      observations: results.map((r) => r.observation),
      rewards: results.map((r) => r.reward),
      terminated: results.map((r) => r.terminated),
      truncated: results.map((r) => r.truncated),
      infos: results.map((r) => r.info),
    };
  }

  private async stepOne(index: number, action: Act): Promise<StepResult<Obs>> {
    const lost = this.lost.get(index);
    if (lost) {
      this.lost.delete(index);
      return lost;
    }
    try {
      return await this.run<StepResult<Obs>>({ op: 'step', index, action });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!/terminated|worker|exited/i.test(message)) throw err;
      return this.recover(index, message);
    }
  }

  /** A dead worker lost its copies: rebuild them on the replacement thread and start new episodes. */
  private async recover(index: number, message: string): Promise<StepResult<Obs>> {
    const siblings = Array.from({ length: this.numEnvs }, (_, i) => i).filter((i) => i % this.pools.length === index % this.pools.length);
    let own: StepResult<Obs> | undefined;
    for (const i of siblings) {
      await this.run({ op: 'init', index: i, setupModule: this.setupModule, args: this.args });
      const attempt = ++this.reseedCount[i]!;
      const seed = this.lastReset.seed !== undefined ? this.lastReset.seed + i + this.numEnvs * attempt : undefined;
      const r = await this.run<ResetResult<Obs>>({ op: 'reset', index: i, ...(seed !== undefined ? { seed } : {}), ...(this.lastReset.options ? { options: this.lastReset.options } : {}) });
      const result = { observation: r.observation, reward: 0, terminated: false, truncated: true, info: { ...r.info, workerError: `worker for env ${i} died: ${message}` } };
      if (i === index) own = result;
      else this.lost.set(i, result);
    }
    return own as StepResult<Obs>;
  }

  async render(index: number): Promise<string> {
    return this.run<string>({ op: 'render', index });
  }

  async close(): Promise<void> {
    if (this.initialized) {
      await Promise.allSettled(Array.from({ length: this.numEnvs }, (_, index) => this.run({ op: 'close', index })));
    }
    await Promise.all(this.pools.map((p) => p.destroy()));
  }
}
