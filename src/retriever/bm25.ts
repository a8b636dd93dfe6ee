// Okapi BM25 over item text, and the lexical pieces it shares with the TF-IDF baseline: a tokenizer, an
// inverted index over the catalogue, and the query's lexical text.
import type { Dataset, Item, ItemId } from '../data/types.js';
import { attributesText, itemText, queryText } from './query-text.js';
import { checkRetrieveK, itemsByIndex, topKByScore } from './types.js';
import type { RetrievalQuery, Retriever, ScoredItem } from './types.js';

// Common English function words plus chat openers; they match nearly every item or carry no content.
const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between ' +
    'both but by can could did do does doing down during each few for from further had has have having he her ' +
    'here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not ' +
    'now of off on once only or other our ours ourselves out over own same she should so some such than that the ' +
    'their theirs them themselves then there these they this those through to too under until up very was we were ' +
    'what when where which while who whom why will with would you your yours yourself yourselves im ive id dont ' +
    'didnt doesnt isnt wasnt cant wont thats whats youre youve ill hi hello hey thanks thank ok okay yes yeah ' +
    'oh um well also really much many get got one'
  ).split(' '),
);

/** Lower-cased word and number tokens, accents folded, apostrophes dropped (don't -> dont), stopwords out. */
export function tokenize(text: string): string[] {
  const folded = text.toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '').replace(/['\u2019]/g, '');
  const out: string[] = [];
  for (const match of folded.matchAll(/[\p{L}\p{N}]+/gu)) {
    const token = match[0];
    if (token.length > 1 && !STOPWORDS.has(token)) out.push(token);
  }
  return out;
}

/** Term -> count. */
export function termCounts(tokens: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}

export interface Posting {
  /** Item indices (ascending). */
  docs: Int32Array;
  /** Term frequency in each of those items. */
  tfs: Float32Array;
}

/** Term -> postings over the catalogue, with item lengths in tokens. */
export class InvertedIndex {
  readonly postings = new Map<string, Posting>();
  readonly docLengths: Float32Array;
  readonly avgDocLength: number;
  readonly nDocs: number;

  constructor(docs: readonly (readonly string[])[]) {
    this.nDocs = docs.length;
    this.docLengths = new Float32Array(docs.length);
    const lists = new Map<string, { docs: number[]; tfs: number[] }>();
    docs.forEach((tokens, doc) => {
      this.docLengths[doc] = tokens.length;
      for (const [term, tf] of termCounts(tokens)) {
        let list = lists.get(term);
        if (list === undefined) lists.set(term, (list = { docs: [], tfs: [] }));
        list.docs.push(doc);
        list.tfs.push(tf);
      }
    });
    for (const [term, list] of lists) {
      this.postings.set(term, { docs: Int32Array.from(list.docs), tfs: Float32Array.from(list.tfs) });
    }
    const total = this.docLengths.reduce((a, b) => a + b, 0);
    this.avgDocLength = docs.length > 0 ? total / docs.length : 0;
  }

  df(term: string): number {
    return this.postings.get(term)?.docs.length ?? 0;
  }
}

export interface LexicalQueryOptions {
  /** Dialogue utterances kept in the query (all when absent). */
  maxUtterances?: number;
}

/**
 * The query as lexical retrievers read it: `queryText` plus the titles and attributes of the context items
 * and the context entities. Unknown item ids are skipped.
 */
export function lexicalQueryText(
  query: RetrievalQuery,
  itemById: ReadonlyMap<ItemId, Item>,
  options: LexicalQueryOptions = {},
): string {
  const parts = [queryText(query, options)];
  for (const id of query.contextItems) {
    const item = itemById.get(id);
    if (item !== undefined) parts.push(item.title, attributesText(item));
  }
  parts.push(...query.contextEntities);
  return parts.join('\n');
}

/**
 * Sparse scorer shared by BM25 and TF-IDF: per-posting weights are precomputed, a query adds
 * `queryWeight(term) * weight(term, item)` over the postings of its terms only.
 */
export abstract class SparseLexicalRetriever implements Retriever {
  abstract readonly name: string;
  protected readonly items: Item[];
  protected readonly itemById: ReadonlyMap<ItemId, Item>;
  protected readonly index: InvertedIndex;
  private readonly weights = new Map<string, Float32Array>();
  private readonly scores: Float64Array;
  private readonly touched: Int32Array;
  private readonly isTouched: Uint8Array;
  private readonly options: LexicalQueryOptions;

  protected constructor(dataset: Dataset, options: LexicalQueryOptions) {
    this.items = itemsByIndex(dataset);
    this.itemById = dataset.itemById;
    this.options = options;
    this.index = new InvertedIndex(this.items.map((item) => tokenize(itemText(item))));
    this.scores = new Float64Array(this.items.length);
    this.touched = new Int32Array(this.items.length);
    this.isTouched = new Uint8Array(this.items.length);
  }

  /** Weight of `term` in the item at each of its postings. */
  protected abstract postingWeights(term: string, posting: Posting): Float32Array;
  /** Weight of a query term that occurs `qtf` times. */
  protected abstract queryWeight(term: string, qtf: number): number;
  /** Factor multiplied into every query weight (TF-IDF: 1 / query norm); 1 by default. */
  protected scale(_queryTerms: ReadonlyMap<string, number>): number {
    return 1;
  }

  private weightsOf(term: string, posting: Posting): Float32Array {
    let w = this.weights.get(term);
    if (w === undefined) this.weights.set(term, (w = this.postingWeights(term, posting)));
    return w;
  }

  async retrieve(query: RetrievalQuery, k: number, exclude?: ReadonlySet<ItemId>): Promise<ScoredItem[]> {
    checkRetrieveK(k, this.name);
    const terms = termCounts(tokenize(lexicalQueryText(query, this.itemById, this.options)));
    const factor = this.scale(terms);
    let nTouched = 0;
    try {
      for (const [term, qtf] of terms) {
        const posting = this.index.postings.get(term);
        if (posting === undefined) continue;
        const q = this.queryWeight(term, qtf) * factor;
        const w = this.weightsOf(term, posting);
        for (let p = 0; p < posting.docs.length; p++) {
          const doc = posting.docs[p] as number;
          if (this.isTouched[doc] === 0) {
            this.isTouched[doc] = 1;
            this.touched[nTouched++] = doc;
          }
          this.scores[doc] = (this.scores[doc] as number) + q * (w[p] as number);
        }
      }
      return topKByScore(this.scores, this.items, k, exclude, this.touched.subarray(0, nTouched), 0);
    } finally {
      // Reset only what this query touched, so the next query starts from zeros without a dense pass.
      for (let t = 0; t < nTouched; t++) {
        const doc = this.touched[t] as number;
        this.scores[doc] = 0;
        this.isTouched[doc] = 0;
      }
    }
  }
}

export interface Bm25Options extends LexicalQueryOptions {
  /** Term-frequency saturation (default 1.2). */
  k1?: number;
  /** Length normalisation, 0..1 (default 0.75). */
  b?: number;
}

/** Okapi BM25 with the non-negative idf ln(1 + (N - df + 0.5) / (df + 0.5)); query terms count qtf times. */
export class Bm25Retriever extends SparseLexicalRetriever {
  readonly name = 'bm25';
  readonly k1: number;
  readonly b: number;

  constructor(dataset: Dataset, options: Bm25Options = {}) {
    super(dataset, options);
    this.k1 = options.k1 ?? 1.2;
    this.b = options.b ?? 0.75;
    if (!(this.k1 >= 0)) throw new RangeError(`Bm25Retriever: k1 must be >= 0, got ${options.k1}`);
    if (!(this.b >= 0 && this.b <= 1)) throw new RangeError(`Bm25Retriever: b must be in [0, 1], got ${options.b}`);
  }

  idf(term: string): number {
    const df = this.index.df(term);
    return Math.log(1 + (this.index.nDocs - df + 0.5) / (df + 0.5));
  }

  protected postingWeights(term: string, posting: Posting): Float32Array {
    const idf = this.idf(term);
    const avg = this.index.avgDocLength || 1;
    return Float32Array.from(posting.docs, (doc, p) => {
      const tf = posting.tfs[p] as number;
      const norm = 1 - this.b + (this.b * (this.index.docLengths[doc] as number)) / avg;
      return (idf * tf * (this.k1 + 1)) / (tf + this.k1 * norm);
    });
  }

  protected queryWeight(_term: string, qtf: number): number {
    return qtf;
  }
}
