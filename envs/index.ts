export * from './action.js';
export * from './config.js';
export * from './types.js';
export * from './prompt.js';
export * from './spaces.js';
export * from './crs-env.js';
export * from './components.js';
export * from './register.js';
