// `crs-gym eval` against an LLM server that never answers: --llm-timeout, --llm-retries and --llm-max-failures (or
// their CRS_GYM_LLM_* variables) bound the wait, and the evaluation stops with one line naming the server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTestCli } from '../export/program.js';
import { startServer, type TestServer } from '../llm/server.js';

const dir = mkdtempSync(join(tmpdir(), 'crs-llm-flags-'));
let server: TestServer | undefined;
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const ENV = ['CRS_GYM_LLM_BASE_URL', 'CRS_GYM_LLM_MODEL', 'CRS_GYM_LLM_TIMEOUT_MS', 'CRS_GYM_LLM_RETRIES', 'CRS_GYM_LLM_MAX_FAILURES'] as const;

async function withEnv<T>(values: Partial<Record<(typeof ENV)[number], string>>, fn: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
  Object.assign(process.env, values);
  try {
    return await fn();
  } finally {
    for (const k of ENV) {
      if (before[k] === undefined) delete process.env[k];
      else process.env[k] = before[k];
    }
  }
}

describe('eval with an LLM server that never answers', () => {
  it('stops within seconds with --llm-timeout/--llm-retries/--llm-max-failures, or the same variables', async () => {
    server = await startServer(() => {
      // never answers
    });
    const base = ['eval', '--dataset', 'inspired', '--agent', 'bm25', '--simulator', 'llm', '--limit', '3', '--concurrency', '1'];
    const url = { CRS_GYM_LLM_BASE_URL: server.baseURL, CRS_GYM_LLM_MODEL: 'm' };
    const runs = [
      await withEnv(url, () => runTestCli([...base, '--out', join(dir, 'flags'), '--llm-timeout', '300', '--llm-retries', '0', '--llm-max-failures', '2'])),
      await withEnv({ ...url, CRS_GYM_LLM_TIMEOUT_MS: '300', CRS_GYM_LLM_RETRIES: '0', CRS_GYM_LLM_MAX_FAILURES: '2' }, () => runTestCli([...base, '--out', join(dir, 'env')])),
    ];
    for (const run of runs) {
      expect(run.code).toBe(1);
      expect((run.error as Error).message).toMatch(new RegExp(`LLM server ${server.baseURL}/chat/completions failed 2 calls in a row \\(last: timeout: .*did not answer within 300 ms\\); gave up`));
    }
    expect(server.requests.length).toBe(4);
  }, 120_000);
});
