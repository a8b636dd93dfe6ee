// A second TrainablePolicy through the CLI's plugin path: `crs-gym train grpo --dataset synthetic --plugin
// examples/linear-policy/index.ts --policy linear` loads the plugin (here and in the rollout worker thread), trains
// the linear softmax policy with GRPO, and its greedy evaluation on the valid split gains over the initial weights
// (all 0: the retriever's order). An unknown --policy is a usage error that lists the registered ones.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { runTestCli, said } from '../export/program.js';

const dir = mkdtempSync(join(tmpdir(), 'crs-linear-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const plugin = fileURLToPath(new URL('../../examples/linear-policy/index.ts', import.meta.url));

interface EvalEntry {
  reward_mean: number;
  hit_rate: number;
}

describe('examples/linear-policy through crs-gym train grpo --plugin --policy', () => {
  it('trains the linear policy on worker threads and its greedy valid reward rises', async () => {
    const config = join(dir, 'grpo.json');
    writeFileSync(
      config,
      JSON.stringify({ max_steps: 10, num_generations: 4, per_device_train_batch_size: 16, gradient_accumulation_steps: 1, num_iterations: 2, learning_rate: 0.05, beta: 0, sample_filter: 'all', eval_steps: 10, eval_samples: 0, seed: 1 }),
    );
    const out = join(dir, 'run');
    const run = await runTestCli(['train', 'grpo', '--dataset', 'synthetic', '--plugin', plugin, '--policy', 'linear', '--out', out, '--workers', '1', '--config', config], buildProgram());
    expect(run.code, said(run)).toBe(0);

    const log = readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; eval?: EvalEntry } & EvalEntry);
    const before = log.find((e) => e.event === 'eval')!;
    const after = log.filter((e) => e.event === 'iteration').at(-1)!.eval!;
    expect(after.reward_mean).toBeGreaterThan(before.reward_mean + 0.2);
    expect(after.hit_rate).toBeGreaterThanOrEqual(before.hit_rate);

    const saved = JSON.parse(readFileSync(join(out, 'policy', 'linear-policy.json'), 'utf8')) as { weights: number[] };
    expect(saved.weights).toHaveLength(6);
    expect(saved.weights.some((w) => w !== 0)).toBe(true);
    const written = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { setup: { policy?: { name: string } } };
    expect(written.setup.policy?.name).toBe('linear');
  }, 180_000);

  it('an unknown --policy is a usage error listing the registered policies', async () => {
    const run = await runTestCli(['train', 'grpo', '--dataset', 'synthetic', '--plugin', plugin, '--policy', 'linaer', '--out', join(dir, 'bad'), '--workers', '0'], buildProgram());
    expect(run.code).toBe(2);
    expect(said(run)).toMatch(/--policy: unknown trainable policy 'linaer'\. Did you mean 'linear'\? \(known: neural, linear\)/);
  });
});
