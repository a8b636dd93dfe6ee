// Worker side of AsyncVectorEnv: one piscina thread holds the env copies assigned to it, by index.
// Each copy is built by `createEnv(args, index)` exported from the caller's setup module. Resets and steps
// come in batches (every copy of this thread in one message) and go back as one array; observations are
// encoded by the copy's observation codec when the setup module has one (see ObservationCodec).
import type { Env, Info, ResetResult, StepResult } from './env.js';
import type { ObservationCodec, ObservationCodecFactory } from './vector.js';
import { importSourceModule } from './import-module.js';

export interface ResetItem {
  index: number;
  seed?: number;
  options?: Record<string, unknown>;
}

export interface StepItem {
  index: number;
  action: unknown;
}

/** Plugin files to load before the first env is built, and the module that loads them (see loaded-plugins.ts). */
export interface VectorPlugins {
  files: string[];
  loader: string;
}

export type VectorTask =
  | { op: 'init'; index: number; setupModule: string; args: unknown; codec: boolean; plugins?: VectorPlugins }
  | { op: 'reset'; items: ResetItem[] }
  | { op: 'step'; items: StepItem[] }
  | { op: 'render'; index: number }
  | { op: 'close'; index: number };

/** A reset as sent back: the observation encoded when the copy has a codec. */
export interface WireReset {
  observation: unknown;
  info: Info;
}

/**
 * A step as sent back. After an automatic reset (same-step autoreset), `observation` is the new episode's first
 * observation and `info` the reset's info plus `finalInfo`; the ended episode's last observation travels in
 * `finalObservation` (encoded before `observation`) and goes back into `info.finalObservation` on the main side
 * (null there until then).
 */
export interface WireStep {
  observation: unknown;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: Info;
  finalObservation?: unknown;
}

/** One item of a batch: its result, or what it threw (the other items of the batch still ran). */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

interface SetupModule {
  createEnv(args: unknown, index: number): Promise<Env<unknown, unknown>> | Env<unknown, unknown>;
  createObservationCodec?: ObservationCodecFactory<unknown>;
}

/** Imports a setup module; TypeScript ones (a checkout run through tsx) go through tsx's own importer. */
const imported = new Map<string, Promise<unknown>>();

/** One module instance per specifier and thread, so env copies on a worker share what the module caches. */
export function importModule(specifier: string): Promise<unknown> {
  let pending = imported.get(specifier);
  if (!pending) {
    // Into this thread's own module graph where possible, so the setup module sees what the plugins registered.
    pending = importSourceModule(specifier);
    pending.catch(() => imported.delete(specifier));
    imported.set(specifier, pending);
  }
  return pending;
}

/** Loads the main thread's plugins (once per thread: the loader skips files loaded already). */
async function loadPlugins(plugins: VectorPlugins): Promise<void> {
  const loader = (await importModule(plugins.loader)) as { loadThreadPlugins?: (files: readonly string[]) => Promise<void> };
  if (typeof loader.loadThreadPlugins !== 'function') throw new Error(`vector worker: ${plugins.loader} does not export loadThreadPlugins(files)`);
  await loader.loadThreadPlugins(plugins.files);
}

const envs = new Map<number, Env<unknown, unknown>>();
const codecs = new Map<number, ObservationCodec<unknown>>();
const resetOptions = new Map<number, Record<string, unknown> | undefined>();

function envAt(index: number): Env<unknown, unknown> {
  const env = envs.get(index);
  if (!env) throw new Error(`vector worker: env ${index} is not initialized here`);
  return env;
}

function encode(index: number, observation: unknown): unknown {
  const codec = codecs.get(index);
  return codec === undefined ? observation : codec.encode(observation);
}

async function resetOne(item: ResetItem): Promise<WireReset> {
  const env = envAt(item.index);
  resetOptions.set(item.index, item.options);
  const r: ResetResult<unknown> = await env.reset({ ...(item.seed !== undefined ? { seed: item.seed } : {}), ...(item.options ? { options: item.options } : {}) });
  return { observation: encode(item.index, r.observation), info: r.info };
}

async function stepOne(item: StepItem): Promise<WireStep> {
  const env = envAt(item.index);
  const r: StepResult<unknown> = await env.step(item.action);
  if (!r.terminated && !r.truncated) return { ...r, observation: encode(item.index, r.observation) };
  const finalObservation = encode(item.index, r.observation);
  const options = resetOptions.get(item.index);
  const next = await env.reset(options ? { options } : {});
  // `finalObservation: null` holds the key's place; the main side puts the decoded observation there.
  return { ...r, observation: encode(item.index, next.observation), info: { ...next.info, finalObservation: null, finalInfo: r.info }, finalObservation };
}

/** Runs every item in order; an item that throws does not stop the others. */
async function batch<I, T>(items: readonly I[], run: (item: I) => Promise<T>): Promise<Array<Outcome<T>>> {
  const out: Array<Outcome<T>> = [];
  for (const item of items) {
    try {
      out.push({ ok: true, value: await run(item) });
    } catch (error) {
      out.push({ ok: false, error });
    }
  }
  return out;
}

/** The last task taken; the next one starts when it has settled. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Piscina posts several tasks ahead (see TASKS_AHEAD in async-vector.ts); they run one at a time, in the order they
 * came, as with one task at a time: batches of different copies never interleave at an await, so the copies'
 * shared caches and codecs see the same order of events whatever the batching.
 */
export default function handle(task: VectorTask): Promise<unknown> {
  const run = queue.then(() => handleNow(task));
  queue = run.catch(() => undefined);
  return run;
}

async function handleNow(task: VectorTask): Promise<unknown> {
  switch (task.op) {
    case 'init': {
      // First: the env's dataset, simulator or reward components may be a plugin's.
      if (task.plugins !== undefined) await loadPlugins(task.plugins);
      const mod = (await importModule(task.setupModule)) as Partial<SetupModule>;
      if (typeof mod.createEnv !== 'function') throw new Error(`vector worker: ${task.setupModule} does not export createEnv(args, index)`);
      envs.set(task.index, await mod.createEnv(task.args, task.index));
      codecs.delete(task.index);
      if (task.codec) {
        if (typeof mod.createObservationCodec !== 'function') throw new Error(`vector worker: ${task.setupModule} does not export createObservationCodec(args, index) here`);
        codecs.set(task.index, mod.createObservationCodec(task.args, task.index));
      }
      return true;
    }
    case 'reset':
      return batch(task.items, resetOne);
    case 'step':
      return batch(task.items, stepOne);
    case 'render':
      return envAt(task.index).render('ansi');
    case 'close': {
      await envs.get(task.index)?.close();
      envs.delete(task.index);
      codecs.delete(task.index);
      return true;
    }
  }
}
