// The neural recommender's text: the preference inference P_t and the paper's five reasoning steps, written
// from what the policy actually computed (chosen attributes, matches, scores, the list), so the format
// rewards apply to it exactly as to an LLM's output.
import type { AttributeKind, Attributes } from '../../src/data/types.js';
import { referencePreference } from '../../src/data/reference-preference.js';
import { REASONING_STEPS } from '../../envs/action.js';
import type { AttributeOption } from './features.js';

/** P_t in the same wording as the reference preference P*: "The user prefers crime and drama movies, directed by X." */
export function preferenceText(chosen: readonly AttributeOption[]): string {
  if (chosen.length === 0) return '';
  const attributes: Attributes = {};
  for (const { kind, value } of chosen) {
    // The reference wording has no producer phrase; a producer reads best as "written/produced by".
    const k: AttributeKind = kind === 'producer' ? 'writer' : kind;
    const values = (attributes[k] ??= []);
    if (!values.includes(value)) values.push(value);
  }
  return referencePreference(attributes);
}

/** Keeps a title from being counted as a reasoning step ("Step 2: ..." in a title). */
function safe(text: string): string {
  return text.replace(/\b(step)(\s*\d)/gi, '$1\u00a0#$2');
}

export interface ReasoningInput {
  preference: string;
  /** The list, best first: title, score and the option values it matched. */
  ranked: { title: string; score: number; matched: string[] }[];
  feedback: string;
  /** How many list entries the matching and scoring steps detail. */
  detail?: number;
}

export function writeReasoning(input: ReasoningInput): string {
  const detail = input.detail ?? 5;
  const top = input.ranked.slice(0, detail);
  const matching = top.map((r) => `${safe(r.title)} matches ${r.matched.length > 0 ? r.matched.slice(0, 4).join(', ') : 'none of them'}`).join('; ');
  const scoring = top.map((r) => `${safe(r.title)} ${r.score.toFixed(2)}`).join('; ');
  const ranking = input.ranked.map((r, i) => `${i + 1}. ${safe(r.title)}`).join(' ');
  const first = input.ranked[0];
  let explanation = 'No candidate fits the inferred preferences.';
  if (first) {
    const why = first.matched.length > 0 ? `it matches ${first.matched.slice(0, 3).join(', ')}` : 'it scores highest overall';
    const fb = input.feedback.trim() ? ' and fits the latest feedback' : '';
    explanation = `${safe(first.title)} comes first because ${why}${fb}; the rest follow by score.`;
  }
  const bodies = [input.preference ? safe(input.preference) : 'No clear preference yet.', matching || 'No candidates.', scoring || 'No candidates.', ranking || 'Empty.', explanation];
  const lines = REASONING_STEPS.map((name, i) => `Step${i + 1}: ${name}: ${bodies[i] as string}`);
  return `<think>\n${lines.join('\n')}\n</think>`;
}
