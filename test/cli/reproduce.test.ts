// `crs-gym reproduce` argument checks: bad --seeds / --ablation-seeds are one-line errors before anything trains.
import { describe, expect, it } from 'vitest';
import { runTestCli, type CliRun } from '../export/program.js';

function said(run: CliRun): string {
  return run.err + (run.error instanceof Error ? run.error.message : '');
}

const base = ['reproduce', '--dataset', 'inspired', '--out', '/nonexistent/never-written'];

describe('crs-gym reproduce arguments', () => {
  it('refuses a malformed or repeated --seeds list and a zero --ablation-seeds', async () => {
    for (const [flag, value, message] of [
      ['--seeds', '0,x', /--seeds must be a comma-separated list of integers >= 0, got '0,x'/],
      ['--seeds', '1,1', /--seeds lists a value twice: '1,1'/],
      ['--seeds', '-1', /--seeds must be/],
      ['--ablation-seeds', '0', /--ablation-seeds must be an integer >= 1/],
    ] as const) {
      const run = await runTestCli([...base, flag, value]);
      expect(run.code, `${flag} ${value}`).toBe(2);
      expect(said(run)).toMatch(message);
    }
  });

  it('refuses more ablation seeds than seeds, naming both', async () => {
    const run = await runTestCli([...base, '--seeds', '3', '--ablation-seeds', '2']);
    expect(run.code).toBe(2);
    expect(said(run)).toMatch(/ablationSeeds is 2 but only 1 seeds are given/);
  });
});
