// The paper's five reward components, equations 15-19 (section 3.4.2), computed at every turn.
import type { RewardComponent, RewardContext } from './types.js';

/** Eq. 15: r = 1 - |N_match - 5| / 5 when 1 <= N_match <= 7, else 0. */
export const processFormat: RewardComponent = {
  name: 'processFormat',
  compute: ({ thinkSteps }) => (thinkSteps >= 1 && thinkSteps <= 7 ? 1 - Math.abs(thinkSteps - 5) / 5 : 0),
};

/** Eq. 16: 1 if the answer matches `RANK LIST: [Title, ..., Title]`, else 0. */
export const answerFormat: RewardComponent = {
  name: 'answerFormat',
  compute: ({ answerWellFormed }) => (answerWellFormed ? 1 : 0),
};

/** Eq. 17: 1 if the target is in R_t. */
export const hit: RewardComponent = {
  name: 'hit',
  compute: ({ ranking, target }) => (ranking.includes(target) ? 1 : 0),
};

/** Eq. 18: linear decay 1 - (pos - 1) / len(R_t) for the target at 1-based position pos, else 0. */
export const rank: RewardComponent = {
  name: 'rank',
  compute: ({ ranking, target }) => {
    const index = ranking.indexOf(target);
    return index < 0 ? 0 : 1 - index / ranking.length;
  },
};

/** Eq. 19: cosine(E_T(P_t), E_T(P*)); 0 when the agent wrote no preference. */
export const preference: RewardComponent = {
  name: 'preference',
  compute: (ctx: RewardContext) => {
    const a = ctx.preferenceEmbedding;
    const b = ctx.referencePreferenceEmbedding;
    if (!a || !b || ctx.preference.trim() === '') return 0;
    return cosineSimilarity(a, b);
  },
};

/**
 * Ours, a preference reward that discriminates: eq. 19's cosine counted only above what the sentence that says
 * nothing ("The user prefers movies like the ones mentioned.") scores against the same P*, rescaled so a
 * perfect P_t still scores 1: max(0, cos(P_t, P*) - b) / (1 - b) with b = cos(P_0, P*). With E_T the plain cosine
 * has a high floor (wrong attributes .62-.77, the no-information sentence .635), so most of eq. 19 rewards
 * writing any sentence at all. 0 when the agent wrote no preference or b >= 1.
 */
export const preferenceLift: RewardComponent = {
  name: 'preferenceLift',
  compute: (ctx: RewardContext) => {
    const a = ctx.preferenceEmbedding;
    const b = ctx.referencePreferenceEmbedding;
    const none = ctx.noInformationPreferenceEmbedding;
    if (!a || !b || !none || ctx.preference.trim() === '') return 0;
    const floor = cosineSimilarity(none, b);
    return floor < 1 ? Math.max(0, cosineSimilarity(a, b) - floor) / (1 - floor) : 0;
  },
};

export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`cosine of vectors of different sizes: ${a.length} vs ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  const denom = Math.sqrt(na) * Math.sqrt(nb);
  return denom > 0 && Number.isFinite(dot) ? dot / denom : 0;
}

export const BUILTIN_REWARDS: Readonly<Record<string, RewardComponent>> = {
  processFormat,
  answerFormat,
  hit,
  rank,
  preference,
  preferenceLift,
};
