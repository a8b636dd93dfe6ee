import { describe, expect, it } from 'vitest';
import { checkSeed } from '../../src/core/env.js';
import { GuessNumberEnv } from './fixtures/toy-envs.js';

/** The secrets of `episodes` consecutive episodes, the first reset with `seed`, the rest unseeded. */
async function secrets(env: GuessNumberEnv, seed: number | undefined, episodes: number): Promise<number[]> {
  const out: number[] = [];
  for (let e = 0; e < episodes; e++) {
    await env.reset(e === 0 && seed !== undefined ? { seed } : {});
    out.push((env as unknown as { secret: number }).secret);
  }
  return out;
}

describe('BaseEnv seeding', () => {
  it('reset with a seed re-seeds: the same seed gives the same episodes', async () => {
    const env = new GuessNumberEnv(1000);
    const a = await secrets(env, 5, 6);
    const b = await secrets(env, 5, 6);
    expect(b).toEqual(a);
    expect(env.npRandomSeed).toBe(5);
    expect(await secrets(new GuessNumberEnv(1000), 6, 6)).not.toEqual(a);
  });

  it('reset without a seed continues the stream instead of repeating the episode', async () => {
    const env = new GuessNumberEnv(1000);
    const [s0, s1, s2] = await secrets(env, 9, 3);
    expect(new Set([s0, s1, s2]).size).toBe(3);
  });

  it('an unseeded first reset seeds from entropy and records the seed for replay', async () => {
    const env = new GuessNumberEnv(1000);
    const first = await secrets(env, undefined, 3);
    const seed = env.npRandomSeed;
    expect(typeof seed).toBe('number');
    expect(await secrets(new GuessNumberEnv(1000), seed, 3)).toEqual(first);
  });

  it('rejects a seed that is not a non-negative integer', async () => {
    const env = new GuessNumberEnv();
    await expect(env.reset({ seed: -1 })).rejects.toThrow(/seed must be a non-negative integer, got -1/);
    await expect(env.reset({ seed: 1.5 })).rejects.toThrow(RangeError);
    expect(() => checkSeed('3')).toThrow(/got 3/);
  });

  it('unwrapped is the env itself', () => {
    const env = new GuessNumberEnv();
    expect(env.unwrapped).toBe(env);
  });
});
