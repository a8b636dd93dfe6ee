// The dual-view retriever's network (paper 3.3.2) in plain JS: its parameters, their seeded initialization,
// and the inference forward of a query and of the item side. Training runs the same network in tfjs
// (dual-view-tf.ts); a unit test keeps the two forwards equal.
//
// Query side. Semantic tokens: a learned null token plus the adapter W2(W1 x + b1) + b2 (Dim_s -> Dim_s/2 ->
// Dim_c) of each present E_T vector among D, F_t, P_{t-1}. Collaborative tokens: a learned null token plus
// each present E_C pool among I_D and R_{t-1}. The null tokens let a view with nothing present still attend
// and be attended to. Cross-attention (one head, scaled dot product) both ways: semantic tokens query the
// collaborative ones to give e_c, collaborative tokens query the semantic ones to give e_s, each output
// mean-pooled over its query tokens; e = [e_c : e_s]. Item side: [i_c : i_s] with i_c = E_C(item) and
// i_s = a second adapter over E_T(item text). Score = e . i.
// The single-view baselines drop the other view and let the remaining view attend to itself.
import type { Rng } from '../core/rng.js';
import { DotKernel, type PaddedMatrix } from './dual-view-kernel.js';
import { frozenVecMat } from '../core/vec-mat-kernel.js';
import { N_COLLABORATIVE, N_SEMANTIC, type ItemFeatures, type QueryFeatures } from './features.js';

export type DualViewVariant = 'dualView' | 'semanticOnly' | 'collaborativeOnly';
export const DUAL_VIEW_VARIANTS: readonly DualViewVariant[] = ['dualView', 'semanticOnly', 'collaborativeOnly'];

export interface DualViewSpec {
  variant: DualViewVariant;
  /** Dim_s: the text encoder's size. */
  textDim: number;
  /** Dim_c: the collaborative encoder's size. */
  collabDim: number;
  /** The adapter's middle size (the paper: Dim_s / 2). */
  hiddenDim: number;
  /** Add each view's mean token to its attention output (off = the paper's plain cross-attention). */
  residual: boolean;
  /**
   * Append a frozen item prior (log of 1 + the item's count as a TRAIN target) to the item side and a learned
   * weight to the query side: one more dimension of the same dot product. Off = the paper's item side.
   */
  prior: boolean;
  /**
   * A learned per-item bias (a popularity prior, initialized from log train-target frequency): one more
   * dimension of the same dot product, the constant 1 on the query side and the item's bias on the item side.
   */
  itemBias: boolean;
  /** Catalogue size (the length of the item bias; 0 without it). */
  itemCount: number;
  /**
   * The semantic view's lexical part passed straight to the dot product (0 = off): the last `lexicalSkip` dims
   * of each semantic token (the lexical channel) are summed over the present tokens and scaled by a learned
   * weight on the query side, and the item's lexical vector sits on the item side, so exact title and
   * attribute matches survive the Dim_c bottleneck of the adapter.
   */
  lexicalSkip: number;
}

export type DualViewParams = Record<string, Float32Array>;

export function usesSemantic(variant: DualViewVariant): boolean {
  return variant !== 'collaborativeOnly';
}

export function usesCollaborative(variant: DualViewVariant): boolean {
  return variant !== 'semanticOnly';
}

/** Length of the query and item vectors that are dotted. */
export function outputDim(spec: DualViewSpec): number {
  return (spec.variant === 'dualView' ? 2 * spec.collabDim : spec.collabDim) + lexicalSkipDim(spec) + (spec.prior ? 1 : 0) + (spec.itemBias ? 1 : 0);
}

/** Width of the lexical skip in the dotted vectors (0 without a semantic view). */
export function lexicalSkipDim(spec: DualViewSpec): number {
  return usesSemantic(spec.variant) ? spec.lexicalSkip : 0;
}

/** Where the lexical skip starts in the dotted vectors: after the views, before the prior and the item bias. */
export function lexicalSkipStart(spec: DualViewSpec): number {
  return outputDim(spec) - lexicalSkipDim(spec) - (spec.prior ? 1 : 0) - (spec.itemBias ? 1 : 0);
}

/** Parameter names and shapes of a spec (matrices are [in, out], row-major). */
export function paramShapes(spec: DualViewSpec): Record<string, number[]> {
  const { textDim: s, collabDim: c, hiddenDim: h } = spec;
  const shapes: Record<string, number[]> = {};
  if (usesSemantic(spec.variant)) {
    Object.assign(shapes, {
      qW1: [s, h], qb1: [h], qW2: [h, c], qb2: [c],
      iW1: [s, h], ib1: [h], iW2: [h, c], ib2: [c],
      nullS: [c],
      // Attention whose values are semantic tokens (gives e_s).
      sWq: [c, c], sWk: [c, c], sWv: [c, c],
    });
  }
  if (usesCollaborative(spec.variant)) {
    Object.assign(shapes, {
      nullC: [c],
      // Attention whose values are collaborative tokens (gives e_c).
      cWq: [c, c], cWk: [c, c], cWv: [c, c],
    });
  }
  if (lexicalSkipDim(spec) > 0) {
    if (spec.lexicalSkip > spec.textDim) throw new RangeError(`lexicalSkip ${spec.lexicalSkip} exceeds textDim ${spec.textDim}`);
    shapes['lexicalWeight'] = [1];
  }
  if (spec.prior) shapes['priorWeight'] = [1];
  if (spec.itemBias) {
    if (!Number.isInteger(spec.itemCount) || spec.itemCount < 1) throw new RangeError(`itemBias needs itemCount >= 1, got ${spec.itemCount}`);
    shapes['itemBias'] = [spec.itemCount];
  }
  return shapes;
}

/**
 * Seeded initialization (every draw from `rng`): Glorot-uniform adapters, the item adapter starting equal to
 * the query adapter (so e_s . i_s starts as a random projection of the E_T cosine); attention matrices at
 * identity plus small Glorot noise (so each view starts by passing its tokens through); zero biases; small
 * normal null tokens.
 */
export function initParams(spec: DualViewSpec, rng: Rng): DualViewParams {
  const params: DualViewParams = {};
  for (const [name, shape] of Object.entries(paramShapes(spec))) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (shape.length === 2) {
      const [rows, cols] = shape as [number, number];
      const limit = Math.sqrt(6 / (rows + cols));
      const attention = /^[sc]W[qkv]$/.test(name);
      const noise = attention ? 0.1 : 1;
      for (let i = 0; i < size; i++) data[i] = noise * rng.uniform(-limit, limit);
      if (attention) for (let d = 0; d < Math.min(rows, cols); d++) data[d * cols + d] = (data[d * cols + d] as number) + 1;
    } else if (name === 'priorWeight') {
      data[0] = 0.1;
    } else if (name === 'lexicalWeight') {
      data[0] = 1;
    } else if (name.startsWith('null')) {
      for (let i = 0; i < size; i++) data[i] = rng.normal(0, 0.1);
    }
    params[name] = data;
  }
  if (params['qW1'] !== undefined) {
    params['iW1'] = Float32Array.from(params['qW1']);
    params['iW2'] = Float32Array.from(params['qW2'] as Float32Array);
  }
  return params;
}

/** Throws naming the first parameter that is missing or has the wrong size. */
export function checkParams(spec: DualViewSpec, params: DualViewParams, source: string): void {
  for (const [name, shape] of Object.entries(paramShapes(spec))) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = params[name];
    if (data === undefined) throw new Error(`${source}: missing parameter '${name}'`);
    if (data.length !== size) throw new Error(`${source}: parameter '${name}' has ${data.length} values, expected ${size} (${shape.join(' x ')})`);
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i] as number)) throw new Error(`${source}: parameter '${name}' has a non-finite value at ${i}`);
    }
  }
}

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c] as number;
  return out;
}

interface Adapter {
  w1: PaddedMatrix;
  w2: PaddedMatrix;
  b1: Float32Array;
  b2: Float32Array;
  slot1: { input: number; output: number };
  slot2: { input: number; output: number };
}

/** An attention projection: which attention (values semantic 's' or collaborative 'c') and which matrix. */
type Projection = 'sq' | 'sk' | 'sv' | 'cq' | 'ck' | 'cv';

/**
 * One token of the attention with its projections, computed on first use. A cached token is reused by every
 * later query whose input slice is bit-identical (the dialogue context D repeats every round of an episode,
 * and across episodes of the same sample), so its adapter pass and projections run once.
 */
interface Token {
  /** The token (after the adapter for a semantic token). */
  readonly value: Float32Array;
  /** The input slice it was computed from (a copy; compared on a cache hit), absent for the null tokens. */
  readonly input?: Float32Array;
  sq?: Float32Array;
  sk?: Float32Array;
  sv?: Float32Array;
  cq?: Float32Array;
  ck?: Float32Array;
  cv?: Float32Array;
}

/** Default number of cached tokens (adapted semantic inputs plus collaborative pools) per forward. */
export const DEFAULT_TOKEN_CACHE = 2048;

export interface DualViewForwardOptions {
  /**
   * How many tokens to keep, keyed by the exact bits of their input slice (least recently used dropped
   * first); 0 turns the cache off. Results are identical either way: a hit only skips recomputing the same
   * floating-point operations on the same input.
   */
  tokenCache?: number;
}

/** 32-bit FNV-1a over the bits of a float slice. */
function hashBits(bits: Uint32Array): number {
  let h = 0x811c9dc5 ^ bits.length;
  for (let i = 0; i < bits.length; i++) h = Math.imul(h ^ (bits[i] as number), 0x01000193);
  return h >>> 0;
}

function sameBits(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function bitsOf(x: Float32Array): Uint32Array {
  return new Uint32Array(x.buffer, x.byteOffset, x.length);
}

/** Tokens by input bits, least recently used evicted first (buckets of equal hashes, compared bit for bit). */
class TokenCache {
  private readonly buckets = new Map<number, Token[]>();
  private size = 0;

  constructor(readonly capacity: number) {}

  get(input: Float32Array, make: () => Float32Array): Token {
    if (this.capacity <= 0) return { value: make(), input };
    const bits = bitsOf(input);
    const key = hashBits(bits);
    const bucket = this.buckets.get(key);
    if (bucket !== undefined) {
      for (const token of bucket) {
        if (sameBits(bitsOf(token.input as Float32Array), bits)) {
          // Most recently used last.
          this.buckets.delete(key);
          this.buckets.set(key, bucket);
          return token;
        }
      }
    }
    const token: Token = { value: make(), input: Float32Array.from(input) };
    if (bucket !== undefined) bucket.push(token);
    else this.buckets.set(key, [token]);
    this.size++;
    while (this.size > this.capacity) {
      const oldest = this.buckets.keys().next();
      if (oldest.done === true) break;
      this.size -= (this.buckets.get(oldest.value) as Token[]).length;
      this.buckets.delete(oldest.value);
    }
    return token;
  }

  clear(): void {
    this.buckets.clear();
    this.size = 0;
  }

  get entries(): number {
    return this.size;
  }
}

/**
 * The inference forward in JS (adapters on the WebAssembly dot kernel, attention in plain loops).
 * Holds its own copy of the parameters; `query` and `itemMatrix` allocate only their outputs (and the tokens
 * they add to the token cache).
 */
export class DualViewForward {
  readonly dim: number;
  private readonly kernel = new DotKernel();
  /** The attention projections on the exact SIMD kernel (same bits as the JS loop; the parameters are a frozen copy). */
  private readonly vecMat = frozenVecMat();
  private readonly queryAdapter: Adapter | undefined;
  private readonly itemAdapter: Adapter | undefined;
  /** The attention matrices by projection name. */
  private readonly projections: Partial<Record<Projection, Float32Array>> = {};
  private readonly nullS: Token | undefined;
  private readonly nullC: Token | undefined;
  private readonly semanticCache: TokenCache;
  private readonly collaborativeCache: TokenCache;

  /** A copy of the parameters given (cached tokens must never see a later edit of the caller's arrays). */
  readonly params: DualViewParams;

  constructor(
    readonly spec: DualViewSpec,
    params: DualViewParams,
    options: DualViewForwardOptions = {},
  ) {
    checkParams(spec, params, 'DualViewForward');
    this.params = Object.fromEntries(Object.entries(params).map(([name, data]) => [name, Float32Array.from(data)]));
    this.dim = outputDim(spec);
    if (usesSemantic(spec.variant)) {
      this.queryAdapter = this.adapter('q');
      this.itemAdapter = this.adapter('i');
      this.nullS = { value: this.p('nullS') };
    }
    if (usesCollaborative(spec.variant)) this.nullC = { value: this.p('nullC') };
    for (const prefix of ['s', 'c'] as const) {
      for (const m of ['q', 'k', 'v'] as const) {
        const w = this.params[`${prefix}W${m}`];
        if (w !== undefined) this.projections[`${prefix}${m}`] = w;
      }
    }
    const capacity = options.tokenCache ?? DEFAULT_TOKEN_CACHE;
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`DualViewForward: tokenCache must be a non-negative integer, got ${capacity}`);
    this.semanticCache = new TokenCache(capacity);
    this.collaborativeCache = new TokenCache(capacity);
  }

  private p(name: string): Float32Array {
    return this.params[name] as Float32Array;
  }

  private adapter(prefix: 'q' | 'i'): Adapter {
    const { textDim: s, hiddenDim: h, collabDim: c } = this.spec;
    // Stored transposed, so each output unit is one row dot product on the kernel.
    const w1 = this.kernel.addMatrix(transpose(this.p(`${prefix}W1`), s, h), h, s);
    const w2 = this.kernel.addMatrix(transpose(this.p(`${prefix}W2`), h, c), c, h);
    return { w1, w2, b1: this.p(`${prefix}b1`), b2: this.p(`${prefix}b2`), slot1: this.kernel.scratch(s, h), slot2: this.kernel.scratch(h, c) };
  }

  private adapt(a: Adapter, x: ArrayLike<number>): Float32Array {
    const hidden = Float32Array.from(this.kernel.rowDots(a.w1, x, a.slot1));
    for (let i = 0; i < hidden.length; i++) hidden[i] = (hidden[i] as number) + (a.b1[i] as number);
    const out = Float32Array.from(this.kernel.rowDots(a.w2, hidden, a.slot2));
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (a.b2[i] as number);
    return out;
  }

  /** Cached tokens now held (semantic and collaborative). */
  get cachedTokens(): number {
    return this.semanticCache.entries + this.collaborativeCache.entries;
  }

  /** Drops every cached token. */
  clearCache(): void {
    this.semanticCache.clear();
    this.collaborativeCache.clear();
  }

  private semanticTokenObjects(f: QueryFeatures): Token[] {
    const s = this.spec.textDim;
    const tokens = [this.nullS as Token];
    for (let slot = 0; slot < N_SEMANTIC; slot++) {
      if (f.semanticMask[slot] !== 1) continue;
      const input = f.semantic.subarray(slot * s, (slot + 1) * s);
      tokens.push(this.semanticCache.get(input, () => this.adapt(this.queryAdapter as Adapter, input)));
    }
    return tokens;
  }

  private collaborativeTokenObjects(f: QueryFeatures): Token[] {
    const c = this.spec.collabDim;
    const tokens = [this.nullC as Token];
    for (let slot = 0; slot < N_COLLABORATIVE; slot++) {
      if (f.collaborativeMask[slot] !== 1) continue;
      const input = f.collaborative.subarray(slot * c, (slot + 1) * c);
      tokens.push(this.collaborativeCache.get(input, () => Float32Array.from(input)));
    }
    return tokens;
  }

  /** Semantic tokens: the null token, then the adapted present parts. */
  semanticTokens(f: QueryFeatures): Float32Array[] {
    return this.semanticTokenObjects(f).map((t) => t.value);
  }

  /** Collaborative tokens: the null token, then the present pools. */
  collaborativeTokens(f: QueryFeatures): Float32Array[] {
    return this.collaborativeTokenObjects(f).map((t) => t.value);
  }

  /** x W for one of the attention matrices, memoized on the token. */
  private project(t: Token, which: Projection): Float32Array {
    let out = t[which];
    if (out === undefined) {
      const c = this.spec.collabDim;
      out = this.vecMat(t.value, this.projections[which] as Float32Array, c);
      t[which] = out;
    }
    return out;
  }

  /** Mean over queries of softmax(Q K^T / sqrt(c)) V, plus the mean value token when residual. */
  private attend(queries: Token[], keys: Token[], prefix: 's' | 'c'): Float32Array {
    const c = this.spec.collabDim;
    const kName: Projection = prefix === 's' ? 'sk' : 'ck';
    const vName: Projection = prefix === 's' ? 'sv' : 'cv';
    const qName: Projection = prefix === 's' ? 'sq' : 'cq';
    const K = keys.map((y) => this.project(y, kName));
    const V = keys.map((y) => this.project(y, vName));
    const weights = new Float64Array(keys.length);
    const logits = new Float64Array(keys.length);
    const scale = 1 / Math.sqrt(c);
    for (const x of queries) {
      const q = this.project(x, qName);
      let max = -Infinity;
      for (let j = 0; j < K.length; j++) {
        const k = K[j] as Float32Array;
        let dot = 0;
        for (let d = 0; d < c; d++) dot += (q[d] as number) * (k[d] as number);
        const l = dot * scale;
        logits[j] = l;
        if (l > max) max = l;
      }
      // Same operations, in the same order, as summing exp(l - max) left to right and adding e / sum / n.
      let sum = 0;
      for (let j = 0; j < K.length; j++) {
        const e = Math.exp((logits[j] as number) - max);
        logits[j] = e;
        sum += e;
      }
      for (let j = 0; j < K.length; j++) weights[j] = (weights[j] as number) + (logits[j] as number) / sum / queries.length;
    }
    const out = new Float32Array(c);
    for (let j = 0; j < V.length; j++) {
      const v = V[j] as Float32Array;
      const w = weights[j] as number;
      for (let d = 0; d < c; d++) out[d] = (out[d] as number) + w * (v[d] as number);
    }
    if (this.spec.residual) {
      for (const y of keys) {
        const value = y.value;
        for (let d = 0; d < c; d++) out[d] = (out[d] as number) + (value[d] as number) / keys.length;
      }
    }
    return out;
  }

  /** The query vector e ([e_c : e_s] for the dual view). */
  query(f: QueryFeatures): Float32Array {
    const { variant } = this.spec;
    const out = new Float32Array(this.dim);
    if (variant === 'semanticOnly') {
      const S = this.semanticTokenObjects(f);
      out.set(this.attend(S, S, 's'), 0);
    } else if (variant === 'collaborativeOnly') {
      const C = this.collaborativeTokenObjects(f);
      out.set(this.attend(C, C, 'c'), 0);
    } else {
      const S = this.semanticTokenObjects(f);
      const C = this.collaborativeTokenObjects(f);
      out.set(this.attend(S, C, 'c'), 0);
      out.set(this.attend(C, S, 's'), this.spec.collabDim);
    }
    const skip = lexicalSkipDim(this.spec);
    if (skip > 0) {
      const s = this.spec.textDim;
      const w = this.p('lexicalWeight')[0] as number;
      const at = lexicalSkipStart(this.spec);
      for (let slot = 0; slot < N_SEMANTIC; slot++) {
        if (f.semanticMask[slot] !== 1) continue;
        for (let d = 0; d < skip; d++) out[at + d] = (out[at + d] as number) + w * (f.semantic[(slot + 1) * s - skip + d] as number);
      }
    }
    const priorAt = this.dim - 1 - (this.spec.itemBias ? 1 : 0);
    if (this.spec.prior) out[priorAt] = this.p('priorWeight')[0] as number;
    if (this.spec.itemBias) out[this.dim - 1] = 1;
    return out;
  }

  /** The item side, [n x dim] row-major in `Item.index` order. */
  itemMatrix(items: ItemFeatures): Float32Array {
    const { textDim: s, collabDim: c, variant } = this.spec;
    const n = items.items.length;
    const out = new Float32Array(n * this.dim);
    for (let i = 0; i < n; i++) {
      let at = i * this.dim;
      if (usesCollaborative(variant)) {
        out.set(items.collaborative.subarray(i * c, (i + 1) * c), at);
        at += c;
      }
      if (usesSemantic(variant)) {
        out.set(this.adapt(this.itemAdapter as Adapter, items.text.subarray(i * s, (i + 1) * s)), at);
        const skip = lexicalSkipDim(this.spec);
        if (skip > 0) out.set(items.text.subarray((i + 1) * s - skip, (i + 1) * s), at + c);
      }
      if (this.spec.prior) out[(i + 1) * this.dim - 1 - (this.spec.itemBias ? 1 : 0)] = items.prior[i] as number;
      if (this.spec.itemBias) out[(i + 1) * this.dim - 1] = this.p('itemBias')[i] as number;
    }
    return out;
  }
}
