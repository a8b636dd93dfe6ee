// crs-gym's public API. Importing it loads no model and starts no worker: heavy pieces load on first use.
export * from './core/index.js';
export * from './data/index.js';
export * from './config/load.js';
export * from './llm/index.js';
