export * from './text-encoder.js';
export * from './use-lite.js';
export * from './parallel-encoder.js';
export * from './hf-onnx.js';
export * from './hash-encoder.js';
export * from './embedding-cache.js';
export * from './item-graph.js';
export * from './collaborative.js';
