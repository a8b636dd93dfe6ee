// The `crs-gym` bin as an operator meets it, in real processes: a kill -9 or SIGTERM of the pid that was started
// leaves nothing working behind, and a run folder is locked (a second run into it fails with one line naming the
// folder and the holder's pid; the lock goes when the run ends; stale locks: test/core/run-lock.test.ts).
// The long-running command is an evaluation whose LLM user simulator waits on a local server that never answers.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../llm/server.js';

/** The lock file of src/core/run-lock.ts (spelled out, so this file runs against any version of the CLI). */
const LOCK_FILE = '.crs-gym.lock';
const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'crs-gym.mjs');
const dir = mkdtempSync(join(tmpdir(), 'crs-launcher-'));
let server: TestServer | undefined;
const started: number[] = [];

afterAll(async () => {
  // Anything a test left running (on the unfixed launcher: orphans) is ended here, by pid.
  for (const pid of [...started, ...processesMentioning(dir)]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Pids of the processes whose command line mentions `marker` (Linux /proc). */
function processesMentioning(marker: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(marker)) pids.push(Number(name));
    } catch {
      // ended meanwhile
    }
  }
  return pids;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function hangingServer(): Promise<TestServer> {
  server ??= await startServer(() => {
    // never answers
  });
  return server;
}

/** Starts `crs-gym eval` into `out`; resolves once the simulator's first call reached the server (the run works). */
async function startEval(out: string): Promise<ChildProcess> {
  const s = await hangingServer();
  const before = s.requests.length;
  const child = spawn(process.execPath, [bin, 'eval', '--dataset', 'inspired', '--agent', 'bm25', '--simulator', 'llm', '--limit', '2', '--out', out], {
    cwd: root,
    env: { ...process.env, CRS_GYM_LLM_BASE_URL: s.baseURL, CRS_GYM_LLM_MODEL: 'm' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  started.push(child.pid as number);
  for (let waited = 0; s.requests.length === before; waited += 100) {
    if (waited > 90_000 || child.exitCode !== null) throw new Error(`crs-gym eval did not start working (exit ${child.exitCode})`);
    await delay(100);
  }
  return child;
}

async function gone(marker: string): Promise<number[]> {
  for (let i = 0; i < 30; i++) {
    const left = processesMentioning(marker);
    if (left.length === 0) return [];
    await delay(100);
  }
  return processesMentioning(marker);
}

describe('crs-gym launcher and run-folder locks', () => {
  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    it(`${signal} to the crs-gym pid ends the run itself: no process keeps working`, async () => {
      const out = join(dir, `killed-${signal}`);
      const child = await startEval(out);
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
      process.kill(child.pid as number, signal);
      expect(await exited).toBe(signal);
      expect(await gone(out)).toEqual([]);
      // SIGTERM releases the lock on the way out; after a kill -9 the stale lock is left for the next run to take over.
      if (signal === 'SIGTERM') expect(existsSync(join(out, LOCK_FILE))).toBe(false);
    }, 120_000);
  }

  it('a second run into a locked folder fails with one line naming the folder and the pid; the lock goes with the run', async () => {
    const out = join(dir, 'busy');
    const first = await startEval(out);
    const second = spawnSync(process.execPath, [bin, 'eval', '--dataset', 'inspired', '--agent', 'bm25', '--out', out], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(second.status).toBe(1);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(second.stderr).toContain(`${out} is in use by another crs-gym process (pid ${first.pid}`);
    const exited = new Promise<void>((resolve) => first.once('exit', () => resolve()));
    first.kill('SIGTERM');
    await exited;
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  }, 120_000);
});
