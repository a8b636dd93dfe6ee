import { describe, expect, it } from 'vitest';
import { EnvStateError } from '../../src/core/env.js';
import type { Env, StepResult } from '../../src/core/env.js';
import { Discrete, Text } from '../../src/core/spaces.js';
import {
  ActionWrapper,
  ObservationWrapper,
  OrderEnforcing,
  RecordEpisodeStatistics,
  RewardWrapper,
  TimeLimit,
  Wrapper,
} from '../../src/core/wrappers.js';
import type { EpisodeStatistics } from '../../src/core/wrappers.js';
import { CounterEnv, GuessNumberEnv } from './fixtures/toy-envs.js';

async function run<O, A>(env: Env<O, A>, action: A, maxSteps: number): Promise<StepResult<O>[]> {
  const out: StepResult<O>[] = [];
  for (let i = 0; i < maxSteps; i++) {
    const r = await env.step(action);
    out.push(r);
    if (r.terminated || r.truncated) break;
  }
  return out;
}

describe('Wrapper', () => {
  it('delegates spaces, metadata, reset, step, render and close', async () => {
    const inner = new CounterEnv();
    const env = new Wrapper(inner);
    expect(env.observationSpace).toBe(inner.observationSpace);
    expect(env.actionSpace).toBe(inner.actionSpace);
    expect(env.metadata).toBe(inner.metadata);
    await env.reset({ seed: 1 });
    expect((await env.step(0)).observation).toBe(1);
    expect(env.render()).toBe('count=1');
    await expect(env.close()).resolves.toBeUndefined();
  });

  it('unwrapped reaches the innermost env through several wrappers', () => {
    const inner = new CounterEnv();
    expect(new TimeLimit(new OrderEnforcing(new Wrapper(inner)), 3).unwrapped).toBe(inner);
  });

  it('rejects something that is not an env', () => {
    expect(() => new Wrapper({} as unknown as Env<number, number>)).toThrow(/Wrapper: expected an env/);
  });
});

describe('TimeLimit', () => {
  it('truncates at exactly maxEpisodeSteps and restarts the count on reset', async () => {
    const env = new TimeLimit(new CounterEnv(), 4);
    await env.reset();
    const steps = await run(env, 0, 10);
    expect(steps.map((s) => s.truncated)).toEqual([false, false, false, true]);
    expect(env.elapsedSteps).toBe(4);
    await env.reset();
    expect(env.elapsedSteps).toBe(0);
    expect((await run(env, 0, 10)).length).toBe(4);
  });

  it('leaves a natural termination alone', async () => {
    const env = new TimeLimit(new CounterEnv(2), 5);
    await env.reset();
    const last = (await run(env, 0, 10)).at(-1);
    expect(last).toMatchObject({ terminated: true, truncated: false, observation: 2 });
  });

  it('rejects a non-positive limit', () => {
    expect(() => new TimeLimit(new CounterEnv(), 0)).toThrow(/positive integer, got 0/);
  });
});

describe('RecordEpisodeStatistics', () => {
  it('reports return, length and seconds on the final step only', async () => {
    let clock = 1000;
    const env = new RecordEpisodeStatistics(new TimeLimit(new GuessNumberEnv(10, 50), 3), { now: () => clock });
    await env.reset({ seed: 0 });
    const secret = (env.unwrapped as unknown as { secret: number }).secret;
    const wrong = (secret + 1) % 10;
    clock += 250;
    const steps = await run(env, wrong, 10);
    expect(steps).toHaveLength(3);
    expect(steps.slice(0, 2).every((s) => !('episode' in s.info))).toBe(true);
    const stats = steps[2]?.info.episode as EpisodeStatistics;
    expect(stats.l).toBe(3);
    expect(stats.r).toBeCloseTo(-0.15, 10);
    expect(stats.t).toBeCloseTo(0.25, 10);

    await env.reset({ seed: 0 });
    const win = await run(env, secret, 10);
    expect(win).toHaveLength(1);
    expect(win[0]?.info.episode).toMatchObject({ r: 1, l: 1 });
    expect(env.returnQueue).toEqual([stats.r, 1]);
    expect(env.lengthQueue).toEqual([3, 1]);
    expect(env.episodeCount).toBe(2);
  });

  it('keeps only bufferLength episodes and does not mutate the inner info', async () => {
    const env = new RecordEpisodeStatistics(new CounterEnv(1), { bufferLength: 2 });
    for (let e = 0; e < 5; e++) {
      await env.reset();
      const r = await env.step(0);
      expect(r.info.episode).toBeDefined();
    }
    expect(env.lengthQueue).toEqual([1, 1]);
    expect(env.episodeCount).toBe(5);
  });
});

describe('OrderEnforcing', () => {
  it('rejects step before reset with an EnvStateError, then allows it', async () => {
    const env = new OrderEnforcing(new CounterEnv());
    await expect(env.step(0)).rejects.toThrow(EnvStateError);
    await expect(env.step(0)).rejects.toThrow(/before reset\(\)/);
    expect(env.hasReset).toBe(false);
    await env.reset();
    expect(env.hasReset).toBe(true);
    await expect(env.step(0)).resolves.toMatchObject({ observation: 1 });
  });

  it('rejects render before reset only when the env declares it (or when asked)', async () => {
    expect(new OrderEnforcing(new CounterEnv()).render()).toBe('count=0');
    const strict = new OrderEnforcing(new CounterEnv(Infinity, true));
    expect(() => strict.render()).toThrow(EnvStateError);
    await strict.reset();
    expect(strict.render()).toBe('count=0');
    expect(() => new OrderEnforcing(new CounterEnv(), { enforceRender: true }).render()).toThrow(/render\(\) before reset/);
  });

  it('rejects a call made while another is still pending', async () => {
    const env = new OrderEnforcing(new CounterEnv());
    await env.reset();
    const first = env.step(0);
    await expect(env.step(0)).rejects.toThrow(/while step\(\) is still pending/);
    await expect(first).resolves.toMatchObject({ observation: 1 });
    await expect(env.step(0)).resolves.toMatchObject({ observation: 2 });
  });
});

describe('transform wrappers', () => {
  class Scale extends RewardWrapper<number, number> {
    reward(r: number): number {
      return r * 10;
    }
  }
  class AsText extends ObservationWrapper<string, number, number> {
    readonly observationSpace = new Text(10, { charset: '0123456789#' });
    async observation(o: number): Promise<string> {
      return `#${o}`;
    }
  }
  /** Outer actions 10..11 map to the inner 0..1. */
  class Offset extends ActionWrapper<number, number, number> {
    readonly actionSpace = new Discrete(2, 10);
    action(a: number): number {
      return a - 10;
    }
  }

  it('RewardWrapper maps rewards', async () => {
    const env = new Scale(new CounterEnv());
    await env.reset();
    expect((await env.step(0)).reward).toBe(10);
  });

  it('ObservationWrapper maps reset and step observations (async hook) and declares its space', async () => {
    const env = new AsText(new CounterEnv());
    const r0 = await env.reset();
    expect(r0.observation).toBe('#0');
    const r1 = await env.step(0);
    expect(r1.observation).toBe('#1');
    expect(env.observationSpace.contains(r1.observation)).toBe(true);
    expect(env.actionSpace).toBe(env.env.actionSpace);
  });

  it('ActionWrapper maps actions before the inner env sees them', async () => {
    const inner = new CounterEnv();
    const env = new Offset(inner);
    await env.reset();
    await env.step(11);
    expect(inner.lastAction).toBe(1);
    await env.step(10);
    expect(inner.lastAction).toBe(0);
    expect(env.actionSpace.contains(0)).toBe(false);
    expect(env.observationSpace).toBe(inner.observationSpace);
  });
});
