export * from './types.js';
export * from './baselines.js';
export * from './llm-agent.js';
export * from './neural/index.js';
export * from './trainable.js';
export * from './policies.js';
