// Multi-task training of the simulator heads on the TRAIN split (the paper's 3.2 tasks as learned heads):
// attribute alignment (multi-label BCE over the vocab) and target prediction (Yes/No BCE over the items of
// the constructed H+/H-/S+/S- lists), sharing one trunk. Model selection and calibration use VALID.
import type * as tfjs from '@tensorflow/tfjs';
import { Rng } from '../core/rng.js';
import type { Dataset, ItemId, RecSample } from '../data/types.js';
import { TargetPopularity } from '../data/popularity.js';
import { getTf } from '../nn/tf.js';
import type { MultiTaskConfig } from './config.js';
import { contextDim, itemDim, PAIR_DIM, type ContextFeatures, type FeatureExtractor, type ItemFeatures } from './features.js';
import {
  contextForward,
  fromVariables,
  initWeights,
  itemForward,
  listDim,
  preferenceForward,
  sigmoid,
  targetLogit,
  tfForward,
  toVariables,
  type ContextState,
  type HeadShapes,
  type HeadWeights,
} from './heads.js';
import { judgmentInstances, NegativeSampler, type ConstructedLists, type JudgmentInstance, type ListKind } from './lists.js';
import { auc, bestThreshold, microF1, precisionAtK, topK } from './metrics.js';
import { buildSimulatorInput, itemView } from './types.js';

export interface SimulatorMetrics {
  attributes: {
    /** Micro-F1 on valid at the threshold tuned on train. */
    f1: number;
    'precision@5': number;
    /** Precision@5 of always predicting the 5 most frequent attributes: the baseline to beat. */
    'popularityPrecision@5': number;
    /** Micro-F1 of the popularity prior with its own best train threshold. */
    popularityF1: number;
    threshold: number;
    /** Valid samples whose target has at least one vocab attribute. */
    samples: number;
    /** Precision@5 of the preference head when the sample's hard list without the target (H-) was shown. */
    'listPrecision@5': number;
  };
  target: {
    /** AUC of target vs all negatives of the valid lists (the single-task simulator scores items by its preference). */
    auc: number;
    /** Target vs hard negatives only. */
    aucHard: number;
    /** Target vs simple (random) negatives only. */
    aucSimple: number;
    /** AUC of the popularity feature alone, for reference. */
    popularityAuc: number;
    instances: number;
  };
}

export interface SimulatorThresholds {
  /** Attribute probability at which an attribute counts as predicted (and liked). */
  attribute: number;
  /** Target score at which a listed item is accepted (above the best wrong catalog item of most valid samples). */
  accept: number;
  /** Target score at which a listed item is a partial match. */
  partial: number;
}

export interface SimulatorTrainProgress {
  epoch: number;
  epochs: number;
  loss: number;
  validAuc: number;
  validPrecisionAt5: number;
  improved: boolean;
  elapsedMs: number;
}

export interface TrainedHeads {
  shapes: HeadShapes;
  weights: HeadWeights;
  thresholds: SimulatorThresholds;
  metrics: SimulatorMetrics;
  epochsRun: number;
}

interface Prepared {
  sample: RecSample;
  ctx: ContextFeatures;
  truth: Set<number>;
  /** Whether the target has any attribute at all (a target without metadata gives no attribute label). */
  labelled: boolean;
  /** The items the sample's own train dialogue adds to the popularity counts (for leave-one-out popularity). */
  dialogueCounted: ReadonlySet<ItemId>;
}

export { targetPopularity } from '../data/popularity.js';

async function prepare(dataset: Dataset, samples: readonly RecSample[], features: FeatureExtractor, isTrain: boolean): Promise<Prepared[]> {
  const usable = samples.filter((s) => dataset.itemById.has(s.target));
  const inputs = usable.map((s) => buildSimulatorInput(s, dataset, []));
  // Several targets of one turn share a context: encode each distinct context once.
  const keys = inputs.map((i) => features.contextKey(i));
  const firstOf = new Map<string, number>();
  keys.forEach((k, i) => {
    if (!firstOf.has(k)) firstOf.set(k, i);
  });
  const distinct = [...firstOf.values()];
  const encoded = await features.contextFeatures(distinct.map((i) => inputs[i]!));
  const byKey = new Map<string, ContextFeatures>();
  distinct.forEach((i, k) => byKey.set(keys[i]!, encoded[k]!));
  // The same counts as features.options.popularity (multi-task.ts builds both from TargetPopularity.of).
  const popularity = isTrain ? TargetPopularity.of(dataset) : undefined;
  return usable.map((sample, i) => {
    const target = dataset.itemById.get(sample.target)!;
    const hasAny = Object.values(target.attributes).some((v) => (v?.length ?? 0) > 0);
    return {
      sample,
      ctx: byKey.get(keys[i]!)!,
      truth: new Set(features.vocab.indicesOf(itemView(dataset, sample.target))),
      labelled: hasAny,
      dialogueCounted: popularity?.itemsOfDialogue(sample.dialogueId) ?? new Set(),
    };
  });
}

function popularityCount(features: FeatureExtractor, p: Prepared, id: ItemId): number {
  const count = features.options.popularity.get(id) ?? 0;
  return p.dialogueCounted.has(id) ? count - 1 : count;
}

/** How a listed item is scored: by the target head, or (without one: the single-task ablation) by the stated preference. */
export function judgeScore(
  w: HeadWeights,
  hasTargetHead: boolean,
  state: ContextState,
  preference: Float32Array,
  projection: Float32Array,
  pair: Float32Array,
  indices: Int32Array,
): number {
  if (hasTargetHead) return sigmoid(targetLogit(w, state, projection, pair, indices));
  if (indices.length === 0) return 0;
  let sum = 0;
  for (const i of indices) sum += preference[i] as number;
  return sum / indices.length;
}

function itemIndices(features: FeatureExtractor, ids: readonly ItemId[]): Int32Array[] {
  return ids.flatMap((id) => {
    const item = features.cachedItem(id);
    return item ? [item.indices] : [];
  });
}

interface Evaluation {
  attrProbs: Float32Array[];
  /** The preference head's probabilities with the sample's H- list shown (when lists were given). */
  preferenceProbs: Float32Array[];
  scores: number[];
  labels: number[];
  sources: JudgmentInstance['source'][];
  popularity: number[];
}

/** Runs the plain-JS forward over prepared samples and their fixed Yes/No instances. */
function evaluate(
  w: HeadWeights,
  s: HeadShapes,
  features: FeatureExtractor,
  prepared: readonly Prepared[],
  lists: readonly ConstructedLists[] | undefined,
  leaveOneOut: boolean,
  hasTargetHead: boolean,
): Evaluation {
  const projections = new Map<ItemId, Float32Array>();
  const projection = (item: ItemFeatures): Float32Array => {
    let v = projections.get(item.id);
    if (!v) {
      v = itemForward(w, s, features.itemVector(item));
      projections.set(item.id, v);
    }
    return v;
  };
  const out: Evaluation = { attrProbs: [], preferenceProbs: [], scores: [], labels: [], sources: [], popularity: [] };
  prepared.forEach((p, k) => {
    const state = contextForward(w, s, p.ctx.x);
    out.attrProbs.push(state.attrProbs);
    const list = lists?.[k];
    if (!list) return;
    const preference = preferenceForward(w, s, state, p.ctx.x, features.shownFromIndices(itemIndices(features, list.lists['H-']), []));
    out.preferenceProbs.push(preference);
    for (const inst of judgmentInstances(list)) {
      const item = features.cachedItem(inst.itemId);
      if (!item) continue;
      const pair = features.pairFeatures(p.ctx, item, leaveOneOut ? popularityCount(features, p, inst.itemId) : undefined);
      out.scores.push(judgeScore(w, hasTargetHead, state, preference, projection(item), pair, item.indices));
      out.labels.push(inst.label);
      out.sources.push(inst.source);
      out.popularity.push(pair[4] as number);
    }
  });
  return out;
}

function subsetAuc(ev: Evaluation, keep: JudgmentInstance['source']): number {
  const scores: number[] = [];
  const labels: number[] = [];
  ev.scores.forEach((sc, i) => {
    if (ev.sources[i] === 'target' || ev.sources[i] === keep) {
      scores.push(sc);
      labels.push(ev.labels[i] as number);
    }
  });
  return auc(scores, labels);
}

function meanPrecisionAt5(probs: readonly Float32Array[], prepared: readonly Prepared[]): number {
  let sum = 0;
  let n = 0;
  prepared.forEach((p, i) => {
    if (p.truth.size === 0) return;
    sum += precisionAtK(topK(probs[i]!, 5), p.truth, 5);
    n++;
  });
  return n > 0 ? sum / n : 0;
}

/**
 * The automatic accept threshold: for each of the first `calibrationSamples` valid samples, the best score any
 * catalog item other than the target gets (the worst list a recommender could show without the target); the
 * threshold sits above that for all but `falseAcceptanceRate` of the samples, so a list without the target is
 * accepted about that rarely, whatever the recommender. Valid only: test never tunes anything.
 */
function calibrateAccept(
  w: HeadWeights,
  s: HeadShapes,
  features: FeatureExtractor,
  valid: readonly Prepared[],
  lists: readonly ConstructedLists[],
  catalog: readonly ItemId[],
  config: MultiTaskConfig,
): number {
  if (config.acceptThreshold !== 'auto') return config.acceptThreshold;
  const hasTargetHead = config.tasks.includes('target');
  const projections = new Map<ItemId, Float32Array>();
  const items = catalog.flatMap((id) => {
    const item = features.cachedItem(id);
    return item ? [item] : [];
  });
  const best: number[] = [];
  valid.slice(0, config.calibrationSamples).forEach((p, k) => {
    const state = contextForward(w, s, p.ctx.x);
    const preference = preferenceForward(w, s, state, p.ctx.x, features.shownFromIndices(itemIndices(features, lists[k]!.lists['H-']), []));
    let max = 0;
    for (const item of items) {
      if (item.id === p.sample.target) continue;
      let projection = projections.get(item.id);
      if (!projection) {
        projection = itemForward(w, s, features.itemVector(item));
        projections.set(item.id, projection);
      }
      const score = judgeScore(w, hasTargetHead, state, preference, projection, features.pairFeatures(p.ctx, item), item.indices);
      if (score > max) max = score;
    }
    best.push(max);
  });
  if (best.length === 0) return 0.95;
  best.sort((a, b) => a - b);
  const at = Math.min(best.length - 1, Math.ceil((1 - config.falseAcceptanceRate) * best.length) - 1);
  // Just above that sample's best wrong score, so it is not accepted either.
  return Math.min(1, (best[Math.max(0, at)] as number) + 1e-6);
}

/** Partial: the cut-off that best separates targets from the other listed items (max F1), below the accept threshold. */
function calibratePartial(ev: Evaluation, config: MultiTaskConfig, accept: number): number {
  if (config.partialThreshold !== 'auto') return config.partialThreshold;
  let partial = 0.5;
  let bestF1 = -1;
  for (let k = 1; k < 50; k++) {
    const t = k / 50;
    let tp = 0;
    let fp = 0;
    let fn = 0;
    ev.scores.forEach((sc, i) => {
      const positive = ev.labels[i] === 1;
      if (sc >= t && positive) tp++;
      else if (sc >= t) fp++;
      else if (positive) fn++;
    });
    const f1 = tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
    if (f1 > bestF1) {
      bestF1 = f1;
      partial = t;
    }
  }
  return Math.min(partial, accept * 0.9);
}

/** Draws what a training sample was shown: R_{t-1} (none, or one of its constructed lists) and the lists before it. */
function drawShown(
  config: MultiTaskConfig,
  sampler: NegativeSampler,
  target: ItemId,
  lists: ConstructedLists,
  rng: Rng,
): { previous: ItemId[]; earlier: ItemId[] } {
  const kinds = ['none', 'H-', 'S-', 'H+', 'S+'] as const;
  const weights = kinds.map((k) => config.shownLists[k]);
  const total = weights.reduce((a, b) => a + b, 0);
  let r = rng.uniform(0, total);
  let kind: (typeof kinds)[number] = 'none';
  for (let i = 0; i < kinds.length; i++) {
    r -= weights[i] as number;
    if (r < 0) {
      kind = kinds[i] as (typeof kinds)[number];
      break;
    }
  }
  if (kind === 'none') return { previous: [], earlier: [] };
  const previous = lists.lists[kind as ListKind];
  const earlier = rng.bernoulli(config.earlierListRate) ? sampler.build(target, config.listSize, rng).lists[rng.bernoulli(0.5) ? 'H-' : 'S-'] : [];
  return { previous, earlier };
}

export async function trainHeads(
  dataset: Dataset,
  features: FeatureExtractor,
  config: MultiTaskConfig,
  onProgress?: (p: SimulatorTrainProgress) => void,
): Promise<TrainedHeads> {
  const started = performance.now();
  const rng = new Rng(`multitask-simulator/${config.seed}`);
  const layout = features.layout;
  const V = layout.vocabSize;
  if (V === 0) throw new Error(`MultiTaskSimulator.train: the attribute vocabulary of '${dataset.name}' is empty (no train target has attributes seen ${config.vocab.minCount}+ times)`);
  const shapes: HeadShapes = {
    contextDim: contextDim(layout),
    bagOffset: layout.textDim + layout.collabDim,
    vocabSize: V,
    itemDim: itemDim(layout),
    pairDim: PAIR_DIM,
    hidden: config.hidden,
    userDim: config.userDim,
  };

  const train = await prepare(dataset, dataset.samples.train, features, true);
  const valid = await prepare(dataset, dataset.samples.valid, features, false);
  if (train.length === 0) throw new Error(`MultiTaskSimulator.train: dataset '${dataset.name}' has no train samples with a known target`);
  await features.itemFeatures(dataset.items.map((i) => itemView(dataset, i.id)));

  const sampler = new NegativeSampler(dataset.items, config.hardPool);
  const validRng = rng.split('valid-lists');
  const validLists = valid.map((p) => sampler.build(p.sample.target, config.listSize, validRng));
  const tasks = new Set(config.tasks);
  const hasTargetHead = tasks.has('target');

  // Attribute biases start at the train log-odds.
  const prior = new Float32Array(V);
  const labelled = train.filter((p) => p.labelled);
  for (const p of labelled) for (const i of p.truth) prior[i] = (prior[i] as number) + 1;
  for (let i = 0; i < V; i++) {
    const f = Math.min(0.99, Math.max(1e-3, (prior[i] as number) / Math.max(1, labelled.length)));
    prior[i] = Math.log(f / (1 - f));
  }

  const tf = await getTf(config.backend);
  const vars = toVariables(tf, initWeights(shapes, rng.split('init'), prior), shapes);
  const optimizer = tf.train.adam(config.learningRate);
  const L = 1 + 2 * config.listSize;
  const I = shapes.itemDim;

  let best: { weights: HeadWeights; score: number; epoch: number } | undefined;
  let sinceBest = 0;
  let epochsRun = 0;
  try {
    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      epochsRun = epoch;
      const epochRng = rng.split(`epoch-${epoch}`);
      const order = epochRng.shuffle(train.map((_, i) => i));
      let lossSum = 0;
      let batches = 0;
      for (let start = 0; start < order.length; start += config.batchSize) {
        const idx = order.slice(start, start + config.batchSize);
        const B = idx.length;
        const X = new Float32Array(B * shapes.contextDim);
        const F = new Float32Array(B * L * I);
        const M = new Float32Array(B * L * V);
        const P = new Float32Array(B * L * PAIR_DIM);
        const YA = new Float32Array(B * V);
        const AM = new Float32Array(B);
        const YT = new Float32Array(B * L);
        const TM = new Float32Array(B * L);
        const S = new Float32Array(B * listDim(shapes));
        idx.forEach((sampleIndex, b) => {
          const p = train[sampleIndex]!;
          X.set(p.ctx.x, b * shapes.contextDim);
          for (const i of p.truth) YA[b * V + i] = 1;
          AM[b] = p.labelled ? 1 : 0;
          const lists = sampler.build(p.sample.target, config.listSize, epochRng);
          const shown = drawShown(config, sampler, p.sample.target, lists, epochRng);
          features.shownFromIndices(itemIndices(features, shown.previous), itemIndices(features, shown.earlier), S, b * listDim(shapes));
          const inst = judgmentInstances(lists).slice(0, L);
          inst.forEach((it, l) => {
            const item = features.cachedItem(it.itemId);
            if (!item) return;
            const row = b * L + l;
            features.itemVector(item, F, row * I);
            const n = item.indices.length;
            for (const i of item.indices) M[row * V + i] = 1 / n;
            features.pairFeatures(p.ctx, item, popularityCount(features, p, it.itemId), P, row * PAIR_DIM);
            YT[row] = it.label;
            TM[row] = 1;
          });
        });
        const dropoutSeed = epochRng.uint32();
        const lossValue = tf.tidy(() => {
          const batch = {
            X: tf.tensor2d(X, [B, shapes.contextDim]),
            F: tf.tensor3d(F, [B, L, I]),
            M: tf.tensor3d(M, [B, L, V]),
            P: tf.tensor3d(P, [B, L, PAIR_DIM]),
            S: tf.tensor2d(S, [B, listDim(shapes)]),
          };
          const ya = tf.tensor2d(YA, [B, V]);
          const am = tf.tensor2d(AM, [B, 1]);
          const yt = tf.tensor2d(YT, [B, L]);
          const tm = tf.tensor2d(TM, [B, L]);
          const cost = optimizer.minimize(
            () => {
              const { attrLogits, preferenceLogits, targetLogits } = tfForward(tf, vars, shapes, batch, config.dropout, dropoutSeed);
              // BCE = softplus(x) - y x, with positives weighted up in the attribute losses.
              const attributeLoss = (logits: tfjs.Tensor2D): tfjs.Tensor => {
                const bce = tf.mul(tf.add(1, tf.mul(ya, config.attributePositiveWeight - 1)), tf.softplus(tf.mul(logits, tf.sub(1, tf.mul(ya, 2)))));
                return tf.div(tf.sum(tf.mul(bce, am)), tf.maximum(tf.mul(tf.sum(am), V), 1));
              };
              const terms: tfjs.Tensor[] = [];
              if (tasks.has('attributes')) terms.push(attributeLoss(attrLogits));
              if (tasks.has('feedback')) terms.push(attributeLoss(preferenceLogits));
              if (hasTargetHead) {
                const targetBce = tf.softplus(tf.mul(targetLogits, tf.sub(1, tf.mul(yt, 2))));
                terms.push(tf.mul(tf.div(tf.sum(tf.mul(targetBce, tm)), tf.maximum(tf.sum(tm), 1)), config.targetLossWeight));
              }
              const matrices = [vars.W1, vars.Wa, vars.Ws, ...(hasTargetHead ? [vars.Wu, vars.Wv] : [])];
              terms.push(tf.mul(config.l2, tf.addN(matrices.map((m) => tf.sum(tf.square(m))))));
              return tf.addN(terms) as tfjs.Scalar;
            },
            true,
            Object.values(vars),
          );
          return cost ? (cost.dataSync()[0] as number) : Number.NaN;
        });
        lossSum += lossValue;
        batches++;
      }
      const weights = fromVariables(vars);
      const ev = evaluate(weights, shapes, features, valid, validLists, false, hasTargetHead);
      const validAuc = auc(ev.scores, ev.labels);
      // The single-task simulator has no list-free attribute task: its preference with a list shown is what it is trained for.
      const validP5 = meanPrecisionAt5(tasks.has('attributes') ? ev.attrProbs : ev.preferenceProbs, valid);
      // Without valid data the last epoch wins.
      const score = valid.length > 0 ? (Number.isNaN(validAuc) ? 0 : validAuc) + validP5 : epoch;
      const improved = !best || score > best.score;
      if (improved) {
        best = { weights, score, epoch };
        sinceBest = 0;
      } else {
        sinceBest++;
      }
      onProgress?.({
        epoch,
        epochs: config.epochs,
        loss: lossSum / Math.max(1, batches),
        validAuc,
        validPrecisionAt5: validP5,
        improved,
        elapsedMs: performance.now() - started,
      });
      if (sinceBest >= config.patience) break;
    }
  } finally {
    for (const v of Object.values(vars)) v.dispose();
    optimizer.dispose();
  }

  const weights = best!.weights;
  // Threshold for "predicted" attributes: tuned on train; the popularity prior gets the same treatment.
  const trainEval = evaluate(weights, shapes, features, train, undefined, true, hasTargetHead);
  const labelledTrain = train.filter((p) => p.truth.size > 0);
  const trainProbs = train.map((_, i) => trainEval.attrProbs[i]!).filter((_, i) => train[i]!.truth.size > 0);
  const { threshold } = bestThreshold(trainProbs, labelledTrain.map((p) => p.truth));
  const priorProbs = Float32Array.from(prior, (x) => sigmoid(x));
  const popularityThreshold = bestThreshold(labelledTrain.map(() => priorProbs), labelledTrain.map((p) => p.truth)).threshold;

  const ev = evaluate(weights, shapes, features, valid, validLists, false, hasTargetHead);
  const labelledValid = valid.map((p, i) => ({ p, probs: ev.attrProbs[i]!, withList: ev.preferenceProbs[i]! })).filter((x) => x.p.truth.size > 0);
  const popularTop = features.vocab.mostFrequent(5);
  const popularityP5 =
    labelledValid.length > 0 ? labelledValid.reduce((acc, x) => acc + precisionAtK(popularTop, x.p.truth, 5), 0) / labelledValid.length : 0;
  const metrics: SimulatorMetrics = {
    attributes: {
      f1: microF1(labelledValid.map((x) => x.probs), labelledValid.map((x) => x.p.truth), threshold),
      'precision@5': meanPrecisionAt5(
        labelledValid.map((x) => x.probs),
        labelledValid.map((x) => x.p),
      ),
      'popularityPrecision@5': popularityP5,
      popularityF1: microF1(labelledValid.map(() => priorProbs), labelledValid.map((x) => x.p.truth), popularityThreshold),
      threshold,
      samples: labelledValid.length,
      'listPrecision@5': meanPrecisionAt5(
        labelledValid.map((x) => x.withList),
        labelledValid.map((x) => x.p),
      ),
    },
    target: {
      auc: auc(ev.scores, ev.labels),
      aucHard: subsetAuc(ev, 'hard'),
      aucSimple: subsetAuc(ev, 'simple'),
      popularityAuc: auc(ev.popularity, ev.labels),
      instances: ev.scores.length,
    },
  };
  const accept = calibrateAccept(weights, shapes, features, valid, validLists, dataset.items.map((i) => i.id), config);
  const partial = calibratePartial(ev, config, accept);
  return { shapes, weights, thresholds: { attribute: threshold, accept, partial }, metrics, epochsRun };
}
