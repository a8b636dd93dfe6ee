// Public API of the tensor training layer shared by every trainer (retriever, simulator heads, policy, LightGCN).
export * from './tf.js';
export * from './gradient-fixes.js';
export * from './losses.js';
export * from './init.js';
export * from './params.js';
export * from './weights-io.js';
export * from './adam.js';
export * from './batches.js';
export * from './early-stopping.js';
export * from './sparse.js';
export * from './embedding.js';
