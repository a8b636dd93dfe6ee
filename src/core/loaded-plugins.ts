// The plugin files loaded in this thread, shared by every loader (the CLI's --plugin, a rollout worker's setup), so
// a plugin's default export runs once per thread however many layers ask for it (its registrations would clash).
const KEY = Symbol.for('crs-gym.loaded-plugins');

function table(): Map<string, Promise<void>> {
  const holder = globalThis as unknown as Record<symbol, Map<string, Promise<void>> | undefined>;
  return (holder[KEY] ??= new Map());
}

/** Runs `load` for the plugin at absolute `path` unless this thread loaded it already; a failed load can be retried. */
export function loadPluginOnce(path: string, load: () => Promise<void>): Promise<void> {
  const loaded = table();
  let pending = loaded.get(path);
  if (!pending) {
    pending = load();
    loaded.set(path, pending);
    pending.catch(() => loaded.delete(path));
  }
  return pending;
}

const LOADER_KEY = Symbol.for('crs-gym.plugin-loader-module');

/**
 * Names the module that loads plugin files (src/plugins/load.ts calls this when imported; it exports
 * `loadThreadPlugins(files)`). A worker of core's own (AsyncVectorEnv's vector-worker.ts) imports it by URL to load
 * the main thread's plugins: core never imports the plugin layer, which sits above it.
 */
export function setPluginLoaderModule(url: string): void {
  (globalThis as unknown as Record<symbol, string | undefined>)[LOADER_KEY] = url;
}

/** The module set by setPluginLoaderModule, if any module of this thread did. */
export function pluginLoaderModule(): string | undefined {
  return (globalThis as unknown as Record<symbol, string | undefined>)[LOADER_KEY];
}

/** The plugin files loaded (or loading) in this thread, in order. */
export function loadedPluginPaths(): string[] {
  return [...table().keys()];
}
