import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import type { Dataset } from '../../src/data/types.js';
import { HashingEncoder } from '../../src/encoders/hash-encoder.js';
import { getTf } from '../../src/nn/tf.js';
import { DotKernel } from '../../src/retriever/dual-view-kernel.js';
import { DualViewForward, initParams, type DualViewSpec, type DualViewVariant } from '../../src/retriever/dual-view-model.js';
import { createVariables, disposeBatch, disposeVariables, queryBatch, tfItems, tfQuery } from '../../src/retriever/dual-view-tf.js';
import { DualViewRetriever } from '../../src/retriever/dual-view.js';
import { queryFromSample } from '../../src/retriever/evaluate.js';
import { AttributeGraphEncoder, itemFeatures, QueryFeaturizer, type RetrieverEncoders } from '../../src/retriever/features.js';
import { loadDualViewRetriever } from '../../src/retriever/load.js';
import { syntheticRetrieverSetup } from './fixtures.js';
import { drawNegatives, sampleNegatives, trainDualView } from '../../src/retriever/train.js';
import type { RetrievalQuery } from '../../src/retriever/types.js';

let dataset: Dataset;
let encoders: RetrieverEncoders;
let dir: string;

beforeAll(() => {
  ({ dataset, encoders, dir } = syntheticRetrieverSetup('dual-view-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function spec(variant: DualViewVariant, extra: Partial<DualViewSpec> = {}): DualViewSpec {
  return { variant, textDim: 32, collabDim: 16, hiddenDim: 16, residual: true, prior: false, itemBias: false, itemCount: 0, lexicalSkip: 0, ...extra };
}

const fullQuery = (): RetrievalQuery => {
  const sample = dataset.samples.test[0]!;
  return { ...queryFromSample(sample), feedback: 'Too old, something newer please', preference: 'Likes drama with strong actors', previousList: [dataset.items[3]!.id, dataset.items[7]!.id] };
};

const quick = { maxEpochs: 3, patience: 3, negatives: 8, batchSize: 16, seed: 5 };

describe('DotKernel', () => {
  it('computes row dot products equal to a plain loop, for widths not a multiple of 16', () => {
    const rng = new Rng(1);
    const rows = 37;
    const cols = 21;
    const m = Float32Array.from({ length: rows * cols }, () => rng.normal());
    const q = Float32Array.from({ length: cols }, () => rng.normal());
    const kernel = new DotKernel();
    expect(kernel.simd).toBe(true); // Node 20 has WebAssembly SIMD: the inlined kernel must compile
    const pm = kernel.addMatrix(m, rows, cols);
    const out = Array.from(kernel.rowDots(pm, q, kernel.scratch(cols, rows)));
    const expected = Array.from({ length: rows }, (_, r) => q.reduce((s, x, j) => s + x * m[r * cols + j]!, 0));
    out.forEach((v, r) => expect(v).toBeCloseTo(expected[r]!, 4));
  });
});

describe('dual-view forward', () => {
  it.each(['dualView', 'semanticOnly', 'collaborativeOnly'] as const)('JS and tfjs forwards agree within 1e-4 (%s)', async (variant) => {
    const tf = await getTf('wasm');
    // Plain; with the frozen prior; with the lexical channel (skip), the item bias and the prior together.
    const options = [{ prior: false }, { prior: true }, { prior: true, itemBias: true, lexical: 12 }];
    for (const { prior, itemBias = false, lexical = 0 } of options) {
      const n = dataset.items.length;
      const s = spec(variant, { prior, itemBias, itemCount: itemBias ? n : 0, lexicalSkip: lexical, textDim: 32 + lexical });
      const params = initParams(s, new Rng(`forward/${variant}`));
      // Push the null tokens and biases away from their init so every term matters.
      for (const [name, p] of Object.entries(params)) if (p.length <= 32 || name === 'itemBias') p.forEach((_, i) => (p[i] = 0.3 * Math.sin(i + name.length)));
      const featurizer = new QueryFeaturizer(encoders, lexical > 0 ? { lexicalDim: lexical, dataset } : {});
      expect(featurizer.textDim).toBe(32 + lexical);
      const queries = [fullQuery(), queryFromSample(dataset.samples.test[1]!), { context: [], contextItems: [], contextEntities: [] }];
      const feats = await featurizer.featurize(queries);
      const forward = new DualViewForward(s, params);
      const items = await itemFeatures(dataset, featurizer);
      const vars = createVariables(tf, s, params);
      const batch = queryBatch(tf, s, feats);
      const [q, it] = tf.tidy(() => {
        const indices = tf.tensor1d(items.items.map((_, i) => i), 'int32');
        return [
          tfQuery(tf, s, vars, batch).arraySync() as number[][],
          tfItems(tf, s, vars, tf.tensor2d(items.text, [n, 32 + lexical]), tf.tensor2d(items.collaborative, [n, 16]), tf.tensor2d(items.prior, [n, 1]), indices).arraySync() as number[][],
        ];
      });
      disposeBatch(batch);
      disposeVariables(vars);
      feats.forEach((f, i) => {
        const js = forward.query(f);
        expect(js.length).toBe(q[i]!.length);
        js.forEach((v, d) => expect(Math.abs(v - q[i]![d]!)).toBeLessThan(1e-4));
      });
      const matrix = forward.itemMatrix(items);
      const dim = forward.dim;
      it.forEach((row, r) => row.forEach((v, d) => expect(Math.abs(v - matrix[r * dim + d]!)).toBeLessThan(1e-4)));
    }
  });
});

describe('DualViewRetriever', () => {
  let retriever: DualViewRetriever;
  beforeAll(async () => {
    retriever = (await trainDualView({ dataset, encoders, config: quick })).retriever;
  });

  it('each input switch removes that input (scores change, and equal the query without it)', async () => {
    const q = fullQuery();
    const base = Array.from(await retriever.encodeQuery(q));
    const cases: Array<[Partial<Parameters<DualViewRetriever['withInputs']>[0]>, RetrievalQuery]> = [
      [{ useFeedback: false }, { ...q, feedback: undefined } as RetrievalQuery],
      [{ usePreference: false }, { ...q, preference: undefined } as RetrievalQuery],
      [{ usePreviousList: false }, { ...q, previousList: undefined } as RetrievalQuery],
      [{ useContextItems: false }, { ...q, contextItems: [], contextEntities: [] }],
      [{ useContext: false }, { ...q, context: [] }],
    ];
    for (const [switches, without] of cases) {
      const off = Array.from(await retriever.withInputs(switches).encodeQuery(q));
      expect(off).not.toEqual(base);
      expect(off).toEqual(Array.from(await retriever.encodeQuery(without)));
    }
  });

  it('never returns an excluded item, returns k items best first', async () => {
    const q = fullQuery();
    const top = await retriever.retrieve(q, 10);
    expect(top).toHaveLength(10);
    for (let i = 1; i < top.length; i++) expect(top[i - 1]!.score).toBeGreaterThanOrEqual(top[i]!.score);
    const exclude = new Set(top.slice(0, 5).map((s) => s.id));
    const again = await retriever.retrieve(q, 20, exclude);
    expect(again).toHaveLength(20);
    expect(again.some((s) => exclude.has(s.id))).toBe(false);
    expect(again.slice(0, 5).map((s) => s.id)).toEqual(top.slice(5, 10).map((s) => s.id));
  });

  it('save and load give identical scores; corrupt or mismatched files fail naming the file', async () => {
    const out = join(dir, 'model');
    await retriever.save(out);
    const loaded = await loadDualViewRetriever(out, dataset, encoders);
    for (const sample of dataset.samples.test.slice(0, 5)) {
      const q = queryFromSample(sample);
      expect(await loaded.retrieve(q, 15)).toEqual(await retriever.retrieve(q, 15));
    }
    const weights = join(out, 'weights.f32');
    const good = readFileSync(weights);
    const bad = Buffer.from(good);
    bad[10] = bad[10]! ^ 0xff;
    writeFileSync(weights, bad);
    await expect(loadDualViewRetriever(out, dataset, encoders)).rejects.toThrow(/weights\.f32.*checksum/);
    writeFileSync(weights, good.subarray(0, good.length - 8));
    await expect(loadDualViewRetriever(out, dataset, encoders)).rejects.toThrow(/weights\.f32.*bytes/);
    writeFileSync(weights, good);
    const modelFile = join(out, 'model.json');
    const model = readFileSync(modelFile, 'utf8');
    writeFileSync(modelFile, model.slice(0, 40));
    await expect(loadDualViewRetriever(out, dataset, encoders)).rejects.toThrow(/model\.json.*JSON/);
    writeFileSync(modelFile, model);
    const otherText = { ...encoders, text: new HashingEncoder({ dim: 32, salt: 'x' }) };
    await expect(loadDualViewRetriever(out, dataset, otherText)).rejects.toThrow(/model\.json.*text encoder/);
    const otherCollab = { ...encoders, collaborative: new AttributeGraphEncoder(dataset, { dim: 16, seed: 2 }) };
    await expect(loadDualViewRetriever(out, dataset, otherCollab)).rejects.toThrow(/model\.json.*collaborative/);
    await expect(loadDualViewRetriever(join(dir, 'missing'), dataset, encoders)).rejects.toThrow(/missing.*model\.json/);
  });
});

describe('trainDualView', () => {
  it('with the lexical channel, item bias and token dropout: trains, saves and loads to the same scores', async () => {
    const config = { ...quick, lexicalDim: 24, lexicalSkip: true, itemBias: true, tokenDropout: 0.3 };
    const { retriever } = await trainDualView({ dataset, encoders, config });
    expect(retriever.spec).toMatchObject({ textDim: 56, lexicalSkip: 24, itemBias: true, itemCount: dataset.items.length });
    expect(retriever.featurizer.settings.lexicalDim).toBe(24);
    const out = join(dir, 'lexical');
    await retriever.save(out);
    const loaded = await loadDualViewRetriever(out, dataset, encoders);
    for (const sample of dataset.samples.test.slice(0, 5)) {
      const q = queryFromSample(sample);
      expect(await loaded.retrieve(q, 15)).toEqual(await retriever.retrieve(q, 15));
    }
    await expect(trainDualView({ dataset, encoders, config: { ...quick, lexicalSkip: true } })).rejects.toThrow(/lexicalSkip needs lexicalDim/);
  });

  it('is deterministic for a seed and changes with it', async () => {
    const a = await trainDualView({ dataset, encoders, config: quick });
    const b = await trainDualView({ dataset, encoders, config: quick });
    const c = await trainDualView({ dataset, encoders, config: { ...quick, seed: 6 } });
    const noTime = (h: typeof a.history) => h.map(({ seconds: _s, ...rest }) => rest);
    expect(noTime(a.history)).toEqual(noTime(b.history));
    expect(Array.from(a.retriever.itemMatrix())).toEqual(Array.from(b.retriever.itemMatrix()));
    expect(Array.from(a.retriever.itemMatrix())).not.toEqual(Array.from(c.retriever.itemMatrix()));
  });

  it('learns: validation recall beats the untrained model; the augmentation hook feeds extra examples', async () => {
    const seen: string[] = [];
    const result = await trainDualView({
      dataset,
      encoders,
      config: { ...quick, maxEpochs: 8, patience: 8, augmentCopies: 2 },
      augment: (sample, rng) => {
        seen.push(sample.id);
        return rng.bernoulli(0.5) ? { feedback: 'I want something else', previousList: [dataset.items[0]!.id] } : null;
      },
      onProgress: (p) => expect(p.loss).toBeGreaterThan(0),
    });
    expect(seen.length).toBe(2 * dataset.samples.train.length);
    expect(result.trainExamples).toBeGreaterThan(dataset.samples.train.length);
    expect(result.trainExamples).toBeLessThan(3 * dataset.samples.train.length);
    expect(result.history[0]!.loss).toBeGreaterThan(result.history[result.history.length - 1]!.loss);
    expect(result.bestValidRecall).toBeGreaterThan(0.5);
  });

  it('draws negatives apart from the excluded items, all of them when few are left', () => {
    const rng = new Rng(0);
    const excluded = new Set([0, 1, 2]);
    for (let i = 0; i < 20; i++) {
      const neg = sampleNegatives(rng, 30, 10, excluded);
      expect(new Set(neg).size).toBe(10);
      expect(neg.some((x) => excluded.has(x))).toBe(false);
    }
    expect(sampleNegatives(rng, 5, 10, excluded).sort()).toEqual([3, 4]);
  });

  it('draws hard negatives from the pool first (never an excluded item), the rest at random; none = the random draw', () => {
    const excluded = new Set([0, 1, 2]);
    const ex = { excluded, hard: [2, 5, 6, 7, 8] };
    const rng = new Rng(1);
    for (let i = 0; i < 20; i++) {
      const neg = drawNegatives(rng, 30, 10, 3, ex);
      expect(neg).toHaveLength(10);
      expect(new Set(neg).size).toBe(10);
      expect(neg.some((x) => excluded.has(x))).toBe(false);
      expect(neg.slice(0, 3).every((x) => [5, 6, 7, 8].includes(x))).toBe(true);
    }
    // More hard ones asked than the pool holds: the whole usable pool, then random ones.
    expect(drawNegatives(new Rng(2), 30, 10, 8, ex).slice(0, 4).sort()).toEqual([5, 6, 7, 8]);
    // Off (or an empty pool): exactly the plain random draw, so default training is unchanged.
    expect(drawNegatives(new Rng(3), 30, 10, 0, ex)).toEqual(sampleNegatives(new Rng(3), 30, 10, excluded));
    expect(drawNegatives(new Rng(4), 30, 10, 5, { excluded, hard: [] })).toEqual(sampleNegatives(new Rng(4), 30, 10, excluded));
  });
});
