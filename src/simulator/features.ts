// Features the simulator heads read, all derived from a SimulatorInput (never from a sample):
// - context x = [E_T(D) | E_C mean pool of I_D | bag of I_D attributes over the vocab | 2 scalars];
// - item f = [vocab multi-hot / sqrt(n) | E_C(item)], plus 5 context-item pair features;
// - shown lists s = [mean vocab multi-hot of R_{t-1}'s items | the same over the lists shown before it].
import { matchGenres } from '../data/genres.js';
import type { ItemId } from '../data/types.js';
import { itemText, renderContext } from './text.js';
import type { ItemView, SimulatorInput } from './types.js';
import type { AttributeVocab } from './vocab.js';

/** The text encoder E_T as the simulator uses it (structurally the same as src/encoders' TextEncoder). */
export interface TextEncoderLike {
  readonly id: string;
  readonly dim: number;
  encode(texts: string[]): Promise<Float32Array[]>;
}

/** The collaborative view E_C: a mean pool of item and entity embeddings (e.g. LightGCN's). */
export interface CollaborativeView {
  readonly dim: number;
  meanPool(itemIds: readonly ItemId[], entities: readonly string[]): Float32Array;
}

export const PAIR_FEATURES = ['textCosine', 'contextAttributeOverlap', 'collabCosine', 'inContext', 'popularity'] as const;
export const PAIR_DIM = PAIR_FEATURES.length;
const CONTEXT_SCALARS = 2;

export interface FeatureLayout {
  textDim: number;
  collabDim: number;
  vocabSize: number;
}

export function contextDim(l: FeatureLayout): number {
  return l.textDim + l.collabDim + l.vocabSize + CONTEXT_SCALARS;
}

export function itemDim(l: FeatureLayout): number {
  return l.vocabSize + l.collabDim;
}

export interface ContextFeatures {
  /** The full head input, length contextDim. */
  x: Float32Array;
  /** Views into x. */
  text: Float32Array;
  collab: Float32Array;
  bag: Float32Array;
  itemIds: ReadonlySet<ItemId>;
}

export interface ItemFeatures {
  id: ItemId;
  /** Sorted vocab indices of the item's attributes. */
  indices: Int32Array;
  text: Float32Array;
  collab: Float32Array;
}

export interface FeatureOptions {
  /** Keep only the last N utterances of D for E_T (0 = all). */
  maxContextUtterances: number;
  /** Train-target counts per item, for the popularity pair feature. */
  popularity: ReadonlyMap<ItemId, number>;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function cosineOrZero(a: Float32Array, b: Float32Array): number {
  if (a.length === 0) return 0;
  const d = dot(a, b);
  const n = Math.sqrt(dot(a, a) * dot(b, b));
  return n > 0 ? d / n : 0;
}

export class FeatureExtractor {
  readonly layout: FeatureLayout;
  private readonly items = new Map<ItemId, ItemFeatures>();
  private readonly maxPopularity: number;

  constructor(
    readonly vocab: AttributeVocab,
    readonly textEncoder: TextEncoderLike,
    readonly collaborative: CollaborativeView | undefined,
    readonly options: FeatureOptions,
  ) {
    this.layout = { textDim: textEncoder.dim, collabDim: collaborative?.dim ?? 0, vocabSize: vocab.size };
    let max = 0;
    for (const c of options.popularity.values()) max = Math.max(max, c);
    this.maxPopularity = max;
  }

  /** The text E_T reads for D. */
  contextText(input: SimulatorInput): string {
    return renderContext(input.context, this.options.maxContextUtterances);
  }

  /** A string that identifies everything the context features depend on. */
  contextKey(input: SimulatorInput): string {
    return `${this.contextText(input)}\u0001${input.contextItems.map((v) => v.id).join(',')}\u0001${input.contextEntities.join(',')}`;
  }

  /** Context features for many inputs, encoding their texts in one batch per `batchSize`. */
  async contextFeatures(inputs: readonly SimulatorInput[], batchSize = 64): Promise<ContextFeatures[]> {
    const out: ContextFeatures[] = [];
    for (let start = 0; start < inputs.length; start += batchSize) {
      const chunk = inputs.slice(start, start + batchSize);
      const embeddings = await this.textEncoder.encode(chunk.map((i) => this.contextText(i)));
      chunk.forEach((input, k) => out.push(this.assembleContext(input, embeddings[k] as Float32Array)));
    }
    return out;
  }

  private assembleContext(input: SimulatorInput, textEmbedding: Float32Array): ContextFeatures {
    const { textDim, collabDim, vocabSize } = this.layout;
    if (textEmbedding.length !== textDim) {
      throw new Error(`text encoder '${this.textEncoder.id}' returned ${textEmbedding.length} dims, expected ${textDim}`);
    }
    const x = new Float32Array(contextDim(this.layout));
    x.set(textEmbedding, 0);
    const itemIds = input.contextItems.map((v) => v.id);
    if (this.collaborative && collabDim > 0) {
      const pooled = this.collaborative.meanPool(itemIds, input.contextEntities);
      if (pooled.length !== collabDim) throw new Error(`collaborative view returned ${pooled.length} dims, expected ${collabDim}`);
      x.set(pooled, textDim);
    }
    const bagOffset = textDim + collabDim;
    const counts = new Float32Array(vocabSize);
    for (const view of input.contextItems) for (const i of this.vocab.indicesOf(view)) counts[i] = (counts[i] as number) + 1;
    for (const entity of input.contextEntities) for (const i of this.vocab.matchEntity(entity)) counts[i] = (counts[i] as number) + 1;
    for (const u of input.context) {
      if (u.role !== 'seeker') continue;
      for (const genre of matchGenres(u.text)) {
        const i = this.vocab.indexOf('genre', genre);
        if (i !== undefined) counts[i] = (counts[i] as number) + 1;
      }
    }
    for (let i = 0; i < vocabSize; i++) x[bagOffset + i] = Math.log1p(counts[i] as number);
    const seekerTurns = input.context.filter((u) => u.role === 'seeker').length;
    x[bagOffset + vocabSize] = Math.log1p(itemIds.length) / 3;
    x[bagOffset + vocabSize + 1] = Math.log1p(seekerTurns) / 3;
    return {
      x,
      text: x.subarray(0, textDim),
      collab: x.subarray(textDim, textDim + collabDim),
      bag: x.subarray(bagOffset, bagOffset + vocabSize),
      itemIds: new Set(itemIds),
    };
  }

  /** Item features, cached by item id (E_T over the item's title and attributes, E_C of the item). */
  async itemFeatures(views: readonly ItemView[], batchSize = 128): Promise<ItemFeatures[]> {
    const missing = [...new Map(views.filter((v) => !this.items.has(v.id)).map((v) => [v.id, v])).values()];
    for (let start = 0; start < missing.length; start += batchSize) {
      const chunk = missing.slice(start, start + batchSize);
      const embeddings = await this.textEncoder.encode(chunk.map(itemText));
      chunk.forEach((view, k) => {
        const collab =
          this.collaborative && this.layout.collabDim > 0 ? this.collaborative.meanPool([view.id], []) : new Float32Array(0);
        this.items.set(view.id, { id: view.id, indices: this.vocab.indicesOf(view), text: embeddings[k] as Float32Array, collab });
      });
    }
    return views.map((v) => this.items.get(v.id) as ItemFeatures);
  }

  /** The shown-lists input s (length 2 x vocab) of an input: R_{t-1} and the earlier lists. */
  shownVector(input: SimulatorInput): Float32Array {
    return this.shownFromIndices(
      input.previousList.map((v) => this.vocab.indicesOf(v)),
      input.earlierRounds.flatMap((r) => r.list.map((v) => this.vocab.indicesOf(v))),
    );
  }

  /** s from the vocab indices of R_{t-1}'s items and of the earlier lists' items (each half a mean multi-hot). */
  shownFromIndices(previous: readonly ArrayLike<number>[], earlier: readonly ArrayLike<number>[], out = new Float32Array(2 * this.layout.vocabSize), offset = 0): Float32Array {
    const V = this.layout.vocabSize;
    const add = (lists: readonly ArrayLike<number>[], at: number): void => {
      if (lists.length === 0) return;
      const w = 1 / lists.length;
      for (const indices of lists) {
        for (let k = 0; k < indices.length; k++) {
          const j = offset + at + (indices[k] as number);
          out[j] = (out[j] as number) + w;
        }
      }
    };
    add(previous, 0);
    add(earlier, V);
    return out;
  }

  /** The cached features of an item, if `itemFeatures` has seen it. */
  cachedItem(id: ItemId): ItemFeatures | undefined {
    return this.items.get(id);
  }

  /** The dense item input f (length itemDim). */
  itemVector(item: ItemFeatures, out = new Float32Array(itemDim(this.layout)), offset = 0): Float32Array {
    const scale = item.indices.length > 0 ? 1 / Math.sqrt(item.indices.length) : 0;
    for (const i of item.indices) out[offset + i] = scale;
    out.set(item.collab, offset + this.layout.vocabSize);
    return out;
  }

  /**
   * Pair features of (context, item). `popularityCount` overrides the train count (training passes the
   * count without the sample's own dialogue, so the feature does not leak the label).
   */
  pairFeatures(ctx: ContextFeatures, item: ItemFeatures, popularityCount?: number, out = new Float32Array(PAIR_DIM), offset = 0): Float32Array {
    let overlap = 0;
    for (const i of item.indices) if ((ctx.bag[i] as number) > 0) overlap++;
    const count = popularityCount ?? this.options.popularity.get(item.id) ?? 0;
    out[offset] = dot(ctx.text, item.text);
    out[offset + 1] = item.indices.length > 0 ? overlap / item.indices.length : 0;
    out[offset + 2] = cosineOrZero(ctx.collab, item.collab);
    out[offset + 3] = ctx.itemIds.has(item.id) ? 1 : 0;
    out[offset + 4] = this.maxPopularity > 0 ? Math.log1p(Math.max(0, count)) / Math.log1p(this.maxPopularity) : 0;
    return out;
  }
}
