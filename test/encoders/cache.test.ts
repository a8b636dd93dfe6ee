import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CachedEncoder, crc32, EmbeddingCache } from '../../src/encoders/embedding-cache.js';
import { HashingEncoder } from '../../src/encoders/hash-encoder.js';
import type { TextEncoder } from '../../src/encoders/text-encoder.js';

/** Wraps an encoder and records every batch it is asked for. */
class CountingEncoder implements TextEncoder {
  readonly calls: string[][] = [];
  constructor(
    private readonly inner: TextEncoder,
    readonly id = inner.id,
  ) {}
  get dim(): number {
    return this.inner.dim;
  }
  encode(texts: string[]): Promise<Float32Array[]> {
    this.calls.push([...texts]);
    return this.inner.encode(texts);
  }
  get encoded(): number {
    return this.calls.reduce((n, c) => n + c.length, 0);
  }
}

const DIM = 16;
const texts = ['a scary movie', 'a funny movie', 'something romantic', 'ghosts', 'more ghosts', 'the end'];

describe('EmbeddingCache + CachedEncoder', () => {
  let dir: string;
  let warnings: string[];
  const newCache = (verify?: boolean): EmbeddingCache => new EmbeddingCache({ dir, warn: (m) => warnings.push(m), ...(verify !== undefined ? { verify } : {}) });
  const cacheFile = (): string => join(dir, readdirSync(dir).find((f) => f.endsWith('.f32'))!);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crs-gym-cache-'));
    warnings = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('encodes only distinct misses, counts hits, and returns private copies', async () => {
    const inner = new CountingEncoder(new HashingEncoder({ dim: DIM }));
    const enc = new CachedEncoder(inner, newCache(), { batchSize: 2 });
    expect(enc.id).toBe('hash-16');
    const first = await enc.encode(['x', 'y', 'x', 'z']);
    expect(inner.calls).toEqual([['x', 'y'], ['z']]);
    expect(enc.stats()).toEqual({ hits: 0, misses: 3, size: 3 });
    const second = await enc.encode(['x', 'w']);
    expect(inner.calls.at(-1)).toEqual(['w']);
    expect(enc.stats()).toMatchObject({ hits: 1, misses: 4 });
    expect(Array.from(second[0]!)).toEqual(Array.from(first[0]!));
    expect(Array.from(first[2]!)).toEqual(Array.from(first[0]!));
    second[0]!.fill(0); // must not reach the cache
    const third = await enc.encode(['x']);
    expect(Array.from(third[0]!)).toEqual(Array.from(new HashingEncoder({ dim: DIM }).encodeSync('x')));
  });

  it('persists across instances, appending new entries on each flush', async () => {
    const a = new CachedEncoder(new HashingEncoder({ dim: DIM }), newCache());
    const vectors = await a.encode(texts.slice(0, 4));
    await a.flush();
    const recordBytes = 20 + 4 * DIM + 4;
    const sizeAfter4 = statSync(cacheFile()).size;
    await a.encode(texts);
    await a.flush();
    expect(statSync(cacheFile()).size - sizeAfter4).toBe(2 * recordBytes);

    const inner = new CountingEncoder(new HashingEncoder({ dim: DIM }));
    const b = new CachedEncoder(inner, newCache());
    const again = await b.encode(texts);
    expect(inner.encoded).toBe(0);
    expect(b.stats()).toMatchObject({ hits: texts.length, misses: 0 });
    vectors.forEach((v, i) => expect(Array.from(again[i]!)).toEqual(Array.from(v)));
    expect(warnings).toEqual([]);
  });

  it('keeps encoders apart by id and rejects a dim mismatch for the same id', async () => {
    const cache = newCache();
    const h16 = new CachedEncoder(new HashingEncoder({ dim: DIM }), cache);
    const h8 = new CachedEncoder(new HashingEncoder({ dim: 8 }), cache);
    const [v16] = await h16.encode(['same text']);
    const [v8] = await h8.encode(['same text']);
    expect(v16).toHaveLength(DIM);
    expect(v8).toHaveLength(8);
    await cache.flush();
    expect(readdirSync(dir).filter((f) => f.endsWith('.f32'))).toHaveLength(2);
    const liar = new CountingEncoder(new HashingEncoder({ dim: 8 }), 'hash-16');
    await expect(new CachedEncoder(liar, cache).encode(['t'])).rejects.toThrow(/dim 8, but earlier with dim 16/);
  });

  it('detects a corrupt record, warns, re-encodes only that text, and rewrites the file', async () => {
    const a = new CachedEncoder(new HashingEncoder({ dim: DIM }), newCache());
    const original = await a.encode(texts);
    await a.flush();
    const file = cacheFile();
    const bytes = readFileSync(file);
    const headerBytes = bytes.length - texts.length * (20 + 4 * DIM + 4);
    const at = headerBytes + 2 * (20 + 4 * DIM + 4) + 30; // inside record 2's floats
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(file, bytes);

    const inner = new CountingEncoder(new HashingEncoder({ dim: DIM }));
    const b = new CachedEncoder(inner, newCache());
    const out = await b.encode(texts);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/1 corrupt record/);
    expect(inner.calls).toEqual([[texts[2]]]);
    out.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(original[i]!)));
    await b.flush();

    warnings = [];
    const c = new CountingEncoder(new HashingEncoder({ dim: DIM }));
    await new CachedEncoder(c, newCache()).encode(texts);
    expect(warnings).toEqual([]);
    expect(c.encoded).toBe(0);
  });

  it('without the check at load (worker threads), checks a loaded record when it is first asked for; a rewrite drops corrupt records nobody asked for', async () => {
    const a = new CachedEncoder(new HashingEncoder({ dim: DIM }), newCache());
    await a.encode(texts);
    await a.flush();
    const file = cacheFile();
    const bytes = readFileSync(file);
    const recordBytes = 20 + 4 * DIM + 4;
    const headerBytes = bytes.length - texts.length * recordBytes;
    const at = headerBytes + 3 * recordBytes + 25; // inside record 3's floats
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(file, bytes.subarray(0, bytes.length - 7)); // and a torn last record

    const b = new CachedEncoder(new HashingEncoder({ dim: DIM }), newCache(false));
    await b.encode([texts[0]!]);
    // Loading saw the torn tail, not the corrupt record: nothing asked for it yet.
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/truncated tail/);
    await b.flush(); // rewrites the file: every record is checked on the way
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatch(/1 corrupt record/);
    expect(statSync(file).size).toBe(headerBytes + 4 * recordBytes);

    warnings = [];
    const inner = new CountingEncoder(new HashingEncoder({ dim: DIM }));
    await new CachedEncoder(inner, newCache()).encode(texts);
    expect(warnings).toEqual([]);
    expect(inner.calls).toEqual([[texts[3], texts[5]]]);
  });

  it('reads loaded records from the file it indexed, even after another process renamed a new file over it', async () => {
    const a = new CachedEncoder(new HashingEncoder({ dim: DIM }), newCache());
    const original = await a.encode(texts);
    await a.flush();
    const inner = new CountingEncoder(new HashingEncoder({ dim: DIM }));
    const b = new CachedEncoder(inner, newCache());
    await b.encode([texts[0]!]); // loads the index; reads one record

    // Another process rewrites the cache: same texts, another order, renamed over the file.
    const otherDir = mkdtempSync(join(tmpdir(), 'crs-gym-cache-other-'));
    const other = new CachedEncoder(new HashingEncoder({ dim: DIM }), new EmbeddingCache({ dir: otherDir }));
    await other.encode([...texts].reverse());
    await other.flush();
    const file = cacheFile();
    renameSync(join(otherDir, readdirSync(otherDir).find((f) => f.endsWith('.f32'))!), file);
    rmSync(otherDir, { recursive: true, force: true });

    const out = await b.encode(texts);
    expect(inner.encoded).toBe(0);
    out.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(original[i]!)));
    expect(warnings).toEqual([]);
  });

  it('starts empty with a warning when the cache file cannot be read (here: a folder in its place)', async () => {
    const a = new CachedEncoder(new HashingEncoder({ dim: DIM }), newCache());
    const original = await a.encode(texts);
    await a.flush();
    const file = cacheFile();
    rmSync(file);
    mkdirSync(file);
    const inner = new CountingEncoder(new HashingEncoder({ dim: DIM }));
    const out = await new CachedEncoder(inner, newCache()).encode(texts);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/unreadable .*starting empty/);
    expect(inner.encoded).toBe(texts.length);
    out.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(original[i]!)));
  });

  it('survives a torn append (truncated tail) and a garbage file', async () => {
    const a = new CachedEncoder(new HashingEncoder({ dim: DIM }), newCache());
    await a.encode(texts);
    await a.flush();
    const file = cacheFile();
    const fullSize = statSync(file).size;
    truncateSync(file, fullSize - 10);
    const inner = new CountingEncoder(new HashingEncoder({ dim: DIM }));
    const b = new CachedEncoder(inner, newCache());
    await b.encode(texts);
    expect(warnings[0]).toMatch(/truncated tail of \d+ bytes/);
    expect(inner.calls).toEqual([[texts[5]]]);
    await b.flush();
    expect(statSync(file).size).toBe(fullSize);

    writeFileSync(file, Buffer.from('this is not a cache file at all'));
    warnings = [];
    const c = new CountingEncoder(new HashingEncoder({ dim: DIM }));
    const cached = new CachedEncoder(c, newCache());
    const out = await cached.encode(texts);
    expect(warnings[0]).toMatch(/header does not match/);
    expect(c.encoded).toBe(texts.length);
    expect(out.every((v) => v.length === DIM)).toBe(true);
    await cached.flush();
    warnings = [];
    const d = new CountingEncoder(new HashingEncoder({ dim: DIM }));
    await new CachedEncoder(d, newCache()).encode(texts);
    expect(d.encoded).toBe(0);
    expect(warnings).toEqual([]);
  });

  it('refuses to cache a bad vector from the wrapped encoder', async () => {
    const nan: TextEncoder = { id: 'nan', dim: 4, encode: (t) => Promise.resolve(t.map(() => new Float32Array(4).fill(NaN))) };
    const enc = new CachedEncoder(nan, newCache());
    await expect(enc.encode(['boom'])).rejects.toThrow(/encoder 'nan' returned a bad vector .*"boom"/);
    expect(enc.stats().size).toBe(0);
  });

  it('auto-flushes once enough entries wait, and tolerates concurrent flushes', async () => {
    const enc = new CachedEncoder(new HashingEncoder({ dim: DIM }), newCache(), { autoFlushEvery: 3 });
    await enc.encode(texts.slice(0, 2));
    expect(readdirSync(dir).filter((f) => f.endsWith('.f32'))).toHaveLength(0);
    await enc.encode(texts.slice(2, 4));
    expect(readdirSync(dir).filter((f) => f.endsWith('.f32'))).toHaveLength(1);
    await enc.encode(texts.slice(4));
    await Promise.all([enc.flush(), enc.flush(), enc.flush()]);
    const inner = new CountingEncoder(new HashingEncoder({ dim: DIM }));
    await new CachedEncoder(inner, newCache()).encode(texts);
    expect(inner.encoded).toBe(0);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('keeps up to `concurrency` batches of misses in flight, with the same batches and vectors as one at a time', async () => {
    const many = Array.from({ length: 11 }, (_, i) => `text number ${i}`);
    let inFlight = 0;
    let peak = 0;
    const calls: string[][] = [];
    const hash = new HashingEncoder({ dim: DIM });
    const slow: TextEncoder = {
      id: 'slow',
      dim: DIM,
      encode: async (t) => {
        calls.push([...t]);
        peak = Math.max(peak, ++inFlight);
        await new Promise((r) => setTimeout(r, 10 * (4 - t.length)));
        inFlight--;
        return hash.encode(t);
      },
    };
    const out = await new CachedEncoder(slow, newCache(), { batchSize: 3, concurrency: 2 }).encode([...many, many[0]!]);
    expect(peak).toBe(2);
    expect(calls.map((c) => c.join('|')).sort()).toEqual([0, 3, 6, 9].map((f) => many.slice(f, f + 3).join('|')).sort());
    expect(out.map((v) => Array.from(v))).toEqual((await hash.encode([...many, many[0]!])).map((v) => Array.from(v)));
    expect(() => new CachedEncoder(slow, newCache(), { concurrency: 0 })).toThrow(/concurrency must be a positive integer/);
  });

  it('stops sending batches after one fails, and caches nothing of the failed batch', async () => {
    let calls = 0;
    const failing: TextEncoder = {
      id: 'failing',
      dim: DIM,
      encode: async (t) => {
        calls++;
        if (t.includes('bad')) throw new Error('model broke');
        return new HashingEncoder({ dim: DIM }).encode(t);
      },
    };
    const enc = new CachedEncoder(failing, newCache(), { batchSize: 2, concurrency: 2 });
    await expect(enc.encode(['bad', 'x', 'a', 'b', 'c', 'd', 'e', 'f'])).rejects.toThrow(/model broke/);
    expect(calls).toBeLessThanOrEqual(3); // The lane running beside the failure may finish its batch, then stops.
    expect(enc.stats().size).toBeLessThanOrEqual(4);
    await expect(enc.encode(['x'])).resolves.toHaveLength(1);
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
});
