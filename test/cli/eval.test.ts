// `crs-gym eval` argument checks: a bad --agent or --workers is a one-line usage error (exit 2) found before
// anything loads; what workers cannot load is a one-line error (exit 1). (Equal results with and without worker
// threads: test/pipeline/eval-pool.test.ts.)
import { describe, expect, it } from 'vitest';
import { runTestCli, type CliRun } from '../export/program.js';

/** What the user would read: stderr, or the error the CLI prints as one line. */
function said(run: CliRun): string {
  return run.err + (run.error instanceof Error ? run.error.message : '');
}

const base = ['eval', '--dataset', 'inspired', '--out', '/nonexistent/never-written'];

describe('crs-gym eval arguments', () => {
  it('refuses an unknown agent and a policy folder without a policy, naming them', async () => {
    const unknown = await runTestCli([...base, '--agent', 'foo']);
    expect(unknown.code).toBe(2);
    expect(said(unknown)).toMatch(/--agent: unknown agent 'foo' \(known: popularity/);
    const missing = await runTestCli([...base, '--agent', 'grpo:/nonexistent/run']);
    expect(missing.code).toBe(2);
    expect(said(missing)).toContain("--agent: agent 'grpo:/nonexistent/run': no trained policy at /nonexistent/run/policy.bin");
    const empty = await runTestCli([...base, '--agent', 'neural:']);
    expect(empty.code).toBe(2);
    expect(said(empty)).toMatch(/give the policy folder/);
  });

  it('refuses a negative or fractional --workers and a zero --concurrency', async () => {
    for (const [flag, value] of [['--workers', '-1'], ['--workers', '1.5'], ['--concurrency', '0']] as const) {
      const run = await runTestCli([...base, '--agent', 'bm25', flag, value]);
      expect(run.code, `${flag} ${value}`).toBe(2);
      expect(said(run)).toContain(flag);
    }
  });

  it('with --workers, trained components missing from --artifacts are a one-line error (workers never train)', async () => {
    const run = await runTestCli([...base, '--agent', 'retriever', '--artifacts', '/nonexistent/artifacts', '--workers', '1', '--limit', '2']);
    expect(run.code).toBe(1);
    expect(said(run)).toMatch(/evaluation on worker threads failed .*not trained in \/nonexistent\/artifacts/);
  }, 60_000);
});
