// Public API of the trainable neural recommender.
export * from './types.js';
export * from './features.js';
export * from './model.js';
export * from './tf-policy.js';
export * from './reasoning.js';
export * from './recommender.js';
export { ArchiveError, readArchive, writeArchive, writeFileAtomic, encodeArchive, decodeArchive, type Archive, type NamedTensor } from './archive.js';
