// The one episode loop (src/core/episode.ts): it stops where the env ends the episode, at a turn limit, or where
// the caller stops it; it hands every step to onStep with the observation acted on; errors of act and step can be
// wrapped with the turn, a reset's error is not.
import { describe, expect, it } from 'vitest';
import { playEpisode, type EpisodeStepResult } from '../../src/core/episode.js';

interface Step extends EpisodeStepResult<number> {
  reward: number;
}

/** Observation = the turn about to be played; ends (terminated or truncated) after `length` steps. */
function counterEnv(length: number, end: 'terminated' | 'truncated' = 'terminated', failAt = 0) {
  let t = 0;
  const seen: { seed?: number | undefined }[] = [];
  return {
    seen,
    async reset(opts: { seed?: number } = {}) {
      seen.push({ seed: opts.seed });
      t = 1;
      return { observation: t, info: {} };
    },
    async step(action: number): Promise<Step> {
      if (t === failAt) throw new Error('env broke');
      const done = t >= length;
      t += 1;
      return { observation: t, reward: action, terminated: done && end === 'terminated', truncated: done && end === 'truncated' };
    },
  };
}

describe('playEpisode', () => {
  it('plays until the env terminates, passing each observation acted on', async () => {
    const env = counterEnv(3);
    const steps: [number, number, number][] = [];
    const outcome = await playEpisode(env, {
      reset: { seed: 7 },
      act: (obs, turn) => obs * 10 + turn,
      onStep: (turn, obs, _action, result) => void steps.push([turn, obs, result.reward]),
    });
    expect(env.seen).toEqual([{ seed: 7 }]);
    expect(steps).toEqual([
      [1, 1, 11],
      [2, 2, 22],
      [3, 3, 33],
    ]);
    expect(outcome).toMatchObject({ turns: 3, end: 'terminated', observation: 4 });
    expect(outcome.last?.reward).toBe(33);
  });

  it('stops at truncation, at maxTurns, or when onStep returns true', async () => {
    expect((await playEpisode(counterEnv(2, 'truncated'), { reset: {}, act: () => 0 })).end).toBe('truncated');
    expect(await playEpisode(counterEnv(9), { reset: {}, act: () => 0, maxTurns: 4 })).toMatchObject({ turns: 4, end: 'max-turns' });
    expect(await playEpisode(counterEnv(9), { reset: {}, act: () => 0, onStep: (turn) => turn === 2 })).toMatchObject({ turns: 2, end: 'stopped' });
    expect(await playEpisode(counterEnv(9), { reset: {}, act: () => 0, maxTurns: 0 })).toMatchObject({ turns: 0, end: 'max-turns', observation: 1, last: undefined });
  });

  it('wraps an error of act or step with its turn', async () => {
    const wrapError = (error: unknown, turn: number) => new Error(`turn ${turn}: ${(error as Error).message}`);
    await expect(playEpisode(counterEnv(9, 'terminated', 2), { reset: {}, act: () => 0, wrapError })).rejects.toThrow('turn 2: env broke');
    await expect(
      playEpisode(counterEnv(9), {
        reset: {},
        act: (_obs, turn) => {
          if (turn === 3) throw new Error('agent broke');
          return 0;
        },
        wrapError,
      }),
    ).rejects.toThrow('turn 3: agent broke');
    await expect(playEpisode(counterEnv(9, 'terminated', 1), { reset: {}, act: () => 0 })).rejects.toThrow(/^env broke$/);
  });
});
