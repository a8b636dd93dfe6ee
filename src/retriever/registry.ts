// The retriever registry: `retriever` in make()'s options and the baselines' retrievers read it. An entry says
// whether it is the trained dual-view retriever (so the env loads or trains the components first) and builds
// the retriever from the dataset.
import type { Dataset } from '../data/types.js';
import { NamedRegistry } from '../core/named-registry.js';
import { Bm25Retriever } from './bm25.js';
import { PopularityRetriever } from './popularity.js';
import { RepeatRetriever } from './repeat.js';
import { TfidfRetriever } from './tfidf.js';
import type { Retriever } from './types.js';

export interface RetrieverBuildContext {
  dataset: Dataset;
  /** The trained dual-view retriever; present when the entry `needsTrained`. */
  trained?: Retriever;
}

export interface RetrieverEntry {
  /** Needs the trained components (the dual-view retriever). */
  readonly needsTrained: boolean;
  create(ctx: RetrieverBuildContext): Retriever;
}

export const retrievers = new NamedRegistry<RetrieverEntry>('retriever', (entry) => {
  if (typeof entry?.create !== 'function') throw new Error('a retriever entry is { needsTrained, create(ctx) }');
});

retrievers.register(
  'dual-view',
  {
    needsTrained: true,
    create: ({ trained }) => {
      if (trained === undefined) throw new Error("retriever 'dual-view' needs the trained components");
      return trained;
    },
  },
  { description: 'the trained dual-view retriever (text + collaborative views, paper 3.1)' },
);
retrievers.register('bm25', { needsTrained: false, create: ({ dataset }) => new Bm25Retriever(dataset) }, { description: 'BM25 over item text' });
retrievers.register('tfidf', { needsTrained: false, create: ({ dataset }) => new TfidfRetriever(dataset) }, { description: 'TF-IDF over item text' });
retrievers.register('popularity', { needsTrained: false, create: ({ dataset }) => new PopularityRetriever(dataset) }, { description: 'most frequent training targets' });
retrievers.register(
  'repeat',
  { needsTrained: false, create: ({ dataset }) => new RepeatRetriever(new PopularityRetriever(dataset)) },
  { description: 'items mentioned in the dialogue, most recent first, then popularity' },
);
