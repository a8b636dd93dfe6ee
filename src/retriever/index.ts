// Public API of the retriever layer.
export * from './types.js';
export * from './query-text.js';
export * from './popularity.js';
export * from './bm25.js';
export * from './tfidf.js';
export * from './evaluate.js';
export * from './repeat.js';
