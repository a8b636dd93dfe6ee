// Learner failures the user can act on are one-line errors (OneLineError: the CLI prints the message, no stack):
// a run folder whose checkpoint is another config's (the message names the CLI flag --no-resume), and a rollout
// worker thread that dies (the message names the worker and says the checkpoint is kept).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { trainRl } from '../../src/learners/rl.js';
import { createRunner } from '../../src/learners/runner.js';
import { exitCodeOf } from '../../src/cli/run-program.js';
import { RL_ARGS, RL_SETUP, SMALL_RL_CONFIG } from './fixtures/runs.js';

const dir = mkdtempSync(join(tmpdir(), 'crs-learner-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('learner errors', () => {
  it('a checkpoint of another config is a one-line error naming --no-resume', async () => {
    const outDir = join(dir, 'run');
    await trainRl('grpo', { setup: RL_SETUP, outDir, config: { ...SMALL_RL_CONFIG, max_steps: 1 }, progress: false });
    const error = await trainRl('grpo', { setup: RL_SETUP, outDir, config: { ...SMALL_RL_CONFIG, max_steps: 1, learning_rate: 0.5 }, progress: false }).catch((e: unknown) => e);
    expect(exitCodeOf(error)).toBe(1);
    expect((error as Error).message).toMatch(/checkpoint\.bin belongs to a run with another config or algorithm; use a new --out folder, or start over with --no-resume/);
  }, 120_000);

  it('a rollout worker thread that dies is a one-line error naming the worker', async () => {
    const runner = await createRunner({ setup: { module: fileURLToPath(new URL('./fixtures/dying-setup.ts', import.meta.url)), args: RL_ARGS }, workers: 1 });
    try {
      const error = await runner.run([{ sampleId: 'x', envSeed: 1, rngSeed: 'r', mode: 'greedy' }]).catch((e: unknown) => e);
      expect(exitCodeOf(error)).toBe(1);
      expect((error as Error).message).toMatch(/^rollout worker 1 of 1 failed \(run\): .*; the run's last checkpoint is kept: run the same command again to resume$/);
    } finally {
      await runner.close();
    }
  }, 120_000);
});
