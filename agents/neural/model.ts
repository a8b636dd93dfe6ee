// The neural recommender's parameters and its plain-JS forward (the fast path used in rollouts).
// Candidate score: s_i = x_i . w + tanh(x_i W1 + b1) . w2 + (q U) . (e_i V)
//   x_i: hand features (features.ts), q = [E_T(D); E_T(F_t); E_T(P_{t-1})], e_i = E_T(item i).
// Option score:    o_j = g_j . a + tanh(g_j A1 + c1) . a2        (attribute values and STOP)
// Both are divided by the sampling temperature. tf-policy.ts computes the same numbers in tfjs.
import type { Rng } from '../../src/core/rng.js';
import { CANDIDATE_FEATURES, NUM_CANDIDATE_FEATURES, NUM_OPTION_FEATURES, OPTION_FEATURES, type StepInputs } from './features.js';

export const PARAM_NAMES = ['candLinear', 'candW1', 'candB1', 'candW2', 'bilinearU', 'bilinearV', 'optLinear', 'optW1', 'optB1', 'optW2'] as const;
export type ParamName = (typeof PARAM_NAMES)[number];
export type PolicyParams = Record<ParamName, Float32Array>;

export interface ModelShape {
  /** E_T dimension d. */
  dim: number;
  /** Hidden units of the candidate MLP. */
  hidden: number;
  /** Hidden units of the option MLP. */
  optionHidden: number;
  /** Rank r of the bilinear query-item term. */
  rank: number;
}

export function paramShapes(s: ModelShape): Record<ParamName, number[]> {
  const F = NUM_CANDIDATE_FEATURES;
  const G = NUM_OPTION_FEATURES;
  return {
    candLinear: [F],
    candW1: [F, s.hidden],
    candB1: [s.hidden],
    candW2: [s.hidden],
    bilinearU: [3 * s.dim, s.rank],
    bilinearV: [s.dim, s.rank],
    optLinear: [G],
    optW1: [G, s.optionHidden],
    optB1: [s.optionHidden],
    optW2: [s.optionHidden],
  };
}

export function parameterCount(s: ModelShape): number {
  return Object.values(paramShapes(s)).reduce((n, shape) => n + shape.reduce((a, b) => a * b, 1), 0);
}

/** Prior weights: an untrained policy already behaves like a sensible heuristic (retriever order nudged by matches). */
const CANDIDATE_PRIOR: Partial<Record<(typeof CANDIDATE_FEATURES)[number], number>> = {
  retrieverZ: 0.5,
  retrieverRank: 1,
  cosContext: 1,
  cosFeedback: 1,
  cosPreference: 0.5,
  contextAttributes: 0.5,
  contextItemOverlap: 1,
  feedbackLiked: 1,
  feedbackDisliked: -1,
  preferenceAttributes: 0.5,
  titleLiked: 1,
  titleDisliked: -1,
};
const OPTION_PRIOR: Partial<Record<(typeof OPTION_FEATURES)[number], number>> = {
  candidateShare: 1,
  topShare: 1,
  inContext: 1,
  contextItemShare: 1,
  feedbackLiked: 1.5,
  feedbackDisliked: -2,
  inPreference: 0.5,
  genre: 0.5,
  stop: 0.5,
};

/** Seeded initialization; `prior` sets the linear weights from the tables above (else zero). */
export function initParams(s: ModelShape, rng: Rng, prior = true): PolicyParams {
  const shapes = paramShapes(s);
  const out = {} as PolicyParams;
  for (const name of PARAM_NAMES) {
    const size = (shapes[name] as number[]).reduce((a, b) => a * b, 1);
    out[name] = new Float32Array(size);
  }
  const normal = (arr: Float32Array, std: number, r: Rng): void => {
    for (let i = 0; i < arr.length; i++) arr[i] = r.normal(0, std);
  };
  normal(out.candW1, 0.1, rng.split('candW1'));
  normal(out.candW2, 0.1, rng.split('candW2'));
  normal(out.bilinearU, 0.05, rng.split('bilinearU'));
  normal(out.bilinearV, 0.05, rng.split('bilinearV'));
  normal(out.optW1, 0.1, rng.split('optW1'));
  normal(out.optW2, 0.1, rng.split('optW2'));
  if (prior) {
    CANDIDATE_FEATURES.forEach((f, i) => (out.candLinear[i] = CANDIDATE_PRIOR[f] ?? 0));
    OPTION_FEATURES.forEach((f, i) => (out.optLinear[i] = OPTION_PRIOR[f] ?? 0));
  }
  return out;
}

/** Candidate logits s_i / temperature (float64). */
export function candidateLogits(p: PolicyParams, s: ModelShape, inputs: StepInputs, temperature = 1): Float64Array {
  const F = NUM_CANDIDATE_FEATURES;
  const H = s.hidden;
  const d = s.dim;
  const r = s.rank;
  const { n, x, itemEmb, query } = inputs;
  // q U, once per step.
  const qU = new Float64Array(r);
  for (let k = 0; k < 3 * d; k++) {
    const q = query[k] as number;
    if (q === 0) continue;
    for (let j = 0; j < r; j++) qU[j] = (qU[j] as number) + q * (p.bilinearU[k * r + j] as number);
  }
  const out = new Float64Array(n);
  const eV = new Float64Array(r);
  for (let i = 0; i < n; i++) {
    let score = 0;
    for (let f = 0; f < F; f++) score += (x[i * F + f] as number) * (p.candLinear[f] as number);
    for (let h = 0; h < H; h++) {
      let pre = p.candB1[h] as number;
      for (let f = 0; f < F; f++) pre += (x[i * F + f] as number) * (p.candW1[f * H + h] as number);
      score += Math.tanh(pre) * (p.candW2[h] as number);
    }
    eV.fill(0);
    for (let k = 0; k < d; k++) {
      const e = itemEmb[i * d + k] as number;
      if (e === 0) continue;
      for (let j = 0; j < r; j++) eV[j] = (eV[j] as number) + e * (p.bilinearV[k * r + j] as number);
    }
    for (let j = 0; j < r; j++) score += (qU[j] as number) * (eV[j] as number);
    out[i] = score / temperature;
  }
  return out;
}

/** Option logits o_j / temperature (float64); the last entry is STOP. */
export function optionLogits(p: PolicyParams, s: ModelShape, inputs: StepInputs, temperature = 1): Float64Array {
  const G = NUM_OPTION_FEATURES;
  const H = s.optionHidden;
  const { a, g } = inputs;
  const out = new Float64Array(a);
  for (let j = 0; j < a; j++) {
    let score = 0;
    for (let f = 0; f < G; f++) score += (g[j * G + f] as number) * (p.optLinear[f] as number);
    for (let h = 0; h < H; h++) {
      let pre = p.optB1[h] as number;
      for (let f = 0; f < G; f++) pre += (g[j * G + f] as number) * (p.optW1[f * H + h] as number);
      score += Math.tanh(pre) * (p.optW2[h] as number);
    }
    out[j] = score / temperature;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Plackett-Luce

/**
 * log P(order) of a Plackett-Luce prefix: sum over positions k of logit[order_k] - logsumexp(logits of the
 * items not yet chosen). `blockedFirst` is an index that may not be chosen first (STOP).
 */
export function plLogProb(logits: ArrayLike<number>, order: ArrayLike<number>, blockedFirst = -1): number {
  const n = logits.length;
  const used = new Uint8Array(n);
  let total = 0;
  for (let k = 0; k < order.length; k++) {
    let max = -Infinity;
    for (let i = 0; i < n; i++) if (!used[i] && !(k === 0 && i === blockedFirst)) max = Math.max(max, logits[i] as number);
    let sum = 0;
    for (let i = 0; i < n; i++) if (!used[i] && !(k === 0 && i === blockedFirst)) sum += Math.exp((logits[i] as number) - max);
    const chosen = order[k] as number;
    total += (logits[chosen] as number) - (max + Math.log(sum));
    used[chosen] = 1;
  }
  return total;
}

function gumbel(rng: Rng): number {
  // -log(-log(u)) with u in (0, 1).
  const u = Math.min(1 - 1e-12, Math.max(1e-12, rng.random()));
  return -Math.log(-Math.log(u));
}

/** Indices sorted by value, highest first, ties by lower index. */
function argsortDesc(values: ArrayLike<number>): number[] {
  return [...Array(values.length).keys()].sort((a, b) => (values[b] as number) - (values[a] as number) || a - b);
}

/** A top-k list from PL(logits): Gumbel-top-k (one Gumbel per item), or the k highest logits when greedy. */
export function sampleRanking(logits: ArrayLike<number>, k: number, rng: Rng | undefined): number[] {
  const keys = rng ? Array.from(logits as ArrayLike<number>, (l) => (l as number) + gumbel(rng)) : logits;
  return argsortDesc(keys).slice(0, Math.min(k, logits.length));
}

/**
 * The attribute choice: up to `maxPicks` options drawn one at a time from PL(logits) without replacement,
 * stopping early when STOP (the last index) is drawn; STOP may not come first. Greedy (no rng) takes the
 * highest logits. Returns the chosen indices, STOP included when it was drawn.
 */
export function sampleOptions(logits: ArrayLike<number>, maxPicks: number, rng: Rng | undefined): number[] {
  const a = logits.length;
  const stop = a - 1;
  if (a <= 1) return [];
  const used = new Uint8Array(a);
  const out: number[] = [];
  for (let k = 0; k < maxPicks; k++) {
    let best = -1;
    let bestKey = -Infinity;
    for (let j = 0; j < a; j++) {
      if (used[j] || (k === 0 && j === stop)) continue;
      const key = (logits[j] as number) + (rng ? gumbel(rng) : 0);
      if (key > bestKey) {
        bestKey = key;
        best = j;
      }
    }
    if (best < 0) break;
    out.push(best);
    used[best] = 1;
    if (best === stop) break;
  }
  return out;
}

/** Entropy of the first-position softmax (a cheap view of how peaked a PL distribution is). */
export function firstPositionEntropy(logits: ArrayLike<number>, blockedFirst = -1): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (i !== blockedFirst) max = Math.max(max, logits[i] as number);
  let z = 0;
  for (let i = 0; i < logits.length; i++) if (i !== blockedFirst) z += Math.exp((logits[i] as number) - max);
  let h = 0;
  for (let i = 0; i < logits.length; i++) {
    if (i === blockedFirst) continue;
    const p = Math.exp((logits[i] as number) - max) / z;
    if (p > 0) h -= p * Math.log(p);
  }
  return h;
}
