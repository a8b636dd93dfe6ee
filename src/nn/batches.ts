// Seeded mini-batches: each epoch a fresh permutation drawn from the caller's Rng.
import type { Rng } from '../core/rng.js';

/** A random permutation of 0..n-1 (Fisher-Yates over the Rng). */
export function permutation(n: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

export interface MiniBatchOptions {
  /** Drop a last batch smaller than batchSize (keeps shapes constant). Default false. */
  dropLast?: boolean;
  /** Keep 0..n-1 in order (evaluation). Default true. */
  shuffle?: boolean;
}

/** Index batches covering 0..n-1 once, shuffled by `rng`. Views into one permutation array. */
export function* miniBatches(n: number, batchSize: number, rng: Rng, options: MiniBatchOptions = {}): Generator<Int32Array> {
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new RangeError(`miniBatches: batchSize must be a positive integer, got ${batchSize}`);
  if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`miniBatches: n must be a non-negative integer, got ${n}`);
  const order = options.shuffle === false ? Int32Array.from({ length: n }, (_, i) => i) : permutation(n, rng);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    if (options.dropLast && end - start < batchSize) return;
    yield order.subarray(start, end);
  }
}

/** The number of batches miniBatches yields. */
export function batchCount(n: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}
