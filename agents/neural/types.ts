// The contract between trainable agents and the learners (SFT, GRPO, RLOO, REINFORCE).
import type { Tf } from '../../src/nn/tf.js';
import type { Rng } from '../../src/core/rng.js';
import type { StructuredAction } from '../../envs/action.js';
import type { CrsObservation } from '../../envs/types.js';
import type { ActMode, ParameterView, PolicyStep, TrainablePolicy } from '../trainable.js';
import type { StepInputs } from './features.js';
import type { TfBatch, TfLogProbs, TfParams } from './tf-policy.js';

export type { ActMode, ParameterView } from '../trainable.js';

/**
 * One decision as a learner sees it: the inputs needed to recompute log pi(action), the action, and what
 * it earned. Plain data and typed arrays only, so it crosses worker threads by structured clone.
 */
export interface StepRecord extends PolicyStep {
  inputs: StepInputs;
  /** Chosen candidate indices (into the observation's candidates), best first. */
  ranking: Int32Array;
  /** Chosen attribute-option indices; the STOP index (inputs.a - 1) last when it was drawn. */
  attributes: Int32Array;
  /** log pi_old(action) at rollout time = rankingLogProb + attributeLogProb. */
  logProb: number;
  rankingLogProb: number;
  attributeLogProb: number;
  /** First-position entropies of the ranking and attribute distributions. */
  entropy: { ranking: number; attributes: number };
  /** False when a teacher could not express its preference with the options (SFT then skips that term). */
  supervisedAttributes: boolean;
  /**
   * Set by teacher rollouts (SFT): the candidate index of the target, -1 when it is not among the
   * candidates. The 'target' SFT loss trains on it alone. Absent in policy rollouts.
   */
  targetIndex?: number;
}

export interface ActResult {
  action: StructuredAction;
  record: StepRecord;
}

/** A forced action (teacher forcing): candidate and option indices to record instead of sampling. */
export interface ForcedAction {
  ranking: number[];
  /** Option indices; STOP is appended automatically when fewer than the maximum are given. */
  attributes: number[];
  supervisedAttributes?: boolean;
  /** The target's candidate index (-1: not among the candidates), copied into the record. */
  targetIndex?: number;
}

/** The neural recommender's side of the learners: a TrainablePolicy, plus teacher forcing and per-head log-probs (SFT). */
export interface TrainableAgent extends TrainablePolicy<StepRecord, TfBatch> {
  /** 'sample' draws from the policy (training rollouts); 'greedy' takes its mode (evaluation). */
  mode: ActMode;
  /** The live parameters, in a fixed order (the same order as getWeights). */
  readonly parameters: ParameterView[];
  /** Acts and returns the record a learner needs; `forced` records a given action instead of sampling. */
  actWithRecord(observation: CrsObservation, rng: Rng, opts?: { mode?: ActMode; forced?: ForcedAction }): Promise<ActResult>;
  /** Padded tensors for a batch of records (dispose after use). */
  makeBatch(tf: Tf, records: readonly StepRecord[]): TfBatch;
  /** Differentiable log pi(action) of each record, under `params` (default: the current parameters). */
  logProb(tf: Tf, batch: TfBatch, params?: TfParams): TfLogProbs;
  /** The parameters as tensors, for tf.grads (the caller disposes them). */
  parameterTensors(tf: Tf): TfParams;
  /** An independent copy with the same weights (shares read-only caches). */
  clone(): TrainableAgent;
  /** A copy whose weights cannot change: the reference policy of the KL term. */
  frozen(): TrainableAgent;
}
