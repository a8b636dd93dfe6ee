// AsyncVectorEnv's pipelined mode (asyncReset / send / recv, as EnvPool's async mode): same episodes as the
// lock-step mode, clear errors on misuse, and the same recovery from a killed worker.
import { afterEach, describe, expect, it } from 'vitest';
import { AsyncVectorEnv, type VectorBatch } from '../../src/core/async-vector.js';
import { SyncVectorEnv } from '../../src/core/vector.js';
import { CounterEnv } from './fixtures/counter-env.js';

const setupModule = new URL('./fixtures/counter-env.ts', import.meta.url).href;
const codecModule = new URL('./fixtures/counter-codec-env.ts', import.meta.url).href;
const slowModule = new URL('./fixtures/slow-step-env.ts', import.meta.url).href;

/** The policy: a fixed function of the copy and how many actions it has had (so any schedule gives the same actions). */
const policy = (envId: number, t: number): number => (envId * 7 + t * 3) % 2;

type Log = unknown[][];

async function lockStepLogs(vec: SyncVectorEnv<number, number> | AsyncVectorEnv<number, number>, steps: number): Promise<Log> {
  const logs: Log = Array.from({ length: vec.numEnvs }, () => []);
  const start = await vec.reset({ seed: 11 });
  start.observations.forEach((o, i) => logs[i]!.push(o));
  for (let t = 0; t < steps; t++) {
    const r = await vec.step(Array.from({ length: vec.numEnvs }, (_, i) => policy(i, t)));
    for (let i = 0; i < vec.numEnvs; i++) logs[i]!.push([r.observations[i], r.rewards[i], r.terminated[i], r.truncated[i], r.infos[i]?.finalObservation ?? null]);
  }
  return logs;
}

/** Plays every copy `steps` actions in pipelined mode, sending each batch's actions as soon as it comes back. */
async function pipelinedLogs(vec: AsyncVectorEnv<number, number>, steps: number): Promise<{ logs: Log; batchSizes: number[] }> {
  const logs: Log = Array.from({ length: vec.numEnvs }, () => []);
  const taken = new Array<number>(vec.numEnvs).fill(-1);
  const batchSizes: number[] = [];
  await vec.asyncReset({ seed: 11 });
  let running = vec.numEnvs;
  while (running > 0) {
    const b: VectorBatch<number> = await vec.recv();
    batchSizes.push(b.envIds.length);
    running -= b.envIds.length;
    const ids: number[] = [];
    b.envIds.forEach((i, k) => {
      if (taken[i] === -1) logs[i]!.push(b.observations[k]);
      else logs[i]!.push([b.observations[k], b.rewards[k], b.terminated[k], b.truncated[k], b.infos[k]?.finalObservation ?? null]);
      taken[i]!++;
      if (taken[i]! < steps) ids.push(i);
    });
    if (ids.length > 0) {
      vec.send(ids.map((i) => policy(i, taken[i]!)), ids);
      running += ids.length;
    }
  }
  return { logs, batchSizes };
}

describe('AsyncVectorEnv pipelined mode', () => {
  const toClose: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    delete process.env.CRS_GYM_TEST_ALLOW_CRASH;
    await Promise.all(toClose.splice(0).map((v) => v.close()));
  });

  it('gives every copy the same episodes as lock-step stepping, for any workers and batch size', async () => {
    const want = await lockStepLogs(new SyncVectorEnv([0, 1, 2, 3, 4].map(() => new CounterEnv(4))), 12);
    for (const [workers, batchSize] of [
      [1, undefined],
      [2, undefined],
      [2, 1],
      [2, 2],
    ] as const) {
      const vec = new AsyncVectorEnv<number, number>({ setupModule: codecModule, args: { maxSteps: 4 }, numEnvs: 5, workers, ...(batchSize ? { batchSize } : {}) });
      toClose.push(vec);
      const { logs, batchSizes } = await pipelinedLogs(vec, 12);
      expect(logs, `${workers} workers, batchSize ${batchSize}`).toEqual(want);
      expect(Math.max(...batchSizes)).toBeLessThanOrEqual(batchSize ?? Math.ceil(5 / workers));
    }
  });

  it('can follow lock-step calls and be followed by them once every batch is received', async () => {
    const vec = new AsyncVectorEnv<number, number>({ setupModule, args: { maxSteps: 4 }, numEnvs: 2, workers: 2 });
    toClose.push(vec);
    await vec.reset({ seed: 1 });
    vec.send([0, 1], [0, 1]);
    await expect(vec.step([0, 0])).rejects.toThrow(/2 env\(s\) are still running in pipelined mode/);
    const got = [await vec.recv(), await vec.recv()].flatMap((b) => b.envIds).sort();
    expect(got).toEqual([0, 1]);
    const r = await vec.step([0, 0]);
    expect(r.observations).toHaveLength(2);
  });

  it('names the misuse: nothing running, a copy still running, bad ids, mismatched lengths', async () => {
    const vec = new AsyncVectorEnv<number, number>({ setupModule, args: { maxSteps: 50 }, numEnvs: 3, workers: 1 });
    toClose.push(vec);
    await expect(vec.recv()).rejects.toThrow(/no env is running; call asyncReset\(\) or send\(\) first/);
    expect(() => new AsyncVectorEnv({ setupModule, args: {}, numEnvs: 2, batchSize: 0 })).toThrow(/batchSize must be an integer >= 1/);
    await vec.asyncReset({ seed: 2 });
    expect(() => vec.send([0], [1])).toThrow(/env 1 is still running; recv\(\) its result/);
    await expect(vec.asyncReset()).rejects.toThrow(/still running in pipelined mode/);
    const b = await vec.recv();
    expect(b.envIds).toEqual([0, 1, 2]);
    expect(b.rewards).toEqual([0, 0, 0]);
    expect(() => vec.send([0], [3])).toThrow(/env id 3 is not in 0\.\.2/);
    expect(() => vec.send([0, 0], [1, 1])).toThrow(/env id 1 appears twice/);
    expect(() => vec.send([0], [0, 1])).toThrow(/1 actions for 2 env ids/);
  });

  it('closing lets running batches finish and be received, then refuses new work', async () => {
    const vec = new AsyncVectorEnv<number, number>({ setupModule, args: { maxSteps: 50 }, numEnvs: 2, workers: 2 });
    await vec.asyncReset({ seed: 1 });
    await vec.recv();
    await vec.recv();
    vec.send([0, 0], [0, 1]);
    await vec.close();
    const ids = [...(await vec.recv()).envIds, ...(await vec.recv()).envIds].sort();
    expect(ids).toEqual([0, 1]);
    expect(() => vec.send([0], [0])).toThrow(/closed/);
    await expect(vec.recv()).rejects.toThrow(/closed/);
    await expect(vec.step([0, 0])).rejects.toThrow(/closed/);
    await expect(vec.asyncReset()).rejects.toThrow(/closed/);
    await vec.close(); // twice is fine
  });

  it('an env that throws fails its batch in recv, and its copies can be sent again', async () => {
    const vec = new AsyncVectorEnv<number, number>({ setupModule: codecModule, args: { maxSteps: 50 }, numEnvs: 2, workers: 1 });
    toClose.push(vec);
    await vec.asyncReset({ seed: 1 });
    await vec.recv();
    vec.send([9, 0], [0, 1]);
    await expect(vec.recv()).rejects.toThrow(/action 9 is not allowed here/);
    vec.send([0, 0], [0, 1]);
    expect((await vec.recv()).envIds).toEqual([0, 1]);
  });

  it('a copy sent while its worker is being rebuilt reports its lost episode, not an error', async () => {
    process.env.CRS_GYM_TEST_ALLOW_CRASH = '1';
    const vec = new AsyncVectorEnv<number, number>({ setupModule: codecModule, args: { maxSteps: 50 }, numEnvs: 4, workers: 2, batchSize: 1 });
    toClose.push(vec);
    await vec.asyncReset({ seed: 3 });
    for (let k = 0; k < 4; k++) await vec.recv();
    vec.send([2], [0]);
    // Copy 2 shares the dying worker; sent a moment later, it lands before, during or after the rebuild.
    await new Promise((resolve) => setTimeout(resolve, 30));
    vec.send([0], [2]);
    const errors = new Map<number, unknown>();
    for (let k = 0; k < 2; k++) {
      const b = await vec.recv();
      b.envIds.forEach((i, j) => errors.set(i, b.infos[j]?.workerError));
    }
    expect(String(errors.get(0))).toMatch(/worker for env 0 died/);
    expect(String(errors.get(2))).toMatch(/worker for env 2 died/);
    vec.send([0, 0], [0, 2]);
    const next = await vec.recv();
    expect(next.infos.every((info) => info.workerError === undefined)).toBe(true);
  });

  it('survives a killed worker: every copy of that worker, running or not, reports its lost episode once', async () => {
    // Worker threads copy the environment when they start.
    process.env.CRS_GYM_TEST_ALLOW_CRASH = '1';
    // 4 copies on 2 workers in batches of 1: copies 0 and 2 live on worker 0, in separate batches.
    const vec = new AsyncVectorEnv<number, number>({ setupModule: codecModule, args: { maxSteps: 50 }, numEnvs: 4, workers: 2, batchSize: 1 });
    toClose.push(vec);
    await vec.asyncReset({ seed: 3 });
    for (let k = 0; k < 4; k++) await vec.recv();
    vec.send([0], [2]);
    vec.send([2, 0], [0, 1]);
    const results = new Map<number, { truncated: boolean; error: unknown }>();
    for (let k = 0; k < 3; k++) {
      const b = await vec.recv();
      b.envIds.forEach((i, j) => results.set(i, { truncated: b.truncated[j]!, error: b.infos[j]?.workerError }));
    }
    expect(results.get(0)?.truncated).toBe(true);
    expect(String(results.get(0)?.error)).toMatch(/worker for env 0 died/);
    expect(results.get(1)).toEqual({ truncated: false, error: undefined });
    // Copy 2 was rebuilt too: its lost episode shows up once, in its batch or at its next send.
    let copy2Errors = String(results.get(2)?.error ?? '').includes('worker for env 2 died') ? 1 : 0;
    vec.send([0, 0, 0, 0], [0, 1, 2, 3]);
    const ids: number[] = [];
    while (ids.length < 4) {
      const b = await vec.recv();
      ids.push(...b.envIds);
      b.envIds.forEach((i, j) => {
        if (i === 2 && String(b.infos[j]?.workerError ?? '').includes('worker for env 2 died')) copy2Errors++;
        if (i !== 2) expect(b.infos[j]?.workerError).toBeUndefined();
      });
    }
    expect(copy2Errors).toBe(1);
    expect(ids.sort()).toEqual([0, 1, 2, 3]);
  });

  it('runs the batches posted ahead to a worker one after another, never interleaved at an await', async () => {
    // One worker, four batches of one copy: all four are posted to the worker at once.
    const vec = new AsyncVectorEnv<number, number>({ setupModule: slowModule, args: {}, numEnvs: 4, workers: 1, batchSize: 1 });
    toClose.push(vec);
    await vec.asyncReset({ seed: 1 });
    for (let k = 0; k < 4; k++) {
      const b = await vec.recv();
      vec.send([0], b.envIds);
    }
    for (let k = 0; k < 4; k++) await vec.recv();
    const log = (await vec.render(0)).split(',');
    expect(log).toHaveLength(8);
    for (let k = 0; k < 8; k += 2) expect([log[k]?.split(' ')[0], log[k + 1]?.split(' ')[0], log[k]?.split(' ')[1]]).toEqual(['begin', 'end', log[k + 1]?.split(' ')[1]]);
  });
});
