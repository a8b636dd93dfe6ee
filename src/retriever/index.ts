// Public API of the retriever layer.
export * from './types.js';
export * from './query-text.js';
export * from './popularity.js';
export * from './bm25.js';
export * from './tfidf.js';
export * from './evaluate.js';
export * from './repeat.js';
export * from './features.js';
export * from './dual-view-model.js';
export * from './dual-view.js';
export * from './dual-view-io.js';
export * from './train-config.js';
export * from './train.js';
export * from './variants.js';
export * from './load.js';
