// Public API of the learners: SFT on teacher trajectories and multi-turn GRPO / RLOO / REINFORCE.
export { trainSft, type TrainSftOptions, type SftResult, type SftProgress } from './sft.js';
export { trainRl, rolloutSpecs, iterationSamples, type TrainRlOptions, type RlResult, type RlProgress, type IterationStats } from './rl.js';
export {
  GrpoConfigSchema,
  SftConfigSchema,
  resolveRlConfig,
  DEFAULT_REWARD_WEIGHTS,
  RL_ALGORITHMS,
  type GrpoConfig,
  type GrpoConfigInput,
  type ResolvedRlConfig,
  type SftConfig,
  type SftConfigInput,
  type RlAlgorithm,
} from './config.js';
export { createLearner, type Learner } from './learner.js';
export { groupAdvantages, MovingBaseline, padRewards, turnSignal, type AdvantageOptions, type AdvantageMode, type RewardScaling } from './advantages.js';
export { clippedSurrogate, clippedSurrogateTf, k3Kl, k3KlTf, lossWeights, policyGradientTf, type LossType } from './objective.js';
export { Adam, clipGradNorm, type AdamOptions, type AdamState } from './optimizer.js';
export { runEpisode, type EpisodeRecord, type RolloutSpec, type RolloutMode } from './rollout.js';
export { createRunner, type RolloutRunner, type RunnerOptions } from './runner.js';
export { importSetup, importModule, moduleUrl, buildPolicy, loadPolicyPlugins, type SetupModule, type SetupSpec, type PolicySpec, type EnvOverrides } from './setup.js';
export { teacherAction, attributeOverlap } from './teacher.js';
export { summarizeEpisodes, type EpisodeSummary } from './metrics.js';
export { evaluatePolicy, evaluationIds } from './evaluate.js';
export { loadCheckpoint, saveCheckpoint, configHash, type Checkpoint, type CheckpointMeta } from './checkpoint.js';
export { STANDARD_SETUP_MODULE, StandardSetupArgsSchema, type StandardSetupArgs } from './standard-setup.js';
