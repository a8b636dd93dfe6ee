// The recommender's teacher answer (paper 3.4.1: trajectories written with the target known), in the
// paper's output format: five reasoning steps inside <think>, then `RANK LIST: [Title, ..., Title]`.
// The ranking follows the neural SFT teacher (learners/teacher.ts): the target first when it is among the
// candidates, then the candidates by weighted attribute overlap with the target, retriever order on ties.
// The preference inference is the reference preference P* of the preference reward, and the overlap is
// taken over the attribute values P* names (its first three per kind), so every step of the reasoning
// talks about the same attributes.
import type { Attributes, Item, ItemId } from '../data/types.js';
import { attributeOverlap } from '../learners/teacher.js';
import { formatRankList } from '../../envs/action.js';
import { referencePreference } from '../../rewards/reference-preference.js';

export interface TeacherRanking {
  /** Candidate ids, best first, at most `listLength`. */
  ranking: ItemId[];
  /** Overlap with the target relative to the target's own (1 for the target), aligned with `ranking`. */
  scores: number[];
}

/** referencePreference's default number of values per kind. */
const PREFERENCE_VALUES = 3;
const PREFERENCE_KINDS = ['genre', 'director', 'actor', 'writer'] as const;

/** The target attributes the reference preference names. */
export function preferenceAttributes(target: Attributes): Attributes {
  const out: Attributes = {};
  for (const kind of PREFERENCE_KINDS) {
    const values = target[kind];
    if (values && values.length > 0) out[kind] = values.slice(0, PREFERENCE_VALUES);
  }
  return out;
}

/** The teacher's list over `candidates` (retriever order) for `target`. */
export function teacherRanking(candidates: readonly Item[], target: Item, listLength: number): TeacherRanking {
  const wanted = preferenceAttributes(target.attributes);
  const self = attributeOverlap(wanted, wanted);
  const scored = candidates.map((c, order) => ({
    id: c.id,
    order,
    isTarget: c.id === target.id,
    score: c.id === target.id ? 1 : self > 0 ? attributeOverlap(c.attributes, wanted) / self : 0,
  }));
  scored.sort((a, b) => Number(b.isTarget) - Number(a.isTarget) || b.score - a.score || a.order - b.order);
  const top = scored.slice(0, Math.max(0, listLength));
  return { ranking: top.map((s) => s.id), scores: top.map((s) => s.score) };
}

/** The target's attribute values an item shares, kinds in display order. */
function sharedValues(item: Attributes, target: Attributes): string[] {
  const out: string[] = [];
  for (const kind of PREFERENCE_KINDS) {
    const wanted = new Set(target[kind] ?? []);
    for (const v of item[kind] ?? []) if (wanted.has(v) && !out.includes(v)) out.push(v);
  }
  return out;
}

function joinList(values: readonly string[]): string {
  if (values.length <= 1) return values[0] ?? '';
  return `${values.slice(0, -1).join(', ')} and ${values[values.length - 1]}`;
}

export interface RecommenderAnswer {
  text: string;
  ranking: ItemId[];
  preference: string;
}

/**
 * The full assistant answer. Each step sits on its own line, so the env's parser reads the preference
 * inference as the rest of the Step1 line.
 */
export function recommenderAnswer(candidates: readonly Item[], target: Item, listLength: number): RecommenderAnswer {
  const { ranking, scores } = teacherRanking(candidates, target, listLength);
  const byId = new Map(candidates.map((c) => [c.id, c]));
  const ranked = ranking.map((id) => byId.get(id) as Item);
  const preference = referencePreference(target.attributes);

  const wanted = preferenceAttributes(target.attributes);
  const matches = ranked.map((item) => ({ item, shared: sharedValues(item.attributes, wanted) }));
  const matching = matches.filter((m) => m.shared.length > 0);
  const matchingText =
    matching.length > 0
      ? `${matching.map((m) => `${m.item.title} matches ${joinList(m.shared.slice(0, 4))}`).join('; ')}.`
      : 'None of the candidates shares a genre, director, actor or writer with this preference.';
  const others = candidates.length - matching.length;
  const step2 = `${matchingText}${others > 0 && matching.length > 0 ? ` The other ${others} candidates match fewer of these attributes.` : ''}`;
  const step3 = `${ranked.map((item, i) => `${item.title}: ${(scores[i] as number).toFixed(2)}`).join('; ')}.`;
  const step4 = `Ordering by score (the closest to the dialogue first on ties): ${ranked.map((item, i) => `${i + 1}. ${item.title}`).join(', ')}.`;
  const best = matches[0];
  let step5: string;
  if (!best) step5 = 'There is no candidate to recommend.';
  else if (best.shared.length > 0) {
    step5 = `${best.item.title} fits the preference best: it has ${joinList(best.shared.slice(0, 4))}.`;
    const second = matches[1];
    if (second && second.shared.length > 0) step5 += ` ${second.item.title} follows for ${joinList(second.shared.slice(0, 3))}.`;
  } else {
    step5 = `${best.item.title} is the closest to what the user talked about, so it comes first.`;
  }
  const text = [
    `<think>Step1: Preference Inference. ${preference}`,
    `Step2: Attribute Matching. ${step2}`,
    `Step3: Scoring. ${step3}`,
    `Step4: Ranking. ${step4}`,
    `Step5: Explanation. ${step5}</think>`,
    formatRankList(ranked.map((item) => item.title)),
  ].join('\n');
  return { text, ranking, preference };
}
