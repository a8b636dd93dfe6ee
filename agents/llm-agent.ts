// The LLM recommender: sends the paper's recommender instruction (the observation's `prompt`, which holds
// Inst, D, F and the candidates) to an OpenAI-compatible chat server and returns the raw text; the env
// parses `<think>` and `RANK LIST: [...]`. A failed call (LlmError) never crashes the episode loop: the
// agent returns a text with the error noted and no list, which the env scores as a malformed answer.
import type { Rng } from '../src/core/rng.js';
import { isLlmError, type ChatCompleter, type ChatMessage, type LlmError } from '../src/llm/index.js';
import type { CrsObservation } from '../envs/types.js';
import type { Agent } from './types.js';

export const LLM_AGENT_SYSTEM_PROMPT =
  'You are a careful movie recommender. Follow the instruction exactly: reason inside <think> ... </think> in the five numbered steps, then give one line RANK LIST: [Title, ..., Title] with titles copied from the candidate list.';

export interface LlmAgentOptions {
  /** A ChatClient (or any ChatCompleter, e.g. a test stub). */
  client: ChatCompleter;
  /** Agent name in reports (default 'llm'). */
  name?: string;
  /** System message; null sends the prompt alone. */
  systemPrompt?: string | null;
  /** Per-call overrides of the client's config. */
  temperature?: number;
  maxTokens?: number;
  /** Send a seed drawn from the episode rng with each call (default true), so seeded servers replay. */
  seedFromRng?: boolean;
}

export interface LlmAgentStats {
  calls: number;
  failures: number;
  failuresByKind: Record<string, number>;
}

/** The action returned when the server failed: no reasoning steps, an empty list, the error noted. */
export function failedLlmAction(error: LlmError): string {
  const note = `LLM call failed (${error.kind}): ${error.message}`.replace(/\bstep(\s*\d)/gi, 'step #$1').replace(/[\]\[]/g, '');
  return `<think>${note}</think>\nRANK LIST: []`;
}

export class LlmAgent implements Agent {
  readonly name: string;
  private readonly client: ChatCompleter;
  private readonly systemPrompt: string | null;
  private readonly temperature: number | undefined;
  private readonly maxTokens: number | undefined;
  private readonly seedFromRng: boolean;
  private readonly counters: LlmAgentStats = { calls: 0, failures: 0, failuresByKind: {} };
  /** The last failure, for logs. */
  lastError: LlmError | undefined;

  constructor(opts: LlmAgentOptions) {
    this.client = opts.client;
    this.name = opts.name ?? 'llm';
    this.systemPrompt = opts.systemPrompt === undefined ? LLM_AGENT_SYSTEM_PROMPT : opts.systemPrompt;
    this.temperature = opts.temperature;
    this.maxTokens = opts.maxTokens;
    this.seedFromRng = opts.seedFromRng ?? true;
  }

  stats(): LlmAgentStats {
    return { ...this.counters, failuresByKind: { ...this.counters.failuresByKind } };
  }

  messages(observation: CrsObservation): ChatMessage[] {
    const user: ChatMessage = { role: 'user', content: observation.prompt };
    return this.systemPrompt ? [{ role: 'system', content: this.systemPrompt }, user] : [user];
  }

  async act(observation: CrsObservation, rng: Rng): Promise<string> {
    this.counters.calls++;
    const seed = this.seedFromRng ? rng.uint32() >>> 1 : undefined;
    try {
      const completion = await this.client.complete(this.messages(observation), {
        ...(this.temperature !== undefined ? { temperature: this.temperature } : {}),
        ...(this.maxTokens !== undefined ? { maxTokens: this.maxTokens } : {}),
        ...(seed !== undefined ? { seed } : {}),
      });
      return completion.text;
    } catch (err) {
      if (!isLlmError(err)) throw err;
      this.counters.failures++;
      this.counters.failuresByKind[err.kind] = (this.counters.failuresByKind[err.kind] ?? 0) + 1;
      this.lastError = err;
      return failedLlmAction(err);
    }
  }
}
