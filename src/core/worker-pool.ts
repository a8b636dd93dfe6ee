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
