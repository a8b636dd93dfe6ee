// Run-folder locks: a stale lock (its process is gone, or its pid was reused by a later process) is taken over, a
// live one refused with a message naming the folder and the holder's pid, and release removes only our own lock.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCK_FILE, lockRunFolder, RunLockedError } from '../../src/core/run-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'crs-run-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lockRunFolder', () => {
  it('takes over a stale lock (dead pid, or a pid reused by a later process) and refuses a live one', () => {
    const out = join(dir, 'stale');
    mkdirSync(out, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid: deadPid, host: hostname(), since: 'yesterday', command: 'train grpo' }));
    const lock = lockRunFolder(out);
    expect(JSON.parse(readFileSync(join(out, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
    // Our own pid with another start time: a pid reused after the holder ended.
    writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: hostname(), startTicks: 1, since: 'then', command: 'eval' }));
    lockRunFolder(out).release();
    // A live holder (the parent of this process, as it wrote itself).
    const parent = { pid: process.ppid, host: hostname(), since: 'now', command: 'eval' };
    writeFileSync(join(out, LOCK_FILE), JSON.stringify(parent));
    expect(() => lockRunFolder(out)).toThrow(RunLockedError);
    expect(() => lockRunFolder(out)).toThrow(`is in use by another crs-gym process (pid ${process.ppid}`);
  });

  it('creates a missing folder and removes it again when nothing was written', () => {
    const out = join(dir, 'new', 'run');
    const lock = lockRunFolder(out);
    expect(existsSync(lock.file)).toBe(true);
    expect(() => lockRunFolder(out)).toThrow(/already locked by this process/);
    lock.release();
    lock.release();
    expect(existsSync(join(dir, 'new'))).toBe(false);
  });
});
