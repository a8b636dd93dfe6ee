// Reading what an OpenAI-compatible server sends back: the completion on success, the server's own
// error message on failure. Servers differ in details (vLLM, llama.cpp, Ollama), so only the fields
// every one of them sends are required.
import { escapeControlChars } from '../core/errors.js';

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface ChatCompletion {
  /** The assistant message's text, never empty. */
  text: string;
  /** `stop`, `length`, ... or null when the server did not say. */
  finishReason: string | null;
  usage?: ChatUsage;
  /** The parsed JSON body as the server sent it. */
  raw: unknown;
}

/** Why a 2xx body could not be used; the client wraps it into an LlmError of kind `malformed`. */
export class MalformedReplyError extends Error {
  override name = 'MalformedReplyError';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const SNIPPET_CHARS = 300;

/** The first few hundred characters of a body, on one line, control characters escaped, for error messages. */
export function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return escapeControlChars(flat.length > SNIPPET_CHARS ? `${flat.slice(0, SNIPPET_CHARS)}...` : flat, true);
}

/** Control characters but tab and newline (NUL, escape sequences, C1): a server's reply never carries them on. */
const REPLY_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

function readUsage(value: unknown): ChatUsage | undefined {
  if (!isRecord(value)) return undefined;
  const prompt = value['prompt_tokens'];
  const completion = value['completion_tokens'];
  if (typeof prompt !== 'number' || typeof completion !== 'number') return undefined;
  const total = value['total_tokens'];
  return {
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: typeof total === 'number' ? total : prompt + completion,
  };
}

/** Parses a successful body; throws MalformedReplyError saying what was wrong. */
export function parseChatCompletion(body: string): ChatCompletion {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new MalformedReplyError(`reply is not JSON: ${snippet(body) || '(empty body)'}`);
  }
  if (!isRecord(raw)) throw new MalformedReplyError(`reply is not a JSON object: ${snippet(body)}`);
  const choices = raw['choices'];
  if (!Array.isArray(choices) || choices.length === 0) {
    throw new MalformedReplyError(`reply has no choices[0]: ${snippet(body)}`);
  }
  const choice: unknown = choices[0];
  const message = isRecord(choice) ? choice['message'] : undefined;
  const content = isRecord(message) ? message['content'] : undefined;
  const finish = isRecord(choice) ? choice['finish_reason'] : undefined;
  const finishReason = typeof finish === 'string' ? finish : null;
  if (typeof content !== 'string') {
    throw new MalformedReplyError(`reply has no choices[0].message.content string: ${snippet(body)}`);
  }
  if (content.trim() === '') {
    const hint = finishReason === 'length' ? ' (finish_reason "length": maxTokens may be too small)' : '';
    throw new MalformedReplyError(`reply content is empty${hint}`);
  }
  const usage = readUsage(raw['usage']);
  const text = content.replace(REPLY_CONTROLS, '');
  return usage === undefined ? { text, finishReason, raw } : { text, finishReason, usage, raw };
}

/**
 * The message in an error body: OpenAI/vLLM/llama.cpp send `{"error":{"message":...}}`, Ollama and
 * some proxies `{"error":"..."}`, FastAPI `{"detail":...}`; anything else is shown as a snippet.
 */
export function serverErrorMessage(body: string): string | undefined {
  if (body.trim() === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (isRecord(parsed)) {
      const error = parsed['error'];
      if (typeof error === 'string') return snippet(error);
      if (isRecord(error) && typeof error['message'] === 'string') return snippet(error['message']);
      if (typeof parsed['message'] === 'string') return snippet(parsed['message']);
      if (parsed['detail'] !== undefined) return snippet(JSON.stringify(parsed['detail']));
    }
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return snippet(body);
}
