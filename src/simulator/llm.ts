// The LLM user simulator: the paper's feedback-generation instruction (3.2.1: D, I_D and R_{t-1} in,
// user feedback out) sent to an OpenAI-compatible chat server through the ChatClient. The paper prints no
// prompt text, so the wording below is ours, following its task definition. Label-free like the
// multi-task simulator. It never throws into the episode loop: a failed call gives a neutral feedback
// with an `error`.
import type { Rng } from '../core/rng.js';
import type { ItemId } from '../data/types.js';
import type { ChatCompleter } from '../llm/client.js';
import { isLlmError, LlmGaveUpError } from '../llm/errors.js';
import type { ChatMessage } from '../llm/response.js';
import type { NameGuard } from './name-guard.js';
import { joinAnd, spokenAttribute } from './text.js';
import type { Feedback, ItemView, SimulatorInput, UserSimulator } from './types.js';
import { seenItemIds } from './types.js';
import { errorMessage } from '../core/errors.js';

export const SIMULATOR_SYSTEM_PROMPT = [
  'You are a user who is looking for a movie and is chatting with a movie recommender.',
  'Reply as the user, in one to three natural sentences, the way a real person would type in a chat.',
  'Give specific feedback on the recommendation list: say which movies, or which of their aspects (genre, mood,',
  'director, actors), match what you are looking for and which do not, and what you would like instead.',
  'Infer your taste only from the conversation so far and the movies and attributes mentioned in it.',
  'Only mention movies that appear in the conversation or in the recommendation list; never name any other movie.',
  'If one recommended movie is clearly what you are looking for, begin your reply with [ACCEPT].',
  'If there is no recommendation list yet, describe what you would like to watch.',
].join(' ');

export const ACCEPT_MARKER = '[ACCEPT]';

/** "Title (genre: a, b; director: c; starring: d, e)": how the prompts show an item. */
export function describeItem(view: ItemView): string {
  const parts: string[] = [];
  const genres = view.attributes.genre ?? [];
  if (genres.length > 0) parts.push(`genre: ${genres.map((g) => spokenAttribute('genre', g)).join(', ')}`);
  const directors = view.attributes.director ?? [];
  if (directors.length > 0) parts.push(`director: ${joinAnd(directors.slice(0, 2).map((d) => spokenAttribute('director', d)))}`);
  const actors = view.attributes.actor ?? [];
  if (actors.length > 0) parts.push(`starring: ${actors.slice(0, 4).map((a) => spokenAttribute('actor', a)).join(', ')}`);
  return parts.length > 0 ? `${view.title} (${parts.join('; ')})` : view.title;
}

/** The chat messages for one round: instruction, D, I_D and R_{t-1}. */
export function renderSimulatorPrompt(input: SimulatorInput): ChatMessage[] {
  const history = input.context.map((u) => `${u.role === 'seeker' ? 'User' : 'Recommender'}: ${u.text}`).join('\n');
  const mentioned = input.contextItems.map((v) => `- ${describeItem(v)}`);
  const entities = input.contextEntities.length > 0 ? `Other things mentioned: ${input.contextEntities.join(', ')}` : '';
  const list =
    input.previousList.length > 0
      ? input.previousList.map((v, i) => `${i + 1}. ${describeItem(v)}`).join('\n')
      : '(none yet: this is the first round)';
  const user = [
    `Conversation so far:\n${history || '(empty)'}`,
    `Movies mentioned in the conversation:\n${mentioned.length > 0 ? mentioned.join('\n') : '(none)'}${entities ? `\n${entities}` : ''}`,
    `Recommendation list:\n${list}`,
    'Your reply as the user:',
  ].join('\n\n');
  return [
    { role: 'system', content: SIMULATOR_SYSTEM_PROMPT },
    { role: 'user', content: user },
  ];
}

export interface LlmSimulatorOptions {
  /** Drops reply sentences that name catalog items the user has not seen. */
  guard?: NameGuard;
  temperature?: number;
  maxTokens?: number;
  /** Shown as `source`; defaults to 'llm'. */
  name?: string;
}

const FALLBACK_TEXTS = [
  'Hmm, could you show me a few different options?',
  "I'm not sure about these. What else do you have?",
  'Can you suggest something else?',
];

export class LlmSimulator implements UserSimulator {
  readonly name: string;

  constructor(
    private readonly client: ChatCompleter,
    private readonly options: LlmSimulatorOptions = {},
  ) {
    this.name = options.name ?? 'llm';
  }

  private fallback(rng: Rng, error: string): Feedback {
    return { text: rng.choice(FALLBACK_TEXTS), predictedAttributes: [], judgments: [], kind: 'feedback', source: this.name, error };
  }

  async feedback(input: SimulatorInput, rng: Rng): Promise<Feedback> {
    const seed = rng.uint32() % 2_147_483_647;
    let reply: string;
    try {
      const completion = await this.client.complete(renderSimulatorPrompt(input), {
        seed,
        ...(this.options.temperature !== undefined ? { temperature: this.options.temperature } : {}),
        ...(this.options.maxTokens !== undefined ? { maxTokens: this.options.maxTokens } : {}),
      });
      reply = completion.text;
    } catch (err) {
      // The server is down for good: stop the run rather than play on with neutral feedback.
      if (err instanceof LlmGaveUpError) throw err;
      const message = isLlmError(err) ? `llm ${err.kind}: ${err.message}` : `llm call failed: ${errorMessage(err)}`;
      return this.fallback(rng.split('fallback'), message);
    }
    let text = cleanReply(reply);
    let kind: Feedback['kind'] = 'feedback';
    if (text.toUpperCase().startsWith(ACCEPT_MARKER)) {
      kind = input.previousList.length > 0 ? 'accept' : 'feedback';
      text = text.slice(ACCEPT_MARKER.length).trim();
    }
    text = text.split(ACCEPT_MARKER).join('').trim();
    if (this.options.guard) {
      const allowed: Set<ItemId> = seenItemIds(input);
      for (const id of this.options.guard.mentions(input.context.map((u) => u.text).join('\n'))) allowed.add(id);
      text = this.options.guard.sanitize(text, allowed);
    }
    if (!text) return this.fallback(rng.split('fallback'), 'llm reply was empty after removing unseen titles');
    return { text, predictedAttributes: [], judgments: [], kind, source: this.name };
  }
}

/** Strips what chat models wrap replies in: think blocks, a "User:" label, surrounding quotes. */
export function cleanReply(reply: string): string {
  let text = reply.replace(/<think>[\s\S]*?<\/think>/gi, '').trim();
  text = text.replace(/^(?:user|you|feedback|reply)\s*:\s*/i, '').trim();
  if (/^["'“].*["'”]$/s.test(text)) text = text.slice(1, -1).trim();
  return text.replace(/\s+/g, ' ');
}
