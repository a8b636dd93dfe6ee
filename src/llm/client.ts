// The chat-completions client that LLM user simulators and LLM agents call. One `complete` call is one
// logical request: it waits for a concurrency slot, sends POST {baseURL}/chat/completions, and retries
// transient failures (network, timeout, 408/429/5xx) with jittered exponential backoff. Every failure
// ends as an LlmError with a `kind`, so the episode loop can skip or zero-reward instead of crashing.
import { Rng } from '../core/rng.js';
import { parseConfig } from '../config/load.js';
import { LlmConfigSchema, resolveLlmConfig, type LlmConfig, type LlmConfigInput } from './config.js';
import { LlmError, LlmGaveUpError } from './errors.js';
import {
  MalformedReplyError,
  parseChatCompletion,
  serverErrorMessage,
  type ChatCompletion,
  type ChatMessage,
} from './response.js';
import { backoffDelayMs, defaultSleep, parseRetryAfterMs, RETRYABLE_STATUSES, type SleepFn } from './retry.js';
import { Semaphore } from './semaphore.js';

export interface CompleteOptions {
  /** Overrides the config's temperature for this call. */
  temperature?: number;
  /** Overrides the config's maxTokens for this call. */
  maxTokens?: number;
  /** Overrides the config's seed for this call. */
  seed?: number;
  stop?: string[];
  /** Cancels the call, whether queued, in flight or waiting to retry; rejects with kind `aborted`. */
  signal?: AbortSignal;
}

/** What simulators and agents depend on; tests can hand them a stub instead of a ChatClient. */
export interface ChatCompleter {
  complete(messages: readonly ChatMessage[], opts?: CompleteOptions): Promise<ChatCompletion>;
}

/** Seams for tests and for callers that want their own randomness or transport. */
export interface ChatClientDeps {
  /** Jitter source; defaults to a stream seeded from the config's seed. */
  rng?: Rng;
  /** Waits between attempts; tests inject one that records delays and returns at once. */
  sleep?: SleepFn;
  fetch?: typeof globalThis.fetch;
  /** Clock for Retry-After HTTP-dates. */
  now?: () => number;
}

export interface ChatClientStats {
  /** `complete` calls. */
  requests: number;
  /** HTTP attempts sent (first tries plus retries). */
  attempts: number;
  retries: number;
  succeeded: number;
  failed: number;
  /** Failed calls by final error kind. */
  failuresByKind: Record<LlmError['kind'], number>;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  inFlight: number;
  /** Highest number of HTTP attempts in flight at once. */
  maxInFlight: number;
}

/** `{baseURL}/chat/completions`; a baseURL that already names the endpoint is used as given. */
export function chatCompletionsUrl(baseURL: string): string {
  const trimmed = baseURL.replace(/\/+$/, '');
  return trimmed.endsWith('/chat/completions') ? trimmed : `${trimmed}/chat/completions`;
}

type AttemptResult =
  | { ok: true; completion: ChatCompletion }
  | { ok: false; error: LlmError; retryable: boolean; retryAfterMs?: number };

const HTTP_HINTS: Readonly<Record<number, string>> = {
  401: ' (check apiKey / CRS_GYM_LLM_API_KEY)',
  403: ' (check apiKey / CRS_GYM_LLM_API_KEY)',
  404: ' (check that baseURL ends in /v1 and that the model name is one the server serves)',
};

function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause: unknown = err.cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return typeof code === 'string' && !cause.message.includes(code) ? `${code} ${cause.message}` : cause.message;
  }
  return err.message;
}

function invalidMessages(messages: unknown): string | undefined {
  if (!Array.isArray(messages) || messages.length === 0) return 'messages must be a non-empty array';
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i];
    const ok =
      typeof m === 'object' &&
      m !== null &&
      typeof (m as { role?: unknown }).role === 'string' &&
      typeof (m as { content?: unknown }).content === 'string';
    if (!ok) return `messages[${i}] must be { role: string, content: string }`;
  }
  return undefined;
}

function emptyKindCounts(): Record<LlmError['kind'], number> {
  return { timeout: 0, http: 0, network: 0, malformed: 0, aborted: 0 };
}

export class ChatClient implements ChatCompleter {
  readonly config: LlmConfig;
  readonly url: string;
  /** Calls in a row that failed for good; a success resets it. */
  private failureStreak = 0;
  /** Set once `maxConsecutiveFailures` calls in a row failed: every later call rejects with it. */
  private gaveUp: LlmGaveUpError | undefined;
  private readonly rng: Rng;
  private readonly sleep: SleepFn;
  private readonly fetchFn: typeof globalThis.fetch;
  private readonly now: () => number;
  private readonly slots: Semaphore;
  private readonly counters: ChatClientStats = {
    requests: 0,
    attempts: 0,
    retries: 0,
    succeeded: 0,
    failed: 0,
    failuresByKind: emptyKindCounts(),
    promptTokens: 0,
    completionTokens: 0,
    totalTokens: 0,
    inFlight: 0,
    maxInFlight: 0,
  };

  /** Validates `config` (filling defaults); throws ConfigError naming the bad field. */
  constructor(config: LlmConfigInput, deps: ChatClientDeps = {}) {
    this.config = parseConfig(LlmConfigSchema, config, 'llm config');
    this.url = chatCompletionsUrl(this.config.baseURL);
    this.rng = deps.rng ?? new Rng(`llm-retry/${this.config.seed ?? 0}`);
    this.sleep = deps.sleep ?? defaultSleep;
    this.fetchFn = deps.fetch ?? globalThis.fetch;
    this.now = deps.now ?? Date.now;
    this.slots = new Semaphore(this.config.maxConcurrency);
  }

  /** A snapshot of the counters since construction. */
  stats(): ChatClientStats {
    return { ...this.counters, failuresByKind: { ...this.counters.failuresByKind } };
  }

  async complete(messages: readonly ChatMessage[], opts: CompleteOptions = {}): Promise<ChatCompletion> {
    // A caller bug, not a server failure: a TypeError, so it is not mistaken for a skippable LLM error.
    const problem = invalidMessages(messages);
    if (problem !== undefined) throw new TypeError(`ChatClient.complete: ${problem}`);
    if (this.gaveUp !== undefined) throw this.gaveUp;
    this.counters.requests++;
    const body = JSON.stringify({
      model: this.config.model,
      messages,
      temperature: opts.temperature ?? this.config.temperature,
      max_tokens: opts.maxTokens ?? this.config.maxTokens,
      ...((opts.seed ?? this.config.seed) !== undefined ? { seed: opts.seed ?? this.config.seed } : {}),
      ...(opts.stop !== undefined ? { stop: opts.stop } : {}),
      stream: false,
    });
    const { signal } = opts;
    let attempts = 0;
    for (let retry = 0; ; retry++) {
      if (signal?.aborted) throw this.fail(this.abortedError(attempts));
      let release: () => void;
      try {
        release = await this.slots.acquire(signal);
      } catch {
        throw this.fail(this.abortedError(attempts));
      }
      attempts++;
      let result: AttemptResult;
      try {
        result = await this.attempt(body, signal);
      } finally {
        release();
      }
      if (result.ok) {
        this.recordSuccess(result.completion);
        return result.completion;
      }
      if (!result.retryable || retry >= this.config.maxRetries) throw this.giveUpAfter(this.fail(result.error.withAttempts(attempts)));
      const delay =
        result.retryAfterMs !== undefined
          ? Math.min(result.retryAfterMs, this.config.retryMaxDelayMs)
          : backoffDelayMs(retry, this.config.retryBaseDelayMs, this.config.retryMaxDelayMs, this.rng);
      this.counters.retries++;
      try {
        await this.sleep(delay, signal);
      } catch (err) {
        if (signal?.aborted) throw this.fail(this.abortedError(attempts));
        throw err;
      }
    }
  }

  /** One HTTP round trip under the per-attempt timeout. Never throws. */
  private async attempt(body: string, signal: AbortSignal | undefined): Promise<AttemptResult> {
    this.counters.attempts++;
    this.counters.inFlight++;
    this.counters.maxInFlight = Math.max(this.counters.maxInFlight, this.counters.inFlight);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('timeout'));
    }, this.config.timeoutMs);
    const onAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.config.apiKey !== undefined) headers['authorization'] = `Bearer ${this.config.apiKey}`;
    try {
      let status: number;
      let statusText: string;
      let retryAfter: string | null;
      let text: string;
      try {
        const response = await this.fetchFn(this.url, { method: 'POST', headers, body, signal: controller.signal });
        status = response.status;
        statusText = response.statusText;
        retryAfter = response.headers.get('retry-after');
        // The timer keeps running while the body downloads: a server that stalls mid-body also times out.
        const reply = await readCapped(response, this.config.maxReplyBytes);
        if (reply === undefined) {
          controller.abort(new Error('reply too large'));
          const message = `LLM server ${this.url} sent a reply larger than ${this.config.maxReplyBytes} bytes (maxReplyBytes); cut it off`;
          return { ok: false, error: new LlmError('malformed', message, { url: this.url, attempts: 1, status }), retryable: false };
        }
        text = reply;
      } catch (err) {
        return this.transportFailure(err, signal, timedOut);
      }
      if (status < 200 || status >= 300) {
        const serverMessage = serverErrorMessage(text);
        const message =
          `LLM server ${this.url} answered HTTP ${status}${statusText ? ` ${statusText}` : ''}` +
          `${serverMessage ? `: ${serverMessage}` : ''}${HTTP_HINTS[status] ?? ''}`;
        const error = new LlmError('http', message, { url: this.url, attempts: 1, status, serverMessage });
        const retryAfterMs = parseRetryAfterMs(retryAfter, this.now());
        const retryable = RETRYABLE_STATUSES.has(status);
        return retryAfterMs === undefined ? { ok: false, error, retryable } : { ok: false, error, retryable, retryAfterMs };
      }
      try {
        return { ok: true, completion: parseChatCompletion(text) };
      } catch (err) {
        const reason = err instanceof MalformedReplyError ? err.message : String(err);
        const error = new LlmError('malformed', `LLM server ${this.url} sent an unusable reply: ${reason}`, {
          url: this.url,
          attempts: 1,
          cause: err,
        });
        return { ok: false, error, retryable: false };
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.counters.inFlight--;
    }
  }

  private transportFailure(err: unknown, signal: AbortSignal | undefined, timedOut: boolean): AttemptResult {
    if (signal?.aborted) return { ok: false, error: this.abortedError(1), retryable: false };
    if (timedOut) {
      const error = new LlmError('timeout', `LLM server ${this.url} did not answer within ${this.config.timeoutMs} ms`, {
        url: this.url,
        attempts: 1,
        cause: err,
      });
      return { ok: false, error, retryable: true };
    }
    const error = new LlmError('network', `cannot reach LLM server ${this.url}: ${describeNetworkError(err)}`, {
      url: this.url,
      attempts: 1,
      cause: err,
    });
    return { ok: false, error, retryable: true };
  }

  private abortedError(attempts: number): LlmError {
    return new LlmError('aborted', `request to LLM server ${this.url} was cancelled`, { url: this.url, attempts });
  }

  /** Counts a call that failed for good; at `maxConsecutiveFailures` in a row, gives up (the error to throw). */
  private giveUpAfter(error: LlmError): LlmError | LlmGaveUpError {
    this.failureStreak++;
    const limit = this.config.maxConsecutiveFailures;
    if (limit === 0 || this.failureStreak < limit || this.gaveUp !== undefined) return this.gaveUp ?? error;
    this.gaveUp = new LlmGaveUpError(
      `LLM server ${this.url} failed ${limit} calls in a row (last: ${error.kind}: ${error.message}); gave up ` +
        `(maxConsecutiveFailures ${limit}: --llm-max-failures or CRS_GYM_LLM_MAX_FAILURES; 0 never gives up)`,
      this.url,
      error,
    );
    return this.gaveUp;
  }

  /** Whether the client gave up on its server (see LlmGaveUpError). */
  get hasGivenUp(): boolean {
    return this.gaveUp !== undefined;
  }

  private recordSuccess(completion: ChatCompletion): void {
    this.failureStreak = 0;
    this.counters.succeeded++;
    if (completion.usage) {
      this.counters.promptTokens += completion.usage.promptTokens;
      this.counters.completionTokens += completion.usage.completionTokens;
      this.counters.totalTokens += completion.usage.totalTokens;
    }
  }

  private fail(error: LlmError): LlmError {
    this.counters.failed++;
    this.counters.failuresByKind[error.kind]++;
    return error;
  }
}

/**
 * The body as text, or undefined as soon as it passes `maxBytes` (said by Content-Length, or counted while it
 * streams), so a huge reply is never held whole.
 */
async function readCapped(response: Response, maxBytes: number): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) return undefined;
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Builds a client from a partial config, filling baseURL/model/apiKey from the environment. */
export function createChatClient(
  partial: Partial<LlmConfigInput> = {},
  deps: ChatClientDeps = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): ChatClient {
  return new ChatClient(resolveLlmConfig(partial, env), deps);
}
