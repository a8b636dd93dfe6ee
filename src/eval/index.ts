export * from './metrics.js';
export * from './stats-tests.js';
export * from './protocol.js';
export * from './subsets.js';
export * from './plots.js';
export * from './report.js';
export * from './files.js';
