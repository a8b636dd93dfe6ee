// Ranking metrics live in src/data/rank-metrics.ts (the retriever's evaluation reads them too, and it sits below
// eval/); re-exported here for the eval layer's users.
export * from '../data/rank-metrics.js';
