// Evaluations when something breaks part-way, on the real INSPIRED data: a worker thread that dies (its chunk is
// played again, the run is whole and equal to one thread), an LLM server that goes down (the client gives up after
// N failed calls in a row; what finished is written, marked partial, in this thread and on workers), and an
// embedding cache that cannot be written at the end (the results are written first; the cache failure is a warning).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Piscina } from 'piscina';
import { afterAll, describe, expect, it } from 'vitest';
import { EvalPool } from '../../src/pipeline/eval-pool.js';
import { PartialEvaluationError, runEvaluation, type RunEvalOptions } from '../../src/pipeline/run-eval.js';
import { evalOptions } from './fixtures/eval-options.js';
import { completionBody, sendJson, startServer, type TestServer } from '../llm/server.js';

const dir = mkdtempSync(join(tmpdir(), 'crs-eval-edges-'));
const servers: TestServer[] = [];
const pools: EvalPool[] = [];
afterAll(async () => {
  await Promise.all([...servers.map((s) => s.close()), ...pools.map((p) => p.close())]);
  rmSync(dir, { recursive: true, force: true });
});

function options(agent: string, out: string, extra: Partial<RunEvalOptions> = {}): RunEvalOptions {
  return evalOptions(dir, agent, out, { limit: 24, ...extra });
}

function summary(out: string): { samples: number; config: Record<string, unknown> } {
  return JSON.parse(readFileSync(join(dir, out, 'summary.json'), 'utf8')) as { samples: number; config: Record<string, unknown> };
}

/** A chat server that answers the first `healthy` calls, then fails every call with 503. */
async function failingServer(healthy: number): Promise<TestServer> {
  const server = await startServer((_req, res, index) => {
    if (index < healthy) sendJson(res, 200, completionBody('Hmm, I would like something darker, with more suspense.'));
    else sendJson(res, 503, { error: { message: 'overloaded' } });
  });
  servers.push(server);
  return server;
}

describe('evaluation at the edges', () => {
  it('plays again the chunk of a worker thread that died: the run is whole and equal to this thread', async () => {
    const local = await runEvaluation(options('bm25', 'local'));
    const pool = new EvalPool(2);
    pools.push(pool);
    const threads = (pool as unknown as { pool: Piscina }).pool.threads;
    let killed = false;
    const pooled = await runEvaluation(
      options('bm25', 'pooled', {
        pool,
        onProgress: () => {
          if (killed) return;
          killed = true;
          void threads[0]?.terminate(); // a thread dies while the other chunks run
        },
      }),
    );
    expect(killed).toBe(true);
    expect(pooled).toEqual(local);
    expect(readFileSync(join(dir, 'pooled', 'rankings.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'local', 'rankings.jsonl'), 'utf8'));
  }, 180_000);

  for (const where of ['this thread', 'worker threads'] as const) {
    it(`writes what finished, marked partial, when the LLM server goes down (${where})`, async () => {
      const server = await failingServer(10);
      const pool = where === 'worker threads' ? new EvalPool(1) : undefined;
      if (pool) pools.push(pool);
      const out = `llm-down-${pool ? 'pool' : 'local'}`;
      const logged: string[] = [];
      const failure = await runEvaluation(
        options('bm25', out, {
          limit: 8,
          concurrency: 1,
          envOptions: { simulator: 'llm' },
          llm: { baseURL: server.baseURL, model: 'm', maxRetries: 0, maxConsecutiveFailures: 2 },
          log: (m) => logged.push(m),
          ...(pool ? { pool } : {}),
        }),
      ).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(PartialEvaluationError);
      expect((failure as Error).message).toMatch(/evaluation stopped after \d of 8 samples \(.*failed 2 calls in a row.*\); the finished samples are written to .*marked partial/);
      const s = summary(out);
      const partial = s.config.partial as { missingSamples: string[]; error: string };
      expect(s.samples).toBeGreaterThan(0);
      expect(s.samples + partial.missingSamples.length).toBe(8);
      expect(readFileSync(join(dir, out, 'report.md'), 'utf8')).toContain('PARTIAL');
      // Stopped: after the give-up, no call reached the server.
      expect(server.requests.length).toBe(12);
    }, 120_000);
  }

  it('writes the results before the embedding cache, and a cache that cannot be written is a warning', async () => {
    const embeddings = join(dir, 'embeddings');
    const artifacts = join(dir, 'artifacts');
    const before = process.env.CRS_GYM_EMBEDDINGS;
    process.env.CRS_GYM_EMBEDDINGS = embeddings;
    try {
      // Tiny components (trained here once, in seconds): the dual-view retriever encodes the feedback texts.
      const tiny = { textEncoder: 'hash', lightgcn: { dim: 16, epochs: 1 }, simulator: { epochs: 1 }, retriever: { maxEpochs: 1 }, augmentRetriever: false };
      const first = options('retriever', 'first', { limit: 2, artifactsDir: artifacts, envOptions: { simulator: 'oracle', components: tiny } });
      await runEvaluation(first);
      // The cache folder becomes a file: the next flush fails (as on a full disk).
      rmSync(embeddings, { recursive: true, force: true });
      writeFileSync(embeddings, 'not a folder');
      const logged: string[] = [];
      const run = await runEvaluation({ ...first, limit: 10, out: join(dir, 'second'), log: (m) => logged.push(m) });
      expect(run.samples).toHaveLength(10);
      expect(summary('second').samples).toBe(10);
      expect(existsSync(join(dir, 'second', 'rankings.jsonl'))).toBe(true);
      expect(logged.join('\n')).toMatch(/warning: new text embeddings not saved \(.*embedding cache.*\); the results in .*second are complete/);
    } finally {
      if (before === undefined) delete process.env.CRS_GYM_EMBEDDINGS;
      else process.env.CRS_GYM_EMBEDDINGS = before;
    }
  }, 180_000);
});
