// Worker side of AsyncVectorEnv: one piscina thread holds the env copies assigned to it, by index.
// Each copy is built by `createEnv(args, index)` exported from the caller's setup module.
import type { Env, Info } from './env.js';

export type VectorTask =
  | { op: 'init'; index: number; setupModule: string; args: unknown }
  | { op: 'reset'; index: number; seed?: number; options?: Record<string, unknown> }
  | { op: 'step'; index: number; action: unknown }
  | { op: 'render'; index: number }
  | { op: 'close'; index: number };

interface SetupModule {
  createEnv(args: unknown, index: number): Promise<Env<unknown, unknown>> | Env<unknown, unknown>;
}

/** Imports a setup module; TypeScript ones (a checkout run through tsx) go through tsx's own importer. */
const imported = new Map<string, Promise<unknown>>();

/** One module instance per specifier and thread, so env copies on a worker share what the module caches. */
export function importModule(specifier: string): Promise<unknown> {
  let pending = imported.get(specifier);
  if (!pending) {
    pending = importFresh(specifier);
    pending.catch(() => imported.delete(specifier));
    imported.set(specifier, pending);
  }
  return pending;
}

async function importFresh(specifier: string): Promise<unknown> {
  if (!/\.[cm]?ts$/.test(specifier)) return import(specifier);
  const { tsImport } = (await import('tsx/esm/api')) as { tsImport: (s: string, parent: string) => Promise<unknown> };
  return tsImport(specifier, import.meta.url);
}

const envs = new Map<number, Env<unknown, unknown>>();
const resetOptions = new Map<number, Record<string, unknown> | undefined>();

function envAt(index: number): Env<unknown, unknown> {
  const env = envs.get(index);
  if (!env) throw new Error(`vector worker: env ${index} is not initialized here`);
  return env;
}

export default async function handle(task: VectorTask): Promise<unknown> {
  switch (task.op) {
    case 'init': {
      const mod = (await importModule(task.setupModule)) as Partial<SetupModule>;
      if (typeof mod.createEnv !== 'function') throw new Error(`vector worker: ${task.setupModule} does not export createEnv(args, index)`);
      envs.set(task.index, await mod.createEnv(task.args, task.index));
      return true;
    }
    case 'reset': {
      resetOptions.set(task.index, task.options);
      return envAt(task.index).reset({ ...(task.seed !== undefined ? { seed: task.seed } : {}), ...(task.options ? { options: task.options } : {}) });
    }
    case 'step': {
      const env = envAt(task.index);
      const r = await env.step(task.action);
      if (!r.terminated && !r.truncated) return r;
      const options = resetOptions.get(task.index);
      const next = await env.reset(options ? { options } : {});
      const info: Info = { ...next.info, finalObservation: r.observation, finalInfo: r.info };
      return { ...r, observation: next.observation, info };
    }
    case 'render':
      return envAt(task.index).render('ansi');
    case 'close': {
      await envs.get(task.index)?.close();
      envs.delete(task.index);
      return true;
    }
  }
}
