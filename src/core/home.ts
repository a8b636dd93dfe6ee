// The crs-gym home: one folder that holds everything crs-gym writes on its own (trained artifacts, the text-embedding
// cache), chosen by the user and never inside the installed package (a tarball install puts that in node_modules,
// which may be read-only and is wiped by the next `npm ci`). Every default path for those goes through here.
//
// The home is, first found: `--home DIR` (the CLI sets $CRS_GYM_HOME, so worker threads and child processes see it),
// $CRS_GYM_HOME, `.crs-gym/` in the working directory when that is a project folder (it holds a package.json or
// already a .crs-gym/) outside node_modules, else the user cache folder (`$XDG_CACHE_HOME/crs-gym`,
// `~/.cache/crs-gym`, `~/Library/Caches/crs-gym` on macOS, `%LOCALAPPDATA%\crs-gym` on Windows).
// $CRS_GYM_ARTIFACTS and $CRS_GYM_EMBEDDINGS still move just that part.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';

export const HOME_ENV_VAR = 'CRS_GYM_HOME';
export const HOME_FOLDER = '.crs-gym';

export interface HomeOptions {
  /** Defaults to process.cwd(). */
  cwd?: string;
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Defaults to process.platform. */
  platform?: NodeJS.Platform;
  /** Defaults to os.homedir(). */
  userHome?: string;
}

export interface Home {
  dir: string;
  /** Why this folder: '$CRS_GYM_HOME', 'working directory', 'user cache folder'. */
  source: string;
}

/** The user's per-platform cache folder for crs-gym. */
export function userCacheDir(options: HomeOptions = {}): string {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const home = options.userHome ?? homedir();
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'crs-gym');
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'crs-gym');
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'crs-gym');
}

function isProjectFolder(dir: string): boolean {
  if (dir.split(sep).includes('node_modules')) return false;
  return existsSync(join(dir, HOME_FOLDER)) || existsSync(join(dir, 'package.json'));
}

/** Where crs-gym keeps its artifacts and caches, and why there. */
export function crsGymHome(options: HomeOptions = {}): Home {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const fromEnv = env[HOME_ENV_VAR];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return { dir: resolve(cwd, fromEnv), source: `$${HOME_ENV_VAR}` };
  if (isProjectFolder(cwd)) return { dir: join(cwd, HOME_FOLDER), source: 'working directory' };
  return { dir: userCacheDir(options), source: 'user cache folder' };
}

/** Root of the trained artifacts (one subfolder per dataset): $CRS_GYM_ARTIFACTS, else <home>/artifacts. */
export function artifactsRoot(options: HomeOptions = {}): string {
  const env = options.env ?? process.env;
  const fromEnv = env.CRS_GYM_ARTIFACTS;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return resolve(options.cwd ?? process.cwd(), fromEnv);
  return join(crsGymHome(options).dir, 'artifacts');
}

/** The text-embedding cache, keyed by (encoder id, text): $CRS_GYM_EMBEDDINGS, else <home>/cache/embeddings. */
export function embeddingsDir(options: HomeOptions = {}): string {
  const env = options.env ?? process.env;
  const fromEnv = env.CRS_GYM_EMBEDDINGS;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return resolve(options.cwd ?? process.cwd(), fromEnv);
  return join(crsGymHome(options).dir, 'cache', 'embeddings');
}

/** `--home DIR`: the home of this process and of every worker and child it starts. */
export function setHome(dir: string): void {
  process.env[HOME_ENV_VAR] = resolve(dir);
}
