// Arguments and configs are checked before any expensive work: a bad --workers, --limit or --config of `train
// grpo|sft` is a one-line usage error (exit 2) before the components are trained (the artifacts folder is never
// created), a config that is not a JSON object or names an unknown reward component is refused, and --workers above
// the machine's cores is refused naming the limit.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { runTestCli, said } from '../export/program.js';

const dir = mkdtempSync(join(tmpdir(), 'crs-validation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const artifacts = join(dir, 'artifacts');

/** Runs the real program; returns the exit code and what the user reads on stderr. */
async function cli(argv: string[]): Promise<{ code: number; err: string }> {
  const run = await runTestCli(argv, buildProgram());
  return { code: run.code, err: said(run) };
}

function config(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const train = (algorithm: string, ...rest: string[]): string[] => ['train', algorithm, '--dataset', 'inspired', '--out', join(dir, 'run'), '--artifacts', artifacts, ...rest];

describe('arguments are checked before any work', () => {
  it('train grpo/sft: bad --workers, --limit, --init and --config are usage errors before the components train', async () => {
    const cases: Array<[string[], RegExp]> = [
      [train('grpo', '--workers', '-3'), /--workers must be an integer >= 0, got '-3'/],
      [train('grpo', '--workers', '1000'), new RegExp(`--workers 1000 is more than this machine's ${availableParallelism()} cores \\(os.availableParallelism\\(\\)\\); use at most ${availableParallelism()}`)],
      [train('sft', '--limit', '0'), /--limit must be an integer >= 1/],
      [train('grpo', '--init', join(dir, 'no-policy')), /--init: no trained policy at/],
      [train('grpo', '--config', join(dir, 'missing.json')), /missing\.json: cannot read config as JSON/],
      [train('grpo', '--config', config('null.json', 'null')), /null\.json: a config must be a JSON object \(\{ \.\.\. \}\), got null/],
      [train('sft', '--config', config('array.json', '[1,2]')), /array\.json: a config must be a JSON object .*got an array/],
      [train('grpo', '--config', config('string.json', '"str"')), /string\.json: a config must be a JSON object .*got string/],
      [train('grpo', '--config', config('weights.json', '{"reward_weights":{"hit":1,"rnak":2}}')), /weights\.json: reward_weights: unknown reward component\(s\) 'rnak' \(known: processFormat, answerFormat, hit, rank, preference, preferenceLift\)/],
      [train('rloo', '--config', config('rloo.json', '{"num_generations":1}')), /rloo needs num_generations >= 2/],
    ];
    for (const [argv, message] of cases) {
      const run = await cli(argv);
      expect(run.code, argv.join(' ')).toBe(2);
      expect(run.err.trim().split('\n'), argv.join(' ')).toHaveLength(1);
      expect(run.err, argv.join(' ')).toMatch(message);
    }
    expect(existsSync(artifacts)).toBe(false);
    expect(existsSync(join(dir, 'run'))).toBe(false);
  }, 60_000);

  it('eval: --workers above the cores and bad --llm-* flags are usage errors', async () => {
    const base = ['eval', '--dataset', 'inspired', '--agent', 'bm25', '--out', join(dir, 'eval')];
    for (const [flag, value, message] of [
      ['--workers', '1000', /more than this machine's \d+ cores/],
      ['--llm-timeout', '0', /--llm-timeout must be an integer >= 1/],
      ['--llm-retries', '-1', /--llm-retries must be an integer >= 0/],
      ['--llm-concurrency', 'many', /--llm-concurrency must be an integer >= 1/],
      ['--llm-max-failures', '1.5', /--llm-max-failures must be an integer >= 0/],
    ] as const) {
      const run = await cli([...base, flag, value]);
      expect(run.code, flag).toBe(2);
      expect(run.err).toMatch(message);
    }
    expect(existsSync(join(dir, 'eval'))).toBe(false);
  });
});
