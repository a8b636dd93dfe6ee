// The frozen inputs of the dual-view retriever (paper 3.3.1): semantic tokens from the text encoder E_T
// over the dialogue context D, the feedback F_t and the previous preference P_{t-1}; collaborative tokens
// from E_C mean-pooled over I_D (items and entities) and over the previous list R_{t-1}; and the item side
// E_T(item text), E_C(item). Each text is encoded on its own, so a context that repeats every round is
// encoded once (memoized here, and persistently when E_T is a CachedEncoder).
import { createHash } from 'node:crypto';
import { fmix32, fnv1a } from '../core/hash32.js';
import { Rng } from '../core/rng.js';
import { trainCounts } from '../data/popularity.js';
import type { Dataset, Item, ItemId } from '../data/types.js';
import type { TextEncoder } from '../encoders/text-encoder.js';
import { lexicalQueryText, tokenize } from './bm25.js';
import { itemText, queryText } from './query-text.js';
import { itemsByIndex } from './types.js';
import type { RetrievalQuery } from './types.js';

/**
 * The collaborative encoder E_C as the retriever uses it (LightGcnEncoder fits it structurally).
 * `meanPool` returns the mean of the known embeddings among `itemIds` and `entities`, and an all-zero
 * vector when none is known.
 */
export interface CollaborativeEncoderLike {
  readonly id?: string;
  readonly dim: number;
  meanPool(itemIds: readonly ItemId[], entities: readonly string[]): Float32Array;
}

/** The two frozen encoders the retriever reads. */
export interface RetrieverEncoders {
  text: TextEncoder;
  collaborative: CollaborativeEncoderLike;
}

/** Slots of the semantic tokens (before the learned null token the model adds). */
export const SEMANTIC_SLOTS = ['context', 'feedback', 'preference'] as const;
/**
 * Slots of the collaborative tokens: I_D pooled (items and entities together, as in the paper; only the items
 * when `splitMentions` is on), I_D's entities on their own (only with `splitMentions`), and R_{t-1}.
 */
export const COLLABORATIVE_SLOTS = ['mentioned', 'mentionedEntities', 'previousList'] as const;
export const N_SEMANTIC = SEMANTIC_SLOTS.length;
export const N_COLLABORATIVE = COLLABORATIVE_SLOTS.length;

/**
 * One query's frozen features. `semantic` is [N_SEMANTIC x textDim] row-major, `collaborative` is
 * [N_COLLABORATIVE x collabDim]; a mask entry of 0 means that part is missing (its row is zeros).
 */
export interface QueryFeatures {
  semantic: Float32Array;
  semanticMask: Uint8Array;
  collaborative: Float32Array;
  collaborativeMask: Uint8Array;
}

export interface SemanticTexts {
  context: string;
  feedback: string;
  preference: string;
}

/** The three texts E_T reads; an empty string marks a missing part. */
export function semanticTexts(query: RetrievalQuery, contextUtterances?: number): SemanticTexts {
  const context = queryText(
    { context: query.context, contextItems: [], contextEntities: [] },
    contextUtterances === undefined ? {} : { maxUtterances: contextUtterances },
  );
  return { context, feedback: query.feedback?.trim() ?? '', preference: query.preference?.trim() ?? '' };
}

function isZero(v: Float32Array): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) return false;
  return true;
}

function checkFinite(v: Float32Array, what: string): void {
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i] as number)) throw new Error(`${what}: non-finite value at position ${i}`);
  }
}

/** How queries are turned into tokens; saved with a model, since it must read queries the same way. */
export interface FeaturizerSettings {
  /** Keep only the last N utterances of D in its text; null = all. */
  contextUtterances: number | null;
  /** Pool I_D's items and its entities into two tokens instead of one. */
  splitMentions: boolean;
  /** Scale every E_C vector (pools and items) to unit length, so neither view dominates by magnitude. */
  normalizeCollaborative: boolean;
  /**
   * Size of a second, lexical text channel appended to every E_T vector (null = off): hashed TF-IDF over the
   * catalogue vocabulary. The context's lexical text also holds the titles and attributes of I_D and the
   * entities, as BM25 reads it, so titles and attribute words can be matched exactly.
   */
  lexicalDim: number | null;
}

export const DEFAULT_FEATURIZER_SETTINGS: Readonly<FeaturizerSettings> = Object.freeze({
  contextUtterances: null,
  splitMentions: false,
  normalizeCollaborative: false,
  lexicalDim: null,
});

export function sameSettings(a: FeaturizerSettings, b: FeaturizerSettings): boolean {
  return (
    a.contextUtterances === b.contextUtterances &&
    a.splitMentions === b.splitMentions &&
    a.normalizeCollaborative === b.normalizeCollaborative &&
    a.lexicalDim === b.lexicalDim
  );
}

/** Settings as read from a saved model or a partial config (older models have no lexical channel). */
export function resolveSettings(partial: Partial<FeaturizerSettings> = {}): FeaturizerSettings {
  return {
    contextUtterances: partial.contextUtterances ?? DEFAULT_FEATURIZER_SETTINGS.contextUtterances,
    splitMentions: partial.splitMentions ?? DEFAULT_FEATURIZER_SETTINGS.splitMentions,
    normalizeCollaborative: partial.normalizeCollaborative ?? DEFAULT_FEATURIZER_SETTINGS.normalizeCollaborative,
    lexicalDim: partial.lexicalDim ?? DEFAULT_FEATURIZER_SETTINGS.lexicalDim,
  };
}

/** 32-bit FNV-1a, then a murmur finalizer: the bucket and sign of a hashed term. */
function hashTerm(term: string): number {
  return fmix32(fnv1a(term));
}

/**
 * Hashed TF-IDF (the BM25 tokenizer; idf over the catalogue's item texts; terms outside the catalogue
 * vocabulary dropped, since they cannot match an item), L2-normalized. Deterministic given the catalogue.
 */
export class LexicalHasher {
  private readonly idf = new Map<string, number>();

  constructor(
    readonly dim: number,
    items: readonly Item[],
  ) {
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`LexicalHasher: dim must be a positive integer, got ${dim}`);
    const df = new Map<string, number>();
    for (const item of items) for (const term of new Set(tokenize(itemText(item)))) df.set(term, (df.get(term) ?? 0) + 1);
    for (const [term, count] of df) this.idf.set(term, Math.log(1 + items.length / count));
  }

  encode(text: string): Float32Array {
    const out = new Float32Array(this.dim);
    const counts = new Map<string, number>();
    for (const term of tokenize(text)) if (this.idf.has(term)) counts.set(term, (counts.get(term) ?? 0) + 1);
    let norm = 0;
    for (const [term, tf] of counts) {
      const h = hashTerm(term);
      const w = (1 + Math.log(tf)) * (this.idf.get(term) as number) * (h & 0x80000000 ? -1 : 1);
      const at = h % this.dim;
      out[at] = (out[at] as number) + w;
    }
    for (let i = 0; i < this.dim; i++) norm += (out[i] as number) ** 2;
    const length = Math.sqrt(norm);
    if (norm > 0) for (let i = 0; i < this.dim; i++) out[i] = (out[i] as number) / length;
    return out;
  }
}

export interface QueryFeaturizerOptions extends Partial<FeaturizerSettings> {
  /** How many text vectors to keep in memory (default 50,000; oldest dropped first). */
  memoSize?: number;
  /** The dataset whose catalogue the lexical channel's vocabulary and titles come from (needed when `lexicalDim` is set). */
  dataset?: Dataset;
}

/** Context lexical vectors kept (oldest dropped first): one per episode in flight, with room to spare. */
const LEXICAL_MEMO_SIZE = 2048;

/** Turns queries into QueryFeatures, encoding each distinct text once per batch and memoizing vectors. */
export class QueryFeaturizer {
  /** Size of a semantic token before the adapter: E_T's size plus the lexical channel's. */
  readonly textDim: number;
  readonly collabDim: number;
  readonly settings: FeaturizerSettings;
  private readonly memo = new Map<string, Float32Array>();
  private readonly memoSize: number;
  private readonly lexical: LexicalHasher | undefined;
  /** Context lexical vectors by text: an episode's context is the same in every round, and hashing a long one costs. */
  private readonly lexicalMemo = new Map<string, Float32Array>();
  private readonly itemById: ReadonlyMap<ItemId, Item>;

  constructor(
    readonly encoders: RetrieverEncoders,
    options: QueryFeaturizerOptions = {},
  ) {
    this.settings = resolveSettings(options);
    this.collabDim = encoders.collaborative.dim;
    this.memoSize = options.memoSize ?? 50_000;
    const n = this.settings.contextUtterances;
    if (n !== null && (!Number.isInteger(n) || n < 1)) throw new RangeError(`QueryFeaturizer: contextUtterances must be a positive integer, got ${n}`);
    const lexicalDim = this.settings.lexicalDim;
    if (lexicalDim !== null) {
      if (options.dataset === undefined) throw new RangeError('QueryFeaturizer: lexicalDim needs the dataset (its catalogue gives the vocabulary)');
      this.lexical = new LexicalHasher(lexicalDim, itemsByIndex(options.dataset));
    }
    this.itemById = options.dataset?.itemById ?? new Map();
    this.textDim = encoders.text.dim + (lexicalDim ?? 0);
  }

  /** E_T of a text, with the lexical channel of `lexicalText` appended when it is on. */
  private withLexical(v: Float32Array, lexicalText: string, memoize = false): Float32Array {
    if (this.lexical === undefined) return v;
    const out = new Float32Array(this.textDim);
    out.set(v, 0);
    out.set(memoize ? this.lexicalVector(this.lexical, lexicalText) : this.lexical.encode(lexicalText), v.length);
    return out;
  }

  private lexicalVector(lexical: LexicalHasher, text: string): Float32Array {
    let vector = this.lexicalMemo.get(text);
    if (vector === undefined) {
      vector = lexical.encode(text);
      if (this.lexicalMemo.size >= LEXICAL_MEMO_SIZE) this.lexicalMemo.delete(this.lexicalMemo.keys().next().value as string);
      this.lexicalMemo.set(text, vector);
    }
    return vector;
  }

  /** Vectors of `texts` (non-empty strings), from the memo or the encoder. */
  async encodeTexts(texts: readonly string[]): Promise<Float32Array[]> {
    // Resolved here first, so memo evictions during this call cannot lose a vector.
    const found = new Map<string, Float32Array>();
    const pending = new Set<string>();
    for (const t of texts) {
      if (found.has(t) || pending.has(t)) continue;
      const hit = this.memo.get(t);
      if (hit !== undefined) found.set(t, hit);
      else pending.add(t);
    }
    const missing = [...pending];
    if (missing.length > 0) {
      const vectors = await this.encoders.text.encode(missing);
      if (vectors.length !== missing.length) {
        throw new Error(`text encoder '${this.encoders.text.id}' returned ${vectors.length} vectors for ${missing.length} texts`);
      }
      missing.forEach((text, i) => {
        const v = vectors[i] as Float32Array;
        if (v.length !== this.encoders.text.dim) {
          throw new Error(`text encoder '${this.encoders.text.id}' returned ${v.length} dims, expected ${this.encoders.text.dim}`);
        }
        checkFinite(v, `text encoder '${this.encoders.text.id}' on ${JSON.stringify(text.slice(0, 60))}`);
        found.set(text, v);
        this.remember(text, v);
      });
    }
    return texts.map((t) => found.get(t) as Float32Array);
  }

  private remember(text: string, v: Float32Array): void {
    if (this.memo.size >= this.memoSize) {
      const oldest = this.memo.keys().next();
      if (oldest.done !== true) this.memo.delete(oldest.value);
    }
    this.memo.set(text, v);
  }

  /** An item's semantic vector: E_T(text), plus the lexical channel when on. */
  itemTextVector(v: Float32Array, text: string): Float32Array {
    return this.withLexical(v, text);
  }

  /** E_C mean pool, or undefined when nothing is known (an all-zero pool counts as missing). */
  pool(itemIds: readonly ItemId[], entities: readonly string[]): Float32Array | undefined {
    if (itemIds.length === 0 && entities.length === 0) return undefined;
    const v = this.encoders.collaborative.meanPool(itemIds, entities);
    if (v.length !== this.collabDim) {
      throw new Error(`collaborative encoder returned ${v.length} dims, expected ${this.collabDim}`);
    }
    checkFinite(v, 'collaborative encoder');
    if (isZero(v)) return undefined;
    if (!this.settings.normalizeCollaborative) return v;
    let norm = 0;
    for (let i = 0; i < v.length; i++) norm += (v[i] as number) ** 2;
    return Float32Array.from(v, (x) => x / Math.sqrt(norm));
  }

  async featurize(queries: readonly RetrievalQuery[]): Promise<QueryFeatures[]> {
    const texts = queries.map((q) => semanticTexts(q, this.settings.contextUtterances ?? undefined));
    const all = texts.flatMap((t) => [t.context, t.feedback, t.preference]).filter((t) => t.length > 0);
    const vectors = await this.encodeTexts(all);
    const byText = new Map(all.map((text, i) => [text, vectors[i] as Float32Array]));
    return queries.map((query, qi) => {
      const t = texts[qi] as SemanticTexts;
      const semantic = new Float32Array(N_SEMANTIC * this.textDim);
      const semanticMask = new Uint8Array(N_SEMANTIC);
      // The lexical context also reads I_D's titles and attributes and the entities (as BM25 does).
      const contextLexical = this.lexical === undefined ? '' : lexicalQueryText({ context: query.context, contextItems: query.contextItems, contextEntities: query.contextEntities }, this.itemById);
      [t.context, t.feedback, t.preference].forEach((text, slot) => {
        if (text.length === 0) return;
        semantic.set(this.withLexical(byText.get(text) as Float32Array, slot === 0 ? contextLexical : text, slot === 0), slot * this.textDim);
        semanticMask[slot] = 1;
      });
      const collaborative = new Float32Array(N_COLLABORATIVE * this.collabDim);
      const collaborativeMask = new Uint8Array(N_COLLABORATIVE);
      const pools = this.settings.splitMentions
        ? [this.pool(query.contextItems, []), this.pool([], query.contextEntities), this.pool(query.previousList ?? [], [])]
        : [this.pool(query.contextItems, query.contextEntities), undefined, this.pool(query.previousList ?? [], [])];
      pools.forEach((v, slot) => {
        if (v === undefined) return;
        collaborative.set(v, slot * this.collabDim);
        collaborativeMask[slot] = 1;
      });
      return { semantic, semanticMask, collaborative, collaborativeMask };
    });
  }
}

/** The frozen item side: E_T over each item's text and E_C of each item, rows by `Item.index`. */
export interface ItemFeatures {
  items: Item[];
  /** [n x textDim] */
  text: Float32Array;
  /** [n x collabDim] */
  collaborative: Float32Array;
  /** [n]: log(1 + times the item is a TRAIN target), the optional item prior. */
  prior: Float32Array;
}

/**
 * log(1 + the item's train count), by `Item.index`: with train signals (ReDial) the train-portion dialogues
 * mentioning it (`TargetPopularity.of`), else the TRAIN samples with it as target. A frozen item-side input, so
 * it is not left-one-dialogue-out per sample (it is off by default; the item bias only starts from it).
 */
export function itemPrior(dataset: Dataset, items: readonly Item[]): Float32Array {
  const counts = trainCounts(dataset);
  return Float32Array.from(items, (item) => Math.log1p(counts.get(item.id) ?? 0));
}

export async function itemFeatures(dataset: Dataset, featurizer: QueryFeaturizer): Promise<ItemFeatures> {
  const items = itemsByIndex(dataset);
  const texts = items.map((item) => itemText(item));
  const vectors = await featurizer.encodeTexts(texts);
  const text = new Float32Array(items.length * featurizer.textDim);
  vectors.forEach((v, i) => text.set(featurizer.itemTextVector(v, texts[i] as string), i * featurizer.textDim));
  const collaborative = new Float32Array(items.length * featurizer.collabDim);
  items.forEach((item, i) => collaborative.set(featurizer.pool([item.id], []) ?? new Float32Array(featurizer.collabDim), i * featurizer.collabDim));
  return { items, text, collaborative, prior: itemPrior(dataset, items) };
}

/** sha1 (hex, 16 chars) of a float array's bytes: ties a saved model to the exact frozen inputs it saw. */
export function fingerprint(data: Float32Array): string {
  return createHash('sha1').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex').slice(0, 16);
}

/** sha1 (hex, 16 chars) of the catalogue's item ids in index order. */
export function catalogueFingerprint(items: readonly Item[]): string {
  return createHash('sha1').update(items.map((i) => i.id).join('\n')).digest('hex').slice(0, 16);
}

export interface AttributeGraphOptions {
  /** Embedding size (default 64). */
  dim?: number;
  seed?: number | string;
}

/**
 * A training-free stand-in for E_C: seeded random vectors for every item and attribute value, an item's
 * embedding being its own vector plus the mean of its attributes', normalized (one LightGCN propagation
 * step at initialization). Used by unit tests, and usable when no trained E_C is at hand. Entities are
 * matched to attribute values case-insensitively.
 */
export class AttributeGraphEncoder implements CollaborativeEncoderLike {
  readonly id: string;
  readonly dim: number;
  private readonly itemVectors = new Map<ItemId, Float32Array>();
  private readonly entityVectors = new Map<string, Float32Array>();

  constructor(dataset: Dataset, options: AttributeGraphOptions = {}) {
    this.dim = options.dim ?? 64;
    const seed = options.seed ?? 0;
    this.id = `attribute-graph-${this.dim}-${String(seed)}`;
    const rng = new Rng(seed);
    const scale = 1 / Math.sqrt(this.dim);
    const random = (): Float32Array => Float32Array.from({ length: this.dim }, () => rng.normal(0, scale));
    const items = itemsByIndex(dataset);
    const names = new Set<string>();
    for (const item of items) for (const values of Object.values(item.attributes)) for (const v of values ?? []) names.add(v.toLowerCase());
    for (const name of [...names].sort()) this.entityVectors.set(name, random());
    for (const item of items) {
      const v = random();
      const attributes = Object.values(item.attributes).flatMap((values) => values ?? []);
      for (const name of attributes) {
        const e = this.entityVectors.get(name.toLowerCase()) as Float32Array;
        for (let d = 0; d < this.dim; d++) v[d] = (v[d] as number) + (e[d] as number) / attributes.length;
      }
      let norm = 0;
      for (let d = 0; d < this.dim; d++) norm += (v[d] as number) ** 2;
      const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let d = 0; d < this.dim; d++) v[d] = (v[d] as number) * inv;
      this.itemVectors.set(item.id, v);
    }
  }

  meanPool(itemIds: readonly ItemId[], entities: readonly string[]): Float32Array {
    const out = new Float32Array(this.dim);
    let n = 0;
    const add = (v: Float32Array | undefined): void => {
      if (v === undefined) return;
      for (let d = 0; d < this.dim; d++) out[d] = (out[d] as number) + (v[d] as number);
      n++;
    };
    for (const id of itemIds) add(this.itemVectors.get(id));
    for (const e of entities) add(this.entityVectors.get(e.toLowerCase()));
    if (n > 1) for (let d = 0; d < this.dim; d++) out[d] = (out[d] as number) / n;
    return out;
  }
}
