// The default simulator: the paper's multi-task simulator (3.2) with its three tasks as learned heads
// over E_T and E_C (attribute alignment, target prediction) and a template writer for the third
// (feedback generation). Label-free at inference: it only reads a SimulatorInput.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { parseConfig } from '../config/load.js';
import type { Rng } from '../core/rng.js';
import type { Dataset, ItemId } from '../data/types.js';
import { loadWeights, saveWeights } from '../nn/weights-io.js';
import { MultiTaskConfigSchema, type MultiTaskConfig, type MultiTaskConfigInput } from './config.js';
import { FeatureExtractor, type CollaborativeView, type ContextFeatures, type ItemFeatures, type TextEncoderLike } from './features.js';
import {
  checkWeights,
  contextForward,
  itemForward,
  preferenceForward,
  WEIGHT_NAMES,
  weightShapes,
  type ContextState,
  type HeadShapes,
  type HeadWeights,
} from './heads.js';
import { NameGuard } from './name-guard.js';
import { aspectKey, phraseFeedback, type Aspect, type ListedItem } from './phrasing.js';
import { judgeScore, trainHeads, type SimulatorMetrics, type SimulatorThresholds, type SimulatorTrainProgress } from './train.js';
import { targetPopularity } from '../data/popularity.js';
import type { Feedback, ItemJudgment, PredictedAttribute, SimulatorInput, UserSimulator, Verdict } from './types.js';
import { seenItemIds } from './types.js';
import { AttributeVocab, type AttributeVocabEntry, type VocabKind, VOCAB_KINDS } from './vocab.js';
import { errorMessage } from '../core/errors.js';
import { frozenVecMat } from '../core/vec-mat-kernel.js';

export interface SimulatorEncoders {
  text: TextEncoderLike;
  collaborative?: CollaborativeView;
}

/** What the heads make of one round, before any wording. */
export interface SimulatorAnalysis {
  predictedAttributes: PredictedAttribute[];
  judgments: ItemJudgment[];
}

interface ContextEntry {
  features: ContextFeatures;
  state: ContextState;
  /** Vocab indices by descending probability. */
  ranked: number[];
  /** The preference head's output per shown lists (a few per context: episodes replay the same lists often). */
  preferences: Map<string, { probs: Float32Array; ranked: number[] }>;
}

const MAX_PREFERENCES_PER_CONTEXT = 32;

interface Parts {
  config: MultiTaskConfig;
  vocab: AttributeVocab;
  popularity: Map<ItemId, number>;
  shapes: HeadShapes;
  weights: HeadWeights;
  thresholds: SimulatorThresholds;
  metrics: SimulatorMetrics;
  guard: NameGuard;
  encoders: SimulatorEncoders;
  datasetName: string;
}

const FORMAT = 'crs-gym/multi-task-simulator';
/** 2: the list-aware preference head (Ws, wshown) and the tasks config. */
export const SIMULATOR_FORMAT_VERSION = 2;
const FORMAT_VERSION = SIMULATOR_FORMAT_VERSION;
/** The manifest a saved simulator folder holds (its format, config, encoder ids and metrics). */
export const SIMULATOR_MANIFEST = 'simulator.json';
const MAX_CACHED_CONTEXTS = 50_000;

const ManifestSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(FORMAT_VERSION),
  datasetName: z.string(),
  config: z.unknown(),
  textEncoderId: z.string(),
  textDim: z.number().int().positive(),
  collabDim: z.number().int().min(0),
  shapes: z.object({
    contextDim: z.number().int(),
    bagOffset: z.number().int(),
    vocabSize: z.number().int(),
    itemDim: z.number().int(),
    pairDim: z.number().int(),
    hidden: z.number().int(),
    userDim: z.number().int(),
  }),
  vocab: z.array(z.object({ kind: z.enum(['genre', 'director', 'actor', 'writer']), value: z.string(), count: z.number() })),
  popularity: z.array(z.tuple([z.string(), z.number()])),
  guard: z.array(z.tuple([z.string(), z.string()])),
  thresholds: z.object({ attribute: z.number(), accept: z.number(), partial: z.number() }),
  metrics: z.unknown(),
});

/**
 * Vocab indices by descending probability, ties by index: a native sort of keys that pack the probability
 * (to 1e-9) above the index, about ten times faster than a sort with a comparator (this runs at every answer).
 */
function rankByProbability(probs: Float32Array): number[] {
  const n = probs.length;
  let bits = 1;
  while (1 << bits < n) bits++;
  const scale = 2 ** bits;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = Math.round((1 - (probs[i] as number)) * 1e9) * scale + i;
  keys.sort();
  return Array.from(keys, (k) => k % scale);
}

/** 'multi-task' with all three tasks, 'single-task' with the feedback task alone, else the tasks joined by '+'. */
function simulatorName(tasks: readonly string[]): string {
  if (tasks.length === 3) return 'multi-task';
  if (tasks.length === 1 && tasks[0] === 'feedback') return 'single-task';
  return tasks.join('+');
}

export class MultiTaskSimulator implements UserSimulator {
  readonly name: string;
  readonly config: MultiTaskConfig;
  /** Valid-split metrics measured at training time. */
  readonly metrics: SimulatorMetrics;
  readonly thresholds: SimulatorThresholds;
  readonly vocab: AttributeVocab;
  private readonly parts: Parts;
  /** The heads' products on the exact SIMD kernel: the weights never change after construction. */
  private readonly vecMat = frozenVecMat();
  private readonly features: FeatureExtractor;
  private readonly byContext = new WeakMap<object, { entry: Promise<ContextEntry>; contextItems: object; contextEntities: object }>();
  private readonly byKey = new Map<string, Promise<ContextEntry>>();
  private readonly projections = new Map<ItemId, Float32Array>();

  private constructor(parts: Parts) {
    checkWeights(parts.weights, parts.shapes);
    this.parts = parts;
    this.config = parts.config;
    this.name = simulatorName(parts.config.tasks);
    this.metrics = parts.metrics;
    this.thresholds = parts.thresholds;
    this.vocab = parts.vocab;
    this.features = new FeatureExtractor(parts.vocab, parts.encoders.text, parts.encoders.collaborative, {
      maxContextUtterances: parts.config.maxContextUtterances,
      popularity: parts.popularity,
    });
  }

  /** Trains the heads on `dataset`'s train split (model selection and calibration on valid). */
  static async train(
    dataset: Dataset,
    encoders: SimulatorEncoders,
    config: MultiTaskConfigInput = {},
    onProgress?: (p: SimulatorTrainProgress) => void,
  ): Promise<MultiTaskSimulator> {
    const cfg = parseConfig(MultiTaskConfigSchema, config, 'multi-task simulator config');
    const vocab = AttributeVocab.fromTrainTargets(dataset, cfg.vocab, cfg.vocab.minCount);
    const popularity = targetPopularity(dataset);
    const features = new FeatureExtractor(vocab, encoders.text, encoders.collaborative, {
      maxContextUtterances: cfg.maxContextUtterances,
      popularity,
    });
    const heads = await trainHeads(dataset, features, cfg, onProgress);
    return new MultiTaskSimulator({
      config: cfg,
      vocab,
      popularity,
      shapes: heads.shapes,
      weights: heads.weights,
      thresholds: heads.thresholds,
      metrics: heads.metrics,
      guard: new NameGuard(dataset.items),
      encoders,
      datasetName: dataset.name,
    });
  }

  /**
   * Writes `simulator.json` (config, vocab, thresholds, metrics, train popularity, catalog names) and the
   * head weights as `weights.bin` + `weights.json` (nn/weights-io: atomic, checksummed).
   */
  async save(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const p = this.parts;
    const shapes = weightShapes(p.shapes);
    saveWeights(
      dir,
      WEIGHT_NAMES.map((name) => ({ name, shape: shapes[name], data: p.weights[name] })),
      { model: FORMAT },
    );
    const manifest: z.input<typeof ManifestSchema> = {
      format: FORMAT,
      version: FORMAT_VERSION,
      datasetName: p.datasetName,
      config: p.config,
      textEncoderId: p.encoders.text.id,
      textDim: p.encoders.text.dim,
      collabDim: p.encoders.collaborative?.dim ?? 0,
      shapes: p.shapes,
      vocab: p.vocab.entries.map((e) => ({ ...e })),
      popularity: [...p.popularity.entries()],
      guard: p.guard.entries.map(([id, name]) => [id, name] as [string, string]),
      thresholds: p.thresholds,
      metrics: p.metrics,
    };
    await writeFile(join(dir, SIMULATOR_MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
  }

  /** Loads a saved simulator; the encoders must be the ones it was trained with (checked by id and size). */
  static async load(dir: string, encoders: SimulatorEncoders): Promise<MultiTaskSimulator> {
    const manifestPath = join(dir, SIMULATOR_MANIFEST);
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(manifestPath, 'utf8'));
    } catch (err) {
      throw new Error(`${manifestPath}: cannot read the simulator manifest: ${errorMessage(err)}`);
    }
    const parsed = ManifestSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${manifestPath}: not a ${FORMAT} v${FORMAT_VERSION} manifest: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
    }
    const m = parsed.data;
    if (m.textEncoderId !== encoders.text.id || m.textDim !== encoders.text.dim) {
      throw new Error(
        `${manifestPath}: trained with text encoder '${m.textEncoderId}' (${m.textDim} dims), given '${encoders.text.id}' (${encoders.text.dim} dims)`,
      );
    }
    const collabDim = encoders.collaborative?.dim ?? 0;
    if (m.collabDim !== collabDim) {
      throw new Error(`${manifestPath}: trained with a ${m.collabDim}-dim collaborative view, given ${collabDim} dims`);
    }
    const config = parseConfig(MultiTaskConfigSchema, m.config, `${manifestPath}: config`);
    const { buffers } = loadWeights(dir);
    const shapes = weightShapes(m.shapes);
    const weights = {} as HeadWeights;
    for (const name of WEIGHT_NAMES) {
      const buffer = buffers.find((b) => b.name === name);
      if (!buffer || buffer.shape.join('x') !== shapes[name].join('x')) {
        throw new Error(`${join(dir, 'weights.json')}: weight '${name}' is missing or not of shape ${shapes[name].join('x')}`);
      }
      weights[name] = buffer.data;
    }
    return new MultiTaskSimulator({
      config,
      vocab: new AttributeVocab(m.vocab as AttributeVocabEntry[]),
      popularity: new Map(m.popularity),
      shapes: m.shapes,
      weights,
      thresholds: m.thresholds,
      metrics: m.metrics as SimulatorMetrics,
      guard: NameGuard.fromEntries(m.guard),
      encoders,
      datasetName: m.datasetName,
    });
  }

  // -------------------------------------------------------------------------------------------------
  // Inference

  private context(input: SimulatorInput): Promise<ContextEntry> {
    // Fast path: the same frozen D, I_D arrays as before (buildSimulatorInput reuses them per sample).
    const hit = this.byContext.get(input.context);
    if (hit && hit.contextItems === input.contextItems && hit.contextEntities === input.contextEntities) return hit.entry;
    const key = this.features.contextKey(input);
    let entry = this.byKey.get(key);
    if (!entry) {
      entry = this.computeContext(input);
      entry.catch(() => {
        this.byKey.delete(key);
        this.byContext.delete(input.context);
      });
      if (this.byKey.size >= MAX_CACHED_CONTEXTS) this.byKey.delete(this.byKey.keys().next().value as string);
      this.byKey.set(key, entry);
    }
    this.byContext.set(input.context, { entry, contextItems: input.contextItems, contextEntities: input.contextEntities });
    return entry;
  }

  private async computeContext(input: SimulatorInput): Promise<ContextEntry> {
    const [features] = await this.features.contextFeatures([input]);
    const state = contextForward(this.parts.weights, this.parts.shapes, features!.x, this.vecMat);
    return { features: features!, state, ranked: rankByProbability(state.attrProbs), preferences: new Map() };
  }

  private projection(item: ItemFeatures): Float32Array {
    let v = this.projections.get(item.id);
    if (!v) {
      v = itemForward(this.parts.weights, this.parts.shapes, this.features.itemVector(item), this.vecMat);
      this.projections.set(item.id, v);
    }
    return v;
  }

  private verdict(score: number): Verdict {
    if (score >= this.thresholds.accept) return 'accept';
    if (score >= this.thresholds.partial) return 'partial';
    return 'reject';
  }

  private aspect(i: number, probs: Float32Array): Aspect {
    const e = this.vocab.entries[i] as AttributeVocabEntry;
    return { kind: e.kind, value: e.value, score: probs[i] as number };
  }

  /** The heads' outputs for one round: predicted attributes and a judgment of each listed item. */
  async analyze(input: SimulatorInput): Promise<SimulatorAnalysis> {
    const { predictedAttributes, judgments } = await this.run(input);
    return { predictedAttributes, judgments };
  }

  /** The preference head given what was shown (R_{t-1} and the lists before it): probabilities and their order. */
  private preference(input: SimulatorInput, entry: ContextEntry): { probs: Float32Array; ranked: number[] } {
    if (input.previousList.length === 0 && input.earlierRounds.length === 0) return { probs: entry.state.attrProbs, ranked: entry.ranked };
    const key = `${input.previousList.map((v) => v.id).join(',')}|${input.earlierRounds.map((r) => r.list.map((v) => v.id).join(',')).join(';')}`;
    let hit = entry.preferences.get(key);
    if (!hit) {
      const probs = preferenceForward(this.parts.weights, this.parts.shapes, entry.state, entry.features.x, this.features.shownVector(input), this.vecMat);
      hit = { probs, ranked: rankByProbability(probs) };
      if (entry.preferences.size >= MAX_PREFERENCES_PER_CONTEXT) entry.preferences.delete(entry.preferences.keys().next().value as string);
      entry.preferences.set(key, hit);
    }
    return hit;
  }

  private async run(
    input: SimulatorInput,
  ): Promise<SimulatorAnalysis & { entry: ContextEntry; allowed: Set<ItemId>; items: ItemFeatures[]; probs: Float32Array; ranked: number[] }> {
    const entry = await this.context(input);
    const allowed = seenItemIds(input);
    const { probs, ranked } = this.preference(input, entry);
    const hasTargetHead = this.config.tasks.includes('target');
    const items = input.previousList.length > 0 ? await this.features.itemFeatures(input.previousList) : [];
    const judgments = input.previousList.map((view, j): ItemJudgment => {
      const item = items[j] as ItemFeatures;
      const pair = this.features.pairFeatures(entry.features, item);
      const score = judgeScore(this.parts.weights, hasTargetHead, entry.state, probs, this.projection(item), pair, item.indices);
      return { itemId: view.id, title: view.title, score, verdict: this.verdict(score) };
    });
    const predictedAttributes: PredictedAttribute[] = [];
    for (const i of ranked) {
      if (predictedAttributes.length >= this.config.topAttributes) break;
      const e = this.vocab.entries[i] as AttributeVocabEntry;
      if (!this.parts.guard.allowsValue(e.value, allowed)) continue;
      predictedAttributes.push({ kind: e.kind, value: e.value, score: probs[i] as number });
    }
    return { predictedAttributes, judgments, entry, allowed, items, probs, ranked };
  }

  async feedback(input: SimulatorInput, rng: Rng): Promise<Feedback> {
    const { predictedAttributes, judgments, allowed, items, probs, ranked } = await this.run(input);
    const guard = this.parts.guard;
    const threshold = this.thresholds.attribute;
    // Wanted: the two likeliest genres, and people the head is fairly sure of.
    const wanted: Aspect[] = [];
    const perKind = new Map<VocabKind, number>();
    for (const i of ranked) {
      const a = this.aspect(i, probs);
      const limit = a.kind === 'genre' ? 2 : 1;
      if ((perKind.get(a.kind) ?? 0) >= limit) continue;
      if (a.kind !== 'genre' && a.score < threshold) continue;
      if (!guard.allowsValue(a.value, allowed)) continue;
      wanted.push(a);
      perKind.set(a.kind, (perKind.get(a.kind) ?? 0) + 1);
      if (VOCAB_KINDS.every((k) => (perKind.get(k) ?? 0) >= (k === 'genre' ? 2 : 1))) break;
    }
    const listed: ListedItem[] = input.previousList.map((view, j) => ({
      judgment: judgments[j] as ItemJudgment,
      spoken: guard.sayTitle(view, allowed),
      aspects: [...(items[j] as ItemFeatures).indices]
        .map((i) => this.aspect(i, probs))
        .filter((a) => guard.allowsValue(a.value, allowed))
        .sort((a, b) => b.score - a.score),
    }));
    const phrased = phraseFeedback(
      {
        wanted,
        listed,
        contextTitles: input.contextItems.map((v) => guard.sayTitle(v, allowed)),
        likeAbove: threshold,
        dislikeBelow: threshold * 0.4,
      },
      rng,
    );
    return {
      text: phrased.text,
      predictedAttributes,
      judgments,
      kind: phrased.kind,
      ...(phrased.verdict ? { verdict: phrased.verdict } : {}),
      preference: phrased.stated.map(aspectKey),
      source: this.name,
    };
  }
}
