import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HashingEncoder } from '../../src/encoders/hash-encoder.js';
import { cosine, encodeOne, l2NormalizeInPlace } from '../../src/encoders/text-encoder.js';

const norm = (v: Float32Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('cosine and l2NormalizeInPlace', () => {
  it('computes cosine, 0 for a zero vector, and rejects length mismatch', () => {
    expect(cosine(Float32Array.of(1, 0), Float32Array.of(1, 1))).toBeCloseTo(Math.SQRT1_2, 6);
    expect(cosine(Float32Array.of(0, 0), Float32Array.of(1, 1))).toBe(0);
    expect(() => cosine(Float32Array.of(1), Float32Array.of(1, 2))).toThrow(/differ in length/);
    expect(Array.from(l2NormalizeInPlace(Float32Array.of(3, 4)))).toEqual([0.6000000238418579, 0.800000011920929]);
  });
});

describe('HashingEncoder', () => {
  const enc = new HashingEncoder();

  it('is named hash-<dim> and gives unit vectors of that size', async () => {
    expect(enc.id).toBe('hash-256');
    expect(new HashingEncoder({ dim: 64 }).id).toBe('hash-64');
    expect(new HashingEncoder({ dim: 64, bigrams: false, salt: 's1' }).id).toBe('hash-64-unigrams-s1');
    const [v] = await enc.encode(['A scary horror movie']);
    expect(v).toHaveLength(256);
    expect(norm(v!)).toBeCloseTo(1, 6);
  });

  it('is stable across machines and releases (golden value: changing it invalidates caches and datasets)', () => {
    const v = new HashingEncoder({ dim: 16 }).encodeSync('Hello, World');
    const nonzero = Array.from(v)
      .map((x, i) => [i, Math.round(x * 1e4) / 1e4] as const)
      .filter(([, x]) => x !== 0);
    expect(nonzero).toEqual([
      [9, 0.5774],
      [12, -0.5774],
      [14, -0.5774],
    ]);
  });

  it('ignores case and punctuation, and scores shared words above unrelated text', async () => {
    const [a, b, c, d] = await enc.encode(['A scary horror movie', 'a SCARY horror... movie!', 'a scary ghost film', 'romantic comedy tonight']);
    expect(cosine(a!, b!)).toBeCloseTo(1, 6);
    expect(cosine(a!, c!)).toBeGreaterThan(cosine(a!, d!) + 0.2);
  });

  it('uses bigrams for word order unless turned off; salt changes the hashing', async () => {
    const uni = new HashingEncoder({ bigrams: false });
    expect(cosine(await encodeOne(enc, 'not good'), await encodeOne(enc, 'good not'))).toBeLessThan(0.9);
    expect(cosine(await encodeOne(uni, 'not good'), await encodeOne(uni, 'good not'))).toBeCloseTo(1, 6);
    const salted = new HashingEncoder({ salt: 'other' });
    expect(Array.from(salted.encodeSync('not good'))).not.toEqual(Array.from(enc.encodeSync('not good')));
  });

  it('gives every text, even empty, a deterministic unit vector', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const v = enc.encodeSync(text);
        expect(norm(v)).toBeCloseTo(1, 5);
        expect(Array.from(new HashingEncoder().encodeSync(text))).toEqual(Array.from(v));
      }),
    );
    expect(cosine(enc.encodeSync(''), enc.encodeSync(' ?! '))).toBeCloseTo(1, 6);
  });

  it('rejects a bad dim', () => {
    expect(() => new HashingEncoder({ dim: 0 })).toThrow(/dim must be a positive integer/);
  });
});
