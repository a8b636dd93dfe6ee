// Features of one observation for the neural recommender, computed in plain JS. Parameter-free and
// deterministic: the same observation always gives the same numbers, so rollout records can be replayed
// by the learner. Embeddings (E_T of item descriptions and of the query texts) are cached.
import type { AttributeKind, Dataset, ItemId } from '../../src/data/types.js';
import { ATTRIBUTE_KINDS } from '../../src/data/types.js';
import { TargetPopularity } from '../../src/data/popularity.js';
import type { TextEncoder } from '../../src/encoders/text-encoder.js';
import type { CrsObservation } from '../../envs/types.js';
import { clauses, containsPhrase, polarity, spokenForm, spokenTitleForm, type Clause } from './mentions.js';

/** Per-candidate features, in column order of `StepInputs.x`. */
export const CANDIDATE_FEATURES = [
  'retrieverZ', // retriever score z-scored within the list
  'retrieverRank', // 1 for the retriever's first candidate, 0 for its last
  'cosContext', // cos(E_T(context), E_T(item))
  'cosFeedback', // cos(E_T(feedback), E_T(item)); 0 without feedback
  'cosPreference', // cos(E_T(P_{t-1}), E_T(item)); 0 in round 1
  'contextAttributes', // log1p(#item attribute values mentioned in D or its entities)
  'contextItemOverlap', // mean attribute overlap with the items of I_D
  'feedbackLiked', // log1p(#item attribute values said in a positive feedback clause)
  'feedbackDisliked', // log1p(#item attribute values said in a negative feedback clause)
  'preferenceAttributes', // log1p(#item attribute values named in P_{t-1})
  'inContext', // the item is in I_D
  'inPreviousList', // the item was in R_{t-1}
  'previousListPosition', // 1 - (pos-1)/len in R_{t-1}, 0 if absent
  'titleLiked', // the feedback names the item in a positive clause
  'titleDisliked', // ... in a negative clause
  'popularity', // log1p(train dialogues counting it, TargetPopularity.of: leaving the sample's own dialogue out), scaled to [0, 1]
  'collaborative', // cos(E_C(item), mean E_C(I_D)); 0 without collaborative embeddings
  'hasFeedback', // 1 when F_t is non-empty (constant in a list: acts through the hidden layer)
  'turn', // (t-1)/(T-1)
] as const;

/** Per-option features of the preference-inference head, in column order of `StepInputs.g`. */
export const OPTION_FEATURES = [
  'candidateShare', // share of the candidates with this value
  'topShare', // share of the retriever's top 5 with it
  'inContext', // named in D or its entities
  'contextItemShare', // share of the items of I_D with it
  'feedbackLiked', // said in a positive feedback clause
  'feedbackDisliked', // said in a negative feedback clause
  'inPreference', // named in P_{t-1}
  'previousListShare', // share of R_{t-1} with it
  'genre',
  'director',
  'actor',
  'writer', // writer or producer
  'stop', // the STOP option (ends the attribute list early)
] as const;

export const NUM_CANDIDATE_FEATURES = CANDIDATE_FEATURES.length;
export const NUM_OPTION_FEATURES = OPTION_FEATURES.length;

export interface AttributeOption {
  kind: AttributeKind;
  value: string;
}

/** The numeric part of one step: what the learner needs to recompute log-probs. Structured-cloneable. */
export interface StepInputs {
  /** Candidates. */
  n: number;
  /** Attribute options including STOP (the last one). */
  a: number;
  /** n x NUM_CANDIDATE_FEATURES, row-major. */
  x: Float32Array;
  /** n x d item embeddings E_T(item). */
  itemEmb: Float32Array;
  /** [E_T(context); E_T(feedback); E_T(P_{t-1})], 3d (zero blocks for empty texts). */
  query: Float32Array;
  /** a x NUM_OPTION_FEATURES, row-major; the last row is STOP. */
  g: Float32Array;
}

/** A step's inputs plus what the policy needs to write its text. */
export interface ObservationFeatures {
  inputs: StepInputs;
  candidateIds: ItemId[];
  titles: string[];
  /** The a-1 attribute options (STOP excluded). */
  options: AttributeOption[];
  /** Per candidate, the indices of the options it has. */
  candidateOptions: number[][];
}

/** Frozen collaborative item embeddings E_C; LightGcnEncoder (src/encoders/collaborative.ts) fits as is. */
export interface ItemEmbeddings {
  readonly dim: number;
  itemEmbedding(id: ItemId): Float32Array | undefined;
}

export interface FeatureDeps {
  dataset: Dataset;
  textEncoder: TextEncoder;
  collaborative?: ItemEmbeddings;
}

export interface FeatureOptions {
  /** At most this many attribute options (best prior first); default 64. */
  maxOptions?: number;
  /** Entries kept in the query-text embedding cache; default 20000. */
  textCacheSize?: number;
}

const TOP = 5;
const OPTION_KINDS: Record<AttributeKind, number> = { genre: 8, director: 9, actor: 10, writer: 11, producer: 11 };

function cos(a: Float32Array, ao: number, b: Float32Array, bo: number, d: number): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let k = 0; k < d; k++) {
    const x = a[ao + k] as number;
    const y = b[bo + k] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

function key(kind: AttributeKind, value: string): string {
  return `${kind}\u0000${value}`;
}

export class FeatureExtractor {
  readonly dataset: Dataset;
  readonly textEncoder: TextEncoder;
  readonly collaborative: ItemEmbeddings | undefined;
  readonly dim: number;
  private readonly maxOptions: number;
  private readonly textCacheSize: number;
  private readonly itemCache = new Map<ItemId, Float32Array>();
  private readonly textCache = new Map<string, Float32Array>();
  /** Train popularity (targets, or train-portion mentions with train signals), leave-one-dialogue-out (src/data/popularity.ts). */
  private readonly popularity: TargetPopularity;
  /** The dialogue of each train sample id: a train observation's popularity leaves its own dialogue out. */
  private readonly trainDialogueOf = new Map<string, string>();
  /** Lower-cased spoken value -> the catalogue attribute it names (first seen). */
  private readonly vocabulary = new Map<string, AttributeOption>();

  constructor(deps: FeatureDeps, options: FeatureOptions = {}) {
    this.dataset = deps.dataset;
    this.textEncoder = deps.textEncoder;
    this.collaborative = deps.collaborative;
    this.dim = deps.textEncoder.dim;
    this.maxOptions = options.maxOptions ?? 64;
    this.textCacheSize = options.textCacheSize ?? 20000;
    this.popularity = TargetPopularity.of(this.dataset);
    for (const s of this.dataset.samples.train) this.trainDialogueOf.set(s.id, s.dialogueId);
    for (const item of this.dataset.items) {
      for (const kind of ATTRIBUTE_KINDS) {
        for (const value of item.attributes[kind] ?? []) {
          const form = spokenForm(kind, value);
          if (form && !this.vocabulary.has(form)) this.vocabulary.set(form, { kind, value });
        }
      }
    }
  }

  attributesOf(id: ItemId): Partial<Record<AttributeKind, string[]>> {
    return this.dataset.itemById.get(id)?.attributes ?? {};
  }

  /** E_T of a batch of texts through the caches; '' maps to a zero vector. */
  private async embedTexts(texts: string[]): Promise<Float32Array[]> {
    // Read the cached vectors before encoding: a full cache is cleared below, and the texts of this call
    // that were cached must survive that (long runs crashed here once the cache filled up).
    const found = new Map<string, Float32Array>();
    for (const t of texts) {
      const v = t === '' ? undefined : this.textCache.get(t);
      if (v) found.set(t, v);
    }
    const missing = [...new Set(texts.filter((t) => t !== '' && !found.has(t)))];
    if (missing.length > 0) {
      const vectors = await this.textEncoder.encode(missing);
      if (this.textCache.size + missing.length > this.textCacheSize) this.textCache.clear();
      missing.forEach((t, i) => {
        this.textCache.set(t, vectors[i] as Float32Array);
        found.set(t, vectors[i] as Float32Array);
      });
    }
    return texts.map((t) => (t === '' ? new Float32Array(this.dim) : (found.get(t) as Float32Array)));
  }

  private async embedItems(ids: readonly ItemId[]): Promise<Float32Array[]> {
    const missing = [...new Set(ids.filter((id) => !this.itemCache.has(id)))];
    if (missing.length > 0) {
      const texts = missing.map((id) => {
        const item = this.dataset.itemById.get(id);
        return item ? item.description || item.title : id;
      });
      const vectors = await this.textEncoder.encode(texts);
      missing.forEach((id, i) => this.itemCache.set(id, vectors[i] as Float32Array));
    }
    return ids.map((id) => this.itemCache.get(id) as Float32Array);
  }

  async extract(obs: CrsObservation): Promise<ObservationFeatures> {
    const d = this.dim;
    const F = NUM_CANDIDATE_FEATURES;
    const G = NUM_OPTION_FEATURES;
    const cands = obs.candidates;
    const n = cands.length;
    const contextText = obs.context.map((u) => `${u.role === 'seeker' ? 'User' : 'Recommender'}: ${u.text}`).join('\n');
    const [eContext, eFeedback, ePreference] = (await this.embedTexts([contextText, obs.feedback, obs.previousPreference])) as [
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    const itemVectors = await this.embedItems(cands.map((c) => c.id));
    const itemEmb = new Float32Array(n * d);
    itemVectors.forEach((v, i) => itemEmb.set(v.subarray(0, d), i * d));
    const query = new Float32Array(3 * d);
    query.set(eContext, 0);
    query.set(eFeedback, d);
    query.set(ePreference, 2 * d);

    // What the dialogue, the feedback and P_{t-1} say.
    const contextLower = `${contextText.toLowerCase()}\n${obs.contextEntities.join('\n').toLowerCase()}`;
    const entitySet = new Set(obs.contextEntities.map((e) => e.toLowerCase().trim()));
    const feedbackClauses: Clause[] = clauses(obs.feedback);
    const preferenceLower = obs.previousPreference.toLowerCase();
    const contextItemIds = new Set(obs.contextItems.map((c) => c.id));
    const previous = new Map(obs.previousList.map((id, i) => [id, i] as const));
    const ownDialogue = this.trainDialogueOf.get(obs.sampleId);

    // Attribute options: values of the candidates, of I_D, and catalogue values named as entities of D.
    const options: AttributeOption[] = [];
    const optionIndex = new Map<string, number>();
    const addOption = (kind: AttributeKind, value: string): number => {
      const k = key(kind, value);
      let idx = optionIndex.get(k);
      if (idx === undefined) {
        idx = options.length;
        optionIndex.set(k, idx);
        options.push({ kind, value });
      }
      return idx;
    };
    const candidateOptions: number[][] = cands.map((c) => {
      const own: number[] = [];
      for (const kind of ATTRIBUTE_KINDS) for (const value of c.attributes[kind] ?? []) own.push(addOption(kind, value));
      return [...new Set(own)];
    });
    const contextItemOptions = obs.contextItems.map((c) => {
      const own: number[] = [];
      for (const kind of ATTRIBUTE_KINDS) for (const value of c.attributes[kind] ?? []) own.push(addOption(kind, value));
      return new Set(own);
    });
    for (const entity of obs.contextEntities) {
      const named = this.vocabulary.get(entity.toLowerCase().trim());
      if (named) addOption(named.kind, named.value);
    }

    // Per-option lexical facts, computed once.
    const m = options.length;
    const forms = options.map((o) => spokenForm(o.kind, o.value));
    const inContext = new Uint8Array(m);
    const liked = new Uint8Array(m);
    const disliked = new Uint8Array(m);
    const inPreference = new Uint8Array(m);
    for (let j = 0; j < m; j++) {
      const form = forms[j] as string;
      inContext[j] = entitySet.has(form) || entitySet.has((options[j] as AttributeOption).value.toLowerCase()) || containsPhrase(contextLower, form) ? 1 : 0;
      const p = polarity(feedbackClauses, form);
      liked[j] = p.positive ? 1 : 0;
      disliked[j] = p.negative ? 1 : 0;
      inPreference[j] = containsPhrase(preferenceLower, form) ? 1 : 0;
    }
    const candidateShare = new Float32Array(m);
    const topShare = new Float32Array(m);
    const previousShare = new Float32Array(m);
    candidateOptions.forEach((own, i) => {
      for (const j of own) {
        candidateShare[j] = (candidateShare[j] as number) + 1 / Math.max(1, n);
        if (i < TOP) topShare[j] = (topShare[j] as number) + 1 / Math.min(TOP, Math.max(1, n));
      }
    });
    for (const id of obs.previousList) {
      const attributes = this.attributesOf(id);
      const seen = new Set<number>();
      for (const kind of ATTRIBUTE_KINDS) {
        for (const value of attributes[kind] ?? []) {
          const j = optionIndex.get(key(kind, value));
          if (j !== undefined && !seen.has(j)) {
            seen.add(j);
            previousShare[j] = (previousShare[j] as number) + 1 / obs.previousList.length;
          }
        }
      }
    }
    const contextItemShare = new Float32Array(m);
    for (const own of contextItemOptions) for (const j of own) contextItemShare[j] = (contextItemShare[j] as number) + 1 / contextItemOptions.length;

    // Candidate rows.
    const x = new Float32Array(n * F);
    let mean = 0;
    for (const c of cands) mean += c.score;
    mean /= Math.max(1, n);
    let variance = 0;
    for (const c of cands) variance += (c.score - mean) ** 2;
    const std = Math.sqrt(variance / Math.max(1, n));
    const collab = this.collaborativeQuery(obs);
    const hasFeedback = obs.feedback.trim() !== '' ? 1 : 0;
    const turn = obs.rounds > 1 ? (obs.turn - 1) / (obs.rounds - 1) : 0;
    cands.forEach((c, i) => {
      const row = i * F;
      const own = candidateOptions[i] as number[];
      let ctxCount = 0;
      let likedCount = 0;
      let dislikedCount = 0;
      let prefCount = 0;
      for (const j of own) {
        ctxCount += inContext[j] as number;
        likedCount += liked[j] as number;
        dislikedCount += disliked[j] as number;
        prefCount += inPreference[j] as number;
      }
      let overlap = 0;
      for (const ctxOwn of contextItemOptions) {
        let shared = 0;
        for (const j of own) if (ctxOwn.has(j)) shared++;
        const union = own.length + ctxOwn.size - shared;
        overlap += union > 0 ? shared / union : 0;
      }
      const title = polarity(feedbackClauses, spokenTitleForm(c.title));
      const prevPos = previous.get(c.id);
      x[row + 0] = std > 1e-12 ? (c.score - mean) / std : 0;
      x[row + 1] = n > 1 ? 1 - i / (n - 1) : 1;
      x[row + 2] = cos(eContext, 0, itemEmb, i * d, d);
      x[row + 3] = hasFeedback ? cos(eFeedback, 0, itemEmb, i * d, d) : 0;
      x[row + 4] = obs.previousPreference ? cos(ePreference, 0, itemEmb, i * d, d) : 0;
      x[row + 5] = Math.log1p(ctxCount);
      x[row + 6] = contextItemOptions.length > 0 ? overlap / contextItemOptions.length : 0;
      x[row + 7] = Math.log1p(likedCount);
      x[row + 8] = Math.log1p(dislikedCount);
      x[row + 9] = Math.log1p(prefCount);
      x[row + 10] = contextItemIds.has(c.id) ? 1 : 0;
      x[row + 11] = prevPos !== undefined ? 1 : 0;
      x[row + 12] = prevPos !== undefined ? 1 - prevPos / obs.previousList.length : 0;
      x[row + 13] = title.positive ? 1 : 0;
      x[row + 14] = title.negative ? 1 : 0;
      x[row + 15] = this.popularity.scaled(c.id, ownDialogue);
      x[row + 16] = collab ? this.collaborativeSimilarity(collab, c.id) : 0;
      x[row + 17] = hasFeedback;
      x[row + 18] = turn;
    });

    // Option rows: keep the best `maxOptions` by a fixed prior, in first-seen order; STOP last.
    let kept = [...Array(m).keys()];
    if (m > this.maxOptions) {
      const prior = (j: number): number =>
        (candidateShare[j] as number) + (topShare[j] as number) + 2 * ((inContext[j] as number) + (liked[j] as number) + (contextItemShare[j] as number));
      kept = kept.sort((p, q) => prior(q) - prior(p) || p - q).slice(0, this.maxOptions).sort((p, q) => p - q);
    }
    const remap = new Map(kept.map((j, k) => [j, k] as const));
    const a = kept.length + 1;
    const g = new Float32Array(a * G);
    kept.forEach((j, k) => {
      const row = k * G;
      g[row + 0] = candidateShare[j] as number;
      g[row + 1] = topShare[j] as number;
      g[row + 2] = inContext[j] as number;
      g[row + 3] = contextItemShare[j] as number;
      g[row + 4] = liked[j] as number;
      g[row + 5] = disliked[j] as number;
      g[row + 6] = inPreference[j] as number;
      g[row + 7] = previousShare[j] as number;
      g[row + OPTION_KINDS[(options[j] as AttributeOption).kind]] = 1;
    });
    g[(a - 1) * G + 12] = 1;

    return {
      inputs: { n, a, x, itemEmb, query, g },
      candidateIds: cands.map((c) => c.id),
      titles: cands.map((c) => c.title),
      options: kept.map((j) => options[j] as AttributeOption),
      candidateOptions: candidateOptions.map((own) => own.filter((j) => remap.has(j)).map((j) => remap.get(j) as number)),
    };
  }

  private collaborativeQuery(obs: CrsObservation): Float32Array | undefined {
    const c = this.collaborative;
    if (!c) return undefined;
    const pool = new Float32Array(c.dim);
    let count = 0;
    for (const item of obs.contextItems) {
      const v = c.itemEmbedding(item.id);
      if (!v) continue;
      for (let k = 0; k < c.dim; k++) pool[k] = (pool[k] as number) + (v[k] as number);
      count++;
    }
    return count > 0 ? pool : undefined;
  }

  private collaborativeSimilarity(pool: Float32Array, id: ItemId): number {
    const v = this.collaborative?.itemEmbedding(id);
    return v ? cos(pool, 0, v, 0, pool.length) : 0;
  }
}
