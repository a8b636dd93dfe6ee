export * from './text-encoder.js';
export * from './use-lite.js';
export * from './hf-onnx.js';
export * from './hash-encoder.js';
export * from './embedding-cache.js';
