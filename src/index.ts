// crs-gym's public API. Importing it loads no model and starts no worker: models load on first use,
// workers start when a vector env or a learner with workers is built.
export * from './core/index.js';
export * from './data/index.js';
export * from './config/load.js';
export * from './llm/index.js';
export * from './encoders/index.js';
export * from './retriever/index.js';
export * from './simulator/index.js';
export * from './eval/index.js';
export * from './learners/index.js';
export * from '../rewards/index.js';
export * from '../envs/index.js';
export * from '../agents/index.js';
export { reproduce, PROFILES, type ReproduceOptions } from './pipeline/reproduce.js';
export { runEvaluation, type RunEvalOptions, type EvalSetup } from './pipeline/run-eval.js';
export { EvalPool } from './pipeline/eval-pool.js';
export { resolveAgentSpec, describeAgentSpec, baselineSpecs, agentChoices } from './pipeline/agent-spec.js';
export { CRS_SETUP_MODULE } from './pipeline/crs-setup.js';
// For plugin authors (docs/extending.md): the registries a plugin's default export receives, and loading plugins in code.
export * from './plugins/index.js';
export { simulators, type SimulatorBuildContext, type SimulatorEntry } from './simulator/registry.js';
export { retrievers, type RetrieverBuildContext, type RetrieverEntry } from './retriever/registry.js';
export { agents, agentModules, isAgent, type AgentBuildContext, type AgentEntry } from '../agents/registry.js';
export { NamedRegistry, type NamedEntry, type NamedRegisterOptions } from './core/named-registry.js';
// Names two layers both export: the env's item view and the eval layer's atomic writer are the public ones.
export type { ItemView } from '../envs/types.js';
export type { ItemView as SimulatorItemView } from './simulator/types.js';
export { writeFileAtomic } from './eval/files.js';
export * from './export/index.js';
export * from './remote/index.js';
export { initParams as initPolicyParams, paramShapes as policyParamShapes } from '../agents/neural/model.js';
export { initParams as initDualViewParams, paramShapes as dualViewParamShapes } from './retriever/dual-view-model.js';
export { initParams, paramShapes } from '../agents/neural/model.js';
