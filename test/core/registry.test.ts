import { describe, expect, it } from 'vitest';
import { EnvStateError } from '../../src/core/env.js';
import type { Env } from '../../src/core/env.js';
import { EnvRegistry, RegistryError, make, parseEnvId, register, registry } from '../../src/core/registry.js';
import { OrderEnforcing, TimeLimit } from '../../src/core/wrappers.js';
import { CounterEnv, GuessNumberEnv } from './fixtures/toy-envs.js';
import { thrownRegistryError } from '../fixtures/registry-error.js';

const guessFactory = (o: Record<string, unknown>) => new GuessNumberEnv(typeof o.n === 'number' ? o.n : 10, 20);

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<RegistryError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof RegistryError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

const thrown = thrownRegistryError;

describe('parseEnvId', () => {
  it('parses Name-vN and Namespace/Name-vN', () => {
    expect(parseEnvId('GuessNumber-v0')).toEqual({ namespace: undefined, name: 'GuessNumber', version: 0 });
    expect(parseEnvId('CrsEnv/inspired-v12')).toEqual({ namespace: 'CrsEnv', name: 'inspired', version: 12 });
    expect(parseEnvId('Crs.Env/red-dial_x-v3')).toEqual({ namespace: 'Crs.Env', name: 'red-dial_x', version: 3 });
  });

  it.each(['GuessNumber', 'GuessNumber-v', 'GuessNumber-v01', 'GuessNumber-1', '/Guess-v0', 'a/b/Guess-v0', 'Guess v0', '', '9Lives-v0', 'Guess--v0', 'Guess-v0 '])(
    'rejects the malformed id %j',
    (id) => {
      const err = thrown(() => parseEnvId(id));
      expect(err.kind).toBe('malformed-id');
      expect(err.message).toContain(`Malformed env id ${JSON.stringify(id)}`);
    },
  );
});

describe('EnvRegistry', () => {
  function fresh(): EnvRegistry {
    const r = new EnvRegistry();
    r.register('GuessNumber-v0', guessFactory, { defaultOptions: { n: 5 }, description: 'toy' });
    r.register('GuessNumber-v1', guessFactory, { maxEpisodeSteps: 3 });
    r.register('Toys/Counter-v0', () => new CounterEnv());
    return r;
  }

  it('lists specs sorted by id, with parsed parts', () => {
    const r = fresh();
    expect(r.ids()).toEqual(['GuessNumber-v0', 'GuessNumber-v1', 'Toys/Counter-v0']);
    expect(r.spec('Toys/Counter-v0')).toMatchObject({ namespace: 'Toys', name: 'Counter', version: 0, orderEnforcing: true });
    expect(r.spec('GuessNumber-v0').defaultOptions).toEqual({ n: 5 });
  });

  it('make merges options over the defaults and wraps in OrderEnforcing', async () => {
    const r = fresh();
    const env = await r.make('GuessNumber-v0');
    expect(env).toBeInstanceOf(OrderEnforcing);
    expect((env.actionSpace as unknown as { n: number }).n).toBe(5);
    const bigger = await r.make('GuessNumber-v0', { n: 50 });
    expect((bigger.actionSpace as unknown as { n: number }).n).toBe(50);
    await expect(env.step(0)).rejects.toThrow(EnvStateError);
  });

  it('make wraps in TimeLimit when the spec has maxEpisodeSteps; make options override or remove it', async () => {
    const r = fresh();
    const env = await r.make<unknown, number>('GuessNumber-v1', { n: 1000 });
    expect(env).toBeInstanceOf(TimeLimit);
    await env.reset({ seed: 1 });
    const flags: boolean[] = [];
    for (let i = 0; i < 3; i++) flags.push((await env.step(i)).truncated);
    expect(flags).toEqual([false, false, true]);

    const longer = await r.make('GuessNumber-v1', {}, { maxEpisodeSteps: 7 });
    expect((longer as TimeLimit<unknown, unknown>).maxEpisodeSteps).toBe(7);
    const unlimited = await r.make('GuessNumber-v1', {}, { maxEpisodeSteps: null, orderEnforcing: false });
    expect(unlimited).toBeInstanceOf(GuessNumberEnv);
  });

  it('awaits async factories', async () => {
    const r = new EnvRegistry();
    r.register('Slow-v0', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return new CounterEnv();
    });
    const env = await r.make('Slow-v0', {}, { orderEnforcing: false });
    expect(env).toBeInstanceOf(CounterEnv);
  });

  it('refuses to re-register an id unless override is set', () => {
    const r = fresh();
    const err = thrown(() => r.register('GuessNumber-v0', guessFactory));
    expect(err.kind).toBe('duplicate-id');
    expect(err.message).toMatch(/already registered.*override: true/);
    r.register('GuessNumber-v0', () => new CounterEnv(), { override: true });
    expect(r.spec('GuessNumber-v0').defaultOptions).toEqual({});
  });

  it('refuses malformed ids and bad arguments at registration', () => {
    const r = new EnvRegistry();
    expect(thrown(() => r.register('Guess', guessFactory)).kind).toBe('malformed-id');
    expect(thrown(() => r.register('Guess-v0', guessFactory, { maxEpisodeSteps: 0 })).message).toMatch(/maxEpisodeSteps must be a positive integer, got 0/);
    expect(thrown(() => r.register('Guess-v0', 'nope' as unknown as () => Env<unknown, unknown>)).kind).toBe('bad-argument');
    expect(r.ids()).toEqual([]);
  });

  it('an unknown version lists the registered versions', async () => {
    const err = await rejection(fresh().make('GuessNumber-v7'));
    expect(err.kind).toBe('unknown-id');
    expect(err.message).toBe("No env registered as 'GuessNumber-v7': GuessNumber has versions v0, v1 (latest: 'GuessNumber-v1')");
  });

  it('an unknown id suggests close matches', async () => {
    const r = fresh();
    expect((await rejection(r.make('GuesNumber-v2'))).message).toMatch(/Did you mean 'GuessNumber-v0' or 'GuessNumber-v1'\?/);
    expect((await rejection(r.make('Toys/Countr-v0'))).message).toMatch(/Did you mean 'Toys\/Counter-v0'/);
    expect((await rejection(r.make('Counter-v0'))).message).toMatch(/Did you mean 'Toys\/Counter-v0'/);
    expect((await rejection(r.make('Zebra-v0'))).message).toBe(
      "No env registered as 'Zebra-v0'. Registered ids: GuessNumber-v0, GuessNumber-v1, Toys/Counter-v0",
    );
  });

  it('a bare name without a version points to the registered versions', async () => {
    const err = await rejection(fresh().make('GuessNumber'));
    expect(err.kind).toBe('malformed-id');
    expect(err.message).toMatch(/Registered versions: GuessNumber-v0, GuessNumber-v1$/);
  });

  it('reports a failing factory or one that returns a non-env, naming the id', async () => {
    const r = new EnvRegistry();
    r.register('Broken-v0', () => {
      throw new Error('model file missing: /models/x.onnx');
    });
    r.register('NotAnEnv-v0', () => ({ reset: () => 0 }) as unknown as Env<unknown, unknown>);
    const a = await rejection(r.make('Broken-v0'));
    expect(a.message).toBe("make('Broken-v0'): the factory failed: model file missing: /models/x.onnx");
    expect(a.cause).toBeInstanceOf(Error);
    const b = await rejection(r.make('NotAnEnv-v0'));
    expect(b.message).toMatch(/^make\('NotAnEnv-v0'\): the factory returned .* which is not an Env \(missing step, render, close, observationSpace, actionSpace\)$/);
  });

  it('rejects non-object options', async () => {
    const err = await rejection(fresh().make('GuessNumber-v0', [] as unknown as Record<string, unknown>));
    expect(err.kind).toBe('bad-argument');
  });
});

describe('module-level register / make', () => {
  it('use the shared registry', async () => {
    const id = 'CoreTest/Counter-v0';
    register(id, () => new CounterEnv(), { maxEpisodeSteps: 2 });
    try {
      expect(registry.has(id)).toBe(true);
      const env = await make<number, number>(id);
      await env.reset();
      await env.step(0);
      expect((await env.step(0)).truncated).toBe(true);
    } finally {
      registry.unregister(id);
    }
    expect(registry.has(id)).toBe(false);
  });
});
