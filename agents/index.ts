export * from './types.js';
export * from './baselines.js';
