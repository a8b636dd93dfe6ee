// Configuration of the multi-task simulator: one documented object with defaults (configs are data).
import { z } from 'zod';

const threshold = z.union([z.number().min(0).max(1), z.literal('auto')]);

/**
 * The paper's three training tasks (3.2): 'attributes' = attribute alignment (the target's attributes from D, I_D),
 * 'target' = target prediction (Yes/No per listed item), 'feedback' = what the feedback states about a shown list
 * (the target's attributes given D, I_D and a constructed list R_human). ['feedback'] alone is the single-task
 * ablation (4.3): its items are judged by how well they fit the stated preference, with no target head.
 */
export const SIMULATOR_TASKS = ['attributes', 'target', 'feedback'] as const;
export type SimulatorTask = (typeof SIMULATOR_TASKS)[number];

export const MultiTaskConfigSchema = z
  .object({
    /** Which tasks are trained (see SIMULATOR_TASKS); the default is the multi-task simulator. */
    tasks: z
      .array(z.enum(SIMULATOR_TASKS))
      .min(1)
      .default([...SIMULATOR_TASKS])
      .transform((t) => SIMULATOR_TASKS.filter((k) => t.includes(k))),
    /** Seed for weight initialisation, list construction, shuffling and dropout. */
    seed: z.number().int().default(0),
    /** tfjs backend for training ('wasm' is fast; 'cpu' is the slow pure-JS fallback). */
    backend: z.enum(['wasm', 'cpu']).default('wasm'),
    /** Attribute vocabulary: the most frequent values per kind among train targets. */
    vocab: z
      .object({
        genre: z.number().int().min(0).default(30),
        director: z.number().int().min(0).default(150),
        actor: z.number().int().min(0).default(300),
        writer: z.number().int().min(0).default(100),
        /** Values carried by fewer train targets than this are left out. */
        minCount: z.number().int().min(1).default(2),
      })
      .prefault({}),
    /** Keep only the last N utterances of D for E_T (0 = the whole dialogue). */
    maxContextUtterances: z.number().int().min(0).default(0),
    /** Width of the shared trunk. */
    hidden: z.number().int().positive().default(128),
    /** Width of the user-item interaction space of the target head. */
    userDim: z.number().int().positive().default(64),
    /** Items per constructed list (H+, H-, S+, S-); each sample gives 1 + 2 * (listSize) Yes/No instances. */
    listSize: z.number().int().min(2).default(5),
    /** Hard negatives are drawn from this many most-overlapping items. */
    hardPool: z.number().int().min(1).default(30),
    epochs: z.number().int().positive().default(30),
    /** Stop after this many epochs without a better validation score. */
    patience: z.number().int().positive().default(5),
    batchSize: z.number().int().positive().default(32),
    learningRate: z.number().positive().default(2e-3),
    /** L2 penalty on the weight matrices. */
    l2: z.number().min(0).default(1e-5),
    dropout: z.number().min(0).max(0.9).default(0.2),
    /** Weight of the target-prediction loss against the attribute loss. */
    targetLossWeight: z.number().min(0).default(1),
    /** Weight of positive labels in the attribute loss (rare labels). */
    attributePositiveWeight: z.number().positive().default(3),
    /**
     * A listed item whose target score reaches this is accepted ('auto': calibrated on valid so that, for at most
     * `falseAcceptanceRate` of valid samples, any catalog item other than the target would be accepted).
     */
    acceptThreshold: threshold.default('auto'),
    /** Share of valid samples whose best wrong item may reach the automatic accept threshold. */
    falseAcceptanceRate: z.number().min(0).max(1).default(0.02),
    /** Valid samples the accept calibration scores the whole catalog for (the first N, in split order). */
    calibrationSamples: z.number().int().positive().default(300),
    /**
     * What a training sample is shown as R_{t-1} for the preference head: nothing (cold start) or one of the
     * constructed lists; weights, normalised. With `earlierListRate`, another list without the target came before it.
     */
    shownLists: z
      .object({
        none: z.number().min(0).default(0.2),
        'H-': z.number().min(0).default(0.3),
        'S-': z.number().min(0).default(0.2),
        'H+': z.number().min(0).default(0.15),
        'S+': z.number().min(0).default(0.15),
      })
      .prefault({}),
    earlierListRate: z.number().min(0).max(1).default(0.5),
    /** A listed item whose target score reaches this is a partial match ('auto': calibrated on valid). */
    partialThreshold: threshold.default('auto'),
    /** How many predicted attributes a Feedback carries. */
    topAttributes: z.number().int().positive().default(8),
  })
  .strict();

export type MultiTaskConfig = z.output<typeof MultiTaskConfigSchema>;
export type MultiTaskConfigInput = z.input<typeof MultiTaskConfigSchema>;
