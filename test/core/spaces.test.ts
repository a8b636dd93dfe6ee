import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deepEqual } from '../../src/core/deep-equal.js';
import { Rng } from '../../src/core/rng.js';
import {
  Box,
  Dict,
  Discrete,
  MultiDiscrete,
  Sequence,
  SpaceError,
  Text,
  Tuple,
  spaceFromJSON,
} from '../../src/core/spaces.js';
import type { Space } from '../../src/core/spaces.js';

// Random spaces, nested up to depth 3, for the property tests.
const leafSpace: fc.Arbitrary<Space<unknown>> = fc.oneof(
  fc.record({ n: fc.integer({ min: 1, max: 50 }), start: fc.integer({ min: -20, max: 20 }) }).map(({ n, start }) => new Discrete(n, start)),
  fc
    .record({
      lo: fc.double({ min: -100, max: 100, noNaN: true }),
      width: fc.double({ min: 0, max: 100, noNaN: true }),
      shape: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
      openLow: fc.boolean(),
      openHigh: fc.boolean(),
    })
    .map(({ lo, width, shape, openLow, openHigh }) => new Box(openLow ? -Infinity : lo, openHigh ? Infinity : lo + width, shape)),
  fc
    .record({ nvec: fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 4 }), shift: fc.integer({ min: -5, max: 5 }) })
    .map(({ nvec, shift }) => new MultiDiscrete(nvec, nvec.map(() => shift))),
  fc
    .record({ min: fc.integer({ min: 0, max: 5 }), extra: fc.integer({ min: 0, max: 10 }), charset: fc.constantFrom('ab', 'xyz01', 'é✓🙂', null) })
    .map(({ min, extra, charset }) => new Text(min + extra, { minLength: min, charset })),
);

const anySpace: fc.Arbitrary<Space<unknown>> = fc.letrec<{ space: Space<unknown> }>((tie) => ({
  space: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafSpace,
    fc.tuple(tie('space'), fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined })).map(([s, max]) => new Sequence(s, max)),
    fc.dictionary(fc.constantFrom('a', 'b', 'hint', 'zeta'), tie('space'), { maxKeys: 3 }).map((d) => new Dict(d)),
    fc.array(tie('space'), { maxLength: 3 }).map((arr) => new Tuple(arr)),
  ),
})).space;

describe('spaces: properties', () => {
  it('sample() is contained', () => {
    fc.assert(
      fc.property(anySpace, fc.integer({ min: 0, max: 2 ** 31 }), (space, seed) => {
        const rng = new Rng(seed);
        for (let i = 0; i < 5; i++) expect(space.contains(space.sample(rng))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('sample() repeats under the same seed', () => {
    fc.assert(
      fc.property(anySpace, fc.integer({ min: 0, max: 2 ** 31 }), (space, seed) => {
        const a = [space.sample(new Rng(seed)), space.sample(new Rng(seed))];
        expect(deepEqual(a[0], a[1])).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('toJSON -> spaceFromJSON rebuilds a space with the same samples and JSON', () => {
    fc.assert(
      fc.property(anySpace, fc.integer({ min: 0, max: 1000 }), (space, seed) => {
        const json = JSON.parse(JSON.stringify(space.toJSON())) as unknown;
        const rebuilt = spaceFromJSON(json);
        expect(rebuilt.toJSON()).toEqual(space.toJSON());
        const v = space.sample(new Rng(seed));
        expect(deepEqual(rebuilt.sample(new Rng(seed)), v)).toBe(true);
        expect(rebuilt.contains(v)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('contains() never throws on arbitrary junk, and rejects things of the wrong kind', () => {
    fc.assert(
      fc.property(anySpace, fc.anything({ withTypedArray: true, withMap: true, withSet: true }), (space, junk) => {
        expect(() => space.contains(junk)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });

  it('Discrete rejects every integer outside [start, start + n)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: -10, max: 10 }), fc.integer({ min: -100, max: 100 }), (n, start, x) => {
        const space = new Discrete(n, start);
        expect(space.contains(x)).toBe(x >= start && x < start + n);
      }),
    );
  });
});

describe('Discrete', () => {
  const d = new Discrete(3, 1);
  it('accepts start..start+n-1 only, as integers', () => {
    expect([1, 2, 3].every((v) => d.contains(v))).toBe(true);
    for (const bad of [0, 4, 1.5, NaN, Infinity, '1', null, undefined, [1], true]) expect(d.contains(bad)).toBe(false);
  });
  it('covers every value when sampled', () => {
    const rng = new Rng(0);
    const seen = new Set(Array.from({ length: 200 }, () => d.sample(rng)));
    expect([...seen].sort()).toEqual([1, 2, 3]);
  });
  it('rejects bad parameters', () => {
    expect(() => new Discrete(0)).toThrow(SpaceError);
    expect(() => new Discrete(2.5)).toThrow(/n must be an integer >= 1, got 2.5/);
    expect(() => new Discrete(3, NaN)).toThrow(SpaceError);
  });
});

describe('Box', () => {
  const box = new Box([0, -1, -Infinity], [1, 1, Infinity]);
  it('infers the shape and takes Float32Array values only', () => {
    expect(box.shape).toEqual([3]);
    expect(box.contains(new Float32Array([0.5, 0, 1e9]))).toBe(true);
    expect(box.contains([0.5, 0, 1])).toBe(false); // number[] is not the representation
    expect(box.contains(new Float64Array([0.5, 0, 1]))).toBe(false);
    expect(box.contains(box.fromArray([0.5, 0, 1]))).toBe(true);
  });
  it('rejects NaN, out-of-range and wrong length', () => {
    expect(box.contains(new Float32Array([NaN, 0, 0]))).toBe(false);
    expect(box.contains(new Float32Array([1.01, 0, 0]))).toBe(false);
    expect(box.contains(new Float32Array([0, -2, 0]))).toBe(false);
    expect(box.contains(new Float32Array([0, 0]))).toBe(false);
  });
  it('includes both bounds, compared in float32', () => {
    const b = new Box(0.1, 0.3, [2]);
    expect(b.contains(new Float32Array([0.1, 0.3]))).toBe(true);
    expect(b.low[0]).toBe(Math.fround(0.1));
  });
  it('broadcasts scalar bounds over a multi-dimensional shape, row-major and flat', () => {
    const b = new Box(-1, 1, [2, 3]);
    expect(b.size).toBe(6);
    const v = b.sample(new Rng(5));
    expect(v).toBeInstanceOf(Float32Array);
    expect(v.length).toBe(6);
  });
  it('writes infinite bounds as strings in JSON', () => {
    expect(box.toJSON()).toEqual({ type: 'Box', shape: [3], low: [0, -1, '-Infinity'], high: [1, 1, 'Infinity'] });
    expect(new Box(-1, 1, [768]).toJSON()).toEqual({ type: 'Box', shape: [768], low: -1, high: 1 });
  });
  it('rejects empty or NaN bounds and mismatched lengths', () => {
    expect(() => new Box(1, 0)).toThrow(/empty/);
    expect(() => new Box(NaN, 1)).toThrow(/NaN/);
    expect(() => new Box([0, 0], [1, 1, 1])).toThrow(/has 3 values/);
    expect(() => new Box(0, 1, [2, -1])).toThrow(/shape\[1\]/);
  });
});

describe('MultiDiscrete', () => {
  const md = new MultiDiscrete([2, 3], [0, 10]);
  it('checks length, integrality and each range', () => {
    expect(md.contains([1, 12])).toBe(true);
    for (const bad of [[2, 10], [0, 13], [0, 9], [0], [0, 10, 0], [0.5, 10], [NaN, 10], new Int32Array([0, 10]), '0,10']) {
      expect(md.contains(bad)).toBe(false);
    }
  });
});

describe('Text', () => {
  it('counts code points and enforces the charset', () => {
    const t = new Text(3, { minLength: 2, charset: 'a🙂' });
    expect(t.contains('a🙂🙂')).toBe(true); // 3 code points, 5 UTF-16 units
    expect(t.contains('a')).toBe(false);
    expect(t.contains('aaaa')).toBe(false);
    expect(t.contains('ab')).toBe(false);
    expect(t.contains(12)).toBe(false);
  });
  it('with charset null allows any character and samples printable ASCII', () => {
    const t = new Text(50, { minLength: 0, charset: null });
    expect(t.contains('Ünïcødé ✓ "quotes"\n')).toBe(true);
    const s = t.sample(new Rng(2));
    expect(/^[\x20-\x7e]*$/.test(s)).toBe(true);
  });
  it('defaults to alphanumeric with minLength 1', () => {
    const t = new Text(5);
    expect(t.contains('')).toBe(false);
    expect(t.contains('ab-c')).toBe(false);
    expect(t.contains('Ab3')).toBe(true);
  });
  it('rejects minLength > maxLength', () => {
    expect(() => new Text(2, { minLength: 3 })).toThrow(/minLength 3 is greater than maxLength 2/);
  });
});

describe('Sequence, Dict, Tuple', () => {
  it('Sequence checks every element and the maximum length', () => {
    const s = new Sequence(new Discrete(3), 2);
    expect(s.contains([])).toBe(true);
    expect(s.contains([0, 2])).toBe(true);
    expect(s.contains([0, 1, 2])).toBe(false);
    expect(s.contains([0, 3])).toBe(false);
    // eslint-disable-next-line no-sparse-arrays
    expect(s.contains([0, , 1])).toBe(false);
    expect(new Sequence(new Discrete(2)).sample(new Rng(1)).every((v) => v === 0 || v === 1)).toBe(true);
  });

  it('Dict rejects missing and extra keys, wrong values and non-plain objects', () => {
    const d = new Dict({ hint: new Discrete(2), text: new Text(4) });
    expect(d.contains({ hint: 1, text: 'ab' })).toBe(true);
    expect(d.contains({ hint: 1 })).toBe(false);
    expect(d.contains({ hint: 1, text: 'ab', extra: 0 })).toBe(false);
    expect(d.contains({ hint: 2, text: 'ab' })).toBe(false);
    expect(d.contains({ hint: 1, text: undefined })).toBe(false);
    expect(d.contains(new Map<string, unknown>([['hint', 1], ['text', 'ab']]))).toBe(false);
    expect(d.contains([1, 'ab'])).toBe(false);
    expect(d.contains(null)).toBe(false);
  });

  it('Dict samples keys in sorted order, so declaration order does not change samples', () => {
    const a = new Dict({ x: new Discrete(100), y: new Discrete(100) });
    const b = new Dict({ y: new Discrete(100), x: new Discrete(100) });
    expect(a.sample(new Rng(4))).toEqual(b.sample(new Rng(4)));
    expect(a.keys).toEqual(['x', 'y']);
  });

  it('Tuple checks length and positions, and infers element types', () => {
    const t = new Tuple([new Discrete(2), new Text(3)]);
    const v: [number, string] = t.sample(new Rng(0));
    expect(t.contains(v)).toBe(true);
    expect(t.contains([1, 'ab'])).toBe(true);
    expect(t.contains(['ab', 1])).toBe(false);
    expect(t.contains([1])).toBe(false);
    expect(t.contains([1, 'ab', 0])).toBe(false);
  });

  it('contains() narrows the type', () => {
    const d = new Dict({ n: new Discrete(3), v: new Box(0, 1, [2]) });
    const x: unknown = { n: 1, v: new Float32Array([0.5, 0.5]) };
    if (!d.contains(x)) throw new Error('should be contained');
    const n: number = x.n;
    const v: Float32Array = x.v;
    expect(n + v.length).toBe(3);
  });
});

describe('spaceFromJSON', () => {
  it('names the bad field', () => {
    expect(() => spaceFromJSON({ type: 'Dict', spaces: { a: { type: 'Discrete', n: 'x' } } })).toThrow(/space\.spaces\.a\.n: expected a number/);
    expect(() => spaceFromJSON({ type: 'Graph' })).toThrow(/cannot rebuild a 'Graph' space/);
    expect(() => spaceFromJSON({ type: 'Box', shape: [2], low: 'inf', high: 1 })).toThrow(/space\.low/);
    expect(() => spaceFromJSON({ type: 'Discrete', n: 0 })).toThrow(/space: Discrete: n must be/);
    expect(() => spaceFromJSON(null)).toThrow(SpaceError);
  });
});
