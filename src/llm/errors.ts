// The one error type the chat client rejects with, so an episode loop can decide by `kind` whether to
// skip the episode, give it zero reward or stop the run, without parsing messages; and the error of a client
// that gave up on its server.
import { OneLineError } from '../core/errors.js';

/**
 * - `timeout`: an attempt took longer than timeoutMs (retried).
 * - `http`: the server answered with an error status (429 and 5xx retried; 4xx not).
 * - `network`: no HTTP answer at all, e.g. connection refused or reset (retried).
 * - `malformed`: a 2xx answer without usable text (not retried).
 * - `aborted`: the caller's AbortSignal fired (never retried).
 */
export type LlmErrorKind = 'timeout' | 'http' | 'network' | 'malformed' | 'aborted';

export interface LlmErrorDetails {
  url: string;
  /** HTTP attempts made before giving up (0 when cancelled before the first one). */
  attempts: number;
  /** HTTP status, for `http` errors. */
  status?: number;
  /** The server's own error message, when it sent one. */
  serverMessage?: string;
  cause?: unknown;
}

export class LlmError extends Error {
  override name = 'LlmError';
  readonly kind: LlmErrorKind;
  readonly url: string;
  readonly attempts: number;
  readonly status: number | undefined;
  readonly serverMessage: string | undefined;

  constructor(kind: LlmErrorKind, message: string, details: LlmErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.url = details.url;
    this.attempts = details.attempts;
    this.status = details.status;
    this.serverMessage = details.serverMessage;
  }

  /** The same error with the final attempt count and a note of it in the message. */
  withAttempts(attempts: number): LlmError {
    const suffix = attempts > 1 ? ` (after ${attempts} attempts)` : '';
    const error = new LlmError(this.kind, `${this.message}${suffix}`, {
      url: this.url,
      attempts,
      status: this.status,
      serverMessage: this.serverMessage,
      cause: this.cause,
    });
    return error;
  }
}

export function isLlmError(value: unknown): value is LlmError {
  return value instanceof LlmError;
}

/**
 * The client gave up: `maxConsecutiveFailures` calls in a row failed for good, so the server is taken to be down
 * and every later call rejects at once. Deliberately not an LlmError: agents and simulators skip an LlmError and go
 * on, but this one must stop the run (whose finished part the caller writes).
 */
export class LlmGaveUpError extends OneLineError {
  override name = 'LlmGaveUpError';
  constructor(
    message: string,
    readonly url: string,
    readonly lastError: LlmError,
  ) {
    super(message);
  }
}
