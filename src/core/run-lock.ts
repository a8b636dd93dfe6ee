// A folder lock, so two processes never train or evaluate into one run folder. The lock is a file
// `<dir>/.crs-gym.lock` holding the holder's pid, host and process start time, created atomically (written to a temp
// name, then hard-linked into place, which fails if it exists). A lock whose process is gone (no such pid on this
// host, or a pid reused by a process started later) is stale and taken over. Locks are released when released, on
// exit, and on SIGTERM / SIGHUP (and SIGINT when nothing else handles it); a `kill -9` leaves a stale lock, which the
// next run takes over.
import { linkSync, mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { OneLineError } from './errors.js';
import { removeStaleTemps } from './atomic-write.js';
import { pidAlive, processStartTicks } from './processes.js';

export const LOCK_FILE = '.crs-gym.lock';

/** Who holds a lock. */
export interface LockHolder {
  pid: number;
  host: string;
  /** The holder's start time in clock ticks since boot (Linux /proc), to tell a reused pid. */
  startTicks?: number;
  since: string;
  command: string;
}

/** The folder is locked by a live process. */
export class RunLockedError extends OneLineError {
  override name = 'RunLockedError';
  constructor(
    message: string,
    readonly dir: string,
    readonly holder: LockHolder | undefined,
  ) {
    super(message);
  }
}

export interface RunLock {
  readonly dir: string;
  readonly file: string;
  /** Removes the lock (only if it is still ours), and the folders the lock created if they stayed empty; safe to call twice. */
  release(): void;
}

const held = new Map<string, { nonce: string; release: () => void }>();

/** Whether the process that wrote `holder` still runs (on this host; another host's holder is assumed alive). */
function holderAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  if (!pidAlive(holder.pid)) return false;
  // The pid exists; a different start time means the pid was reused after the holder ended.
  const ticks = processStartTicks(holder.pid);
  return holder.startTicks === undefined || ticks === undefined || ticks === holder.startTicks;
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder> & { nonce?: unknown };
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return undefined;
    return { pid: parsed.pid, host: parsed.host, since: String(parsed.since ?? '?'), command: String(parsed.command ?? '?'), ...(typeof parsed.startTicks === 'number' ? { startTicks: parsed.startTicks } : {}) };
  } catch {
    return undefined;
  }
}

function lockedMessage(dir: string, holder: LockHolder, file: string): string {
  const where = holder.host === hostname() ? `pid ${holder.pid}` : `pid ${holder.pid} on host ${holder.host}`;
  const remote = holder.host === hostname() ? '' : ` (if that process is gone, delete ${file})`;
  return `${dir} is in use by another crs-gym process (${where}, since ${holder.since}: crs-gym ${holder.command}); wait for it to end or stop it${remote}`;
}

/**
 * One attempt at a lock file: creates it holding this process (atomically: temp file, then a hard link that fails if
 * the lock exists), taking over a stale one. Returns our nonce, or the live holder.
 */
function takeLock(file: string): { nonce: string } | { holder: LockHolder } {
  const nonce = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const startTicks = processStartTicks(process.pid);
  const mine = { pid: process.pid, host: hostname(), ...(startTicks !== undefined ? { startTicks } : {}), since: new Date().toISOString(), command: process.argv.slice(2).join(' '), nonce };
  const temp = `${file}.${nonce}.tmp`;
  writeFileSync(temp, `${JSON.stringify(mine)}\n`);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(temp, file);
        return { nonce };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw err;
      }
      const holder = readHolder(file);
      if (holder !== undefined && holderAlive(holder)) return { holder };
      // Stale (its process is gone) or unreadable: move it aside (one racer wins the rename) and try again.
      const aside = `${file}.stale-${nonce}`;
      try {
        renameSync(file, aside);
        rmSync(aside, { force: true });
      } catch {
        // Another process moved it first.
      }
    }
  } finally {
    rmSync(temp, { force: true });
  }
}

/** Removes the lock file if it still holds `nonce` (a lock taken over since is someone else's). */
function dropLock(file: string, nonce: string): void {
  try {
    if ((JSON.parse(readFileSync(file, 'utf8')) as { nonce?: unknown }).nonce === nonce) rmSync(file, { force: true });
  } catch {
    // Gone already.
  }
}

/**
 * Locks `dir` (created if missing) for this process. Throws RunLockedError naming the folder and the holder's pid when
 * a live process holds it; takes over a stale lock.
 */
export function lockRunFolder(dir: string): RunLock {
  const absolute = resolve(dir);
  const file = join(absolute, LOCK_FILE);
  if (held.has(file)) throw new RunLockedError(`${absolute} is already locked by this process (pid ${process.pid})`, absolute, undefined);
  const created = mkdirSync(absolute, { recursive: true });
  const taken = takeLock(file);
  if ('holder' in taken) {
    if (created !== undefined) removeEmptyFolders(absolute, created);
    throw new RunLockedError(lockedMessage(absolute, taken.holder, file), absolute, taken.holder);
  }
  const { nonce } = taken;
  const release = (): void => {
    if (held.get(file)?.nonce !== nonce) return;
    held.delete(file);
    dropLock(file, nonce);
    if (created !== undefined) removeEmptyFolders(absolute, created);
    if (held.size === 0) removeExitHooks();
  };
  held.set(file, { nonce, release });
  installExitHooks();
  // Temp files of atomic writes that a killed run left here (they would fill the disk run after run).
  removeStaleTemps(absolute);
  return { dir: absolute, file, release };
}

/**
 * Runs `fn` holding the lock file `file` (a short critical section, such as an append to a shared file), waiting for
 * a live holder to let go, up to `waitMs`; a stale lock is taken over. Other threads of this process count as live
 * holders (same pid), so threads wait for each other too.
 */
export async function withFileLock<T>(file: string, fn: () => Promise<T>, opts: { waitMs?: number } = {}): Promise<T> {
  const waitMs = opts.waitMs ?? 60_000;
  const t0 = Date.now();
  let pause = 2;
  for (;;) {
    const taken = takeLock(file);
    if ('nonce' in taken) {
      try {
        return await fn();
      } finally {
        dropLock(file, taken.nonce);
      }
    }
    if (Date.now() - t0 > waitMs) {
      throw new OneLineError(`${file}: held by pid ${taken.holder.pid} (${taken.holder.host}) for more than ${Math.round(waitMs / 1000)} s; if that process is gone or hung, delete the lock file`);
    }
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(100, pause * 2);
  }
}

/** Removes `dir` and its parents up to `top` (the first folder the lock created) while they are empty. */
function removeEmptyFolders(dir: string, top: string): void {
  for (let d = dir; d.startsWith(top); d = dirname(d)) {
    try {
      rmdirSync(d);
    } catch {
      return; // not empty: something was written there
    }
    if (d === top) return;
  }
}

/** Runs `fn` with `dir` locked, releasing the lock however it ends. */
export async function withRunLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = lockRunFolder(dir);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

function releaseAll(): void {
  for (const { release } of [...held.values()]) release();
}

const SIGNALS = ['SIGTERM', 'SIGHUP', 'SIGINT'] as const;
let hooked = false;

function onSignal(signal: NodeJS.Signals): void {
  // SIGINT may belong to a command (train: the first Ctrl-C stops after the iteration); leave it to that handler.
  if (signal === 'SIGINT' && process.listenerCount('SIGINT') > 1) return;
  releaseAll();
  removeExitHooks();
  // Die of the signal as if nothing had caught it (exit status 128 + n for the parent shell).
  process.kill(process.pid, signal);
}

function installExitHooks(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', releaseAll);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function removeExitHooks(): void {
  if (!hooked) return;
  hooked = false;
  process.off('exit', releaseAll);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}
