// How learners and their rollout workers build the env and the policy: from a serializable spec
// `{ module, args, policy? }`, where `module` exports `createEnv(args, index, overrides?)`, `createPolicy(args)` and
// `sampleIds(args, split)` (the AsyncVectorEnv pattern). Every worker thread imports the module itself,
// so nothing that cannot be cloned ever crosses a thread. `policy` names a registered trainable policy
// (agents/policies.ts); without it the module's createPolicy builds it. `plugins` are the plugin files every thread
// loads (src/plugins/load.ts, the CLI's loader) before it builds anything: a worker thread starts without them.
import { fileURLToPath } from 'node:url';
import { importSourceModule, moduleUrl } from '../core/import-module.js';
import type { Split } from '../data/types.js';
import { deepEqual } from '../core/deep-equal.js';
import { loadThreadPlugins } from '../plugins/load.js';
import { crsEnvOf, type MadeCrsEnv } from '../../envs/crs-env.js';
import type { TrainablePolicy } from '../../agents/trainable.js';
import { isTrainablePolicy } from '../../agents/trainable.js';
import { policies } from '../../agents/policies.js';

/** Which trainable policy to build, and the plugin modules that register it (loaded in every thread). */
export interface PolicySpec {
  /** A name in the policies registry ('neural': the setup module's own). */
  name: string;
  /** Plugin modules (paths or file URLs) loaded before the policy is built (as SetupSpec.plugins; kept for old specs). */
  plugins?: string[];
  /** Passed to the policy's factory. */
  options?: Record<string, unknown>;
}

/** A serializable description of the env and policy every rollout worker builds. */
export interface SetupSpec {
  /** Module path or file URL exporting the functions of `SetupModule`. */
  module: string;
  /** Passed to every function; must be structured-cloneable (plain JSON-like data). */
  args: unknown;
  /** The policy to train (default: the module's createPolicy). */
  policy?: PolicySpec;
  /**
   * Plugin files (paths or file URLs) every thread loads before it builds the env and the policy, in order: what a
   * plugin registers (a reward component, simulator, dataset, policy) then exists on the workers too. Default (the
   * runner): the files loaded in the thread that starts the workers.
   */
  plugins?: string[];
}

/** What a learner's config sets on the env (the env owns the reward weighting; learners only read it). */
export interface EnvOverrides {
  /** The env's reward weights for this run (the learner config's reward_weights). */
  rewardWeights?: Record<string, number | null>;
}

export interface SetupModule {
  /**
   * One env copy; `index` tells copies apart (0 in the main thread, 1.. in workers). `overrides` must be applied
   * to the env's config (the runner checks that they were).
   */
  createEnv(args: unknown, index: number, overrides?: EnvOverrides): Promise<MadeCrsEnv> | MadeCrsEnv;
  /** A policy with its feature extractor (fresh weights; learners set them). */
  createPolicy(args: unknown): Promise<TrainablePolicy> | TrainablePolicy;
  /** Sample ids of a split, in a stable order. */
  sampleIds(args: unknown, split: Split): Promise<string[]> | string[];
}

/**
 * Imports a module (paths or file URLs; TypeScript ones too), into this thread's module graph where possible: see
 * src/core/import-module.ts.
 */
export const importModule = importSourceModule;
export { moduleUrl };

/** Imports a setup module and checks its exports. */
export async function importSetup(specifier: string): Promise<SetupModule> {
  const mod = (await importModule(specifier)) as Partial<SetupModule>;
  const missing = (['createEnv', 'createPolicy', 'sampleIds'] as const).filter((f) => typeof mod[f] !== 'function');
  if (missing.length > 0) {
    throw new Error(`setup module ${fileURLToPath(moduleUrl(specifier))} does not export ${missing.join(', ')} (see src/learners/setup.ts)`);
  }
  return mod as SetupModule;
}

/**
 * Loads plugin modules (paths or file URLs) once per thread, in order, with the CLI's loader: each default export
 * receives all the registries, as with `--plugin`.
 */
export function loadPolicyPlugins(files: readonly string[]): Promise<void> {
  return loadThreadPlugins(files.map((file) => fileURLToPath(moduleUrl(file))));
}

/** The policy a setup spec names (the module's createPolicy when it names none). */
export async function buildPolicy(setup: SetupSpec, mod?: SetupModule): Promise<TrainablePolicy> {
  const module = mod ?? (await importSetup(setup.module));
  const setupPolicy = async () => module.createPolicy(setup.args);
  if (!setup.policy) return setupPolicy();
  await loadPolicyPlugins([...(setup.plugins ?? []), ...(setup.policy.plugins ?? [])]);
  const policy = await policies.get(setup.policy.name)({ options: setup.policy.options ?? {}, setupPolicy });
  if (!isTrainablePolicy(policy)) throw new Error(`trainable policy '${setup.policy.name}': its factory returned something that is not a TrainablePolicy (see agents/trainable.ts)`);
  return policy;
}

/** The env and policy of one rollout thread; overrides the setup module ignored are an error, not a silent default. */
export async function buildRolloutParts(setup: SetupSpec, index: number, overrides: EnvOverrides = {}): Promise<{ env: MadeCrsEnv; policy: TrainablePolicy }> {
  // First: the env's reward components, simulator or dataset may be a plugin's.
  await loadPolicyPlugins(setup.plugins ?? []);
  const mod = await importSetup(setup.module);
  const env = await mod.createEnv(setup.args, index, overrides);
  const weights = crsEnvOf(env, `setup module ${setup.module}: createEnv's env`).config.rewardWeights as Readonly<Record<string, number | null>>;
  if (overrides.rewardWeights !== undefined && !Object.entries(overrides.rewardWeights).every(([name, w]) => deepEqual(weights[name], w))) {
    throw new Error(`setup module ${setup.module}: createEnv ignored the reward_weights it was given (see EnvOverrides in src/learners/setup.ts)`);
  }
  const policy = await buildPolicy(setup, mod);
  return { env, policy };
}
