import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { ConfigError } from '../../src/config/load.js';
import { makeSyntheticDataset } from '../../src/data/synthetic.js';
import { LightGcnEncoder } from '../../src/encoders/collaborative.js';
import { HashingEncoder } from '../../src/encoders/hash-encoder.js';
import { MultiTaskConfigSchema } from '../../src/simulator/config.js';
import { MultiTaskSimulator } from '../../src/simulator/multi-task.js';
import { buildSimulatorInput } from '../../src/simulator/types.js';
import { Rng } from '../../src/core/rng.js';
import { runTestCli } from '../export/program.js';

let dir: string;
let configFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crs-train-sim-'));
  configFile = join(dir, 'sim.json');
  await writeFile(configFile, JSON.stringify({ epochs: 4, hidden: 64, userDim: 32 }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function args(out: string, ...more: string[]): string[] {
  return ['train', 'simulator', '--dataset', 'synthetic', '--out', out, '--config', configFile, '--lightgcn-epochs', '1', '--cache', join(dir, 'cache'), ...more];
}

describe('crs-gym train simulator (synthetic dataset)', () => {
  it('trains E_C and the simulator, saves both, writes metrics.json; a second run reuses E_C', async () => {
    const out = join(dir, 'sim');
    const run = await runTestCli(args(out));
    expect(run.code).toBe(0);
    expect(run.err).toContain('training E_C (LightGCN, 64 dims, 1 epochs)');
    expect(run.out).toMatch(/attributes F1 [\d.]+, P@5 [\d.]+ \(popularity [\d.]+\); target AUC [\d.]+/);
    for (const f of ['simulator.json', 'weights.bin', 'weights.json', 'config.json', 'metrics.json', 'encoder/weights.json']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8')) as {
      split: string;
      attributes: Record<string, number>;
      target: Record<string, number>;
    };
    expect(metrics.split).toBe('valid');
    for (const key of ['f1', 'precision@5', 'popularityPrecision@5']) {
      expect(metrics.attributes[key]).toBeGreaterThanOrEqual(0);
      expect(metrics.attributes[key]).toBeLessThanOrEqual(1);
    }
    // The synthetic users are learnable: the heads beat the popularity prior and chance.
    expect(metrics.attributes['precision@5']).toBeGreaterThan(metrics.attributes['popularityPrecision@5']!);
    expect(metrics.target.auc).toBeGreaterThan(0.6);
    const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8')) as { simulator: { epochs: number; hidden: number; patience: number } };
    expect(config.simulator).toMatchObject({ epochs: 4, hidden: 64, patience: 5 });

    // The saved simulator loads with the same encoders and gives feedback.
    const dataset = makeSyntheticDataset({ seed: 0, items: 90, dialogues: 240 });
    const collaborative = LightGcnEncoder.load(join(out, 'encoder'), dataset);
    const sim = await MultiTaskSimulator.load(out, { text: new HashingEncoder({ dim: 256 }), collaborative });
    expect(sim.metrics.target.auc).toBeCloseTo(metrics.target.auc!, 10);
    const sample = dataset.samples.valid[0]!;
    const fb = await sim.feedback(buildSimulatorInput(sample, dataset, dataset.samples.train.slice(0, 3).map((s) => s.target)), new Rng(1));
    expect(fb.text.length).toBeGreaterThan(0);

    const again = await runTestCli(args(out, '--seed', '4'));
    expect(again.code).toBe(0);
    expect(again.err).toContain(`loaded E_C (LightGCN, 64 dims) from ${join(out, 'encoder')}`);
    expect(again.err).not.toContain('training E_C');
    const config2 = JSON.parse(await readFile(join(out, 'config.json'), 'utf8')) as { simulator: { seed: number } };
    expect(config2.simulator.seed).toBe(4);
  });

  it('a bad config names the file and the field; bad flags are UsageErrors', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ epochs: 0, extra: 1 }));
    const run = await runTestCli(['train', 'simulator', '--dataset', 'synthetic', '--out', join(dir, 'bad-out'), '--config', bad]);
    expect(run.code).toBe(2);
    expect(run.error).toBeInstanceOf(ConfigError);
    expect((run.error as Error).message).toContain(`${bad}: epochs:`);
    expect(existsSync(join(dir, 'bad-out'))).toBe(false);

    const noOut = await runTestCli(['train', 'simulator', '--dataset', 'synthetic']);
    expect(noOut.error).toBeInstanceOf(UsageError);
    expect((noOut.error as Error).message).toBe('--out <dir> is required');
    const encoder = await runTestCli(['train', 'simulator', '--dataset', 'synthetic', '--out', join(dir, 'x'), '--text-encoder', 'bge']);
    expect(encoder.error).toBeInstanceOf(UsageError);
    expect((encoder.error as Error).message).toMatch(/--text-encoder must be one of use-lite, hash/);
    const missing = await runTestCli(['train', 'simulator', '--dataset', 'synthetic', '--out', join(dir, 'x'), '--config', join(dir, 'nope.json')]);
    expect(missing.error).toBeInstanceOf(ConfigError);
    expect((missing.error as Error).message).toContain('nope.json: cannot read config as JSON');
  });

  it('configs/simulator.json holds exactly the schema defaults', async () => {
    const file = JSON.parse(await readFile(new URL('../../configs/simulator.json', import.meta.url), 'utf8')) as unknown;
    expect(file).toEqual(MultiTaskConfigSchema.parse({}));
  });
});
