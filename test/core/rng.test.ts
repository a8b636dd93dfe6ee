import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';

const draw = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.random());

describe('Rng', () => {
  it('gives the same numbers for the same seed', () => {
    expect(draw(new Rng(42), 20)).toEqual(draw(new Rng(42), 20));
    expect(draw(new Rng(42), 20)).not.toEqual(draw(new Rng(43), 20));
  });

  it('split: same seed and name give the same stream', () => {
    expect(draw(new Rng(7).split('user'), 10)).toEqual(draw(new Rng(7).split('user'), 10));
  });

  it('split: different names give different streams', () => {
    const root = new Rng(7);
    expect(draw(root.split('user'), 10)).not.toEqual(draw(root.split('retriever'), 10));
  });

  it('split: drawing more from one stream does not change another', () => {
    const quiet = new Rng(9);
    const busy = new Rng(9);
    const a = quiet.split('a');
    const bQuiet = draw(quiet.split('b'), 10);
    draw(a, 1); // one draw from a sibling
    const busyA = busy.split('a');
    draw(busyA, 500); // many draws from the sibling
    draw(busy, 300); // and from the parent
    expect(draw(busy.split('b'), 10)).toEqual(bQuiet);
  });

  it('split: children do not depend on the parent draws, but differ from the parent', () => {
    const parent = new Rng(3);
    const before = draw(parent.split('x'), 5);
    draw(parent, 100);
    expect(draw(parent.split('x'), 5)).toEqual(before);
    expect(draw(new Rng(3), 5)).not.toEqual(before);
  });

  it('spawn: depends on the draws so far, and is reproducible from the seed', () => {
    const r = new Rng(11);
    const first = draw(r.spawn('ep'), 5);
    const second = draw(r.spawn('ep'), 5);
    expect(first).not.toEqual(second);
    const replay = new Rng(11);
    expect(draw(replay.spawn('ep'), 5)).toEqual(first);
    expect(draw(replay.spawn('ep'), 5)).toEqual(second);
  });

  it('int stays in [low, high) and rejects an empty range', () => {
    const r = new Rng(1);
    for (let i = 0; i < 1000; i++) {
      const v = r.int(-3, 4);
      expect(Number.isInteger(v) && v >= -3 && v < 4).toBe(true);
    }
    expect(() => r.int(2, 2)).toThrow(RangeError);
  });
});
