export * from './types.js';
export * from './baselines.js';
export * from './llm-agent.js';
export * from './neural/index.js';
