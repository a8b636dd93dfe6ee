// Imports a module by path or file URL, TypeScript ones included, into this thread's module graph where possible.
// A plain import() works for .js/.mjs, under vitest, and in a process run through tsx. A worker thread started with
// `--import tsx` (core/worker-pool.ts) on Node 20 runs our .ts sources as CommonJS through tsx's require hook and
// has no ESM hook, so a plain import() of a .ts file fails there: require() then loads it into the same graph as the
// worker's own modules (a plugin's registrations land in the registries the worker reads). tsx's tsImport, a graph
// of its own, is the last resort.
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** A file URL for a module path (absolute or relative to the working directory). */
export function moduleUrl(specifier: string): string {
  if (specifier.startsWith('file:')) return specifier;
  return pathToFileURL(isAbsolute(specifier) ? specifier : resolve(specifier)).href;
}

export async function importSourceModule(specifier: string): Promise<Record<string, unknown>> {
  const url = moduleUrl(specifier);
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !/\.[cm]?ts$/.test(url)) throw err;
  }
  try {
    return createRequire(import.meta.url)(fileURLToPath(url)) as Record<string, unknown>;
  } catch {
    const { tsImport } = (await import('tsx/esm/api')) as { tsImport: (s: string, parent: string) => Promise<unknown> };
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  }
}
