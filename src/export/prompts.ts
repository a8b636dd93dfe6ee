// Instructions of the two simulator tasks that have no inference-time prompt elsewhere (attribute alignment
// and target prediction, paper 3.2.2-3.2.3). The feedback task reuses the LLM simulator's own prompt
// (simulator/llm.ts) and the recommender task the env's (envs/prompt.ts), so a model fine-tuned on the
// export sees at inference exactly what it saw in training. The dialogue is written the same way as there.
import { describeItem } from '../simulator/llm.js';
import type { ItemView, SimulatorInput } from '../simulator/types.js';

export const ATTRIBUTES_SYSTEM_PROMPT = [
  'You are a user who is looking for a movie and is chatting with a movie recommender.',
  'From the conversation so far and the movies and attributes mentioned in it, infer the movie you are looking for',
  'and its attributes. Answer in exactly this format: a first line "Target: <title>", then one line per attribute',
  'kind you can name: "Genre: ...", "Director: ...", "Actor: ...", "Writer: ..." (comma-separated values).',
].join(' ');

export const TARGET_SYSTEM_PROMPT = [
  'You are a user who is looking for a movie and is chatting with a movie recommender.',
  'You are shown one movie. Judging only from the conversation so far and the movies and attributes mentioned in it,',
  'answer Yes if it is the movie you are looking for and No otherwise. Answer with one word: Yes or No.',
].join(' ');

export { describeItem };

/** D and I_D as the sections the LLM simulator's prompt opens with. */
export function dialogueSections(input: SimulatorInput): string[] {
  const history = input.context.map((u) => `${u.role === 'seeker' ? 'User' : 'Recommender'}: ${u.text}`).join('\n');
  const mentioned = input.contextItems.map((v) => `- ${describeItem(v)}`);
  const entities = input.contextEntities.length > 0 ? `\nOther things mentioned: ${input.contextEntities.join(', ')}` : '';
  return [
    `Conversation so far:\n${history || '(empty)'}`,
    `Movies mentioned in the conversation:\n${mentioned.length > 0 ? mentioned.join('\n') : '(none)'}${entities}`,
  ];
}

export function renderAttributesPrompt(input: SimulatorInput): string {
  return [...dialogueSections(input), 'The movie you are looking for and its attributes:'].join('\n\n');
}

export function renderTargetPrompt(input: SimulatorInput, item: ItemView): string {
  return [...dialogueSections(input), `Movie: ${describeItem(item)}`, 'Is this the movie you are looking for? Answer Yes or No:'].join('\n\n');
}
