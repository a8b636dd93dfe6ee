// `crs-gym train retriever --simulator DIR`: the variants train on simulated feedback and reference preferences too.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserFacingError } from '../../src/cli/errors.js';
import { runTestCli } from '../export/program.js';

let dir: string;
let simConfig: string;
let retConfig: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crs-train-ret-sim-'));
  simConfig = join(dir, 'sim.json');
  retConfig = join(dir, 'ret.json');
  await writeFile(simConfig, JSON.stringify({ epochs: 2, hidden: 32, userDim: 16 }));
  await writeFile(retConfig, JSON.stringify({ textEncoder: 'hash', lightgcn: { dim: 16, epochs: 1 }, retriever: { maxEpochs: 1, patience: 1, negatives: 8, batchSize: 32 } }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface TrainingFile {
  dualView: { trainExamples: number };
  semanticOnly: { trainExamples: number };
}

describe('crs-gym train retriever --simulator', () => {
  it('doubles the training examples with augmented copies and records the simulator; a bad folder is named', async () => {
    const cache = join(dir, 'cache');
    const sim = join(dir, 'sim');
    const trained = await runTestCli(['train', 'simulator', '--dataset', 'synthetic', '--out', sim, '--config', simConfig, '--lightgcn-epochs', '1', '--cache', cache]);
    expect(trained.code, trained.err).toBe(0);

    const common = ['train', 'retriever', '--dataset', 'synthetic', '--config', retConfig, '--cache', cache];
    const plain = await runTestCli([...common, '--out', join(dir, 'plain')]);
    expect(plain.code, plain.err).toBe(0);
    const augmented = await runTestCli([...common, '--out', join(dir, 'aug'), '--simulator', sim]);
    expect(augmented.code, augmented.err).toBe(0);
    expect(augmented.err).toContain('simulated feedback and reference preferences');

    const read = async (out: string): Promise<TrainingFile> => JSON.parse(await readFile(join(dir, out, 'training.json'), 'utf8')) as TrainingFile;
    const [p, a] = [await read('plain'), await read('aug')];
    expect(p.dualView.trainExamples).toBeGreaterThan(0);
    expect(a.dualView.trainExamples).toBe(2 * p.dualView.trainExamples);
    expect(a.semanticOnly.trainExamples).toBe(2 * p.semanticOnly.trainExamples);
    const config = JSON.parse(await readFile(join(dir, 'aug', 'config.json'), 'utf8')) as { simulator?: string };
    expect(config.simulator).toBe(sim);

    const bad = await runTestCli([...common, '--out', join(dir, 'bad'), '--simulator', join(dir, 'nothing-here')]);
    expect(bad.code).toBe(1); // a UserFacingError: a message, not a stack
    expect(bad.error).toBeInstanceOf(UserFacingError);
    expect((bad.error as Error).message).toMatch(/simulator .*nothing-here: no simulator\.json/);
  }, 180_000);
});
