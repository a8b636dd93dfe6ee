// TF-IDF cosine similarity over item text, on the same inverted index as BM25.
import type { Dataset } from '../data/types.js';
import { SparseLexicalRetriever } from './bm25.js';
import type { LexicalQueryOptions, Posting } from './bm25.js';

export type TfidfOptions = LexicalQueryOptions;

/**
 * Cosine between sublinear TF-IDF vectors: weight (1 + ln tf) * idf with the smoothed idf
 * ln((N + 1) / (df + 1)) + 1; scores lie in [0, 1].
 */
export class TfidfRetriever extends SparseLexicalRetriever {
  readonly name = 'tfidf';
  private readonly docNorms: Float64Array;

  constructor(dataset: Dataset, options: TfidfOptions = {}) {
    super(dataset, options);
    // Item vector norms need every term's weight once; computed here so queries stay sparse.
    const sq = new Float64Array(this.items.length);
    for (const [term, posting] of this.index.postings) {
      const idf = this.idf(term);
      posting.docs.forEach((doc, p) => {
        sq[doc] = (sq[doc] as number) + (tfWeight(posting.tfs[p] as number) * idf) ** 2;
      });
    }
    this.docNorms = sq.map(Math.sqrt);
  }

  idf(term: string): number {
    return Math.log((this.index.nDocs + 1) / (this.index.df(term) + 1)) + 1;
  }

  protected postingWeights(term: string, posting: Posting): Float32Array {
    const idf = this.idf(term);
    return Float32Array.from(posting.docs, (doc, p) => {
      const norm = this.docNorms[doc] as number;
      return norm > 0 ? (tfWeight(posting.tfs[p] as number) * idf) / norm : 0;
    });
  }

  protected queryWeight(term: string, qtf: number): number {
    return tfWeight(qtf) * this.idf(term);
  }

  protected override scale(queryTerms: ReadonlyMap<string, number>): number {
    let sq = 0;
    for (const [term, qtf] of queryTerms) {
      // Terms absent from the catalogue still count in the query norm, as in a plain cosine.
      sq += (tfWeight(qtf) * this.idf(term)) ** 2;
    }
    return sq > 0 ? 1 / Math.sqrt(sq) : 0;
  }
}

function tfWeight(tf: number): number {
  return tf > 0 ? 1 + Math.log(tf) : 0;
}
