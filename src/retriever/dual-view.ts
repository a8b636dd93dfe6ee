// DualViewRetriever: the paper's semantic-collaborative retriever (3.3) behind the Retriever interface.
// The item matrix is computed once; a query is featurized (E_T texts memoized), run through the JS forward,
// and scored against every item on the WebAssembly dot kernel, with a partial top-k (heap, no full sort).
import type { Dataset, Item, ItemId } from '../data/types.js';
import { DualViewForward, lexicalSkipDim, lexicalSkipStart, type DualViewParams, type DualViewSpec } from './dual-view-model.js';
import { ItemScorer } from './item-scorer.js';
import { saveDualView, type DualViewMeta } from './dual-view-io.js';
import {
  catalogueFingerprint,
  fingerprint,
  itemFeatures,
  QueryFeaturizer,
  sameSettings,
  type FeaturizerSettings,
  type ItemFeatures,
  type QueryFeatures,
  type RetrieverEncoders,
} from './features.js';
import { checkRetrieveK, itemsByIndex, maskQuery, topKByScore } from './types.js';
import type { RetrievalQuery, Retriever, RetrieverInputs, ScoredItem } from './types.js';

export interface DualViewRetrieverOptions {
  /** Name shown in reports (default: the variant name). */
  name?: string;
  /** Ablation switches applied to every query (w/o Pref, w/o Rec, w/o Feedback, ...). */
  inputs?: Partial<RetrieverInputs>;
  /** How queries become tokens (defaults: DEFAULT_FEATURIZER_SETTINGS); must match `featurizer` when both are given. */
  features?: Partial<FeaturizerSettings>;
  /** A featurizer to share (its memo of text vectors) with other retrievers over the same encoders. */
  featurizer?: QueryFeaturizer;
  /** The item features, when already computed (they are computed from the dataset otherwise). */
  itemFeatures?: ItemFeatures;
  /** A precomputed item matrix ([n x outputDim], as saved); skips the item-side forward. */
  itemMatrix?: Float32Array;
  /** Anything about how the model was trained, stored with it by `save`. */
  training?: Record<string, unknown>;
}

export class DualViewRetriever implements Retriever {
  readonly name: string;
  readonly spec: DualViewSpec;
  readonly inputs: Partial<RetrieverInputs>;
  readonly featurizer: QueryFeaturizer;
  readonly items: Item[];
  readonly training: Record<string, unknown>;
  private readonly forward: DualViewForward;
  private readonly scorer: ItemScorer;
  private readonly itemRows: Float32Array;
  private readonly collaborativeFingerprint: string;

  private constructor(
    spec: DualViewSpec,
    params: DualViewParams,
    readonly encoders: RetrieverEncoders,
    items: Item[],
    itemRows: Float32Array,
    collaborativeFingerprint: string,
    featurizer: QueryFeaturizer,
    options: DualViewRetrieverOptions,
  ) {
    this.spec = spec;
    this.name = options.name ?? spec.variant;
    this.inputs = { ...(options.inputs ?? {}) };
    this.training = { ...(options.training ?? {}) };
    this.featurizer = featurizer;
    this.items = items;
    this.forward = new DualViewForward(spec, params);
    if (itemRows.length !== items.length * this.forward.dim) {
      throw new RangeError(`${this.name}: item matrix has ${itemRows.length} values, expected ${items.length} x ${this.forward.dim}`);
    }
    this.itemRows = itemRows;
    // The lexical skip's item side is ~3% non-zeros: scored sparsely (see ItemScorer).
    const skip = lexicalSkipDim(spec);
    this.scorer = new ItemScorer(itemRows, items.length, this.forward.dim, skip > 0 ? { start: lexicalSkipStart(spec), width: skip } : undefined);
    this.collaborativeFingerprint = collaborativeFingerprint;
  }

  /** Builds a retriever for `dataset` from trained parameters (computing the item matrix unless given). */
  static async create(
    spec: DualViewSpec,
    params: DualViewParams,
    dataset: Dataset,
    encoders: RetrieverEncoders,
    options: DualViewRetrieverOptions = {},
  ): Promise<DualViewRetriever> {
    if (encoders.collaborative.dim !== spec.collabDim) {
      throw new RangeError(`collaborative encoder has ${encoders.collaborative.dim} dims, the model expects ${spec.collabDim}`);
    }
    const featurizer = options.featurizer ?? new QueryFeaturizer(encoders, { ...(options.features ?? {}), dataset });
    if (featurizer.textDim !== spec.textDim) {
      throw new RangeError(`text encoder '${encoders.text.id}' (+ lexical channel) gives ${featurizer.textDim} dims, the model expects ${spec.textDim}`);
    }
    const wanted = { ...featurizer.settings, ...(options.features ?? {}) };
    if (!sameSettings(featurizer.settings, wanted)) {
      throw new RangeError(`DualViewRetriever.create: the featurizer's settings ${JSON.stringify(featurizer.settings)} differ from ${JSON.stringify(wanted)}`);
    }
    const items = itemsByIndex(dataset);
    let rows = options.itemMatrix;
    let collabPrint: string;
    if (rows === undefined || options.itemFeatures !== undefined) {
      const features = options.itemFeatures ?? (await itemFeatures(dataset, featurizer));
      rows ??= new DualViewForward(spec, params).itemMatrix(features);
      collabPrint = fingerprint(features.collaborative);
    } else {
      collabPrint = collaborativeItemFingerprint(items, featurizer);
    }
    return new DualViewRetriever(spec, params, encoders, items, rows, collabPrint, featurizer, options);
  }

  /** The query vector e of a (masked) query. */
  async encodeQuery(query: RetrievalQuery): Promise<Float32Array> {
    const [features] = await this.featurizer.featurize([maskQuery(query, this.inputs)]);
    return this.forward.query(features as QueryFeatures);
  }

  /** Query vectors for many queries at once (their texts encoded in one batch). */
  async encodeQueries(queries: readonly RetrievalQuery[]): Promise<Float32Array[]> {
    const features = await this.featurizer.featurize(queries.map((q) => maskQuery(q, this.inputs)));
    return features.map((f) => this.forward.query(f));
  }

  /** Scores of every item for a query vector, by `Item.index` (a view, overwritten by the next call). */
  scoreVector(e: Float32Array): Float32Array {
    return this.scorer.scores(e);
  }

  /** Top-k of a query vector, best first, ties by ascending index, never an item in `exclude`. */
  topK(e: Float32Array, k: number, exclude?: ReadonlySet<ItemId>): ScoredItem[] {
    checkRetrieveK(k, this.name);
    const scores = this.scoreVector(e);
    if (k === 0) return [];
    // A threshold pass first: most items fall below the k-th best so far and cost one comparison each.
    if (k > 64 || this.items.length <= k) return topKByScore(scores, this.items, k, exclude);
    const heapIdx: number[] = [];
    let threshold = -Infinity;
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i] as number;
      if (s < threshold || Number.isNaN(s)) continue;
      if (exclude !== undefined && exclude.has((this.items[i] as Item).id)) continue;
      heapIdx.push(i);
      if (heapIdx.length > 4 * k) {
        // Shrink to the best k so far and raise the threshold to the k-th score.
        heapIdx.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
        heapIdx.length = k;
        threshold = scores[heapIdx[k - 1] as number] as number;
      }
    }
    return topKByScore(scores, this.items, k, exclude, Int32Array.from(heapIdx), -Infinity);
  }

  async retrieve(query: RetrievalQuery, k: number, exclude?: ReadonlySet<ItemId>): Promise<ScoredItem[]> {
    checkRetrieveK(k, this.name);
    return this.topK(await this.encodeQuery(query), k, exclude);
  }

  /** A copy of the parameters. */
  params(): DualViewParams {
    return Object.fromEntries(Object.entries(this.forward.params).map(([k, v]) => [k, Float32Array.from(v)]));
  }

  /** A copy of the item matrix ([n x outputDim], rows by `Item.index`). */
  itemMatrix(): Float32Array {
    return Float32Array.from(this.itemRows);
  }

  /** The same model with other input switches (shares the featurizer and the item matrix). */
  withInputs(inputs: Partial<RetrieverInputs>, name?: string): DualViewRetriever {
    return new DualViewRetriever(this.spec, this.forward.params, this.encoders, this.items, this.itemRows, this.collaborativeFingerprint, this.featurizer, {
      name: name ?? this.name,
      inputs,
      training: this.training,
    });
  }

  meta(): DualViewMeta {
    return {
      name: this.name,
      spec: this.spec,
      features: { ...this.featurizer.settings },
      textEncoderId: this.encoders.text.id,
      collaborativeEncoderId: this.encoders.collaborative.id ?? null,
      collaborativeFingerprint: this.collaborativeFingerprint,
      catalogue: { count: this.items.length, fingerprint: catalogueFingerprint(this.items) },
      training: this.training,
    };
  }

  /** Writes the model to `dir` (weights, item matrix, then model.json; each file via temp + rename). */
  async save(dir: string): Promise<void> {
    await saveDualView(dir, this.meta(), this.forward.params, this.itemRows);
  }
}

/** Fingerprint of E_C over the catalogue, as `itemFeatures` would compute it. */
export function collaborativeItemFingerprint(items: readonly Item[], featurizer: QueryFeaturizer): string {
  const c = featurizer.collabDim;
  const rows = new Float32Array(items.length * c);
  items.forEach((item, i) => rows.set(featurizer.pool([item.id], []) ?? new Float32Array(c), i * c));
  return fingerprint(rows);
}
