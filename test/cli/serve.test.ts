// `crs-gym serve`: bad arguments exit 2 before anything loads; a real server process (INSPIRED with BM25 and the
// dialogue-rule simulator, so no trained component is needed) answers /health and a RemoteEnv episode, and SIGTERM
// drains it: a step sent just before the signal still gets its reply, then the process exits 0.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { registerServeCommand } from '../../src/cli/commands/serve.js';
import { UsageError } from '../../src/cli/errors.js';
import { RemoteEnv } from '../../src/remote/client.js';
import { realDataRoot } from '../data/real-data.js';

async function runServe(argv: string[]): Promise<{ code: number; message: string }> {
  const program = new Command().name('crs-gym').exitOverride();
  registerServeCommand(program);
  const errors = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    await program.parseAsync(['serve', ...argv], { from: 'user' });
    return { code: 0, message: '' };
  } catch (err) {
    if (err instanceof UsageError) return { code: 2, message: err.message };
    return { code: 1, message: String(err) };
  } finally {
    errors.mockRestore();
    out.mockRestore();
  }
}

describe('crs-gym serve arguments', () => {
  it('rejects bad arguments with a one-line usage error, before loading anything', async () => {
    expect(await runServe(['--env', 'CrsEnv/inspird-v0'])).toEqual({ code: 2, message: "--env: No env registered as 'CrsEnv/inspird-v0'. Did you mean 'CrsEnv/inspired-v0'?" });
    expect((await runServe(['--env', 'nonsense'])).message).toMatch(/^--env: Malformed env id/);
    expect((await runServe(['--port', '70000'])).message).toBe('--port must be at most 65535, got 70000');
    expect((await runServe(['--port', 'eighty'])).code).toBe(2);
    expect((await runServe(['--max-sessions', '0'])).message).toMatch(/--max-sessions must be an integer >= 1/);
    expect((await runServe(['--idle-timeout', '-1'])).message).toMatch(/--idle-timeout must be a number/);
    expect((await runServe(['--max-message-bytes', '10'])).code).toBe(2);
    expect((await runServe(['--options', '{"loadOnly": '])).message).toMatch(/^--options must be a JSON object/);
    expect((await runServe(['--options', '[1, 2]'])).message).toBe('--options must be a JSON object, got [1, 2]');
  });
});

const root = fileURLToPath(new URL('../..', import.meta.url));

describe.runIf(realDataRoot('inspired') !== null)('crs-gym serve process', () => {
  it('serves INSPIRED, and drains on SIGTERM: the running step replies, then exit 0', async () => {
    const options = { retriever: 'bm25', simulator: 'dialogue-rule', env: { rewardWeights: { processFormat: 1, answerFormat: 1, hit: 1, rank: 1, preference: null } } };
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--options', JSON.stringify(options)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += String(d)));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += String(d);
        const match = /on (http:\/\/[^ ]+) \(WebSocket/.exec(out);
        if (match) resolve(match[1] as string);
      });
      void exited.then((code) => reject(new Error(`serve exited with ${code}: ${err}`)));
    });
    try {
      expect(await (await fetch(`${url}/health`)).json()).toMatchObject({ status: 'healthy' });
      const env = await RemoteEnv.connect<{ candidates: Array<{ id: string }>; listLength: number }, unknown>(url);
      const { observation } = await env.reset({ seed: 0, options: { split: 'test' } });
      expect(observation.candidates.length).toBeGreaterThan(0);
      const pending = env.step({ ranking: observation.candidates.slice(0, observation.listLength).map((c) => c.id) });
      child.kill('SIGTERM');
      const step = await pending;
      expect(typeof step.reward).toBe('number');
      expect(await exited).toBe(0);
      expect(err).toContain('SIGTERM: draining');
      expect(out).toContain('crs-gym serve: stopped');
    } finally {
      child.kill('SIGKILL');
    }
  }, 120_000);
});
