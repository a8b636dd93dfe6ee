// How learners and their rollout workers build the env and the policy: from a serializable spec
// `{ module, args }`, where `module` exports `createEnv(args, index)`, `createPolicy(args)` and
// `sampleIds(args, split)` (the AsyncVectorEnv pattern). Every worker thread imports the module itself,
// so nothing that cannot be cloned ever crosses a thread.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isAbsolute, resolve } from 'node:path';
import type { Split } from '../data/types.js';
import type { CrsEnv } from '../../envs/crs-env.js';
import type { NeuralRecommender } from '../../agents/neural/recommender.js';

/** A serializable description of the env and policy every rollout worker builds. */
export interface SetupSpec {
  /** Module path or file URL exporting the functions of `SetupModule`. */
  module: string;
  /** Passed to every function; must be structured-cloneable (plain JSON-like data). */
  args: unknown;
}

export interface SetupModule {
  /** One env copy; `index` tells copies apart (0 in the main thread, 1.. in workers). */
  createEnv(args: unknown, index: number): Promise<CrsEnv> | CrsEnv;
  /** A policy with its feature extractor (fresh weights; learners set them). */
  createPolicy(args: unknown): Promise<NeuralRecommender> | NeuralRecommender;
  /** Sample ids of a split, in a stable order. */
  sampleIds(args: unknown, split: Split): Promise<string[]> | string[];
}

/** A file URL for a module path (absolute or relative to the working directory). */
export function moduleUrl(specifier: string): string {
  if (specifier.startsWith('file:')) return specifier;
  return pathToFileURL(isAbsolute(specifier) ? specifier : resolve(specifier)).href;
}

/**
 * Imports a setup module. A plain import works under tsx and vitest and for compiled JS; a TypeScript
 * module in a plain Node process goes through tsx's importer.
 */
export async function importSetup(specifier: string): Promise<SetupModule> {
  const url = moduleUrl(specifier);
  let mod: Partial<SetupModule>;
  try {
    mod = (await import(url)) as Partial<SetupModule>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !/\.[cm]?ts$/.test(url)) throw err;
    const { tsImport } = (await import('tsx/esm/api')) as { tsImport: (s: string, parent: string) => Promise<unknown> };
    mod = (await tsImport(url, import.meta.url)) as Partial<SetupModule>;
  }
  const missing = (['createEnv', 'createPolicy', 'sampleIds'] as const).filter((f) => typeof mod[f] !== 'function');
  if (missing.length > 0) {
    throw new Error(`setup module ${fileURLToPath(url)} does not export ${missing.join(', ')} (see src/learners/setup.ts)`);
  }
  return mod as SetupModule;
}
