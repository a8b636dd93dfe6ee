// Finding the data folder: `--data`, then $CRS_GYM_DATA, then ./data, then ../shared/data (from the working
// directory, then from the package root, so any working directory inside the checkout works).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataNotFoundError, type TriedRoot } from './errors.js';
import { datasets } from './registry.js';

/** A registered dataset's name (src/data/registry.ts); plugins add more at run time. */
export type DatasetName = string;

/** The registered datasets, built-ins first. */
export function datasetNames(): string[] {
  return datasets.names();
}

export function isDatasetName(value: unknown): value is DatasetName {
  return typeof value === 'string' && datasets.has(value);
}

export const DATA_ENV_VAR = 'CRS_GYM_DATA';

export interface ResolveOptions {
  /** Require this dataset's folder; without it any registered dataset's folder makes a root valid. */
  dataset?: DatasetName;
  /** Defaults to process.cwd(). */
  cwd?: string;
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Defaults to the folder holding crs-gym's package.json. */
  packageRoot?: string | null;
}

interface Candidate {
  source: string;
  path: string;
  /** An explicitly named root (flag or env var) is used or rejected, never silently skipped. */
  explicit: boolean;
}

/** The folder holding crs-gym's package.json, found by walking up from this module (works from src/ and dist/). */
export function findPackageRoot(start: string = dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = start;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const parsed: unknown = JSON.parse(readFileSync(pkg, 'utf8'));
        if (typeof parsed === 'object' && parsed !== null && (parsed as { name?: unknown }).name === 'crs-gym') return dir;
      } catch {
        // An unreadable package.json is not ours; keep walking up.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function candidates(explicit: string | undefined, options: ResolveOptions): Candidate[] {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const out: Candidate[] = [];
  if (explicit !== undefined && explicit !== '') {
    out.push({ source: '--data', path: resolve(cwd, explicit), explicit: true });
    return out;
  }
  const fromEnv = env[DATA_ENV_VAR];
  if (fromEnv !== undefined && fromEnv !== '') {
    out.push({ source: DATA_ENV_VAR, path: resolve(cwd, fromEnv), explicit: true });
    return out;
  }
  out.push({ source: './data', path: resolve(cwd, 'data'), explicit: false });
  out.push({ source: '../shared/data (from cwd)', path: resolve(cwd, '..', 'shared', 'data'), explicit: false });
  const pkgRoot = options.packageRoot === undefined ? findPackageRoot() : options.packageRoot;
  if (pkgRoot !== null) {
    const path = resolve(pkgRoot, '..', 'shared', 'data');
    if (!out.some((c) => c.path === path)) out.push({ source: '../shared/data (from package root)', path, explicit: false });
  }
  return out;
}

/** Why `path` is not a data root for `dataset` (or for any registered dataset), or '' when it is one. */
export function rejectReason(path: string, dataset?: DatasetName): string {
  if (!existsSync(path)) return 'does not exist';
  if (!statSync(path).isDirectory()) return 'is not a directory';
  // An unknown dataset fails here, listing the registered ones.
  const wanted = (dataset === undefined ? datasets.names() : [dataset]).map((name) => datasets.get(name).folder);
  for (const folder of wanted) {
    const sub = join(path, folder);
    if (existsSync(sub) && statSync(sub).isDirectory()) return '';
  }
  const folders = wanted.map((n) => `${n}/`).join(' or ');
  const isDatasetFolder = datasets.list().some((e) => e.value.folder === basename(path));
  const hint = isDatasetFolder ? ` (it looks like a dataset folder itself; pass its parent, ${dirname(path)})` : '';
  return `has no ${folders} folder${hint}`;
}

/**
 * The data root to read from. `--data` or $CRS_GYM_DATA, when given, is the only candidate (a typo must not
 * silently fall back to another copy of the data); otherwise ./data, ../shared/data from the working
 * directory, and ../shared/data from the package root are tried in that order.
 * @throws DataNotFoundError listing every path tried and why each was rejected.
 */
export function resolveDataRoot(explicit?: string, options: ResolveOptions = {}): string {
  const tried: TriedRoot[] = [];
  for (const candidate of candidates(explicit, options)) {
    const reason = rejectReason(candidate.path, options.dataset);
    if (reason === '') return candidate.path;
    tried.push({ source: candidate.source, path: candidate.path, reason });
  }
  const what = options.dataset === undefined ? 'a crs-gym data folder' : `the ${options.dataset} data`;
  const lines = tried.map((t) => `  ${t.source}: ${t.path} ${t.reason}`);
  throw new DataNotFoundError(
    `could not find ${what}; tried:\n${lines.join('\n')}\n` +
      `Pass --data DIR or set ${DATA_ENV_VAR} to a folder that holds ${datasets.list().map((e) => `${e.value.folder}/`).join(', ')} (any of them; see docs/data.md).`,
    tried,
  );
}
