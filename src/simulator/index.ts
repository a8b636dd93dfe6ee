// Public API of the user-simulator layer (paper 3.2): the label-free input, the multi-task simulator and
// its variants (single-task = the same class trained on one task, dialogue rule, blind, noisy, oracle, LLM).
export * from './types.js';
export { MultiTaskSimulator, type SimulatorEncoders, type SimulatorAnalysis } from './multi-task.js';
export { MultiTaskConfigSchema, type MultiTaskConfig, type MultiTaskConfigInput } from './config.js';
export type { SimulatorMetrics, SimulatorThresholds, SimulatorTrainProgress } from './train.js';
export { targetPopularity } from './train.js';
export { DialogueRuleSimulator, type DialogueRuleOptions } from './dialogue-rule.js';
export { BlindSimulator, NoisySimulator } from './wrappers.js';
export { OracleSimulator, type OracleOptions } from './oracle.js';
export { LlmSimulator, renderSimulatorPrompt, cleanReply, SIMULATOR_SYSTEM_PROMPT, ACCEPT_MARKER, type LlmSimulatorOptions } from './llm.js';
export { CHITCHAT_LINES, chitchat } from './chitchat.js';
export { NameGuard, type NamedItem } from './name-guard.js';
export { NegativeSampler, judgmentInstances, type ConstructedLists, type JudgmentInstance, type ListKind } from './lists.js';
export { AttributeVocab, VOCAB_KINDS, type AttributeVocabEntry, type VocabKind } from './vocab.js';
export type { CollaborativeView, TextEncoderLike } from './features.js';
export { spokenTitle, spokenAttribute } from './text.js';
