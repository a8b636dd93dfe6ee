// Piscina worker threads for our TypeScript-or-JavaScript modules: a checkout runs the .ts sources
// through tsx (the worker must load them the same way), a compiled package runs the .js next to them.
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';

/** This module runs as TypeScript (a checkout, through tsx or vitest): so do its siblings, and workers must too. */
const RUNS_AS_TS = import.meta.url.endsWith('.ts');

/**
 * Node flags for profiling workers: CRS_GYM_WORKER_CPU_PROF=<dir> makes every worker write a V8 CPU profile
 * there when it exits (a worker's explicit execArgv would otherwise drop the parent's --cpu-prof).
 */
function profilingArgv(): string[] {
  const dir = process.env.CRS_GYM_WORKER_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** What piscina needs to start `workerUrl` (a `new URL('./x.ts', import.meta.url)` of the caller). */
export function workerScript(workerUrl: URL): { filename: string; execArgv: string[] } {
  if (!RUNS_AS_TS) return { filename: fileURLToPath(workerUrl).replace(/\.ts$/, '.js'), execArgv: profilingArgv() };
  // tsx's loader by absolute URL, so the worker finds it whatever the working directory.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return { filename: workerUrl.href, execArgv: ['--import', tsx, ...profilingArgv()] };
}

/**
 * A pool of exactly one thread that lives as long as the pool: the worker keeps its state (an env, a
 * policy, caches) between tasks, so callers that spread work over several workers hold one pool each.
 * `tasksAhead` > 1 posts that many tasks to the worker at once, so it starts the next one without waiting for
 * this thread to hand it over; the worker module must then run its tasks one at a time itself if they share state.
 */
export function singleThreadPool(workerUrl: URL, tasksAhead = 1): Piscina {
  return new Piscina({
    ...workerScript(workerUrl),
    minThreads: 1,
    maxThreads: 1,
    idleTimeout: Number.POSITIVE_INFINITY,
    concurrentTasksPerWorker: tasksAhead,
  });
}

/**
 * The one worker-pool mechanism of crs-gym: `size` threads of one worker module, each its own single-thread pool,
 * so a task goes to the thread the caller picks and that thread keeps its state (envs, a policy, loaded components)
 * between tasks. The rollout runner (learners/runner.ts), the evaluation pool (pipeline/eval-pool.ts) and
 * AsyncVectorEnv (core/async-vector.ts) all run on it. A thread that dies is replaced by piscina at its next task.
 */
export class PinnedWorkers {
  private readonly pools: Piscina[];

  constructor(workerUrl: URL, readonly size: number, tasksAhead = 1) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`PinnedWorkers: size must be an integer >= 1, got ${String(size)}`);
    this.pools = Array.from({ length: size }, () => singleThreadPool(workerUrl, tasksAhead));
  }

  /** The live threads, in worker order (piscina's Worker objects; tests end one to check recovery). */
  get threads(): Piscina['threads'] {
    return this.pools.flatMap((p) => p.threads);
  }

  /** Runs `task` on thread `worker` (0-based); `transferList` buffers move instead of being copied. */
  run<T>(worker: number, task: unknown, transferList?: ArrayBuffer[]): Promise<T> {
    const pool = this.pools[worker];
    if (pool === undefined) throw new RangeError(`PinnedWorkers: no worker ${worker} (of ${this.size})`);
    return pool.run(task, transferList ? { transferList } : {}) as Promise<T>;
  }

  /** Ends every thread (tasks still running fail). */
  async destroy(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.destroy()));
  }
}
