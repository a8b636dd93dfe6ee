// Typed, documented configs of the learners. Field names follow TRL's GRPOConfig / SFTConfig where TRL has
// the knob (num_generations, beta, epsilon, loss_type, scale_rewards, reward_weights, ...); the rest are
// ours and say so. Defaults follow the paper (section 3.4.1) where it gives one, except the learning
// rates: the paper's 1e-5 / 5e-5 are for LoRA on an 8B LLM, far too small for this small policy network.
import { z } from 'zod';
import { ConfigError, parseConfig } from '../config/load.js';
import { DEFAULT_REWARD_WEIGHTS } from '../../rewards/weighted-sum.js';

/** A registered learner's name (src/learners/registry.ts): 'grpo', 'rloo', 'reinforce' built in. */
export type RlAlgorithm = string;

export { DEFAULT_REWARD_WEIGHTS };

/**
 * reward_weights: the env's reward weights for this run, by component name (info.rewards). The env weights the
 * components (it owns the reward); the learner hands these to every env copy it builds and optimizes the env's
 * reward as it comes. Merged over the defaults by the env (a null weight leaves a component out). null: the env's own weights (DEFAULT_REWARD_WEIGHTS unless its config says otherwise).
 */
const RewardWeightsField = z.record(z.string(), z.number().finite().nullable()).nullable().default(null);

const optimizerFields = {
  /** Adam step size. Paper: 1e-5 (GRPO) on LoRA weights; 1e-3 suits this ~10k-parameter policy. */
  learning_rate: z.number().positive().default(1e-3),
  /** Adam beta1 (TRL/transformers default). */
  adam_beta1: z.number().min(0).max(1).default(0.9),
  /** Adam beta2. */
  adam_beta2: z.number().min(0).max(1).default(0.999),
  /** Adam epsilon. */
  adam_epsilon: z.number().positive().default(1e-8),
  /** Decoupled weight decay (AdamW); 0 = plain Adam. */
  weight_decay: z.number().min(0).default(0),
  /** Gradients are rescaled so their global L2 norm is at most this (0 = no clipping). */
  max_grad_norm: z.number().min(0).default(1),
  /** Seed of every draw of the run: sample order, rollouts, minibatches. */
  seed: z.number().int().min(0).default(42),
};

/**
 * What "best" means when a learner keeps its best evaluation: 'recall@10' = Recall@10 at the last round of
 * greedy episodes on the valid split (the paper's protocol), 'recall@10-mean' = its mean over rounds 1..T,
 * 'rank' = mean per-turn rank reward, 'hit' = the same as 'recall@10', 'reward' = mean weighted reward.
 */
export const BestModelMetricSchema = z.enum(['recall@10', 'recall@10-mean', 'rank', 'hit', 'reward']);
export type BestModelMetric = z.output<typeof BestModelMetricSchema>;

export const GrpoConfigSchema = z
  .object({
    ...optimizerFields,
    /** G: rollouts per sample, all from the same initial state (same sample, same env seed). Paper: 4. */
    num_generations: z.number().int().min(1).default(4),
    /** mu: optimization epochs over each collected batch (TRL num_iterations). Paper: 3 epochs. */
    num_iterations: z.number().int().min(1).default(3),
    /** Episodes (whole multi-turn rollouts) per micro-batch. */
    per_device_train_batch_size: z.number().int().min(1).default(8),
    /** Micro-batches whose gradients are summed before one optimizer step. Paper: 8. */
    gradient_accumulation_steps: z.number().int().min(1).default(8),
    /**
     * Episodes collected per iteration; a multiple of num_generations. Default (null):
     * per_device_train_batch_size * gradient_accumulation_steps, so each epoch over the batch is one step.
     */
    generation_batch_size: z.number().int().min(1).nullable().default(null),
    /** Passes over the training samples (ours: how many iterations to run when max_steps is -1). */
    num_train_epochs: z.number().positive().default(2),
    /** Iterations (collect + update) to run; -1 = from num_train_epochs. */
    max_steps: z.number().int().min(-1).default(-1),
    /** KL coefficient against the reference (SFT) policy, k3 estimator as in TRL; 0 = no KL term. */
    beta: z.number().min(0).default(0.04),
    /** Lower clipping bound: the ratio is clipped to [1 - epsilon, 1 + epsilon_high]. */
    epsilon: z.number().min(0).max(1).default(0.2),
    /** Upper clipping bound (DAPO's clip-higher); null = epsilon. */
    epsilon_high: z.number().min(0).nullable().default(null),
    /**
     * How per-turn losses are averaged (our turns play the role of TRL's tokens, episodes of sequences):
     * 'grpo' mean over each episode's turns, then over episodes; 'bnpo' mean over all turns of the
     * micro-batch; 'dr_grpo' sum over turns divided by (episodes x rounds), no length normalization.
     */
    loss_type: z.enum(['grpo', 'bnpo', 'dr_grpo']).default('grpo'),
    /**
     * Advantage scaling: 'group' divides by the std within the group (the paper's normalization),
     * 'batch' by the std over the whole batch, 'none' keeps only the mean subtraction (Dr. GRPO).
     * Default (null): 'group' for grpo, 'none' for rloo and reinforce.
     */
    scale_rewards: z.enum(['group', 'batch', 'none']).nullable().default(null),
    /** The env's reward weights for this run (see RewardWeightsField); null = the env's own. */
    reward_weights: RewardWeightsField,
    /**
     * Ours. 'per-turn': each turn's reward is normalized against the group's rewards at the same turn;
     * 'return': the return-to-go from each turn (discount gamma) is normalized within the group at that turn.
     * An episode that ended early keeps its last reward for the rounds it did not play (as in the paper's
     * evaluation, where a sample that succeeded keeps its list).
     */
    advantage: z.enum(['per-turn', 'return']).default('per-turn'),
    /**
     * Ours. Which train samples the iterations draw from: 'all', or 'round1-misses' (the samples whose
     * greedy episode under the initial policy does not hit in round 1, found once before training). On
     * INSPIRED the retriever was trained on the train split, so most train samples are solved in round 1
     * and teach little about the later rounds, where the preference and the list steer the retrieval.
     */
    sample_filter: z.enum(['all', 'round1-misses']).default('round1-misses'),
    /**
     * Ours. Discount of the return-to-go in 'return' mode. With gamma > 0 the advantage of turn t carries the
     * rewards of turns t+1.. (discounted), so the preference P_t written at turn t, which steers the next
     * round's retrieval, is credited when the target enters the next round's candidates and list.
     */
    gamma: z.number().min(0).max(1).default(1),
    /**
     * Ours. Take the reward components that are constant over the batch (every played turn, e.g. the format
     * rewards of a policy that always answers well-formed) out of the rewards before the advantages. They are
     * always reported in log.jsonl (`constant_rewards`); under 'group' scaling they cancel anyway, under 'batch'
     * or 'none' scaling with 'return' advantages, or against REINFORCE's moving baseline, they do not.
     */
    exclude_constant_rewards: z.boolean().default(false),
    /** Ours, REINFORCE only: momentum of the per-turn moving-average baseline. */
    baseline_momentum: z.number().min(0).max(1).default(0.9),
    /** Checkpoint every this many iterations (and after the last). */
    save_steps: z.number().int().min(1).default(1),
    /** Greedy evaluation on the valid split every this many iterations (0 = never; also at the end when > 0). */
    eval_steps: z.number().int().min(0).default(0),
    /** Valid samples in each evaluation (0 = all). */
    eval_samples: z.number().int().min(0).default(64),
    /**
     * As in TRL: keep the weights of the best evaluation (iteration 0, the initial policy, included) and
     * save those as the run's policy at the end. Needs eval_steps > 0. Ties keep the earlier iteration.
     */
    load_best_model_at_end: z.boolean().default(false),
    /** The evaluation metric load_best_model_at_end compares (see BestModelMetricSchema). */
    metric_for_best_model: BestModelMetricSchema.default('recall@10'),
  })
  .strict();

export type GrpoConfig = z.output<typeof GrpoConfigSchema>;
export type GrpoConfigInput = z.input<typeof GrpoConfigSchema>;

/** The config with per-algorithm defaults filled (REINFORCE: one epoch per batch; RLOO/REINFORCE: no std scaling). */
export function resolveRlConfig(algorithm: RlAlgorithm, input: GrpoConfigInput = {}, source = 'rl config'): GrpoConfig & { scale_rewards: 'group' | 'batch' | 'none'; epsilon_high: number; generation_batch_size: number } {
  const withDefaults: Record<string, unknown> = { ...input };
  if (algorithm === 'reinforce' && input.num_iterations === undefined) withDefaults['num_iterations'] = 1;
  const config = parseConfig(GrpoConfigSchema, withDefaults, source);
  const scale = config.scale_rewards ?? (algorithm === 'grpo' ? 'group' : 'none');
  const generation = config.generation_batch_size ?? config.per_device_train_batch_size * config.gradient_accumulation_steps;
  if (generation % config.num_generations !== 0) {
    throw new ConfigError(`${source}: generation_batch_size (${generation}) must be a multiple of num_generations (${config.num_generations})`, source);
  }
  if (config.load_best_model_at_end && config.eval_steps === 0) throw new ConfigError(`${source}: load_best_model_at_end needs eval_steps > 0 (it compares evaluations)`, source);
  if (algorithm === 'rloo' && config.num_generations < 2) throw new ConfigError(`${source}: rloo needs num_generations >= 2 (a leave-one-out baseline)`, source);
  return { ...config, scale_rewards: scale, epsilon_high: config.epsilon_high ?? config.epsilon, generation_batch_size: generation };
}
export type ResolvedRlConfig = ReturnType<typeof resolveRlConfig>;

export const SftConfigSchema = z
  .object({
    ...optimizerFields,
    /**
     * Adam step size of the ranking head (paper: 5e-5 on LoRA weights). The ranking head starts to fit the
     * training split's candidate lists (the retriever was trained on them) after one or two epochs.
     */
    learning_rate: z.number().positive().default(2e-3),
    /** Epochs over the teacher trajectories. Paper: 8. */
    num_train_epochs: z.number().int().min(1).default(8),
    /** Turns (steps) per optimizer step. */
    per_device_train_batch_size: z.number().int().min(1).default(64),
    /**
     * Ours. What the ranking term imitates. 'target': the target's place among the candidates only (the
     * cross-entropy of the target under the softmax of the candidate scores, i.e. the first Plackett-Luce
     * position of a list that starts with it), on the steps whose candidates hold it. 'list': the teacher's
     * whole top-10 (the target first, then the candidates by attribute overlap with it).
     */
    loss: z.enum(['target', 'list']).default('target'),
    /** Ours. Teacher episodes per training sample (each with its own env seed, so feedback differs). */
    teacher_passes: z.number().int().min(1).default(1),
    /**
     * Ours. Episodes per training sample played by the initial policy (greedy) with the target withheld
     * from its lists, so every round is played; their rounds 2..T are recorded with the teacher's actions.
     * Teacher episodes end as soon as the target is among the candidates, so later rounds are rare in them.
     */
    withheld_passes: z.number().int().min(0).default(1),
    /** Ours. Use at most this many training samples (0 = all). */
    max_samples: z.number().int().min(0).default(0),
    /** Ours. Weight of the attribute-choice term of the likelihood. */
    attribute_loss_weight: z.number().min(0).default(1),
    /** Ours. Adam step size of the attribute-choice head (the opt* parameters), which learns more slowly; null = learning_rate. */
    attribute_learning_rate: z.number().positive().nullable().default(2e-2),
    /**
     * Ours. The order in which the teacher names the target's attribute values (it names at most the
     * policy's maxAttributes): 'genre-first' as the reference preference (genre, director, actor, writer,
     * producer), or 'specific-first' (director, writer, actor, producer, genre): P_t feeds the next
     * retrieval, and a director or an actor narrows it far more than a genre.
     */
    teacher_attribute_order: z.enum(['genre-first', 'specific-first']).default('specific-first'),
    /** Valid samples for the greedy evaluation after each epoch: null = all, 0 = no evaluation and no early stopping. */
    eval_samples: z.number().int().min(0).nullable().default(null),
    /** Stop after this many epochs without improvement of the valid metric (0 = never stop early). */
    early_stopping_patience: z.number().int().min(0).default(3),
    /**
     * Valid metric that picks the best epoch (the initial policy, epoch 0, included): 'recall@10' = Recall@10
     * at the last round under the paper's protocol (share of greedy episodes with a hit), 'recall@10-mean' =
     * its mean over rounds 1..T, 'rank' = mean per-turn rank reward, 'hit' = the same as 'recall@10',
     * 'reward' = mean weighted reward. Ties keep the earlier epoch.
     */
    metric_for_best_model: BestModelMetricSchema.default('recall@10'),
    /** The env's reward weights for this run, which the evaluation's 'reward' metric reads; null = the env's own. */
    reward_weights: RewardWeightsField,
  })
  .strict();

export type SftConfig = z.output<typeof SftConfigSchema>;
export type SftConfigInput = z.input<typeof SftConfigSchema>;
