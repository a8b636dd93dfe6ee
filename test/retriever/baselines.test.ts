import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Item } from '../../src/data/types.js';
import {
  Bm25Retriever,
  evaluateRetriever,
  itemText,
  lexicalQueryText,
  maskQuery,
  PopularityRetriever,
  queryFromSample,
  queryText,
  retrieveRankings,
  TfidfRetriever,
  tokenize,
  topKByScore,
} from '../../src/retriever/index.js';
import type { RetrievalQuery } from '../../src/retriever/index.js';
import { ITEMS, largeDataset, tinyDataset } from './fixtures.js';

const fullQuery: RetrievalQuery = {
  context: [
    { role: 'recommender', text: 'Hi there', items: [], entities: [] },
    { role: 'seeker', text: ' I want a horror film ', items: ['m2'], entities: ['Horror'] },
    { role: 'recommender', text: 'How about Alien?', items: ['m0'], entities: [] },
  ],
  contextItems: ['m2', 'm0'],
  contextEntities: ['Horror'],
  feedback: 'Too old, something newer',
  preference: 'Likes horror',
  previousList: ['m0', 'm3'],
};

describe('maskQuery', () => {
  it('keeps everything by default and blanks each switched-off part', () => {
    expect(maskQuery(fullQuery)).toEqual(fullQuery);
    const m = maskQuery(fullQuery, { usePreference: false, usePreviousList: false, useFeedback: false });
    expect(m).toEqual({ context: fullQuery.context, contextItems: ['m2', 'm0'], contextEntities: ['Horror'] });
    expect('preference' in m).toBe(false);
    const noCtx = maskQuery(fullQuery, { useContext: false, useContextItems: false });
    expect(noCtx.context).toEqual([]);
    expect(noCtx.contextItems).toEqual([]);
    expect(noCtx.contextEntities).toEqual([]);
    expect(noCtx.feedback).toBe(fullQuery.feedback);
    expect(noCtx.previousList).toEqual(['m0', 'm3']);
  });
});

describe('queryText and itemText', () => {
  it('writes the last utterances with role labels, then feedback and preference', () => {
    expect(queryText(fullQuery)).toBe(
      'Recommender: Hi there\nUser: I want a horror film\nRecommender: How about Alien?\n' +
        'Feedback: Too old, something newer\nPreference: Likes horror',
    );
    expect(queryText(fullQuery, { maxUtterances: 1 })).toBe(
      'Recommender: How about Alien?\nFeedback: Too old, something newer\nPreference: Likes horror',
    );
    expect(queryText({ ...fullQuery, feedback: '  ', preference: undefined }, { maxUtterances: 0 })).toBe('');
    expect(() => queryText(fullQuery, { maxUtterances: -1 })).toThrow(/maxUtterances/);
  });

  it('writes an item as title, attributes and description', () => {
    expect(itemText(ITEMS[2] as Item)).toBe(
      'The Shining (1980). Genre: Horror. Director: Stanley Kubrick. Actor: Jack Nicholson. A writer goes mad in an empty hotel.',
    );
  });

  it('adds context item titles, attributes and entities to the lexical query', () => {
    const text = lexicalQueryText(maskQuery(fullQuery, { useFeedback: false }), tinyDataset().itemById);
    expect(text).toContain('The Shining (1980)');
    expect(text).toContain('Director: Ridley Scott.');
    expect(text).not.toContain('Feedback');
  });

  it('tokenizes to lower-case content words with accents folded', () => {
    expect(tokenize("Amélie, I don't like THE 2001 films!")).toEqual(['amelie', 'like', '2001', 'films']);
  });
});

describe('topKByScore', () => {
  const items = Array.from({ length: 30 }, (_, i) => ({ id: `i${i}`, index: i }) as Item);
  const brute = (scores: number[], k: number, exclude: Set<string>): string[] =>
    scores
      .map((s, i) => ({ s, i }))
      .filter(({ i }) => !exclude.has(`i${i}`))
      .sort((a, b) => b.s - a.s || a.i - b.i)
      .slice(0, k)
      .map(({ i }) => `i${i}`);

  it('breaks ties by ascending item index', () => {
    const scores = [1, 3, 3, 0, 3, ...Array(25).fill(0)] as number[];
    expect(topKByScore(scores, items, 4).map((s) => s.id)).toEqual(['i1', 'i2', 'i4', 'i0']);
    expect(topKByScore(scores, items, 0)).toEqual([]);
    const withNaN = [Number.NaN, 1, Number.NaN, 2, ...Array(26).fill(-1)] as number[];
    expect(topKByScore(withNaN, items, 30).map((s) => s.id).slice(0, 2)).toEqual(['i3', 'i1']);
    expect(topKByScore(withNaN, items, 30).map((s) => s.id).slice(-2)).toEqual(['i0', 'i2']);
  });

  it('equals a full sort, with and without a sparse candidate set', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 30, maxLength: 30 }),
        fc.integer({ min: 1, max: 35 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 29 }), { maxLength: 5 }),
        (raw, k, ex) => {
          const exclude = new Set(ex.map((i) => `i${i}`));
          const expected = brute(raw, k, exclude);
          expect(topKByScore(raw, items, k, exclude).map((s) => s.id)).toEqual(expected);
          const candidates = raw.flatMap((s, i) => (s !== 0 ? [i] : []));
          expect(topKByScore(raw, items, k, exclude, candidates, 0).map((s) => s.id)).toEqual(expected);
        },
      ),
    );
  });
});

describe('PopularityRetriever', () => {
  const ds = tinyDataset();
  const pop = new PopularityRetriever(ds);

  it('ranks by train-target count, then mentions, then index', async () => {
    const list = await pop.retrieve(fullQuery, 8);
    expect(list.map((s) => s.id)).toEqual(['m4', 'm5', 'm1', 'm0', 'm3', 'm2', 'm6', 'm7']);
    for (let i = 1; i < list.length; i++) expect(list[i]!.score).toBeLessThanOrEqual(list[i - 1]!.score);
    expect(Math.floor(list[0]!.score)).toBe(2);
  });

  it('honours k and exclude, and ignores the query', async () => {
    expect((await pop.retrieve(fullQuery, 3, new Set(['m4', 'm1']))).map((s) => s.id)).toEqual(['m5', 'm0', 'm3']);
    expect(await pop.retrieve({ context: [], contextItems: [], contextEntities: [] }, 20)).toHaveLength(8);
    expect(await pop.retrieve(fullQuery, 2)).toEqual(await pop.retrieve(maskQuery(fullQuery, { useContext: false }), 2));
    await expect(pop.retrieve(fullQuery, -1)).rejects.toThrow(/non-negative integer/);
  });

  it('names a dataset whose item indices are broken', () => {
    const bad = { ...tinyDataset(), items: ITEMS.map((it) => ({ ...it, index: it.index + 1 })) };
    expect(() => new PopularityRetriever(bad)).toThrow(/dataset tiny: item indices must be 0\.\.7/);
  });
});

describe('lexical retrievers', () => {
  const ds = tinyDataset();
  const bm25 = new Bm25Retriever(ds);
  const tfidf = new TfidfRetriever(ds);
  const [horror, cartoon, scifi, crime] = ds.samples.test.map(queryFromSample) as RetrievalQuery[];

  it.each([
    ['bm25', bm25],
    ['tfidf', tfidf],
  ] as const)('%s puts the obvious item first', async (_name, r) => {
    expect((await r.retrieve(horror!, 2)).map((s) => s.id)).toContain('m2');
    expect((await r.retrieve(crime!, 1))[0]!.id).toBe('m5');
    expect((await r.retrieve(scifi!, 3)).map((s) => s.id).slice(0, 2).sort()).toEqual(['m0', 'm3']);
    const kids = (await r.retrieve(cartoon!, 3)).map((s) => s.id);
    expect(kids.slice(0, 2).sort()).toEqual(['m1', 'm4']);
  });

  it('is deterministic across calls and fills up with zero scores by index', async () => {
    const first = await bm25.retrieve(crime!, 8);
    await bm25.retrieve(horror!, 8);
    expect(await bm25.retrieve(crime!, 8)).toEqual(first);
    expect(first).toHaveLength(8);
    const zeros = first.filter((s) => s.score === 0).map((s) => s.id);
    expect(zeros).toEqual([...zeros].sort());
    const empty = await bm25.retrieve({ context: [], contextItems: [], contextEntities: [] }, 3);
    expect(empty.map((s) => s.id)).toEqual(['m0', 'm1', 'm2']);
  });

  it('never returns excluded items', async () => {
    const out = await bm25.retrieve(crime!, 8, new Set(['m5', 'm0']));
    expect(out.map((s) => s.id)).not.toContain('m5');
    expect(out).toHaveLength(6);
  });

  it('bm25 matches a dense reference implementation', async () => {
    const big = largeDataset(400);
    const r = new Bm25Retriever(big, { k1: 1.5, b: 0.6 });
    const docs = big.items.map((it) => tokenize(itemText(it)));
    const N = docs.length;
    const avg = docs.reduce((s, d) => s + d.length, 0) / N;
    const df = new Map<string, number>();
    for (const d of docs) for (const t of new Set(d)) df.set(t, (df.get(t) ?? 0) + 1);
    for (const text of ['topic7 and place3 with g4 actor12', 'word5 word5 topic5 film 1960', 'nothing matches zzz']) {
      const q: RetrievalQuery = { context: [{ role: 'seeker', text, items: [], entities: [] }], contextItems: [], contextEntities: [] };
      const qTokens = tokenize(lexicalQueryText(q, big.itemById));
      const dense = docs.map((d) => {
        let s = 0;
        for (const t of qTokens) {
          const tf = d.filter((x) => x === t).length;
          if (tf === 0) continue;
          const n = df.get(t)!;
          const idf = Math.log(1 + (N - n + 0.5) / (n + 0.5));
          s += (idf * tf * 2.5) / (tf + 1.5 * (1 - 0.6 + (0.6 * d.length) / avg));
        }
        return s;
      });
      const got = await r.retrieve(q, 15);
      const expected = topKByScore(dense, big.items, 15);
      expect(got.map((s) => s.id)).toEqual(expected.map((s) => s.id));
      got.forEach((s, i) => expect(s.score).toBeCloseTo(expected[i]!.score, 4));
    }
  });

  it('tfidf scores are cosines in [0, 1], and an item\'s own text scores about 1', async () => {
    const q: RetrievalQuery = {
      context: [{ role: 'seeker', text: itemText(ITEMS[6] as Item), items: [], entities: [] }],
      contextItems: [],
      contextEntities: [],
    };
    const out = await tfidf.retrieve(q, 8);
    expect(out[0]!.id).toBe('m6');
    expect(out[0]!.score).toBeGreaterThan(0.9);
    for (const s of out) expect(s.score >= 0 && s.score <= 1 + 1e-6).toBe(true);
  });

  it('rejects bad parameters with a clear message', () => {
    expect(() => new Bm25Retriever(ds, { b: 2 })).toThrow(/b must be in \[0, 1\]/);
    expect(() => new Bm25Retriever(ds, { k1: -1 })).toThrow(/k1 must be >= 0/);
  });
});

describe('evaluateRetriever', () => {
  const ds = tinyDataset();

  it('returns recall@{1,10,20,50} and ndcg@20 by default', async () => {
    const report = await evaluateRetriever(new PopularityRetriever(ds), ds.samples.test, ds);
    expect(Object.keys(report)).toEqual(['recall@1', 'recall@10', 'recall@20', 'recall@50', 'ndcg@20']);
    // Popularity list m4 m5 m1 m0 m3 ...; test targets m0 m4 m3 m5 m0 -> ranks 4 1 5 2 4.
    expect(report['recall@1']).toBeCloseTo(1 / 5, 12);
    expect(report['recall@10']).toBe(1);
    const expectedNdcg = [4, 1, 5, 2, 4].reduce((s, r) => s + 1 / Math.log2(r + 1), 0) / 5;
    expect(report['ndcg@20']).toBeCloseTo(expectedNdcg, 12);
  });

  it('builds cold-start queries and can exclude mentioned items', async () => {
    const sample = ds.samples.test[0]!;
    expect(queryFromSample(sample)).toEqual({
      context: sample.context,
      contextItems: ['m2'],
      contextEntities: ['Horror'],
    });
    const bm25 = new Bm25Retriever(ds);
    const kept = await retrieveRankings(bm25, ds.samples.test, 3);
    expect(kept[0]!.ranking).toContain('m2');
    const excluded = await retrieveRankings(bm25, ds.samples.test, 3, { excludeContextItems: true });
    excluded.forEach((r, i) => ds.samples.test[i]!.contextItems.forEach((id) => expect(r.ranking).not.toContain(id)));
    const report = await evaluateRetriever(bm25, ds.samples.test, ds, { ks: [1, 3], ndcgK: 3, excludeContextItems: true });
    expect(Object.keys(report)).toEqual(['recall@1', 'recall@3', 'ndcg@3']);
    await expect(evaluateRetriever(bm25, ds.samples.test, ds, { ks: [0] })).rejects.toThrow(/positive integer/);
  });
});
