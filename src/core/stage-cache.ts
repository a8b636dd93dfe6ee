// Stages of a pipeline are cached by a hash of their config and inputs: a stage folder holds
// `stage.json` with that hash, written last (atomically), so a folder with a matching stage.json is complete
// and a killed run leaves either the old finished stage or none.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { removeStaleTemps, writeFileAtomicSync } from './atomic-write.js';
import { join } from 'node:path';
import { errorMessage, OneLineError } from './errors.js';

export const STAGE_FILE = 'stage.json';
/** Written when a build starts: the hash it builds, so a rerun knows whether the folder's work is its own. */
export const PENDING_FILE = 'stage-pending.json';

export interface StageRecord {
  stage: string;
  hash: string;
  finishedAt: string;
  seconds: number;
  summary?: unknown;
}

/** Stable JSON (sorted keys) hashed with sha256: the identity of a stage's config and inputs. */
export function stageHash(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex').slice(0, 16);
}

export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The finished record of a stage in `dir`, whatever its hash; undefined when there is none (or it is unreadable). */
function readStage(dir: string): StageRecord | undefined {
  const file = join(dir, STAGE_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StageRecord;
  } catch {
    return undefined;
  }
}

/** The finished record of a stage in `dir`, when its hash matches; undefined otherwise (or when unreadable). */
export function finishedStage(dir: string, hash: string): StageRecord | undefined {
  const record = readStage(dir);
  return record?.hash === hash ? record : undefined;
}

/** Writes a file atomically: to a temp name in the same folder, then rename (the temp file removed on failure). */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  writeFileAtomicSync(file, content);
}

export function markStageFinished(dir: string, record: Omit<StageRecord, 'finishedAt'>): void {
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, STAGE_FILE), `${JSON.stringify({ ...record, finishedAt: new Date().toISOString() }, null, 2)}\n`);
}

/** Forgets a stage: removes its marker so it reruns (its files are overwritten then). */
export function invalidateStage(dir: string): void {
  rmSync(join(dir, STAGE_FILE), { force: true });
}

/** A folder to be cleared that crs-gym did not create (it holds files but no stage marker) is a user's: refuse. */
function refuseForeignFolder(dir: string, stage: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // not a folder we can list: nothing to protect
  }
  if (names.length === 0 || names.includes(STAGE_FILE) || names.includes(PENDING_FILE)) return;
  throw new OneLineError(
    `${dir} holds files crs-gym did not write (no ${STAGE_FILE} or ${PENDING_FILE}: ${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''}); ` +
      `not deleting them to build the ${stage} there: move them, or choose another --artifacts folder`,
  );
}

/**
 * Runs `build` unless `dir` holds a finished stage with the same hash; then `load` reads it. With `fresh`,
 * always rebuilds.
 */
export async function cachedStage<T>(opts: {
  stage: string;
  dir: string;
  key: unknown;
  fresh?: boolean;
  build: (dir: string) => Promise<{ value: T; summary?: unknown }>;
  load: (dir: string) => Promise<T>;
  log?: (message: string) => void;
  /** Never build: `build` only throws to explain what is missing, and the folder is left as it is (not cleared). */
  loadOnly?: boolean;
}): Promise<{ value: T; cached: boolean; hash: string }> {
  const hash = stageHash({ stage: opts.stage, key: opts.key });
  if (!opts.fresh && finishedStage(opts.dir, hash)) {
    try {
      const value = await opts.load(opts.dir);
      opts.log?.(`${opts.stage}: cached (${opts.dir})`);
      return { value, cached: true, hash };
    } catch (err) {
      opts.log?.(`${opts.stage}: cached copy unreadable (${errorMessage(err)}); rebuilding`);
    }
  }
  if (opts.loadOnly) {
    // A folder built with other settings is the usual surprise here (artifacts of an older config): say so.
    const other = readStage(opts.dir);
    const why =
      other === undefined || other.hash === hash
        ? ''
        : `; ${opts.dir} holds a ${opts.stage} built ${other.finishedAt ?? ''} with other settings (stage hash ${other.hash}, these settings give ${hash}): pass the options it was built with, or run without loadOnly to rebuild it`;
    try {
      await opts.build(opts.dir);
    } catch (err) {
      if (why === '') throw err;
      throw new Error(`${errorMessage(err)}${why}`, { cause: err });
    }
    throw new Error(`${opts.stage}: not built in ${opts.dir} (loadOnly)${why}`);
  }
  // A folder left by a build with another hash holds stale work (checkpoints a learner would resume from):
  // clear it. A folder of an interrupted build with the same hash is kept, so that build can resume.
  const pendingFile = join(opts.dir, PENDING_FILE);
  let pendingHash: string | undefined;
  try {
    pendingHash = (JSON.parse(readFileSync(pendingFile, 'utf8')) as { hash?: string }).hash;
  } catch {
    pendingHash = undefined;
  }
  if (opts.fresh || (existsSync(opts.dir) && pendingHash !== hash)) {
    refuseForeignFolder(opts.dir, opts.stage);
    rmSync(opts.dir, { recursive: true, force: true });
  }
  invalidateStage(opts.dir);
  mkdirSync(opts.dir, { recursive: true });
  removeStaleTemps(opts.dir);
  writeFileAtomic(pendingFile, `${JSON.stringify({ stage: opts.stage, hash })}\n`);
  const t0 = performance.now();
  const { value, summary } = await opts.build(opts.dir);
  const seconds = (performance.now() - t0) / 1000;
  markStageFinished(opts.dir, { stage: opts.stage, hash, seconds, summary });
  opts.log?.(`${opts.stage}: built in ${seconds.toFixed(1)} s (${opts.dir})`);
  return { value, cached: false, hash };
}
