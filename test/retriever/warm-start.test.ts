// Warm-starting the dual view from a trained semanticOnly model (docs/retriever.md, Round 7).
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/types.js';
import type { RetrieverEncoders } from '../../src/retriever/features.js';
import { trainDualView } from '../../src/retriever/train.js';
import { trainVariants } from '../../src/retriever/variants.js';
import { syntheticRetrieverSetup } from './fixtures.js';

let dataset: Dataset;
let encoders: RetrieverEncoders;
let dir: string;

beforeAll(() => {
  ({ dataset, encoders, dir } = syntheticRetrieverSetup('dual-view-warm-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const quick = { maxEpochs: 2, patience: 2, negatives: 8, batchSize: 16, seed: 5, lexicalDim: 24, lexicalSkip: true, itemBias: true };

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe('dual view warm start', () => {
  it('starts the shared parameters from the given weights and the others from the usual draws', async () => {
    const semantic = (await trainDualView({ dataset, encoders, variant: 'semanticOnly', config: quick })).retriever.params();
    // A learning rate this small keeps the trained weights at their starting values (to float precision).
    const still = { ...quick, maxEpochs: 1, learningRate: 1e-12 };
    const warm = (await trainDualView({ dataset, encoders, variant: 'dualView', config: still, warmStart: semantic })).retriever.params();
    const plain = (await trainDualView({ dataset, encoders, variant: 'dualView', config: still })).retriever.params();
    for (const name of ['qW1', 'iW2', 'sWv', 'nullS', 'lexicalWeight', 'itemBias']) {
      expect(maxDiff(warm[name] as Float32Array, semantic[name] as Float32Array), name).toBeLessThan(1e-6);
      expect(maxDiff(plain[name] as Float32Array, semantic[name] as Float32Array), name).toBeGreaterThan(1e-3);
    }
    for (const name of ['cWq', 'cWv', 'nullC']) expect(maxDiff(warm[name] as Float32Array, plain[name] as Float32Array), name).toBeLessThan(1e-6);
  });

  it('names a parameter whose size does not fit', async () => {
    const wrong = { qW1: new Float32Array(3) };
    await expect(trainDualView({ dataset, encoders, variant: 'dualView', config: quick, warmStart: wrong })).rejects.toThrow(/warm-start parameter 'qW1' has 3 values/);
  });

  it('trainVariants trains semanticOnly first when asked, and needs it', async () => {
    const order: string[] = [];
    const results = await trainVariants({ dataset, encoders, config: quick, variants: ['dualView', 'semanticOnly'], semanticWarmStart: true, onVariant: (v) => order.push(v) });
    expect(order).toEqual(['semanticOnly', 'dualView']);
    expect(Object.keys(results).sort()).toEqual(['dualView', 'semanticOnly']);
    await expect(trainVariants({ dataset, encoders, config: quick, variants: ['dualView'], semanticWarmStart: true })).rejects.toThrow(/needs semanticOnly/);
  });
});
