// When and how long to wait before retrying a chat request. Pure functions plus an abortable sleep, so
// the delays are testable without waiting and reproducible for a seed.
import type { Rng } from '../core/rng.js';

/** Statuses worth another attempt: rate limiting, request timeout and transient server trouble. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Exponential backoff with "equal jitter": d = min(max, base * 2^retry), then a uniform draw between
 * d/2 and d. Never below d/2, so clients that fail together do not all come back at once but still
 * back off. `retry` counts from 0.
 */
export function backoffDelayMs(retry: number, baseMs: number, maxMs: number, rng: Rng): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** retry);
  return Math.round(ceiling / 2 + rng.random() * (ceiling / 2));
}

/**
 * A Retry-After header as milliseconds: delay-seconds ("3", "1.5") or an HTTP-date. Undefined when
 * absent or unreadable; a date in the past gives 0. The caller caps the result.
 */
export function parseRetryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // Date.parse accepts oddities like "-3" (year -3); an HTTP-date always names a month.
  if (!/[A-Za-z]{3}/.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

export type SleepFn = (ms: number, signal?: AbortSignal) => Promise<void>;

/** setTimeout as a promise that rejects with the signal's reason as soon as the signal fires. */
export const defaultSleep: SleepFn = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
