// Golden trajectories as a public API: record a CrsEnv played by a fixed policy, check it plays the same, and read
// a diff naming the seed, episode, step and field when a step changed, or the pin when the setting changed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkTrajectories, comparePins, recordTrajectories, type GoldenFile } from '../../src/eval/golden.js';
import { RetrieverOrderAgent, RandomAgent } from '../../agents/baselines.js';
import { buildProgram } from '../../src/cli/main.js';
import { runTestCli } from '../export/program.js';
import { realDataRoot } from '../data/real-data.js';

const hasInspired = realDataRoot('inspired') !== null;
const dir = mkdtempSync(join(tmpdir(), 'crs-golden-api-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const options = { retriever: 'bm25', simulator: 'oracle', components: { textEncoder: 'hash' } };

describe('golden pins', () => {
  it('names each pin that changed and what it means', () => {
    const pins = { env: { id: 'CrsEnv/inspired-v0', options: {} }, seeds: [0], episodesPerSeed: 1, maxSteps: 10, policy: 'random', digits: 6, ignoreKeys: ['timings'], crsGym: '0.1.0', artifacts: { retriever: 'a'.repeat(64), simulator: 'b'.repeat(64) } };
    expect(comparePins(pins, pins)).toEqual([]);
    const problems = comparePins(pins, { ...pins, crsGym: '0.2.0', policy: 'retriever-order', artifacts: { retriever: 'c'.repeat(64) } });
    expect(problems).toEqual([
      'crs-gym version: recorded with 0.1.0, this is 0.2.0 (re-record if the change is intended)',
      "policy: recorded with 'random', checked with 'retriever-order'",
      `artifacts: the retriever stage differs (recorded hash ${'a'.repeat(12)}, here ${'c'.repeat(12)}): it was retrained with other settings or data`,
      `artifacts: the simulator stage was recorded (hash ${'b'.repeat(12)}) but is not trained here`,
    ]);
  });
});

describe.skipIf(!hasInspired)('recordTrajectories / checkTrajectories on INSPIRED (bm25, oracle user)', () => {
  const file = join(dir, 'golden.json');

  it('records every step with its pins, and the same setting checks clean', async () => {
    const golden = await recordTrajectories(file, { id: 'CrsEnv/inspired-v0', options, policy: new RandomAgent(), seeds: [3, 4], episodesPerSeed: 2, maxSteps: 5 });
    expect(golden.episodes.map((e) => [e.seed, e.episode])).toEqual([[3, 0], [3, 1], [4, 0], [4, 1]]);
    expect(golden.pins).toMatchObject({ seeds: [3, 4], policy: 'random', artifacts: {} });
    expect(golden.episodes.every((e) => e.steps.length >= 1)).toBe(true);
    const result = await checkTrajectories(file, { policy: new RandomAgent() });
    expect(result.report).toBe('');
    expect(result.ok).toBe(true);
  }, 120_000);

  it('a changed step is reported with its seed, episode, step and field', async () => {
    const golden = JSON.parse(readFileSync(file, 'utf8')) as GoldenFile;
    const step = golden.episodes[2]!.steps[0]! as { action: { ranking: string[] } };
    const was = step.action.ranking[1];
    step.action.ranking[1] = 'not-an-item';
    const edited = join(dir, 'edited.json');
    writeFileSync(edited, JSON.stringify(golden));
    const result = await checkTrajectories(edited, { policy: new RandomAgent() });
    expect(result.ok).toBe(false);
    expect(result.differences).toEqual([`seed 4 episode 0 step 1: action.ranking[1]: "not-an-item" != ${JSON.stringify(was)}`]);
    expect(result.report).toMatch(/1 episode\(s\) of 4 differ/);
  }, 120_000);

  it('a changed pin is reported first, before anything is played; the CLI exits 1 with it', async () => {
    const other = await checkTrajectories(file, { policy: new RetrieverOrderAgent() });
    expect(other.ok).toBe(false);
    expect(other.pinProblems).toEqual(["policy: recorded with 'random', checked with 'retriever-order'"]);
    expect(other.differences).toEqual([]);
    const cli = await runTestCli(['golden', 'check', file, '--policy', 'retriever-order'], buildProgram());
    expect(cli.code).toBe(1);
    expect(String(cli.error)).toMatch(/the setting that pins these trajectories changed:\n {2}policy: recorded with 'random'/);
  }, 120_000);

  it('crs-gym golden record then check', async () => {
    const cliFile = join(dir, 'cli.json');
    const rec = await runTestCli(['golden', 'record', cliFile, '--options', JSON.stringify(options), '--seeds', '1', '--max-steps', '3'], buildProgram());
    expect(rec.code, String(rec.error)).toBe(0);
    expect(rec.out).toMatch(/recorded 1 episode\(s\)/);
    const check = await runTestCli(['golden', 'check', cliFile], buildProgram());
    expect(check.code, String(check.error)).toBe(0);
    expect(check.out).toContain('every step matches');
  }, 120_000);
});
