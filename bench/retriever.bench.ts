// Speed of the dual-view retriever: loading a saved model, the query forward, scoring the catalogue with top-20
// (INSPIRED 1,123 items, ReDial 6,924), and training seconds per epoch. E_T is a 512-d hashing encoder (the
// network has the same size as with USE lite; USE's own encoding time is the encoders bench's business) and
// E_C the attribute-graph stand-in (64-d, like LightGCN), so the figures time this layer alone. Two shapes: the
// paper's model, and configs/retriever.json's (a 1,024-d lexical channel passed to the dot product too, and an
// item bias), whose lexical block the scorer visits sparsely (src/retriever/item-scorer.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/core/rng.js';
import { loadDataset } from '../src/data/load.js';
import type { Dataset } from '../src/data/types.js';
import { HashingEncoder } from '../src/encoders/hash-encoder.js';
import { DualViewRetriever } from '../src/retriever/dual-view.js';
import { initParams, type DualViewSpec } from '../src/retriever/dual-view-model.js';
import { queryFromSample } from '../src/retriever/evaluate.js';
import { AttributeGraphEncoder, type RetrieverEncoders } from '../src/retriever/features.js';
import { loadDualViewRetriever } from '../src/retriever/load.js';
import { trainDualView } from '../src/retriever/train.js';
import { Bm25Retriever } from '../src/retriever/bm25.js';
import { PopularityRetriever } from '../src/retriever/popularity.js';
import { TfidfRetriever } from '../src/retriever/tfidf.js';
import type { Retriever } from '../src/retriever/types.js';

function encodersFor(dataset: Dataset): RetrieverEncoders {
  return { text: new HashingEncoder({ dim: 512 }), collaborative: new AttributeGraphEncoder(dataset, { dim: 64 }) };
}

const LEXICAL_DIM = 1024;

async function timeDataset(name: 'inspired' | 'redial', dir: string, lexical: boolean): Promise<Record<string, number>> {
  const dataset = loadDataset(name);
  const encoders = encodersFor(dataset);
  const spec: DualViewSpec = {
    variant: 'dualView',
    textDim: 512 + (lexical ? LEXICAL_DIM : 0),
    collabDim: 64,
    hiddenDim: 256,
    residual: true,
    prior: false,
    itemBias: lexical,
    itemCount: dataset.items.length,
    lexicalSkip: lexical ? LEXICAL_DIM : 0,
  };
  const features = lexical ? { lexicalDim: LEXICAL_DIM } : {};
  const model = await DualViewRetriever.create(spec, initParams(spec, new Rng(0)), dataset, encoders, { features });
  const out = join(dir, `${name}-${lexical ? 'lexical' : 'paper'}`);
  const label = lexical ? `${name} (lexical skip)` : name;
  await model.save(out);
  const t0 = performance.now();
  const loaded = await loadDualViewRetriever(out, dataset, encoders);
  const loadMs = performance.now() - t0;
  const queries = dataset.samples.test.slice(0, 500).map(queryFromSample);
  const vectors = await loaded.encodeQueries(queries); // warms the text memo as well
  for (const v of vectors.slice(0, 50)) loaded.topK(v, 20);
  let t = performance.now();
  for (const v of vectors) loaded.topK(v, 20);
  const scoreMs = (performance.now() - t) / vectors.length;
  t = performance.now();
  for (const q of queries) await loaded.retrieve(q, 20);
  const retrieveMs = (performance.now() - t) / queries.length;
  return {
    [`${label} items`]: dataset.items.length,
    [`${label} load ms`]: loadMs,
    [`${label} score+top20 ms/query`]: scoreMs,
    [`${label} retrieve (memoized E_T) ms/query`]: retrieveMs,
  };
}

/** The lexical and popularity baselines on ReDial's 6,924 items: ms per cold-start query (top-50). */
async function timeBaselines(): Promise<Record<string, number>> {
  const dataset = loadDataset('redial');
  const queries = dataset.samples.test.slice(0, 300).map(queryFromSample);
  const figures: Record<string, number> = {};
  const retrievers: [string, Retriever][] = [
    ['popularity', new PopularityRetriever(dataset)],
    ['bm25', new Bm25Retriever(dataset)],
    ['tfidf', new TfidfRetriever(dataset)],
  ];
  for (const [name, retriever] of retrievers) {
    for (const q of queries.slice(0, 20)) await retriever.retrieve(q, 50); // warm
    const t0 = performance.now();
    for (const q of queries) await retriever.retrieve(q, 50);
    figures[`redial ${name} ms/query (top-50)`] = (performance.now() - t0) / queries.length;
  }
  return figures;
}

export async function run(): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'retriever-bench-'));
  try {
    const figures: Record<string, number | string> = await timeBaselines();
    for (const lexical of [false, true]) {
      Object.assign(figures, await timeDataset('inspired', dir, lexical));
      Object.assign(figures, await timeDataset('redial', dir, lexical));
    }
    const inspired = loadDataset('inspired');
    const t0 = performance.now();
    const result = await trainDualView({ dataset: inspired, encoders: encodersFor(inspired), config: { maxEpochs: 2, patience: 2 } });
    figures['inspired train s/epoch (2,072 examples, 64 negatives)'] = result.secondsPerEpoch;
    figures['inspired train total s (2 epochs, incl. features)'] = (performance.now() - t0) / 1000;
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
