// CrsEnv inside vector envs: the synthetic env (setup-synthetic.ts, trained components) stepped by
// SyncVectorEnv in this thread and by AsyncVectorEnv on 1 and 2 worker threads (lock-step or pipelined) gives the
// same trajectories for the same seeds, with the scripted agent in the main thread; ended episodes keep their final observation
// and info (same-step autoreset). The same holds for envs/register.ts's `createEnv` as the setup module over
// a prepared artifacts folder (trained here with tiny settings on INSPIRED; CRS_GYM_LONG=1 only).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AsyncVectorEnv } from '../../src/core/async-vector.js';
import type { Info } from '../../src/core/env.js';
import { SyncVectorEnv, type VectorEnv } from '../../src/core/vector.js';
import type { CrsAction } from '../../envs/action.js';
import { hasDerivedPrompt } from '../../envs/crs-env.js';
import type { CrsObservation } from '../../envs/types.js';
import { buildSyntheticEnv, scriptedAction, type SyntheticEnvArgs } from './setup-synthetic.js';

const setupModule = new URL('./setup-synthetic.ts', import.meta.url).href;
const ARGS: SyntheticEnvArgs = { retriever: 'dual-view' };
const NUM_ENVS = 3;
const SEED = 21;
const STEPS = 12;

type CrsVector = VectorEnv<CrsObservation, CrsAction>;

/** Drops wall-clock timings (the only non-deterministic part of an info), at any depth. */
function withoutTimings<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutTimings) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'timings').map(([k, v]) => [k, withoutTimings(v)])) as T;
  }
  return value;
}

interface VectorStep {
  observations: CrsObservation[];
  rewards: number[];
  terminated: boolean[];
  truncated: boolean[];
  infos: Info[];
  /** The observations the actions were chosen from. */
  before: CrsObservation[];
}

async function play(vec: CrsVector, steps = STEPS): Promise<{ reset: { observations: CrsObservation[]; infos: Info[] }; steps: VectorStep[] }> {
  const reset = await vec.reset({ seed: SEED });
  let observations = reset.observations;
  const out: VectorStep[] = [];
  for (let t = 0; t < steps; t++) {
    const r = await vec.step(observations.map(scriptedAction));
    out.push({ ...r, infos: withoutTimings(r.infos), before: observations });
    observations = r.observations;
  }
  return { reset: { observations: reset.observations, infos: withoutTimings(reset.infos) }, steps: out };
}

/** Copy i played alone: reset with seed + i, then unseeded resets continue its stream (the vector contract). */
async function playAlone(index: number, steps = STEPS): Promise<Array<{ reward: number; done: boolean; info: Info }>> {
  const env = await buildSyntheticEnv(ARGS);
  let { observation } = await env.reset({ seed: SEED + index });
  const out = [];
  for (let t = 0; t < steps; t++) {
    const r = await env.step(scriptedAction(observation));
    const done = r.terminated || r.truncated;
    out.push({ reward: r.reward, done, info: withoutTimings(r.info) as Info });
    observation = done ? (await env.reset()).observation : r.observation;
  }
  return out;
}

const toClose: CrsVector[] = [];
afterEach(async () => {
  await Promise.all(toClose.splice(0).map((v) => v.close()));
});

describe('CrsEnv in vector envs', () => {
  it('Sync, Async with 1 worker and Async with 2 workers play the same trajectories, keeping final observations', async () => {
    const sync = new SyncVectorEnv(await Promise.all(Array.from({ length: NUM_ENVS }, () => buildSyntheticEnv(ARGS))));
    const one = new AsyncVectorEnv<CrsObservation, CrsAction>({ setupModule, args: ARGS, numEnvs: NUM_ENVS, workers: 1 });
    const two = new AsyncVectorEnv<CrsObservation, CrsAction>({ setupModule, args: ARGS, numEnvs: NUM_ENVS, workers: 2 });
    // Observations as they are (structured clones) instead of through CrsEnv's compact codec.
    const whole = new AsyncVectorEnv<CrsObservation, CrsAction>({ setupModule, args: ARGS, numEnvs: NUM_ENVS, workers: 2, observationCodec: false });
    toClose.push(sync, one, two, whole);
    expect(two.autoresetMode).toBe('same-step');

    const a = await play(sync);
    const b = await play(one);
    const c = await play(two);
    const d = await play(whole);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(d).toEqual(a);
    // The same down to key order and the prompts' text; with the codec, prompts are rendered lazily on this side.
    expect(JSON.stringify(c)).toBe(JSON.stringify(a));
    expect(JSON.stringify(d)).toBe(JSON.stringify(a));
    expect(c.steps.every((s) => s.observations.every(hasDerivedPrompt))).toBe(true);
    expect(d.steps.some((s) => s.observations.some(hasDerivedPrompt))).toBe(false);

    // Same-step autoreset: an ended copy returns the next episode's first observation and keeps the last one.
    let ended = 0;
    for (const step of a.steps) {
      for (let i = 0; i < NUM_ENVS; i++) {
        const info = step.infos[i]!;
        if (step.terminated[i] || step.truncated[i]) {
          ended++;
          const finalInfo = info.finalInfo as Info;
          expect(info.finalObservation).toEqual(step.before[i]);
          expect(finalInfo.turn).toBe(step.before[i]!.turn);
          expect(finalInfo.sampleId).toBe(step.before[i]!.sampleId);
          expect(finalInfo.accepted).toBe(step.terminated[i]);
          expect(finalInfo).not.toHaveProperty('targetInContext');
          expect(step.observations[i]!.turn).toBe(1);
          expect(step.observations[i]!.feedback).toBe('');
          expect(info.sampleId).toBe(step.observations[i]!.sampleId);
        } else {
          expect(info.finalObservation).toBeUndefined();
          expect(step.observations[i]!.turn).toBe(step.before[i]!.turn + 1);
        }
      }
    }
    expect(ended).toBeGreaterThanOrEqual(3);
    expect(a.steps.some((s) => s.terminated.some(Boolean))).toBe(true);
    expect(a.steps.some((s) => s.truncated.some(Boolean))).toBe(true);

    // Each copy's stream equals the env played alone with seed + index.
    for (let i = 0; i < NUM_ENVS; i++) {
      const alone = await playAlone(i);
      const inVector = a.steps.map((s) => ({
        reward: s.rewards[i]!,
        done: s.terminated[i]! || s.truncated[i]!,
        info: (s.infos[i]!.finalInfo as Info | undefined) ?? s.infos[i]!,
      }));
      expect(inVector).toEqual(alone);
    }

    // A bad reset option fails clearly from inside a worker.
    await expect(two.reset({ seed: 1, options: { sampleId: 'nope#0#0' } })).rejects.toThrow(/unknown sampleId 'nope#0#0'/);
  });

  it('pipelined on 2 workers (batches of one copy, through the codec), each copy plays the lock-step stream', async () => {
    const sync = new SyncVectorEnv(await Promise.all(Array.from({ length: NUM_ENVS }, () => buildSyntheticEnv(ARGS))));
    const piped = new AsyncVectorEnv<CrsObservation, CrsAction>({ setupModule, args: ARGS, numEnvs: NUM_ENVS, workers: 2, batchSize: 1 });
    toClose.push(sync, piped);
    const want = await play(sync);
    // Per copy: its observations after each step, rewards and flags, in order.
    const streams: unknown[][] = Array.from({ length: NUM_ENVS }, () => []);
    const taken = new Array<number>(NUM_ENVS).fill(-1);
    await piped.asyncReset({ seed: SEED });
    let running = NUM_ENVS;
    while (running > 0) {
      const b = await piped.recv();
      running -= b.envIds.length;
      const again: number[] = [];
      b.envIds.forEach((i, k) => {
        if (taken[i]! >= 0) streams[i]!.push([b.observations[k], b.rewards[k], b.terminated[k], b.truncated[k], withoutTimings(b.infos[k])]);
        else expect(b.observations[k]).toEqual(want.reset.observations[i]);
        taken[i]!++;
        if (taken[i]! < STEPS) again.push(i);
      });
      if (again.length > 0) {
        piped.send(again.map((i) => scriptedAction(b.observations[b.envIds.indexOf(i)]!)), again);
        running += again.length;
      }
    }
    for (let i = 0; i < NUM_ENVS; i++) {
      const lockStep = want.steps.map((s) => [s.observations[i], s.rewards[i], s.terminated[i], s.truncated[i], s.infos[i]]);
      expect(JSON.stringify(streams[i])).toBe(JSON.stringify(lockStep));
    }
  });
});

// envs/register.ts as the setup module, over an artifacts folder trained here with tiny settings.
const LONG = process.env.CRS_GYM_LONG === '1';

describe.runIf(LONG)('envs/register.ts createEnv as an AsyncVectorEnv setup module (CRS_GYM_LONG=1)', () => {
  let artifactsDir = '';
  let embeddingsBefore: string | undefined;
  beforeAll(() => {
    artifactsDir = mkdtempSync(join(tmpdir(), 'crs-vector-artifacts-'));
    // Keep this test's text embeddings out of the shared cache; workers inherit the variable when they start.
    embeddingsBefore = process.env.CRS_GYM_EMBEDDINGS;
    process.env.CRS_GYM_EMBEDDINGS = join(artifactsDir, 'embeddings');
  });
  afterAll(() => {
    if (embeddingsBefore === undefined) delete process.env.CRS_GYM_EMBEDDINGS;
    else process.env.CRS_GYM_EMBEDDINGS = embeddingsBefore;
    rmSync(artifactsDir, { recursive: true, force: true });
  });
  const components = {
    textEncoder: 'hash',
    simulatorTextEncoder: 'hash',
    lightgcn: { dim: 16, epochs: 1 },
    simulator: { epochs: 1, hidden: 16, userDim: 8 },
    retriever: { maxEpochs: 1, negatives: 16 },
    augmentRetriever: false,
  };

  it('loads the prepared components in each worker and plays the same trajectories as in this thread', async () => {
    const { makeCrsEnv } = await import('../../envs/register.js');
    // Prepare the artifacts here (training), then the workers only load them (loadOnly).
    const trained = await makeCrsEnv('inspired', { artifactsDir, components });
    await trained.close();
    const options = { artifactsDir, components, loadOnly: true, env: { rounds: 3 } };
    const registerModule = new URL('../../envs/register.ts', import.meta.url).href;
    const sync = new SyncVectorEnv([await makeCrsEnv('inspired', options), await makeCrsEnv('inspired', options)]);
    const async2 = new AsyncVectorEnv<CrsObservation, CrsAction>({ setupModule: registerModule, args: { dataset: 'inspired', options }, numEnvs: 2, workers: 2 });
    toClose.push(sync, async2);
    const a = await play(sync, 8);
    const b = await play(async2, 8);
    expect(b).toEqual(a);
    expect(a.steps.some((s) => s.terminated.some(Boolean) || s.truncated.some(Boolean))).toBe(true);
    const missing = new AsyncVectorEnv<CrsObservation, CrsAction>({
      setupModule: registerModule,
      args: { dataset: 'inspired', options: { ...options, artifactsDir: join(artifactsDir, 'nothing-here') } },
      numEnvs: 1,
      workers: 1,
    });
    toClose.push(missing);
    await expect(missing.reset({ seed: 1 })).rejects.toThrow(/not trained .*loadOnly/);
  });
});
