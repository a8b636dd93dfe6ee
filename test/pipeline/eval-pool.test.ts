// Evaluations on worker threads (EvalPool) against the same evaluation in this thread, on the real INSPIRED
// data with a lexical baseline and the untrained oracle simulator (no trained components needed), hashing text
// encoder so nothing slow loads.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EvalPool } from '../../src/pipeline/eval-pool.js';
import { runEvaluation, type RunEvalOptions } from '../../src/pipeline/run-eval.js';
import { evalOptions } from './fixtures/eval-options.js';

const dir = mkdtempSync(join(tmpdir(), 'crs-eval-pool-'));
const pool = new EvalPool(2);
afterAll(async () => {
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
});

function options(agent: string, out: string, extra: Partial<RunEvalOptions> = {}): RunEvalOptions {
  return evalOptions(dir, agent, out, extra);
}

/** summary.json without its creation time. */
function summary(out: string): unknown {
  const parsed = JSON.parse(readFileSync(join(dir, out, 'summary.json'), 'utf8')) as Record<string, unknown>;
  delete parsed.createdAt;
  return parsed;
}

describe('EvalPool', () => {
  it('gives the same run and files as this thread, for several setups on one pool', async () => {
    for (const agent of ['bm25', 'tfidf']) {
      const local = await runEvaluation(options(agent, `${agent}-local`));
      const progress: number[] = [];
      const pooled = await runEvaluation(options(agent, `${agent}-pool`, { pool, onProgress: (done, total) => { expect(total).toBe(37); progress.push(done); } }));
      expect(pooled).toEqual(local);
      expect(pooled.samples).toHaveLength(37);
      expect(summary(`${agent}-pool`)).toEqual(summary(`${agent}-local`));
      expect(readFileSync(join(dir, `${agent}-pool`, 'rankings.jsonl'), 'utf8')).toBe(readFileSync(join(dir, `${agent}-local`, 'rankings.jsonl'), 'utf8'));
      expect(progress.at(-1)).toBe(37);
      expect(progress.length).toBeGreaterThan(2); // chunks report as they finish
    }
  }, 120_000);

  it('names the samples of a chunk that failed in a worker', async () => {
    await expect(runEvaluation(options('bm25', 'bad', { pool, envOptions: { simulator: 'nope' as never } }))).rejects.toThrow(
      /evaluation on worker threads failed \(samples .+ \.\. .+\): .*simulator/s,
    );
    // The pool still works afterwards.
    const again = await runEvaluation(options('bm25', 'again', { pool, limit: 5 }));
    expect(again.samples).toHaveLength(5);
  }, 120_000);

  it('refuses bad sizes and a closed pool', async () => {
    expect(() => new EvalPool(0)).toThrow(/workers must be an integer >= 1/);
    const closed = new EvalPool(1);
    await closed.close();
    await expect(closed.play(options('bm25', 'x'), ['a'], 0)).rejects.toThrow(/closed/);
  });
});
