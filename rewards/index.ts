export * from './types.js';
export * from './components.js';
export * from './weighted-sum.js';
export * from "./reference-preference.js";
export * from './registry.js';
