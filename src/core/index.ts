// Public API of the Gymnasium-style core.
export * from './rng.js';
