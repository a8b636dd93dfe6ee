// OpenDialKG (iEvaLM form): its loader and descriptor. src/data/registry.ts registers it with one call.
export * from './load.js';
