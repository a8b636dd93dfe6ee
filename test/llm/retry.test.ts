import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { backoffDelayMs, defaultSleep, parseRetryAfterMs } from '../../src/llm/index.js';
import { Semaphore } from '../../src/llm/semaphore.js';

describe('backoffDelayMs', () => {
  const series = (seed: string): number[] => {
    const rng = new Rng(seed);
    return [0, 1, 2, 3, 4, 5].map((retry) => backoffDelayMs(retry, 500, 8000, rng));
  };

  it('is the same for the same seed and differs for another', () => {
    expect(series('a')).toEqual(series('a'));
    expect(series('a')).not.toEqual(series('b'));
  });

  it('doubles and caps: retry n lies in [d/2, d] with d = min(8000, 500 * 2^n)', () => {
    for (const seed of ['a', 'b', 'c', 'd']) {
      series(seed).forEach((ms, n) => {
        const d = Math.min(8000, 500 * 2 ** n);
        expect(ms).toBeGreaterThanOrEqual(d / 2);
        expect(ms).toBeLessThanOrEqual(d);
      });
    }
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2024-01-01T00:00:00Z');
  it('reads seconds and HTTP-dates', () => {
    expect(parseRetryAfterMs('3', now)).toBe(3000);
    expect(parseRetryAfterMs('0.5', now)).toBe(500);
    expect(parseRetryAfterMs('Mon, 01 Jan 2024 00:00:04 GMT', now)).toBe(4000);
    expect(parseRetryAfterMs('Sun, 31 Dec 2023 23:00:00 GMT', now)).toBe(0);
  });
  it('ignores absent or unreadable headers', () => {
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
    expect(parseRetryAfterMs('', now)).toBeUndefined();
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs('-3', now)).toBeUndefined();
  });
});

describe('defaultSleep', () => {
  it('rejects with the abort reason when the signal fires', async () => {
    const controller = new AbortController();
    const pending = defaultSleep(10_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });
});

describe('Semaphore', () => {
  it('grants up to the limit, queues the rest in order, and ignores double release', async () => {
    const sem = new Semaphore(2);
    const r1 = await sem.acquire();
    const r2 = await sem.acquire();
    const order: number[] = [];
    const p3 = sem.acquire().then((r) => (order.push(3), r));
    const p4 = sem.acquire().then((r) => (order.push(4), r));
    expect(sem.inUse).toBe(2);
    expect(sem.waiting).toBe(2);
    r1();
    r1();
    const r3 = await p3;
    expect(sem.waiting).toBe(1);
    r2();
    const r4 = await p4;
    expect(order).toEqual([3, 4]);
    r3();
    r4();
    expect(sem.inUse).toBe(0);
  });
});
