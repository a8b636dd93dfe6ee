// Configuration of the multi-task simulator: one documented object with defaults (configs are data).
import { z } from 'zod';

const threshold = z.union([z.number().min(0).max(1), z.literal('auto')]);

export const MultiTaskConfigSchema = z
  .object({
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
    /** A listed item whose target score reaches this is accepted ('auto': calibrated on valid). */
    acceptThreshold: threshold.default('auto'),
    /** A listed item whose target score reaches this is a partial match ('auto': calibrated on valid). */
    partialThreshold: threshold.default('auto'),
    /** How many predicted attributes a Feedback carries. */
    topAttributes: z.number().int().positive().default(8),
  })
  .strict();

export type MultiTaskConfig = z.output<typeof MultiTaskConfigSchema>;
export type MultiTaskConfigInput = z.input<typeof MultiTaskConfigSchema>;
