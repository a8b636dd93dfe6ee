// The retriever's `emaDecay` option (Polyak averaging of the weights): the average itself, and that training
// with it validates and saves the averaged weights while leaving a run without it unchanged.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/types.js';
import { getTf } from '../../src/nn/tf.js';
import { queryFromSample } from '../../src/retriever/evaluate.js';
import type { RetrieverEncoders } from '../../src/retriever/features.js';
import { loadDualViewRetriever } from '../../src/retriever/load.js';
import { syntheticRetrieverSetup } from './fixtures.js';
import { dualViewTrainSchema } from '../../src/retriever/train-config.js';
import { trainDualView, WeightEma } from '../../src/retriever/train.js';

let dataset: Dataset;
let encoders: RetrieverEncoders;
let dir: string;

beforeAll(() => {
  ({ dataset, encoders, dir } = syntheticRetrieverSetup('dual-view-ema-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const quick = { maxEpochs: 3, patience: 3, negatives: 8, batchSize: 16, seed: 5, lexicalDim: 24, lexicalSkip: true, itemBias: true, tokenDropout: 0.3 };

describe('WeightEma', () => {
  it('reads the bias-corrected exponential average of the weights after each update', async () => {
    const tf = await getTf('wasm');
    const steps = [
      [1, -2, 3],
      [4, 0.5, -1],
      [-3, 2, 2],
      [0.25, 7, -5],
    ];
    const v = tf.variable(tf.tensor1d(steps[0]!));
    const decay = 0.7;
    const ema = new WeightEma(tf, { w: v }, decay);
    try {
      expect(() => ema.read()).toThrow(/no update/);
      steps.forEach((w, t) => {
        v.assign(tf.tensor1d(w));
        ema.update({ w: v });
        // sum_s (1 - d) d^(t - s) w_s / (1 - d^(t + 1)): the d-weighted mean of the weights so far.
        const expected = w.map((_, j) => {
          let sum = 0;
          for (let s = 0; s <= t; s++) sum += (1 - decay) * decay ** (t - s) * (steps[s]![j] as number);
          return sum / (1 - decay ** (t + 1));
        });
        const got = Array.from(ema.read()['w']!);
        got.forEach((g, j) => expect(g).toBeCloseTo(expected[j] as number, 5));
        if (t === 0) expect(got).toEqual(w); // one update: the weights themselves
      });
      expect(ema.updates).toBe(steps.length);
      expect(() => new WeightEma(tf, { w: v }, 1)).toThrow(RangeError);
    } finally {
      ema.dispose();
      v.dispose();
    }
  });
});

describe('trainDualView with emaDecay', () => {
  it('is off by default and validates the schema', () => {
    expect(dualViewTrainSchema.parse({}).emaDecay).toBeNull();
    expect(dualViewTrainSchema.parse({ emaDecay: 0.99 }).emaDecay).toBe(0.99);
    expect(() => dualViewTrainSchema.parse({ emaDecay: 1 })).toThrow();
    expect(() => dualViewTrainSchema.parse({ emaDecay: -0.1 })).toThrow();
  });

  it('decay 0 is exactly the plain run; off leaves model.json and the history as they were', async () => {
    const plain = await trainDualView({ dataset, encoders, config: quick });
    const zero = await trainDualView({ dataset, encoders, config: { ...quick, emaDecay: 0 } });
    expect(zero.bestEpoch).toBe(plain.bestEpoch);
    const params = (r: typeof plain) => Object.fromEntries(Object.entries(r.retriever.params()).map(([k, v]) => [k, Array.from(v)]));
    expect(params(zero)).toEqual(params(plain));
    expect(Array.from(zero.retriever.itemMatrix())).toEqual(Array.from(plain.retriever.itemMatrix()));
    const metrics = (r: typeof plain) => r.history.map(({ epoch, loss, validRecall, validNdcg }) => ({ epoch, loss, validRecall, validNdcg }));
    expect(metrics(zero)).toEqual(metrics(plain));
    // With the average on, the raw weights' recall is logged too (decay 0: the same weights).
    for (const h of zero.history) expect(h.rawValidRecall).toBe(h.validRecall);
    for (const h of plain.history) expect(h).not.toHaveProperty('rawValidRecall');

    await plain.retriever.save(join(dir, 'plain'));
    await zero.retriever.save(join(dir, 'zero'));
    const trainingConfig = (name: string) => (JSON.parse(readFileSync(join(dir, name, 'model.json'), 'utf8')) as { training: { config: Record<string, unknown> } }).training.config;
    expect(trainingConfig('plain')).not.toHaveProperty('emaDecay');
    expect(trainingConfig('zero')).toHaveProperty('emaDecay', 0);
    expect(readFileSync(join(dir, 'zero', 'weights.f32'))).toEqual(readFileSync(join(dir, 'plain', 'weights.f32')));
  });

  it('with a decay, keeps and saves averaged weights that differ from the plain run and load to the same scores', async () => {
    const plain = await trainDualView({ dataset, encoders, config: quick });
    const averaged = await trainDualView({ dataset, encoders, config: { ...quick, emaDecay: 0.9 } });
    // The same steps are taken (the loss only depends on the raw weights), only what is validated and kept differs.
    expect(averaged.history.map((h) => h.loss)).toEqual(plain.history.map((h) => h.loss));
    expect(averaged.history.map((h) => h.rawValidRecall)).toEqual(plain.history.map((h) => h.validRecall));
    expect(Array.from(averaged.retriever.itemMatrix())).not.toEqual(Array.from(plain.retriever.itemMatrix()));
    expect(averaged.bestValidRecall).toBeGreaterThan(0.3);

    const out = join(dir, 'averaged');
    await averaged.retriever.save(out);
    const loaded = await loadDualViewRetriever(out, dataset, encoders);
    for (const sample of dataset.samples.test.slice(0, 5)) {
      const q = queryFromSample(sample);
      expect(await loaded.retrieve(q, 15)).toEqual(await averaged.retriever.retrieve(q, 15));
    }
  });
});
