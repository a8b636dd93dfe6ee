// The recommender instruction of the paper (section 3.4.1), rendered from an observation for text agents:
// task description Inst, dialogue history D, candidate set I_cand and user feedback F.
import type { Attributes, Utterance } from '../src/data/types.js';
import { REASONING_STEPS } from './action.js';

export interface PromptCandidate {
  title: string;
  attributes: Attributes;
}

export interface PromptInput {
  context: readonly Utterance[];
  candidates: readonly PromptCandidate[];
  feedback: string;
  previousPreference: string;
  listLength: number;
}

export const RECOMMENDER_INSTRUCTION = [
  'You are a movie recommender in a conversation with a user.',
  'Analyze the user preferences from the dialogue history, the user feedback and the candidate items,',
  'then re-rank the candidates and recommend the top items.',
  `Reason step by step inside <think> ... </think> in five steps: ${REASONING_STEPS.map((s, i) => `Step${i + 1}: ${s}`).join('; ')}.`,
  'After the reasoning, answer with exactly one line: RANK LIST: [Title, ..., Title]',
  'using only titles from the candidate list.',
].join(' ');

/** An item's attributes as the prompt lists them: ` (genre: a, b; actor: c)`, or '' when it has none. */
export function describeAttributes(attributes: Attributes): string {
  const parts: string[] = [];
  for (const [kind, values] of Object.entries(attributes)) {
    if (values && values.length > 0) parts.push(`${kind}: ${values.slice(0, 4).join(', ')}`);
  }
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}

export function renderUtterance(u: Utterance): string {
  return `${u.role === 'seeker' ? 'User' : 'Recommender'}: ${u.text}`;
}

/** The dialogue history D as the prompt shows it, one utterance a line. */
export function renderHistory(context: readonly Utterance[]): string {
  return context.map(renderUtterance).join('\n');
}

/**
 * Parts of a prompt the caller already has (CrsEnv memoizes them per sample and per item): `history` must
 * equal `renderHistory(input.context)` and `descriptions[i]` must equal `describeAttributes` of candidate i.
 */
export interface PromptParts {
  history?: string;
  descriptions?: readonly string[];
}

export function renderRecommenderPrompt(input: PromptInput, parts: PromptParts = {}): string {
  const history = parts.history ?? renderHistory(input.context);
  const descriptions = parts.descriptions;
  const candidates = input.candidates.map((c, i) => `${i + 1}. ${c.title}${descriptions?.[i] ?? describeAttributes(c.attributes)}`).join('\n');
  const sections = [
    `Instruction: ${RECOMMENDER_INSTRUCTION} Recommend ${input.listLength} items.`,
    `Dialogue history:\n${history || '(empty)'}`,
    `User feedback: ${input.feedback || '(none yet: cold start)'}`,
  ];
  if (input.previousPreference) sections.push(`Your previous preference inference: ${input.previousPreference}`);
  sections.push(`Candidate items:\n${candidates}`);
  return sections.join('\n\n');
}
