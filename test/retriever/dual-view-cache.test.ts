// The JS forward's token cache (adapted semantic tokens and attention projections, keyed by the exact bits of
// each input slice) must not change a single bit of the query vectors: a cached forward, an uncached one and a
// forward with a tiny cache (constant eviction) give identical outputs over queries that share contexts,
// feedback and preferences in every combination, repeated and interleaved.
import { describe, expect, it, vi } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { makeSyntheticDataset } from '../../src/data/synthetic.js';
import { HashingEncoder } from '../../src/encoders/hash-encoder.js';
import { DualViewForward, initParams, type DualViewSpec, type DualViewVariant } from '../../src/retriever/dual-view-model.js';
import { queryFromSample } from '../../src/retriever/evaluate.js';
import { AttributeGraphEncoder, LexicalHasher, QueryFeaturizer } from '../../src/retriever/features.js';
import type { RetrievalQuery } from '../../src/retriever/types.js';

const dataset = makeSyntheticDataset({ seed: 3, items: 60, dialogues: 60 });
const encoders = { text: new HashingEncoder({ dim: 32 }), collaborative: new AttributeGraphEncoder(dataset, { dim: 16, seed: 1 }) };
const LEXICAL = 12;

function spec(variant: DualViewVariant): DualViewSpec {
  const n = dataset.items.length;
  return { variant, textDim: 32 + LEXICAL, collabDim: 16, hiddenDim: 16, residual: true, prior: true, itemBias: true, itemCount: n, lexicalSkip: LEXICAL };
}

/** Samples x feedback x preference x previous list, in a shuffled order with repeats. */
function queries(): RetrievalQuery[] {
  const rng = new Rng('cache-queries');
  const samples = dataset.samples.test.slice(0, 4);
  const feedback = [undefined, 'Too old, something newer please', 'I loved the cast of that one'];
  const preference = [undefined, 'Likes drama with strong actors'];
  const lists = [undefined, [dataset.items[3]!.id, dataset.items[7]!.id], [dataset.items[1]!.id]];
  const out: RetrievalQuery[] = [];
  for (const s of samples) {
    for (const f of feedback) {
      for (const p of preference) {
        for (const l of lists) {
          out.push({ ...queryFromSample(s), ...(f ? { feedback: f } : {}), ...(p ? { preference: p } : {}), ...(l ? { previousList: l } : {}) });
        }
      }
    }
  }
  out.push({ context: [], contextItems: [], contextEntities: [] });
  const repeated = [...out, ...out];
  return rng.shuffle(repeated);
}

describe('DualViewForward token cache', () => {
  it.each(['dualView', 'semanticOnly', 'collaborativeOnly'] as const)('gives bit-identical query vectors with the cache on, off and constantly evicting (%s)', async (variant) => {
    const s = spec(variant);
    const params = initParams(s, new Rng(`cache/${variant}`));
    for (const [name, p] of Object.entries(params)) if (p.length <= 32 || name === 'itemBias') p.forEach((_, i) => (p[i] = 0.3 * Math.sin(i + name.length)));
    const featurizer = new QueryFeaturizer(encoders, { lexicalDim: LEXICAL, dataset });
    const feats = await featurizer.featurize(queries());
    const uncached = new DualViewForward(s, params, { tokenCache: 0 });
    const cached = new DualViewForward(s, params);
    const tiny = new DualViewForward(s, params, { tokenCache: 2 });
    const expected = feats.map((f) => Array.from(uncached.query(f)));
    expect(uncached.cachedTokens).toBe(0);
    for (let pass = 0; pass < 2; pass++) {
      expect(feats.map((f) => Array.from(cached.query(f)))).toEqual(expected);
      expect(feats.map((f) => Array.from(tiny.query(f)))).toEqual(expected);
    }
    expect(cached.cachedTokens).toBeGreaterThan(0);
    expect(tiny.cachedTokens).toBeLessThanOrEqual(4);
    // The cache holds its own copies: editing the features after a query changes nothing it returns.
    const f = feats[1]!;
    const before = Array.from(cached.query(f));
    const copy = { ...f, semantic: Float32Array.from(f.semantic), collaborative: Float32Array.from(f.collaborative) };
    f.semantic.fill(0.5);
    f.collaborative.fill(0.5);
    expect(Array.from(cached.query(copy))).toEqual(before);
    // Editing the parameters after construction changes nothing either (the forward holds its own copy).
    const snapshot = Array.from(cached.query(copy));
    for (const p of Object.values(params)) p.fill(0.1);
    expect(Array.from(cached.query(copy))).toEqual(snapshot);
    cached.clearCache();
    expect(cached.cachedTokens).toBe(0);
    expect(Array.from(cached.query(copy))).toEqual(snapshot);
  });

  it('rejects a bad cache size', () => {
    const s = spec('dualView');
    expect(() => new DualViewForward(s, initParams(s, new Rng(1)), { tokenCache: -1 })).toThrow(/tokenCache/);
  });
});

describe('QueryFeaturizer lexical memo', () => {
  it("hashes an episode's context once over its rounds and gives the same features as a fresh featurizer", async () => {
    const spy = vi.spyOn(LexicalHasher.prototype, 'encode');
    try {
      const base = queryFromSample(dataset.samples.test[0]!);
      const rounds: RetrievalQuery[] = [base, { ...base, feedback: 'Too old, something newer please' }, { ...base, feedback: 'I loved the cast', preference: 'Likes drama' }];
      const featurizer = new QueryFeaturizer(encoders, { lexicalDim: LEXICAL, dataset });
      const memoized = [];
      for (const q of rounds) memoized.push(...(await featurizer.featurize([q])));
      // 3 contexts + 2 feedback texts + 1 preference without the memo; the context is hashed once with it.
      expect(spy.mock.calls.length).toBe(4);
      const fresh = await Promise.all(rounds.map(async (q) => (await new QueryFeaturizer(encoders, { lexicalDim: LEXICAL, dataset }).featurize([q]))[0]!));
      expect(memoized.map((f) => Array.from(f.semantic))).toEqual(fresh.map((f) => Array.from(f.semantic)));
    } finally {
      spy.mockRestore();
    }
  });
});
