// The dual-view retriever's training settings: a zod schema with a documented default for every knob.
import { z } from 'zod';
import { TextEncoderSpecSchema } from '../encoders/text-encoder-spec.js';
import { DUAL_VIEW_VARIANTS, type DualViewVariant } from './dual-view-model.js';

export const dualViewTrainSchema = z.object({
  /** Seed of every random draw: initialization, batch order, negatives, augmentation. */
  seed: z.number().int().default(0),
  /** The adapter's middle size; null = Dim_s / 2 as in the paper. */
  hiddenDim: z.number().int().positive().nullable().default(null),
  /** Add each view's mean token to its attention output (false = the paper's plain cross-attention). */
  residual: z.boolean().default(true),
  /** Add the frozen item prior log(1 + train-target count) as one more dot-product dimension (false = the paper's item side). */
  prior: z.boolean().default(false),
  /** Keep only the last N utterances of D in the semantic text; null = all. */
  contextUtterances: z.number().int().positive().nullable().default(null),
  /** Pool I_D's items and entities into separate collaborative tokens (false = one token, as in the paper). */
  splitMentions: z.boolean().default(false),
  /** Scale every E_C vector to unit length (false = E_C as it is). */
  normalizeCollaborative: z.boolean().default(false),
  /**
   * A lexical channel appended to every E_T vector: hashed TF-IDF of this size over the catalogue vocabulary
   * (the context's also reads I_D's titles and attributes). null = E_T alone, as in the paper.
   */
  lexicalDim: z.number().int().positive().nullable().default(null),
  /** Pass the lexical channel straight to the dot product too (a learned weight on the query side); needs lexicalDim. */
  lexicalSkip: z.boolean().default(false),
  /** A learned per-item bias added to the dot product, initialized from log(1 + train-target count). */
  itemBias: z.boolean().default(false),
  /** Training only: drop each present (non-null) token with this probability, so no single input is relied on. */
  tokenDropout: z.number().min(0).max(0.9).default(0),
  /**
   * View dropout (training only): with this probability an example loses all its collaborative tokens (only the
   * null token stays), so the semantic path must carry the example alone. Dual view only; 0 = off.
   */
  collaborativeDropout: z.number().min(0).max(0.9).default(0),
  /** InfoNCE negatives per example, drawn at random apart from the target and the mentioned items. */
  negatives: z.number().int().positive().default(64),
  /**
   * Hard negatives (DPR style): this many of the `negatives` are drawn from the example's BM25 top 50 over the item
   * texts (target and mentioned items left out), the rest at random. 0 = off.
   */
  hardNegatives: z.number().int().nonnegative().default(0),
  batchSize: z.number().int().positive().default(64),
  /**
   * Multiplies the dot products inside the InfoNCE softmax (an inverse temperature). Ranking ignores it; it
   * only lets small, freshly initialized weights express a confident softmax from the first step.
   */
  logitScale: z.number().positive().default(10),
  /** Adam learning rate. The paper's 5e-5 is for a large model; our small one needs more (see docs/retriever.md). */
  learningRate: z.number().positive().default(3e-3),
  /** L2 penalty on the weight matrices, added to the loss. */
  weightDecay: z.number().nonnegative().default(0),
  maxEpochs: z.number().int().positive().default(50),
  /** Stop after this many epochs without a better validation Recall@k. */
  patience: z.number().int().positive().default(5),
  /** Cut-off of the validation recall used for early stopping. */
  validK: z.number().int().positive().default(20),
  /** Augmented copies per train sample when an augmentation hook is given (the plain example is always kept). */
  augmentCopies: z.number().int().nonnegative().default(1),
  /**
   * Polyak averaging: keep an exponential moving average of the weights, updated after every optimizer step
   * (ema = d * ema + (1 - d) * w), and validate, early-stop and save with it instead of the raw weights. The
   * average starts at zero and is bias-corrected (divided by 1 - d^steps, as Adam's moments), so it is the
   * d-weighted mean of the weights after each step so far, without the initialization. d = 0 is the plain run;
   * null = off (the default).
   */
  emaDecay: z.number().min(0).lt(1).nullable().default(null),
}).strict(); // an unknown key is a typo: refuse it rather than train with the default

export type DualViewTrainConfig = z.output<typeof dualViewTrainSchema>;
export type DualViewTrainInput = z.input<typeof dualViewTrainSchema>;

export const variantSchema = z.enum(DUAL_VIEW_VARIANTS as unknown as [DualViewVariant, ...DualViewVariant[]]);

/** The settings of `crs-gym train retriever` (configs/retriever.json holds these defaults). */
export const retrieverRunSchema = z.object({
  /** Seed of E_C's and every variant's training (overrides `retriever.seed`). */
  seed: z.number().int().nonnegative().default(0),
  /**
   * E_T: USE lite (pretrained, 512-d), hashing (fast, not semantic; for smoke runs), or a sentence-transformers ONNX
   * model, e.g. the paper's { "hf": "models/bge-base-en-v1.5", "pooling": "cls" } (a local folder; with internet
   * "Xenova/bge-base-en-v1.5" and "allowRemote": true).
   */
  textEncoder: TextEncoderSpecSchema.default('use-lite'),
  /** E_C: LightGCN size and epochs when it is trained here (the env components' defaults). */
  lightgcn: z
    .object({ dim: z.number().int().positive().default(64), epochs: z.number().int().nonnegative().default(20) })
    .strict()
    .prefault({}),
  /** Training settings shared by dualView, semanticOnly and collaborativeOnly. */
  retriever: dualViewTrainSchema.prefault({}),
  /** The lexical baseline evaluated next to them. */
  lexical: z.enum(['bm25', 'tfidf']).default('bm25'),
}).strict();

export type RetrieverRunConfig = z.output<typeof retrieverRunSchema>;
