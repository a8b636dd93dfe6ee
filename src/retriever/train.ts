// Training the dual-view retriever (paper 3.3, "Model training"): InfoNCE of the target against N random
// negatives (not the target, not an item mentioned in the dialogue), Adam, early stopping on validation
// Recall@k. E_T and E_C are frozen, so every input vector is computed once before the first step. With
// `emaDecay`, an exponential moving average of the weights (Polyak averaging) is validated and kept instead.
import type { Tensor, Tensor2D } from '@tensorflow/tfjs';
import { Rng } from '../core/rng.js';
import type { Dataset, ItemId, RecSample } from '../data/types.js';
import { matMulT } from '../nn/gradient-fixes.js';
import { getTf, type Tf } from '../nn/tf.js';
import { DotKernel } from './dual-view-kernel.js';
import { DualViewForward, initParams, type DualViewParams, type DualViewSpec, type DualViewVariant } from './dual-view-model.js';
import {
  createVariables,
  disposeBatch,
  disposeVariables,
  infoNce,
  MASKED,
  queryBatch,
  readVariables,
  tfItems,
  tfQuery,
  type DualViewVariables,
} from './dual-view-tf.js';
import { Bm25Retriever } from './bm25.js';
import { DualViewRetriever } from './dual-view.js';
import { queryFromSample } from './evaluate.js';
import {
  itemFeatures,
  QueryFeaturizer,
  sameSettings,
  type FeaturizerSettings,
  type ItemFeatures,
  type QueryFeatures,
  type RetrieverEncoders,
} from './features.js';
import { dualViewTrainSchema, type DualViewTrainConfig, type DualViewTrainInput } from './train-config.js';
import { itemsByIndex, type RetrievalQuery } from './types.js';

/** What an augmentation adds to a training sample's cold-start query (simulated F_t, reference P, R_{t-1}). */
export interface Augmentation {
  feedback?: string;
  preference?: string;
  previousList?: ItemId[];
}

/** Returns an augmented view of a train sample, or nothing to skip it. Draws only from `rng`. */
export type AugmentFn = (sample: RecSample, rng: Rng) => Augmentation | null | undefined | Promise<Augmentation | null | undefined>;

export interface TrainProgress {
  variant: DualViewVariant;
  epoch: number;
  maxEpochs: number;
  /** Mean InfoNCE loss of the epoch. */
  loss: number;
  /** Validation Recall@validK after the epoch. */
  validRecall: number;
  bestValidRecall: number;
  bestEpoch: number;
  seconds: number;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  /** Of the weights validated (with emaDecay: the averaged ones). */
  validRecall: number;
  validNdcg: number;
  /** With emaDecay only: validation Recall@validK of the raw (not averaged) weights, for comparison. */
  rawValidRecall?: number;
  seconds: number;
}

export interface TrainDualViewOptions {
  dataset: Dataset;
  encoders: RetrieverEncoders;
  variant?: DualViewVariant;
  config?: DualViewTrainInput;
  augment?: AugmentFn;
  /** Train samples (default dataset.samples.train). */
  trainSamples?: readonly RecSample[];
  /** Samples for early stopping (default dataset.samples.valid). */
  validSamples?: readonly RecSample[];
  /** Share text vectors and item features between several trainings over the same encoders. */
  featurizer?: QueryFeaturizer;
  itemFeatures?: ItemFeatures;
  /** Called after each epoch. */
  onProgress?: (progress: TrainProgress) => void;
  /** Called while the training inputs are encoded, with (done, total) queries. */
  onEncode?: (done: number, total: number) => void;
  /**
   * Start from these weights wherever this variant has a parameter of the same name (e.g. a trained
   * semanticOnly model's adapters, semantic attention, lexical weight and item bias for the dual view); the
   * others are initialized as usual, from the same draws as without it. A size mismatch throws.
   */
  warmStart?: DualViewParams;
}

export interface TrainDualViewResult {
  retriever: DualViewRetriever;
  config: DualViewTrainConfig;
  history: EpochRecord[];
  bestEpoch: number;
  bestValidRecall: number;
  trainExamples: number;
  secondsPerEpoch: number;
}

interface Example {
  features: QueryFeatures;
  target: number;
  /** Item indices never drawn as negatives (the target and the mentioned items). */
  excluded: Set<number>;
  /** Item indices hard negatives are drawn from (the sample's BM25 top items), when they are on. */
  hard: readonly number[];
}

/** BM25 items per train sample that hard negatives are drawn from. */
const HARD_POOL = 50;

/** The negatives of one example: up to `hardCount` from its hard pool, the rest at random (all distinct). */
export function drawNegatives(rng: Rng, n: number, count: number, hardCount: number, ex: { excluded: ReadonlySet<number>; hard: readonly number[] }): number[] {
  // Off: the plain random draw, with the same random stream as before hard negatives existed.
  const pool = hardCount > 0 ? ex.hard.filter((i) => !ex.excluded.has(i)) : [];
  if (pool.length === 0) return sampleNegatives(rng, n, count, ex.excluded);
  const hard = rng.shuffle(pool).slice(0, Math.min(hardCount, count));
  const excluded = new Set([...ex.excluded, ...hard]);
  return [...hard, ...sampleNegatives(rng, n, count - hard.length, excluded)];
}

const ENCODE_CHUNK = 256;

async function featurizeAll(
  featurizer: QueryFeaturizer,
  queries: readonly RetrievalQuery[],
  onEncode?: (done: number, total: number) => void,
): Promise<QueryFeatures[]> {
  const out: QueryFeatures[] = [];
  for (let from = 0; from < queries.length; from += ENCODE_CHUNK) {
    out.push(...(await featurizer.featurize(queries.slice(from, from + ENCODE_CHUNK))));
    onEncode?.(out.length, queries.length);
  }
  return out;
}

/** Draws up to `count` distinct item indices in [0, n) outside `excluded`. */
export function sampleNegatives(rng: Rng, n: number, count: number, excluded: ReadonlySet<number>): number[] {
  const allowed = n - [...excluded].filter((i) => i >= 0 && i < n).length;
  if (allowed <= count) {
    const all: number[] = [];
    for (let i = 0; i < n; i++) if (!excluded.has(i)) all.push(i);
    return all;
  }
  const picked = new Set<number>();
  while (picked.size < count) {
    const i = rng.int(0, n);
    if (!excluded.has(i)) picked.add(i);
  }
  return [...picked];
}

/** 1-based rank of `target` among `scores` with ties broken by lower index (the topKByScore order). */
export function rankOfIndex(scores: ArrayLike<number>, target: number): number {
  const t = scores[target] as number;
  let rank = 1;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i] as number;
    if (s > t || (s === t && i < target)) rank++;
  }
  return rank;
}

/** Recall@k and NDCG@k of a forward over featurized samples, scoring every item. */
export function evaluateForward(forward: DualViewForward, items: ItemFeatures, features: readonly QueryFeatures[], targets: readonly number[], k: number): { recall: number; ndcg: number } {
  if (features.length === 0) return { recall: 0, ndcg: 0 };
  const kernel = new DotKernel();
  const n = items.items.length;
  const matrix = kernel.addMatrix(forward.itemMatrix(items), n, forward.dim);
  const slot = kernel.scratch(forward.dim, n);
  let recall = 0;
  let ndcg = 0;
  features.forEach((f, i) => {
    const target = targets[i] as number;
    if (target < 0) return;
    const rank = rankOfIndex(kernel.rowDots(matrix, forward.query(f), slot), target);
    if (rank <= k) {
      recall += 1;
      ndcg += 1 / Math.log2(rank + 1);
    }
  });
  return { recall: recall / features.length, ndcg: ndcg / features.length };
}

function specFor(variant: DualViewVariant, config: DualViewTrainConfig, featurizer: QueryFeaturizer, itemCount: number): DualViewSpec {
  return {
    variant,
    textDim: featurizer.textDim,
    collabDim: featurizer.collabDim,
    hiddenDim: config.hiddenDim ?? Math.max(1, Math.floor(featurizer.encoders.text.dim / 2)),
    residual: config.residual,
    prior: config.prior,
    itemBias: config.itemBias,
    itemCount: config.itemBias ? itemCount : 0,
    lexicalSkip: config.lexicalSkip ? (config.lexicalDim ?? 0) : 0,
  };
}

/** A copy of `f` with each present token dropped with probability `p` (the model's null tokens remain). */
export function dropTokens(f: QueryFeatures, p: number, rng: Rng): QueryFeatures {
  if (p <= 0) return f;
  const drop = (mask: Uint8Array): Uint8Array => Uint8Array.from(mask, (m) => (m === 1 && rng.random() < p ? 0 : m));
  return { ...f, semanticMask: drop(f.semanticMask), collaborativeMask: drop(f.collaborativeMask) };
}

/** A copy of `f` without its collaborative tokens with probability `p` (view dropout); `f` itself otherwise. */
export function dropCollaborativeView(f: QueryFeatures, p: number, rng: Rng): QueryFeatures {
  if (p <= 0 || rng.random() >= p) return f;
  return { ...f, collaborativeMask: new Uint8Array(f.collaborativeMask.length) };
}

/**
 * An exponential moving average of the variables (Polyak averaging), kept as tensors next to them and updated
 * after every optimizer step. It starts at zero and is read bias-corrected (divided by 1 - decay^steps), so
 * decay 0 reads exactly the current weights.
 */
export class WeightEma {
  private readonly shadow: Record<string, Tensor> = {};
  private steps = 0;

  constructor(
    private readonly tf: Tf,
    vars: DualViewVariables,
    readonly decay: number,
  ) {
    if (!(decay >= 0 && decay < 1)) throw new RangeError(`WeightEma: decay must be in [0, 1), got ${decay}`);
    for (const [name, v] of Object.entries(vars)) this.shadow[name] = tf.zerosLike(v);
  }

  /** Optimizer steps averaged so far. */
  get updates(): number {
    return this.steps;
  }

  /** ema = decay * ema + (1 - decay) * w, for every variable. */
  update(vars: DualViewVariables): void {
    const { tf, decay } = this;
    for (const [name, v] of Object.entries(vars)) {
      const old = this.shadow[name] as Tensor;
      this.shadow[name] = tf.tidy(() => tf.add(tf.mul(old, decay), tf.mul(v, 1 - decay)));
      old.dispose();
    }
    this.steps++;
  }

  /** The bias-corrected average, as plain arrays (the current weights' layout). */
  read(): DualViewParams {
    if (this.steps === 0) throw new Error('WeightEma.read: no update yet');
    const correction = 1 - this.decay ** this.steps;
    const out: DualViewParams = {};
    for (const [name, t] of Object.entries(this.shadow)) out[name] = Float32Array.from(t.dataSync() as Float32Array, (x) => x / correction);
    return out;
  }

  dispose(): void {
    for (const t of Object.values(this.shadow)) t.dispose();
  }
}

interface StepInputs {
  tf: Tf;
  spec: DualViewSpec;
  itemText: Tensor2D;
  itemCollab: Tensor2D;
  itemPrior: Tensor2D;
  n: number;
}

/** One Adam step on a batch; returns its mean loss. */
function trainStep(
  io: StepInputs,
  vars: ReturnType<typeof createVariables>,
  optimizer: ReturnType<Tf['train']['adam']>,
  batch: readonly Example[],
  rng: Rng,
  config: DualViewTrainConfig,
): number {
  const { tf, spec } = io;
  const candidates = batch.map((ex) => [ex.target, ...drawNegatives(rng, io.n, config.negatives, config.hardNegatives, ex)]);
  const union = [...new Set(candidates.flat())].sort((a, b) => a - b);
  const column = new Map(union.map((item, col) => [item, col]));
  const u = union.length;
  const mask = new Float32Array(batch.length * u).fill(MASKED);
  const oneHot = new Float32Array(batch.length * u);
  candidates.forEach((row, b) => {
    for (const item of row) mask[b * u + (column.get(item) as number)] = 0;
    oneHot[b * u + (column.get(row[0] as number) as number)] = 1;
  });
  const viewDropout = spec.variant === 'dualView' ? config.collaborativeDropout : 0;
  const qb = queryBatch(tf, spec, batch.map((ex) => dropCollaborativeView(dropTokens(ex.features, config.tokenDropout, rng), viewDropout, rng)));
  const unionIdx = tf.tensor1d(union, 'int32');
  const maskT = tf.tensor2d(mask, [batch.length, u]);
  const oneHotT = tf.tensor2d(oneHot, [batch.length, u]);
  const textU = tf.gather(io.itemText, unionIdx) as Tensor2D;
  const collabU = tf.gather(io.itemCollab, unionIdx) as Tensor2D;
  const priorU = tf.gather(io.itemPrior, unionIdx) as Tensor2D;
  const matrices = Object.entries(vars).filter(([name]) => /W/.test(name)).map(([, v]) => v);
  try {
    const cost = optimizer.minimize(() => {
      const q = tfQuery(tf, spec, vars, qb);
      const items = tfItems(tf, spec, vars, textU, collabU, priorU, unionIdx);
      const logits = tf.mul(matMulT(q, items, false, true), config.logitScale) as Tensor2D;
      let loss = infoNce(tf, logits, maskT, oneHotT);
      if (config.weightDecay > 0 && matrices.length > 0) {
        loss = tf.add(loss, tf.mul(config.weightDecay, tf.addN(matrices.map((m) => tf.sum(tf.square(m))))));
      }
      return loss as ReturnType<typeof tf.scalar>;
    }, true);
    const value = cost === null ? NaN : (cost.dataSync()[0] as number);
    cost?.dispose();
    return value;
  } finally {
    disposeBatch(qb);
    unionIdx.dispose();
    maskT.dispose();
    oneHotT.dispose();
    textU.dispose();
    collabU.dispose();
    priorU.dispose();
  }
}

/** Trains one variant of the dual-view retriever and returns it with its best validation epoch's weights. */
export async function trainDualView(options: TrainDualViewOptions): Promise<TrainDualViewResult> {
  const config = dualViewTrainSchema.parse(options.config ?? {});
  if (config.lexicalSkip && config.lexicalDim === null) throw new RangeError('trainDualView: lexicalSkip needs lexicalDim');
  const variant = options.variant ?? 'dualView';
  const { dataset, encoders } = options;
  const tf = await getTf('wasm');
  const rng = new Rng(config.seed).split(`dual-view/${variant}`);
  const settings: FeaturizerSettings = {
    contextUtterances: config.contextUtterances,
    splitMentions: config.splitMentions,
    normalizeCollaborative: config.normalizeCollaborative,
    lexicalDim: config.lexicalDim,
  };
  const featurizer = options.featurizer ?? new QueryFeaturizer(encoders, { ...settings, dataset });
  if (!sameSettings(featurizer.settings, settings)) {
    throw new RangeError(`trainDualView: the shared featurizer's settings ${JSON.stringify(featurizer.settings)} differ from the config's ${JSON.stringify(settings)}`);
  }
  const items = itemsByIndex(dataset);
  const indexOf = new Map(items.map((item) => [item.id, item.index]));
  const itemFeat = options.itemFeatures ?? (await itemFeatures(dataset, featurizer));

  // Examples: every train sample's cold-start query, plus augmented copies when a hook is given.
  const trainSamples = (options.trainSamples ?? dataset.samples.train).filter((s) => indexOf.has(s.target));
  const queries: RetrievalQuery[] = [];
  const meta: Array<{ target: number; excluded: Set<number>; hard: readonly number[] }> = [];
  const augmentRng = rng.split('augment');
  const bm25 = config.hardNegatives > 0 ? new Bm25Retriever(dataset) : undefined;
  for (const sample of trainSamples) {
    const base = queryFromSample(sample);
    const target = indexOf.get(sample.target) as number;
    const excluded = new Set<number>([target]);
    for (const id of sample.contextItems) {
      const i = indexOf.get(id);
      if (i !== undefined) excluded.add(i);
    }
    const hard = bm25 === undefined ? [] : (await bm25.retrieve(base, HARD_POOL, new Set([sample.target, ...sample.contextItems]))).map((s) => indexOf.get(s.id) as number);
    queries.push(base);
    meta.push({ target, excluded, hard });
    if (options.augment === undefined) continue;
    for (let copy = 0; copy < config.augmentCopies; copy++) {
      const extra = await options.augment(sample, augmentRng.split(`${sample.id}/${copy}`));
      if (extra === null || extra === undefined) continue;
      queries.push({ ...base, ...extra });
      meta.push({ target, excluded, hard });
    }
  }
  if (queries.length === 0) throw new Error(`trainDualView: dataset '${dataset.name}' has no train sample whose target is in the catalogue`);
  const trainFeatures = await featurizeAll(featurizer, queries, options.onEncode);
  const examples: Example[] = trainFeatures.map((features, i) => ({ features, ...(meta[i] as (typeof meta)[number]) }));
  const validSamples = options.validSamples ?? dataset.samples.valid;
  const validFeatures = await featurizer.featurize(validSamples.map(queryFromSample));
  const validTargets = validSamples.map((s) => indexOf.get(s.target) ?? -1);

  const spec = specFor(variant, config, featurizer, items.length);
  const initial = initParams(spec, rng.split('init'));
  // The bias starts as the log-frequency prior, in logit units (the dot product is scaled by logitScale).
  if (spec.itemBias) initial['itemBias'] = Float32Array.from(itemFeat.prior, (p) => p / config.logitScale);
  for (const [name, value] of Object.entries(options.warmStart ?? {})) {
    const own = initial[name];
    if (own === undefined) continue; // a part this variant does not have (e.g. the other view's)
    if (own.length !== value.length) throw new RangeError(`trainDualView: warm-start parameter '${name}' has ${value.length} values, this ${variant} needs ${own.length}`);
    initial[name] = Float32Array.from(value);
  }
  const vars = createVariables(tf, spec, initial);
  const optimizer = tf.train.adam(config.learningRate);
  const ema = config.emaDecay === null ? undefined : new WeightEma(tf, vars, config.emaDecay);
  const n = items.length;
  const itemText = tf.tensor2d(itemFeat.text, [n, spec.textDim]);
  const itemCollab = tf.tensor2d(itemFeat.collaborative, [n, spec.collabDim]);
  const itemPriorT = tf.tensor2d(itemFeat.prior, [n, 1]);
  const io: StepInputs = { tf, spec, itemText, itemCollab, itemPrior: itemPriorT, n };

  const history: EpochRecord[] = [];
  let best: { params: DualViewParams; recall: number; ndcg: number; epoch: number } | undefined;
  let trainSeconds = 0;
  try {
    for (let epoch = 1; epoch <= config.maxEpochs; epoch++) {
      const t0 = performance.now();
      const epochRng = rng.split(`epoch/${epoch}`);
      const order = epochRng.shuffle(examples.map((_, i) => i));
      let lossSum = 0;
      let batches = 0;
      for (let from = 0; from < order.length; from += config.batchSize) {
        const batch = order.slice(from, from + config.batchSize).map((i) => examples[i] as Example);
        const loss = trainStep(io, vars, optimizer, batch, epochRng, config);
        if (!Number.isFinite(loss)) throw new Error(`trainDualView(${variant}): loss became ${loss} at epoch ${epoch}; lower the learning rate`);
        ema?.update(vars);
        lossSum += loss;
        batches++;
      }
      const params = ema === undefined ? readVariables(vars) : ema.read();
      const seconds = (performance.now() - t0) / 1000;
      trainSeconds += seconds;
      const valid = evaluateForward(new DualViewForward(spec, params), itemFeat, validFeatures, validTargets, config.validK);
      const rawValidRecall =
        ema === undefined ? undefined : evaluateForward(new DualViewForward(spec, readVariables(vars)), itemFeat, validFeatures, validTargets, config.validK).recall;
      history.push({ epoch, loss: lossSum / batches, validRecall: valid.recall, validNdcg: valid.ndcg, ...(rawValidRecall === undefined ? {} : { rawValidRecall }), seconds });
      const better = best === undefined || valid.recall > best.recall || (valid.recall === best.recall && valid.ndcg > best.ndcg);
      if (better) best = { params, recall: valid.recall, ndcg: valid.ndcg, epoch };
      options.onProgress?.({
        variant,
        epoch,
        maxEpochs: config.maxEpochs,
        loss: lossSum / batches,
        validRecall: valid.recall,
        bestValidRecall: (best as { recall: number }).recall,
        bestEpoch: (best as { epoch: number }).epoch,
        seconds,
      });
      if (epoch - (best as { epoch: number }).epoch >= config.patience) break;
    }
  } finally {
    disposeVariables(vars);
    ema?.dispose();
    optimizer.dispose();
    itemText.dispose();
    itemCollab.dispose();
    itemPriorT.dispose();
  }
  const chosen = best as { params: DualViewParams; recall: number; ndcg: number; epoch: number };
  // Off, the option leaves no trace in the saved model (model.json is byte-identical to a run without it).
  const { emaDecay, ...plainConfig } = config;
  const training = {
    config: emaDecay === null ? plainConfig : config,
    trainExamples: examples.length,
    epochs: history.length,
    bestEpoch: chosen.epoch,
    bestValidRecall: chosen.recall,
    validK: config.validK,
    secondsPerEpoch: trainSeconds / Math.max(1, history.length),
  };
  const retriever = await DualViewRetriever.create(spec, chosen.params, dataset, encoders, {
    name: variant,
    featurizer,
    itemFeatures: itemFeat,
    training,
  });
  return {
    retriever,
    config,
    history,
    bestEpoch: chosen.epoch,
    bestValidRecall: chosen.recall,
    trainExamples: examples.length,
    secondsPerEpoch: training.secondsPerEpoch,
  };
}
