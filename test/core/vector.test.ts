import { afterEach, describe, expect, it } from 'vitest';
import { AsyncVectorEnv } from '../../src/core/async-vector.js';
import { SyncVectorEnv } from '../../src/core/vector.js';
import { Rng } from '../../src/core/rng.js';
import { CounterEnv } from './fixtures/counter-env.js';

const setupModule = new URL('./fixtures/counter-env.ts', import.meta.url).href;
const codecModule = new URL('./fixtures/counter-codec-env.ts', import.meta.url).href;

async function trajectory(vec: { reset: SyncVectorEnv<number, number>['reset']; step: SyncVectorEnv<number, number>['step']; numEnvs: number }, steps: number) {
  const rng = new Rng('policy');
  const log: unknown[] = [(await vec.reset({ seed: 11 })).observations];
  for (let t = 0; t < steps; t++) {
    const actions = Array.from({ length: vec.numEnvs }, () => rng.int(0, 2));
    const r = await vec.step(actions);
    log.push([r.observations, r.rewards, r.terminated, r.truncated, r.infos.map((i) => i.finalObservation ?? null)]);
  }
  return log;
}

describe('vector envs', () => {
  const toClose: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(toClose.splice(0).map((v) => v.close()));
  });

  it('SyncVectorEnv autoresets in the same step and keeps the final observation', async () => {
    const vec = new SyncVectorEnv([new CounterEnv(3), new CounterEnv(3)]);
    await vec.reset({ seed: 1 });
    let sawFinal = false;
    for (let t = 0; t < 6; t++) {
      const r = await vec.step([0, 1]);
      r.infos.forEach((info, i) => {
        if (r.terminated[i] || r.truncated[i]) {
          sawFinal = true;
          expect(typeof info.finalObservation).toBe('number');
          expect(info.finalInfo).toBeDefined();
          expect(info.start).toBe(r.observations[i]);
        } else expect(info.finalObservation).toBeUndefined();
      });
    }
    expect(sawFinal).toBe(true);
  });

  it('gives the same trajectories with 1 worker, 2 workers and in-thread', async () => {
    const sync = await trajectory(new SyncVectorEnv([0, 1, 2, 3].map(() => new CounterEnv(4))), 12);
    const one = new AsyncVectorEnv<number, number>({ setupModule, args: { maxSteps: 4 }, numEnvs: 4, workers: 1 });
    const two = new AsyncVectorEnv<number, number>({ setupModule, args: { maxSteps: 4 }, numEnvs: 4, workers: 2 });
    toClose.push(one, two);
    expect(await trajectory(one, 12)).toEqual(sync);
    expect(await trajectory(two, 12)).toEqual(sync);
  });

  it('passes observations through the setup module\'s codec, in order, and without it when asked', async () => {
    const sync = await trajectory(new SyncVectorEnv([0, 1, 2, 3, 4].map(() => new CounterEnv(3))), 15);
    const { made } = await import('./fixtures/counter-codec-env.js');
    const before = made.count;
    const coded = new AsyncVectorEnv<number, number>({ setupModule: codecModule, args: { maxSteps: 3 }, numEnvs: 5, workers: 2 });
    const plain = new AsyncVectorEnv<number, number>({ setupModule: codecModule, args: { maxSteps: 3 }, numEnvs: 5, workers: 2, observationCodec: false });
    toClose.push(coded, plain);
    expect(await trajectory(coded, 15)).toEqual(sync);
    expect(made.count - before).toBe(5); // one main-side codec per copy
    expect(await trajectory(plain, 15)).toEqual(sync);
    expect(made.count - before).toBe(5); // none when switched off
  });

  it('an env that throws inside a batch fails the step with its error', async () => {
    const vec = new AsyncVectorEnv<number, number>({ setupModule: codecModule, args: { maxSteps: 50 }, numEnvs: 3, workers: 1 });
    toClose.push(vec);
    await vec.reset({ seed: 1 });
    await expect(vec.step([0, 9, 0])).rejects.toThrow(/action 9 is not allowed here/);
    // The other copies of the batch did step, and their codecs stayed in step: the env goes on.
    const r = await vec.step([0, 0, 0]);
    expect(r.observations).toHaveLength(3);
  });

  it('rejects a wrong number of actions', async () => {
    const vec = new SyncVectorEnv([new CounterEnv(3)]);
    await vec.reset({ seed: 0 });
    await expect(vec.step([0, 1])).rejects.toThrow(/2 actions for 1 envs/);
  });

  it('survives a killed worker: the lost episode is reported truncated and the run goes on', async () => {
    process.env.CRS_GYM_TEST_ALLOW_CRASH = '1';
    const vec = new AsyncVectorEnv<number, number>({ setupModule, args: { maxSteps: 50 }, numEnvs: 2, workers: 2 });
    toClose.push(vec);
    await vec.reset({ seed: 3 });
    const r = await vec.step([2, 0]);
    expect(r.truncated[0]).toBe(true);
    expect(String(r.infos[0]?.workerError)).toMatch(/worker for env 0 died/);
    expect(r.truncated[1]).toBe(false);
    const after = await vec.step([0, 0]);
    expect(after.observations).toHaveLength(2);
    delete process.env.CRS_GYM_TEST_ALLOW_CRASH;
  });

  it('survives a killed worker with a stateful codec: the rebuilt copies get fresh codecs on both sides', async () => {
    process.env.CRS_GYM_TEST_ALLOW_CRASH = '1';
    // 4 copies on 2 workers: copies 0 and 2 share the worker that dies.
    const vec = new AsyncVectorEnv<number, number>({ setupModule: codecModule, args: { maxSteps: 50 }, numEnvs: 4, workers: 2 });
    toClose.push(vec);
    await vec.reset({ seed: 3 });
    await vec.step([0, 0, 0, 0]);
    const r = await vec.step([2, 0, 0, 0]);
    delete process.env.CRS_GYM_TEST_ALLOW_CRASH;
    expect(r.truncated[0]).toBe(true);
    expect(r.truncated[2]).toBe(true);
    expect(String(r.infos[0]?.workerError)).toMatch(/worker for env 0 died/);
    expect(String(r.infos[2]?.workerError)).toMatch(/worker for env 2 died/);
    expect(r.truncated[1]).toBe(false);
    for (let t = 0; t < 5; t++) {
      const after = await vec.step([0, 0, 0, 0]);
      expect(after.observations.every((o) => typeof o === 'number')).toBe(true);
    }
  });
});
