import { afterAll, describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { HashingEncoder } from '../../src/encoders/hash-encoder.js';
import { NeuralRecommender, policyFile } from '../../agents/neural/recommender.js';
import { ArchiveError } from '../../agents/neural/archive.js';
import type { CrsObservation } from '../../envs/types.js';
import { collectObservations, makeWorld } from './fixtures.js';

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'crs-policy-'));
  made.push(dir);
  return dir;
};

let policy: NeuralRecommender;
let observations: CrsObservation[];

beforeAll(async () => {
  const world = await makeWorld();
  policy = world.policy;
  observations = await collectObservations(world.env, policy, 2);
});

function perturbed(p: NeuralRecommender, seed: string): Float32Array[] {
  const rng = new Rng(seed);
  return p.getWeights().map((w) => w.map((v) => v + rng.normal(0, 0.3)));
}

describe('NeuralRecommender persistence', () => {
  it('save then load restores identical weights and identical actions; no temp files are left behind', async () => {
    const dir = tempDir();
    const trained = policy.clone();
    trained.setWeights(perturbed(policy, 'a'));
    await trained.save(dir);
    expect(readdirSync(dir)).toEqual(['policy.bin']);
    const loaded = await NeuralRecommender.load(dir, policy.extractor);
    loaded.getWeights().forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(trained.getWeights()[i]!)));
    const obs = observations[0]!;
    const a = await trained.actWithRecord(obs, new Rng('s'), { mode: 'sample' });
    const b = await loaded.actWithRecord(obs, new Rng('s'), { mode: 'sample' });
    expect(b.action).toEqual(a.action);
    expect(b.record.logProb).toBe(a.record.logProb);
  });

  it('a corrupt, truncated or foreign file fails with a clear error naming the file', async () => {
    const dir = tempDir();
    await policy.save(dir);
    const file = policyFile(dir);
    const bytes = readFileSync(file);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 3] = flipped[flipped.length - 3]! ^ 0xff;
    writeFileSync(file, flipped);
    await expect(NeuralRecommender.load(dir, policy.extractor)).rejects.toThrow(ArchiveError);
    await expect(NeuralRecommender.load(dir, policy.extractor)).rejects.toThrow(/policy\.bin: checksum mismatch/);
    writeFileSync(file, bytes.subarray(0, 40));
    await expect(NeuralRecommender.load(dir, policy.extractor)).rejects.toThrow(/checksum mismatch|cut short/);
    writeFileSync(file, 'hello');
    await expect(NeuralRecommender.load(dir, policy.extractor)).rejects.toThrow(/not a crs-gym archive/);
    await expect(NeuralRecommender.load(join(dir, 'missing'), policy.extractor)).rejects.toThrow(/no such file/);
    // A policy trained with another encoder size is refused.
    writeFileSync(file, bytes);
    const other = NeuralRecommender.create({ dataset: policy.extractor.dataset, textEncoder: new HashingEncoder({ dim: 32 }) });
    await expect(NeuralRecommender.load(dir, other.extractor)).rejects.toThrow(/64-d text encoder/);
  });

  it('getWeights/setWeights round-trip through transferable copies; clones are independent; frozen copies refuse updates', () => {
    const w = policy.getWeights();
    expect(w.length).toBe(policy.parameters.length);
    w[0]![0] = 123;
    expect(policy.parameters[0]!.data[0]).not.toBe(123); // a copy, not a view
    const clone = policy.clone();
    clone.setWeights(perturbed(policy, 'b'));
    expect(clone.getWeights()[0]![0]).not.toBe(policy.getWeights()[0]![0]);
    const frozen = policy.frozen();
    expect(() => frozen.setWeights(policy.getWeights())).toThrow(/frozen/);
    expect(() => policy.setWeights(policy.getWeights().slice(1))).toThrow(/expected/);
  });
});
