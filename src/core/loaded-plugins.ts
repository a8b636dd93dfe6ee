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

/** The plugin files loaded (or loading) in this thread, in order. */
export function loadedPluginPaths(): string[] {
  return [...table().keys()];
}
