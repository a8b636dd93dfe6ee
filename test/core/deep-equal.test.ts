import { describe, expect, it } from 'vitest';
import { deepEqual, findDifference } from '../../src/core/deep-equal.js';

describe('deepEqual', () => {
  it('compares typed arrays by type and elements, with NaN equal to NaN', () => {
    expect(deepEqual(new Float32Array([1, NaN]), new Float32Array([1, NaN]))).toBe(true);
    expect(deepEqual(new Float32Array([1, 2]), new Float32Array([1, 2.5]))).toBe(false);
    expect(deepEqual(new Float32Array([1, 2]), new Float64Array([1, 2]))).toBe(false);
    expect(deepEqual(new Float32Array([1, 2]), [1, 2])).toBe(false);
    expect(deepEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false);
  });

  it('compares nested objects and arrays strictly (keys, lengths, types)', () => {
    const a = { obs: { v: new Float32Array([0.5]), turns: ['hi', 'there'] }, n: 1 };
    expect(deepEqual(a, structuredClone(a))).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(deepEqual([1, 2], [1, 2, 3])).toBe(false);
    expect(deepEqual(1, '1')).toBe(false);
    expect(deepEqual(null, undefined)).toBe(false);
    expect(deepEqual(NaN, NaN)).toBe(true);
  });

  it('handles Map, Set, Date and cycles', () => {
    expect(deepEqual(new Map([['a', [1]]]), new Map([['a', [1]]]))).toBe(true);
    expect(deepEqual(new Map([['a', [1]]]), new Map([['a', [2]]]))).toBe(false);
    expect(deepEqual(new Set([1, 2]), new Set([2, 1]))).toBe(true);
    expect(deepEqual(new Set([1, 2]), new Set([1, 3]))).toBe(false);
    expect(deepEqual(new Date(5), new Date(5))).toBe(true);
    expect(deepEqual(new Date(5), new Date(6))).toBe(false);
    const x: Record<string, unknown> = { a: 1 };
    x.self = x;
    const y: Record<string, unknown> = { a: 1 };
    y.self = y;
    expect(deepEqual(x, y)).toBe(true);
  });

  it('findDifference names the path of the first difference', () => {
    expect(findDifference({ a: [1, { b: 'x' }] }, { a: [1, { b: 'y' }] }, 'obs')).toBe('obs.a[1].b: "x" != "y"');
    expect(findDifference(new Float32Array([1, 2]), new Float32Array([1, 3]))).toBe('$[1]: 2 != 3');
    expect(findDifference({ a: 1 }, { a: 1 })).toBeUndefined();
  });
});
