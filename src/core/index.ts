// Public API of the Gymnasium-style core.
export * from './rng.js';
export { deepEqual, findDifference } from './deep-equal.js';
export * from './spaces.js';
export * from './env.js';
export * from './wrappers.js';
export * from './registry.js';
export * from './check-env.js';
export * from './vector.js';
export * from './async-vector.js';
export * from './wire.js';
export { crsGymHome, artifactsRoot, embeddingsDir, userCacheDir, setHome, HOME_ENV_VAR, type Home, type HomeOptions } from './home.js';
export { onProgress, stageProgress, withStageProgress, etaSeconds, formatSeconds, PROGRESS_ENV_VAR, type ProgressEvent, type ProgressListener, type StageProgress } from './progress.js';
