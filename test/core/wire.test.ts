// JSON forms of env values (src/core/wire.ts): what toJsonValue keeps and drops, JSON Schemas and values of the
// built-in spaces, and which wire format an env (wrapped or not) gets.
import { describe, expect, it } from 'vitest';
import { BaseEnv, type ResetResult, type StepResult } from '../../src/core/env.js';
import { Box, Dict, Discrete, MultiDiscrete, Sequence, Text, Tuple } from '../../src/core/spaces.js';
import { ConcurrentVectorEnv, SyncVectorEnv } from '../../src/core/vector.js';
import { spaceJsonSchema, spaceValueFromJson, toJsonValue, wireFormatOf, WireError } from '../../src/core/wire.js';
import { ObservationWrapper, TimeLimit } from '../../src/core/wrappers.js';
import { CounterEnv } from './fixtures/counter-env.js';

describe('toJsonValue', () => {
  it('gives plain JSON: typed arrays as arrays, getters read, symbols, functions and undefined left out', () => {
    const hidden = Symbol('hidden');
    const value = {
      vector: Float32Array.of(0.5, -1),
      get lazy() {
        return 'rendered';
      },
      [hidden]: 'secret',
      fn: () => 1,
      missing: undefined,
      list: [1, undefined, NaN, Infinity],
      map: new Map([[1, 'one']]),
      set: new Set(['a']),
      when: new Date(0),
      space: new Discrete(3),
    };
    expect(toJsonValue(value)).toEqual({
      vector: [0.5, -1],
      lazy: 'rendered',
      list: [1, null, null, null],
      map: { 1: 'one' },
      set: ['a'],
      when: '1970-01-01T00:00:00.000Z',
      space: { type: 'Discrete', n: 3, start: 0 },
    });
    const shared = { x: 1 };
    expect(toJsonValue({ a: shared, b: shared })).toEqual({ a: { x: 1 }, b: { x: 1 } }); // shared, not a cycle
  });

  it('names the path of a cycle or a bigint', () => {
    const cyclic: Record<string, unknown> = { a: { b: {} } };
    (cyclic.a as Record<string, Record<string, unknown>>).b!.back = cyclic;
    expect(() => toJsonValue(cyclic)).toThrow(new WireError('$.a.b.back: a cycle has no JSON form'));
    expect(() => toJsonValue({ n: [1n] }, 'info')).toThrow('info.n[0]: a bigint');
  });
});

describe('spaces on the wire', () => {
  it('gives JSON Schemas of the built-in spaces', () => {
    expect(spaceJsonSchema(new Discrete(3, 1).toJSON())).toEqual({ type: 'integer', minimum: 1, maximum: 3 });
    expect(spaceJsonSchema(new Box(-1, 1, [2, 2]).toJSON())).toMatchObject({ type: 'array', items: { type: 'number', minimum: -1, maximum: 1 }, minItems: 4, maxItems: 4 });
    expect(spaceJsonSchema(new Box(0, Infinity, []).toJSON())).toEqual({ type: 'number', minimum: 0 });
    expect(spaceJsonSchema(new MultiDiscrete([2, 3]).toJSON())).toMatchObject({ prefixItems: [{ maximum: 1 }, { maximum: 2 }], minItems: 2 });
    expect(spaceJsonSchema(new Text(5).toJSON())).toMatchObject({ type: 'string', minLength: 1, maxLength: 5 });
    const dict = new Dict({ a: new Discrete(2), b: new Sequence(new Text(3), 4) });
    expect(spaceJsonSchema(dict.toJSON())).toMatchObject({ required: ['a', 'b'], additionalProperties: false, properties: { b: { type: 'array', maxItems: 4 } } });
    expect(spaceJsonSchema(new Tuple([new Discrete(2), new Box(0, 1, [1])]).toJSON())).toMatchObject({ minItems: 2, maxItems: 2 });
  });

  it('rebuilds Float32Arrays for Box values, at any depth', () => {
    const space = new Dict({ v: new Box(-1, 1, [2]), t: new Tuple([new Discrete(2), new Box(0, 1, [])]) });
    const value = spaceValueFromJson(space.toJSON(), { v: [0.5, -0.25], t: [1, 0.75] });
    expect(value).toEqual({ v: Float32Array.of(0.5, -0.25), t: [1, Float32Array.of(0.75)] });
    expect(space.contains(value)).toBe(true);
  });
});

class BoxObservation extends ObservationWrapper<Float32Array, number, number> {
  readonly observationSpace = new Box(0, 1e6, [1]);
  observation(n: number): Float32Array {
    return Float32Array.of(n);
  }
}

describe('wireFormatOf', () => {
  it('takes an env own wireFormat through wrappers that keep its types, else derives one from the spaces', () => {
    class Formatted extends CounterEnv {
      wireFormat() {
        return { actionSchema: { own: true }, observationSchema: {}, decodeAction: (json: unknown) => ({ ok: true as const, value: json }), encodeObservation: () => 'own' };
      }
    }
    expect(wireFormatOf(new TimeLimit(new Formatted(5), 3)).actionSchema).toEqual({ own: true });
    const generic = wireFormatOf(new TimeLimit(new CounterEnv(5), 3));
    expect(generic.actionSchema).toMatchObject({ type: 'integer', maximum: 2 });
    expect(generic.decodeAction(1)).toEqual({ ok: true, value: 1 });
    expect(generic.decodeAction(7)).toMatchObject({ ok: false });
    // A wrapper that changes the observation type stops the walk: its own spaces decide.
    const wrapped = wireFormatOf(new BoxObservation(new Formatted(5)));
    expect(wrapped.observationSchema).toMatchObject({ type: 'array', items: { type: 'number' } });
    expect(wrapped.encodeObservation(Float32Array.of(2))).toEqual([2]);
  });
});

class Delayed extends BaseEnv<number, number> {
  readonly observationSpace = new Discrete(100);
  readonly actionSpace = new Discrete(3);
  private n = 0;
  protected async resetEpisode(): Promise<ResetResult<number>> {
    this.n = this.npRandom.int(0, 10);
    return { observation: this.n, info: {} };
  }
  async step(action: number): Promise<StepResult<number>> {
    await new Promise((r) => setTimeout(r, this.npRandom.int(0, 3)));
    this.n += action + this.npRandom.int(0, 3);
    return { observation: this.n, reward: action, terminated: this.n > 30, truncated: false, info: { n: this.n } };
  }
  render(): string {
    return String(this.n);
  }
}

describe('ConcurrentVectorEnv', () => {
  it('plays the same trajectories as SyncVectorEnv, with same-step autoreset', async () => {
    const play = async (make: (envs: Delayed[]) => SyncVectorEnv<number, number> | ConcurrentVectorEnv<number, number>) => {
      const vec = make([new Delayed(), new Delayed(), new Delayed()]);
      const out: unknown[] = [await vec.reset({ seed: 9 })];
      for (let t = 0; t < 20; t++) out.push(await vec.step([t % 3, (t + 1) % 3, 2]));
      return out;
    };
    const concurrent = await play((envs) => new ConcurrentVectorEnv(envs));
    expect(concurrent).toEqual(await play((envs) => new SyncVectorEnv(envs)));
    expect(JSON.stringify(concurrent)).toContain('finalObservation');
  });
});
