// Plugins: an ES module whose default export receives the registries and registers things
// (`export default (r) => { r.rewards.register('brevity', brevity) }`), loaded by `--plugin FILE` on any command or
// `loadPlugin(file)` in code. An agent module (`--agent ./my-agent.js`) is a shorthand: its default export is an
// Agent, an Agent class or a factory `(ctx) => Agent`, registered as an agent named after the file.
// A .ts plugin loads when the process runs TypeScript through tsx (a checkout's `crs-gym`, `npx tsx`); a built
// package under plain node takes .js/.mjs.
import { existsSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importSourceModule } from '../core/import-module.js';
import { OneLineError, errorMessage } from '../core/errors.js';
import { loadPluginOnce, setPluginLoaderModule } from '../core/loaded-plugins.js';
import { agentModules, agents, isAgent, type AgentBuildContext, type AgentEntry } from '../../agents/registry.js';
import type { Agent } from '../../agents/types.js';
import { registriesFrom, type Registries } from './registries.js';

// Core's vector-env workers load plugins through this module, by URL (core may not import it).
setPluginLoaderModule(import.meta.url);

export class PluginError extends OneLineError {
  override name = 'PluginError';
}

/** What a plugin module's default export is. */
export type Plugin = (registries: Registries, context: { file: string }) => void | Promise<void>;

/** The environment variable listing the loaded plugin files (JSON), so worker threads can load them too. */
export const PLUGINS_ENV_VAR = 'CRS_GYM_PLUGINS';

const loaded = new Map<string, Promise<void>>();

/** The plugin files loaded in this process, in order (absolute paths). */
export function loadedPlugins(): string[] {
  return [...loaded.keys()];
}

function recordLoaded(): void {
  process.env[PLUGINS_ENV_VAR] = JSON.stringify(loadedPlugins());
}

async function importModule(file: string, what: string): Promise<Record<string, unknown>> {
  const path = resolve(file);
  if (!existsSync(path)) throw new PluginError(`${what} ${file}: no such file (${path})`);
  try {
    // Into this thread's module graph, also in a worker thread (see src/core/import-module.ts).
    return await importSourceModule(path);
  } catch (err) {
    const ts = /\.[cm]?ts$/.test(path) ? ' (a .ts file loads only when crs-gym runs its TypeScript sources through tsx; compile it to .js otherwise)' : '';
    // A .ts/.js file in a folder whose package.json does not say "type": "module" is CommonJS, and CommonJS cannot
    // require our ES modules while they are loading.
    const commonJs = /\.(ts|js)$/.test(path) && /require\(\) ES Module|ERR_REQUIRE/.test(errorMessage(err))
      ? `; ${file} was loaded as CommonJS: name it .mts/.mjs, or put {"type": "module"} in its folder's package.json`
      : '';
    throw new PluginError(`${what} ${file}: cannot import it: ${errorMessage(err)}${ts}${commonJs}`, { cause: err });
  }
}

/** Imports a plugin file once and runs its default export with the registries. */
export function loadPlugin(file: string): Promise<void> {
  const path = resolve(file);
  let pending = loaded.get(path);
  if (!pending) {
    // Once per thread across loaders (a rollout setup may name the same file).
    pending = loadPluginOnce(path, async () => {
      const module = await importModule(file, 'plugin');
      const plugin = module.default;
      if (typeof plugin !== 'function') {
        throw new PluginError(`plugin ${file}: its default export must be a function (registries) => void that registers things, got ${typeof plugin}`);
      }
      try {
        await (plugin as Plugin)(registriesFrom(path), { file: path });
      } catch (err) {
        throw new PluginError(`plugin ${file}: ${errorMessage(err)}`, { cause: err });
      }
    });
    loaded.set(path, pending);
    recordLoaded();
    pending.catch(() => {
      loaded.delete(path);
      recordLoaded();
    });
  }
  return pending;
}

/** Loads the plugins a parent process recorded in $CRS_GYM_PLUGINS (worker threads call this first). */
export async function loadPluginsFromEnv(env: Record<string, string | undefined> = process.env): Promise<void> {
  const raw = env[PLUGINS_ENV_VAR];
  if (raw === undefined || raw === '') return;
  let files: unknown;
  try {
    files = JSON.parse(raw);
  } catch {
    throw new PluginError(`$${PLUGINS_ENV_VAR} is not a JSON list of files: ${raw}`);
  }
  if (!Array.isArray(files)) throw new PluginError(`$${PLUGINS_ENV_VAR} is not a JSON list of files: ${raw}`);
  for (const file of files) await loadPlugin(String(file));
}

/** A plugin's path: file URLs (as a PolicySpec may give them) become paths. */
function pathOf(file: string): string {
  return file.startsWith('file:') ? fileURLToPath(file) : file;
}

/**
 * Loads plugin files in order, once per thread, then the agent module `agentSpec` names (when it is a file). Every
 * thread that builds things by name calls it first with the files the main thread loaded (carried in its setup:
 * SetupSpec.plugins, EvalSetup.plugins), since a worker thread starts with the built-in registries only.
 */
export async function loadThreadPlugins(files: readonly string[], agentSpec?: string): Promise<void> {
  for (const file of files) await loadPlugin(pathOf(file));
  if (agentSpec !== undefined && isModuleSpec(agentSpec)) await loadAgentModule(agentSpec);
}

/** Whether an `--agent` value names a module file rather than a registered agent. */
export function isModuleSpec(spec: string): boolean {
  return /\.(m?js|cjs|[cm]?ts)$/.test(spec) && (spec.startsWith('.') || spec.startsWith('/') || spec.includes('/') || existsSync(spec));
}

/** The agent name a module file registers as: its file name without the extension, made a valid name. */
function agentNameOf(path: string): string {
  const stem = basename(path, extname(path)).replace(/[^A-Za-z0-9_.-]/g, '-');
  return /^[A-Za-z]/.test(stem) ? stem : `agent-${stem}`;
}

function entryFromModule(file: string, module: Record<string, unknown>): AgentEntry {
  const made = module.default;
  const retriever = typeof module.retriever === 'string' ? module.retriever : 'dual-view';
  const needsComponents = module.needsComponents === true;
  let create: AgentEntry['create'];
  if (isAgent(made)) create = () => made;
  else if (typeof made === 'function' && typeof (made as { prototype?: { act?: unknown } }).prototype?.act === 'function') {
    create = () => new (made as new () => Agent)();
  } else if (typeof made === 'function') {
    create = async (ctx: AgentBuildContext) => {
      const agent = await (made as (ctx: AgentBuildContext) => Agent | Promise<Agent>)(ctx);
      if (!isAgent(agent)) throw new PluginError(`agent module ${file}: its factory returned no Agent (an object with act(observation, rng))`);
      return agent;
    };
  } else {
    throw new PluginError(`agent module ${file}: its default export must be an Agent (an object with act), an Agent class or a factory (ctx) => Agent`);
  }
  return { retriever, needsComponents, create };
}

/**
 * Loads an agent module and registers its agent under the file's name; `--agent FILE` then resolves to it.
 * Returns the registered name.
 */
export async function loadAgentModule(file: string): Promise<string> {
  const path = resolve(file);
  const known = agentModules.get(file) ?? agentModules.get(path);
  if (known !== undefined) return known;
  const module = await importModule(file, 'agent module');
  const name = agentNameOf(path);
  const entry = entryFromModule(file, module);
  const description = typeof module.description === 'string' ? module.description : `agent from ${file}`;
  if (agents.has(name) && agents.entry(name).source !== path) {
    throw new PluginError(`agent module ${file}: an agent named '${name}' is already registered (${agents.entry(name).source}); rename the file`);
  }
  agents.register(name, entry, { description, source: path, override: true });
  agentModules.set(file, name);
  agentModules.set(path, name);
  return name;
}
