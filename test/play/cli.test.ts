// `crs-gym play` as a person runs it: a child process with piped stdin, on the real INSPIRED data, with an
// empty artifacts folder so any attempt to train components would show (and take far too long).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { findPackageRoot } from '../../src/data/paths.js';
import { realDataRoot } from '../data/real-data.js';

const root = findPackageRoot() as string;
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
const entry = join(root, 'src/cli/play-entry.ts');
const hasInspired = realDataRoot('inspired') !== null;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function play(args: string[], stdin: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsxCli, entry, 'play', ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Generous: five tsx child processes start at once, and a loaded 2-core machine takes 30-45 s for that.
    const timer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

describe.skipIf(!hasInspired).concurrent('crs-gym play (child process, piped stdin, INSPIRED)', () => {
  let artifacts = '';
  beforeAll(() => {
    artifacts = mkdtempSync(join(tmpdir(), 'crs-play-'));
  });
  afterAll(() => rmSync(artifacts, { recursive: true, force: true }));
  const common = () => ['--dataset', 'inspired', '--agent', 'bm25', '--artifacts', artifacts, '--seed', '4'];

  it('reads feedback line by line, quits on q, and prints the transcript and the target at the end', async () => {
    const run = await play([...common(), '--rounds', '4'], 'something scary and recent\n\nq\n');
    expect(run.stderr).not.toMatch(/training|unexpected error/i);
    expect(run.code).toBe(0);
    const out = run.stdout;
    expect(out).toContain('the conversation so far');
    expect(out).toContain('you> something scary and recent');
    expect(out).toContain('(the recommender read: "something scary and recent")');
    expect(out).toContain('(the recommender read: "Show me something else.")');
    expect(out.match(/^ {2}10\. /gm)?.length).toBe(3);
    const result = out.indexOf('-- result');
    expect(out.indexOf('-- transcript')).toBeGreaterThan(out.lastIndexOf('you>'));
    expect(out.slice(0, result)).toContain('User (feedback): something scary and recent');
    expect(out.slice(result)).toMatch(/You quit after 3 rounds\.\nThe target \(.*\) was .+: (found|not found)/);
    expect(out.slice(0, result).toLowerCase()).not.toContain('target');
    // Nothing was trained into the empty artifacts folder.
    expect(readdirSync(artifacts)).toEqual([]);
  }, 120_000);

  it('survives odd bytes, asks again after a number not in the list, and takes item #2 on "2"', async () => {
    const run = await play(common(), '\u0000\u001b[A\uFFFD 99999\n#\n99\n2\n');
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('\u001b');
    expect(run.stdout).toContain('There is no #99 in the list (1-10).');
    const round3 = run.stdout.slice(run.stdout.indexOf('round 3 of 5'));
    const second = /^ {3}2\. (.+?)(?: {2}\[|$)/m.exec(round3)?.[1];
    expect(second).toBeTruthy();
    expect(run.stdout).toContain(`You took #2 ${second} in round 3.`);
    expect(run.stdout).toContain(`User: I'll take ${second}.`);
  }, 120_000);

  it('ends cleanly on empty stdin (EOF)', async () => {
    const eof = await play(common(), '');
    expect(eof.code).toBe(0);
    expect(eof.stdout).toContain('Input ended after 1 round.');
  }, 120_000);

  it('--watch lets the dialogue-rule simulator answer with no input', async () => {
    // Seed 3 draws a sample whose target BM25 never lists, so every round has feedback.
    const run = await play(['--dataset', 'inspired', '--agent', 'bm25', '--artifacts', artifacts, '--seed', '3', '--watch', '--simulator', 'dialogue-rule', '--rounds', '3'], '');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Watching the dialogue-rule simulator as the user.');
    expect(run.stdout.match(/^dialogue-rule user> \S/gm)?.length).toBe(2);
    expect(run.stdout).toContain('All 3 rounds played without an acceptance.');
    expect(run.stdout).not.toContain('you>');
  }, 120_000);

  it('exits 2 with a one-line message on a bad --agent, --sample or --rounds', async () => {
    const [bad, policy, sample, rounds] = await Promise.all([
      play(['--dataset', 'inspired', '--agent', 'no-such-agent'], ''),
      play(['--dataset', 'inspired', '--agent', 'neural:/nonexistent/policy'], ''),
      play([...common(), '--sample', 'nope'], ''),
      play([...common(), '--rounds', 'x'], ''),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("crs-gym: --agent: unknown agent 'no-such-agent'");
    expect(policy.code).toBe(2);
    expect(policy.stderr).toContain('no trained policy at /nonexistent/policy/policy.bin');
    expect(sample.code).toBe(2);
    expect(sample.stderr).toContain("--sample 'nope' is not a sample of inspired");
    expect(rounds.code).toBe(2);
  }, 120_000);
});
