// Training-time input dropout of the retriever: per token (tokenDropout) and per view (collaborativeDropout).
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import type { QueryFeatures } from '../../src/retriever/features.js';
import { dropCollaborativeView, dropTokens } from '../../src/retriever/train.js';
import { dualViewTrainSchema } from '../../src/retriever/train-config.js';

function features(): QueryFeatures {
  return {
    semantic: new Float32Array(6).fill(1),
    semanticMask: Uint8Array.from([1, 1, 0]),
    collaborative: new Float32Array(4).fill(2),
    collaborativeMask: Uint8Array.from([1, 1]),
  };
}

describe('retriever input dropout', () => {
  it('view dropout removes every collaborative token of the examples it hits, and nothing else', () => {
    const rng = new Rng(5);
    let dropped = 0;
    for (let i = 0; i < 400; i++) {
      const f = features();
      const out = dropCollaborativeView(f, 0.5, rng);
      if (out === f) continue;
      dropped++;
      expect(Array.from(out.collaborativeMask)).toEqual([0, 0]);
      expect(out.semanticMask).toBe(f.semanticMask);
      expect(Array.from(f.collaborativeMask)).toEqual([1, 1]); // the input is not changed
    }
    expect(dropped).toBeGreaterThan(160);
    expect(dropped).toBeLessThan(240);
  });

  it('off (0) returns the same features and draws nothing from the generator', () => {
    const a = new Rng(9);
    const b = new Rng(9);
    const f = features();
    expect(dropCollaborativeView(f, 0, a)).toBe(f);
    expect(dropTokens(f, 0, a)).toBe(f);
    expect(a.random()).toBe(b.random());
  });

  it('token dropout keeps absent tokens absent', () => {
    const out = dropTokens(features(), 0.9, new Rng(1));
    expect(out.semanticMask[2]).toBe(0);
  });

  it('the config defaults to off and bounds the rate', () => {
    const base = dualViewTrainSchema.parse({});
    expect(base.collaborativeDropout).toBe(0);
    expect(() => dualViewTrainSchema.parse({ collaborativeDropout: 1 })).toThrow();
  });
});
