// Moved to src/core/stage-cache.ts (envs use it, and envs sit below the pipeline); re-exported for old imports.
export * from '../core/stage-cache.js';
