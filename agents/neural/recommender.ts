// NeuralRecommender: the trainable stand-in for the paper's reasoning LLM (section 3.4). Per round it
// (1) infers preferences: draws up to `maxAttributes` attribute values (Plackett-Luce over the values of
//     the candidates, of I_D and of D's entities, with a STOP option) and writes them as P_t;
// (2) ranks: draws a top-k list from a Plackett-Luce distribution over the candidates (Gumbel-top-k), or
//     takes the k best scores in greedy mode;
// (3) reasons: writes the five steps inside <think> from (1) and (2).
// log pi(action) = log P(attribute choice) + log P(list). The JS forward (model.ts) serves rollouts; the
// tfjs forward (tf-policy.ts) serves training; a test keeps them equal.
import { join } from 'node:path';
import { z } from 'zod';
import { parseConfig } from '../../src/config/load.js';
import { Rng } from '../../src/core/rng.js';
import type { Tensor, Tensor1D } from '@tensorflow/tfjs';
import type { Tf } from '../../src/nn/tf.js';
import type { StructuredAction } from '../../envs/action.js';
import type { CrsObservation } from '../../envs/types.js';
import { ArchiveError, readArchive, writeArchive } from './archive.js';
import { CANDIDATE_FEATURES, FeatureExtractor, OPTION_FEATURES, type FeatureDeps, type ObservationFeatures } from './features.js';
import {
  candidateLogits,
  firstPositionEntropy,
  initParams,
  optionLogits,
  PARAM_NAMES,
  paramShapes,
  plLogProb,
  sampleOptions,
  sampleRanking,
  type ModelShape,
  type PolicyParams,
} from './model.js';
import { preferenceText, writeReasoning } from './reasoning.js';
import { logProbTf, makeTfBatch, paramsToTensors, tfParamsOf, type TfBatch, type TfLogProbs, type TfParams } from './tf-policy.js';
import type { ActMode, ActResult, ForcedAction, ParameterView, StepRecord, TrainableAgent } from './types.js';

export const NeuralRecommenderConfigSchema = z
  .object({
    /** Hidden units of the candidate-scoring MLP. */
    hidden: z.number().int().min(1).max(1024).default(16),
    /** Hidden units of the attribute-option MLP. */
    optionHidden: z.number().int().min(1).max(1024).default(8),
    /** Rank of the bilinear term between the query embedding and the item embedding. */
    rank: z.number().int().min(1).max(256).default(8),
    /** m: attribute values the preference inference picks at most (top-m Plackett-Luce with STOP). */
    maxAttributes: z.number().int().min(1).max(10).default(3),
    /** Sampling temperature: logits are divided by it in rollouts and in the learner alike. */
    temperature: z.number().positive().default(1),
    /** Attribute options kept per round (best prior first). */
    maxOptions: z.number().int().min(1).max(1000).default(64),
    /** Start the linear weights from hand-set priors (an untrained policy then ranks sensibly). */
    priorInit: z.boolean().default(true),
    /** Seed of the weight initialization. */
    seed: z.number().int().min(0).default(0),
  })
  .strict();
export type NeuralRecommenderConfig = z.output<typeof NeuralRecommenderConfigSchema>;
export type NeuralRecommenderConfigInput = z.input<typeof NeuralRecommenderConfigSchema>;

const ARCHIVE_KIND = 'crs-gym/neural-recommender';
const POLICY_FILE = 'policy.bin';

interface PolicyMeta {
  version: 1;
  config: NeuralRecommenderConfig;
  shape: ModelShape;
  encoderId: string;
  candidateFeatures: string[];
  optionFeatures: string[];
}

/** The file a policy directory holds. */
export function policyFile(dir: string): string {
  return join(dir, POLICY_FILE);
}

export class NeuralRecommender implements TrainableAgent {
  readonly name = 'neural';
  mode: ActMode = 'greedy';
  readonly config: NeuralRecommenderConfig;
  readonly shape: ModelShape;
  readonly extractor: FeatureExtractor;
  readonly params: PolicyParams;
  private readonly isFrozen: boolean;

  private constructor(extractor: FeatureExtractor, config: NeuralRecommenderConfig, params: PolicyParams, frozen = false) {
    this.extractor = extractor;
    this.config = config;
    this.shape = { dim: extractor.dim, hidden: config.hidden, optionHidden: config.optionHidden, rank: config.rank };
    this.params = params;
    this.isFrozen = frozen;
  }

  /** A freshly initialized policy (seeded by `config.seed`). Pass a FeatureExtractor to share its caches. */
  static create(deps: FeatureDeps | FeatureExtractor, config: NeuralRecommenderConfigInput = {}): NeuralRecommender {
    const parsed = parseConfig(NeuralRecommenderConfigSchema, config, 'NeuralRecommender config');
    const extractor = deps instanceof FeatureExtractor ? deps : new FeatureExtractor(deps, { maxOptions: parsed.maxOptions });
    const shape = { dim: extractor.dim, hidden: parsed.hidden, optionHidden: parsed.optionHidden, rank: parsed.rank };
    return new NeuralRecommender(extractor, parsed, initParams(shape, new Rng(`neural-init/${parsed.seed}`), parsed.priorInit));
  }

  /** Reads a policy saved by `save(dir)`; the encoder must have the dimension it was trained with. */
  static async load(dir: string, deps: FeatureDeps | FeatureExtractor): Promise<NeuralRecommender> {
    const file = policyFile(dir);
    const archive = await readArchive(file, ARCHIVE_KIND);
    const meta = archive.meta as PolicyMeta;
    if (!meta || meta.version !== 1 || typeof meta.config !== 'object') throw new ArchiveError(file, 'unsupported policy format');
    const config = parseConfig(NeuralRecommenderConfigSchema, meta.config, `${file} config`);
    const sameFeatures = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);
    if (!sameFeatures(meta.candidateFeatures, CANDIDATE_FEATURES) || !sameFeatures(meta.optionFeatures, OPTION_FEATURES)) {
      throw new ArchiveError(file, 'was trained with another feature set; retrain it with this version');
    }
    const extractor = deps instanceof FeatureExtractor ? deps : new FeatureExtractor(deps, { maxOptions: config.maxOptions });
    if (extractor.dim !== meta.shape.dim) {
      throw new ArchiveError(file, `was trained with a ${meta.shape.dim}-d text encoder (${meta.encoderId}); the one given has ${extractor.dim} dimensions (${extractor.textEncoder.id})`);
    }
    const shapes = paramShapes(meta.shape);
    const params = {} as PolicyParams;
    for (const name of PARAM_NAMES) {
      const t = archive.tensors.get(name);
      const expected = (shapes[name] as number[]).reduce((a, b) => a * b, 1);
      if (!t || t.data.length !== expected) throw new ArchiveError(file, `parameter '${name}' is missing or has the wrong size`);
      params[name] = t.data;
    }
    return new NeuralRecommender(extractor, config, params);
  }

  async save(dir: string): Promise<void> {
    const meta: PolicyMeta = {
      version: 1,
      config: this.config,
      shape: this.shape,
      encoderId: this.extractor.textEncoder.id,
      candidateFeatures: [...CANDIDATE_FEATURES],
      optionFeatures: [...OPTION_FEATURES],
    };
    await writeArchive(policyFile(dir), ARCHIVE_KIND, meta, this.parameters);
  }

  get parameters(): ParameterView[] {
    const shapes = paramShapes(this.shape);
    return PARAM_NAMES.map((name) => ({ name, shape: shapes[name] as number[], data: this.params[name] }));
  }

  getWeights(): Float32Array[] {
    return PARAM_NAMES.map((name) => this.params[name].slice());
  }

  setWeights(buffers: readonly Float32Array[]): void {
    if (this.isFrozen) throw new Error('NeuralRecommender: this is a frozen reference copy; its weights cannot change');
    if (buffers.length !== PARAM_NAMES.length) throw new RangeError(`setWeights: expected ${PARAM_NAMES.length} buffers, got ${buffers.length}`);
    PARAM_NAMES.forEach((name, i) => {
      const src = buffers[i] as Float32Array;
      if (src.length !== this.params[name].length) throw new RangeError(`setWeights: '${name}' needs ${this.params[name].length} values, got ${src.length}`);
    });
    PARAM_NAMES.forEach((name, i) => this.params[name].set(buffers[i] as Float32Array));
  }

  clone(): NeuralRecommender {
    const copy = new NeuralRecommender(this.extractor, this.config, this.copyParams());
    copy.mode = this.mode;
    return copy;
  }

  frozen(): NeuralRecommender {
    return new NeuralRecommender(this.extractor, this.config, this.copyParams(), true);
  }

  /** TrainablePolicy: a frozen copy with `weights` (default: the current ones). */
  reference(weights?: readonly Float32Array[]): NeuralRecommender {
    if (!weights) return this.frozen();
    const copy = this.clone();
    copy.setWeights(weights);
    return new NeuralRecommender(this.extractor, this.config, copy.params, true);
  }

  /** TrainablePolicy: a policy saved by `save(dir)`, sharing this one's feature extractor. */
  async load(dir: string): Promise<NeuralRecommender> {
    return NeuralRecommender.load(dir, this.extractor);
  }

  private copyParams(): PolicyParams {
    const out = {} as PolicyParams;
    for (const name of PARAM_NAMES) out[name] = this.params[name].slice();
    return out;
  }

  async act(observation: CrsObservation, rng: Rng): Promise<StructuredAction> {
    return (await this.actWithRecord(observation, rng)).action;
  }

  async features(observation: CrsObservation): Promise<ObservationFeatures> {
    return this.extractor.extract(observation);
  }

  async actWithRecord(observation: CrsObservation, rng: Rng, opts: { mode?: ActMode; forced?: ForcedAction } = {}): Promise<ActResult> {
    const features = await this.extractor.extract(observation);
    return this.decide(observation, features, rng, opts);
  }

  /** The decision given precomputed features (teachers compute features first to pick their action). */
  decide(observation: CrsObservation, features: ObservationFeatures, rng: Rng, opts: { mode?: ActMode; forced?: ForcedAction } = {}): ActResult {
    const mode = opts.mode ?? this.mode;
    const { inputs } = features;
    const tau = this.config.temperature;
    const logits = candidateLogits(this.params, this.shape, inputs, tau);
    const optLogits = optionLogits(this.params, this.shape, inputs, tau);
    const k = Math.min(observation.listLength, inputs.n);
    const stop = inputs.a - 1;
    let ranking: number[];
    let attributes: number[];
    if (opts.forced) {
      ranking = checkForcedRanking(opts.forced.ranking, inputs.n, k);
      attributes = checkForcedAttributes(opts.forced.attributes, inputs.a, this.config.maxAttributes);
    } else {
      ranking = sampleRanking(logits, k, mode === 'sample' ? rng.split('ranking') : undefined);
      attributes = sampleOptions(optLogits, this.config.maxAttributes, mode === 'sample' ? rng.split('attributes') : undefined);
    }
    const rankingLogProb = plLogProb(logits, ranking);
    const attributeLogProb = plLogProb(optLogits, attributes, stop);

    const chosen = attributes.filter((j) => j !== stop).map((j) => features.options[j]!);
    const preference = preferenceText(chosen);
    const chosenSet = new Set(attributes);
    const ranked = ranking.map((i) => ({
      title: features.titles[i] as string,
      score: (logits[i] as number) * tau,
      matched: (features.candidateOptions[i] ?? []).filter((j) => chosenSet.has(j)).map((j) => features.options[j]!.value),
    }));
    const reasoning = writeReasoning({ preference, ranked, feedback: observation.feedback });
    const record: StepRecord = {
      sampleId: observation.sampleId,
      turn: observation.turn,
      inputs,
      ranking: Int32Array.from(ranking),
      attributes: Int32Array.from(attributes),
      logProb: rankingLogProb + attributeLogProb,
      rankingLogProb,
      attributeLogProb,
      entropy: { ranking: firstPositionEntropy(logits), attributes: firstPositionEntropy(optLogits, stop) },
      rewards: {},
      reward: 0,
      supervisedAttributes: opts.forced?.supervisedAttributes ?? true,
      ...(opts.forced?.targetIndex !== undefined ? { targetIndex: opts.forced.targetIndex } : {}),
    };
    return { action: { ranking: ranking.map((i) => features.candidateIds[i] as string), preference, reasoning }, record };
  }

  makeBatch(tf: Tf, records: readonly StepRecord[]): TfBatch {
    return makeTfBatch(tf, this.shape, records);
  }

  parameterTensors(tf: Tf): TfParams {
    return paramsToTensors(tf, this.shape, this.params);
  }

  /** TrainablePolicy: log pi(action) of each step (ranking plus attributes), under `params` in PARAM_NAMES order. */
  logProbs(tf: Tf, batch: TfBatch, params?: readonly Tensor[]): Tensor1D {
    return this.logProb(tf, batch, params ? tfParamsOf(params) : undefined).total;
  }

  logProb(tf: Tf, batch: TfBatch, params?: TfParams): TfLogProbs {
    if (params) return logProbTf(tf, params, this.shape, batch, this.config.temperature);
    const own = this.parameterTensors(tf);
    try {
      return logProbTf(tf, own, this.shape, batch, this.config.temperature);
    } finally {
      for (const t of Object.values(own)) t.dispose();
    }
  }
}

function checkForcedRanking(ranking: readonly number[], n: number, k: number): number[] {
  const seen = new Set<number>();
  for (const i of ranking) {
    if (!Number.isInteger(i) || i < 0 || i >= n || seen.has(i)) throw new RangeError(`forced ranking: bad or repeated candidate index ${i} (of ${n})`);
    seen.add(i);
  }
  return ranking.slice(0, k);
}

function checkForcedAttributes(attributes: readonly number[], a: number, maxPicks: number): number[] {
  const stop = a - 1;
  const out: number[] = [];
  for (const j of attributes) {
    if (!Number.isInteger(j) || j < 0 || j >= stop || out.includes(j)) throw new RangeError(`forced attributes: bad or repeated option index ${j} (of ${stop})`);
    if (out.length < maxPicks) out.push(j);
  }
  // STOP ends a choice shorter than the maximum (and is impossible as the first pick).
  if (out.length > 0 && out.length < maxPicks) out.push(stop);
  return out;
}
