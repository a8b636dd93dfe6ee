// P* lives in src/data/reference-preference.ts (a function of the target's attributes that the env, the teacher
// and the neural agent's reasoning all read); re-exported here for the preference reward's users.
export * from '../src/data/reference-preference.js';
