// TrainablePolicy: what the RL learners (GRPO, RLOO, REINFORCE; src/learners/rl.ts) need of a policy, and all
// they know of it. A policy acts and records the log-probability of the action it took; recomputes that
// log-probability, differentiably, under parameters the learner passes as tensors; exposes its parameters as
// flat Float32Arrays (the optimizer updates them in place, the runner broadcasts them to rollout workers);
// saves and loads itself; and gives a frozen reference copy (the KL term's pi_ref).
// NeuralRecommender (agents/neural/) is one; examples/linear-policy/ is a second, small one.
import type { Tensor, Tensor1D } from '@tensorflow/tfjs';
import type { Tf } from '../src/nn/tf.js';
import type { Rng } from '../src/core/rng.js';
import type { CrsAction } from '../envs/action.js';
import type { CrsObservation } from '../envs/types.js';
import type { Agent } from './types.js';

/** 'sample' draws from the policy (training rollouts); 'greedy' takes its mode (evaluation). */
export type ActMode = 'sample' | 'greedy';

/**
 * One decision as a learner sees it. Plain data and typed arrays only (it crosses worker threads by structured
 * clone); a policy extends it with whatever it needs to recompute the log-probability (its inputs, its action).
 */
export interface PolicyStep {
  sampleId: string;
  /** 1-based round t. */
  turn: number;
  /** log pi_old(action) at rollout time. */
  logProb: number;
  /** Entropies of the policy's distributions at this step, by name (logged as entropy_<name>; optional). */
  entropy?: Readonly<Record<string, number>>;
  /** The env's per-component rewards of this turn (info.rewards), filled in after env.step. */
  rewards: Record<string, number>;
  /** The env's reward of this turn (its weighted sum of `rewards`), filled in after env.step. */
  reward: number;
}

/** A flat, ordered view of one parameter tensor. */
export interface ParameterView {
  name: string;
  shape: number[];
  /** The live values (row-major); optimizers update them in place. */
  data: Float32Array;
}

/** A batch of recorded steps in the policy's own tensor layout. */
export interface DisposableBatch {
  dispose(): void;
}

export interface TrainablePolicy<Step extends PolicyStep = PolicyStep, Batch extends DisposableBatch = DisposableBatch> extends Agent {
  /** Acts and returns the step record a learner needs (its `rewards` and `reward` are filled in by the rollout). */
  actWithRecord(observation: CrsObservation, rng: Rng, opts?: { mode?: ActMode }): Promise<{ action: CrsAction; record: Step }>;
  /** The live parameters, in a fixed order (the order of getWeights, setWeights and logProbs' `params`). */
  readonly parameters: readonly ParameterView[];
  /** Copies of the weights, in `parameters` order (safe to transfer to a worker). */
  getWeights(): Float32Array[];
  setWeights(buffers: readonly Float32Array[]): void;
  /** Tensors for a batch of recorded steps (the caller disposes them). */
  makeBatch(tf: Tf, records: readonly Step[]): Batch;
  /**
   * log pi(action) of each step of the batch, differentiable in `params` (tensors of `parameters`' shapes, in
   * that order); without `params`, under the current weights.
   */
  logProbs(tf: Tf, batch: Batch, params?: readonly Tensor[]): Tensor1D;
  /** Writes the policy (weights and whatever it needs to be rebuilt) to `dir`. */
  save(dir: string): Promise<void>;
  /** A policy saved by `save(dir)`, built like this one (same features, same encoders). */
  load(dir: string): Promise<TrainablePolicy<Step, Batch>>;
  /** A copy whose weights cannot change, with `weights` (default: the current ones): the KL term's reference. */
  reference(weights?: readonly Float32Array[]): TrainablePolicy<Step, Batch>;
}

/** Tensors of the policy's current (or given) weights, in `parameters` order; the caller disposes them. */
export function parameterTensors(tf: Tf, policy: Pick<TrainablePolicy, 'parameters'>, weights?: readonly Float32Array[]): Tensor[] {
  return policy.parameters.map((p, i) => tf.tensor(weights ? (weights[i] as Float32Array) : p.data, p.shape));
}

/** Whether `value` has the methods of a TrainablePolicy (plugins are checked before a run starts). */
export function isTrainablePolicy(value: unknown): value is TrainablePolicy {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    ['act', 'actWithRecord', 'getWeights', 'setWeights', 'makeBatch', 'logProbs', 'save', 'load', 'reference'].every((m) => typeof v[m] === 'function') &&
    Array.isArray(v['parameters'])
  );
}
