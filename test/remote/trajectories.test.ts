// The same seeds give identical trajectories in-process and through the protocol: the synthetic CrsEnv played by
// the scripted agent (structured and text actions alternating) here, through RemoteEnv on a real server, and as a
// vector env over two servers against SyncVectorEnv over local envs. Observations, rewards, flags and infos (wall-clock
// timings aside) must be equal, as must the generic env's Float32Array observations (rebuilt from JSON on the client).
import { describe, expect, it } from 'vitest';
import type { Env, Info } from '../../src/core/env.js';
import { SyncVectorEnv, type VectorEnv } from '../../src/core/vector.js';
import { toJsonValue } from '../../src/core/wire.js';
import { RemoteEnv } from '../../src/remote/client.js';
import { connectRemoteVectorEnv } from '../../src/remote/vector.js';
import type { CrsAction } from '../../envs/action.js';
import type { CrsObservation } from '../../envs/types.js';
import { buildSyntheticEnv, scriptedAction } from '../envs/setup-synthetic.js';
import { GATED_ID, GatedEnv, SYNTHETIC_ID, startServer } from './fixtures.js';

/** Drops wall-clock timings (the only non-deterministic part of an info), at any depth. */
function withoutTimings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimings);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'timings').map(([k, v]) => [k, withoutTimings(v)]));
  }
  return value;
}

/** Episodes with seeds `seeds`, as plain JSON (what equality is checked on). */
async function playEpisodes(env: Env<CrsObservation, CrsAction>, seeds: readonly number[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const seed of seeds) {
    const reset = await env.reset({ seed });
    let observation = reset.observation;
    const steps: unknown[] = [];
    for (;;) {
      const r = await env.step(scriptedAction(observation));
      steps.push({ observation: r.observation, reward: r.reward, terminated: r.terminated, truncated: r.truncated, info: withoutTimings(r.info) });
      if (r.terminated || r.truncated) break;
      observation = r.observation;
    }
    out.push(toJsonValue({ reset: { observation: reset.observation, info: withoutTimings(reset.info) }, steps }));
  }
  return out;
}

async function playVector(vec: VectorEnv<CrsObservation, CrsAction>, steps: number): Promise<unknown> {
  const reset = await vec.reset({ seed: 40 });
  let observations = reset.observations;
  const out: unknown[] = [];
  for (let t = 0; t < steps; t++) {
    const r = await vec.step(observations.map(scriptedAction));
    out.push({ ...r, infos: withoutTimings(r.infos) as Info[] });
    observations = r.observations;
  }
  return toJsonValue({ reset: { observations: reset.observations, infos: withoutTimings(reset.infos) }, steps: out });
}

describe('remote trajectories', () => {
  it('same seeds give identical CrsEnv trajectories in-process, through RemoteEnv, and through a vector env over two servers', async () => {
    const seeds = [0, 1, 2, 3, 4, 5];
    const local = await playEpisodes(await buildSyntheticEnv({ retriever: 'bm25' }), seeds);

    const server = await startServer(SYNTHETIC_ID);
    const remote = await RemoteEnv.connect<CrsObservation, CrsAction>(server.url);
    const remotely = await playEpisodes(remote, seeds);
    await remote.close();
    expect(remotely).toEqual(local);
    // Both kinds of action were played, and some episodes end by acceptance, others by the turn limit.
    const ends = local.flatMap((e) => (e as { steps: Array<{ terminated: boolean; truncated: boolean }> }).steps.slice(-1));
    expect(ends.some((s) => s.terminated)).toBe(true);
    expect(ends.some((s) => s.truncated)).toBe(true);

    const second = await startServer(SYNTHETIC_ID);
    const copies = await Promise.all([0, 1, 2].map(() => buildSyntheticEnv({ retriever: 'bm25' })));
    const inProcess = await playVector(new SyncVectorEnv(copies), 8);
    const overServers = await connectRemoteVectorEnv<CrsObservation, CrsAction>([server.url, second.url], 3);
    const viaServers = await playVector(overServers, 8);
    await overServers.close();
    expect(viaServers).toEqual(inProcess);
    expect(server.stats().opened).toBe(3); // the single RemoteEnv, then copies 0 and 2
    expect(second.stats().opened).toBe(1);
  });

  it('a generic env (spaces only) travels too: Float32Array observations come back as Float32Arrays', async () => {
    const server = await startServer(GATED_ID);
    const remote = await RemoteEnv.connect<Float32Array, number>(server.url);
    const local = new GatedEnv();
    for (const env of [local, remote] as Env<Float32Array, number>[]) {
      const reset = await env.reset({ seed: 3 });
      expect(reset.observation).toBeInstanceOf(Float32Array);
    }
    const a = await local.reset({ seed: 3 });
    const b = await remote.reset({ seed: 3 });
    expect(b.observation).toEqual(a.observation);
    for (const action of [2, 1, 0]) {
      const [x, y] = [await local.step(action), await remote.step(action)];
      expect(y).toEqual(x);
    }
    expect(remote.observationSpace.contains(b.observation)).toBe(true);
    expect(remote.actionSpace.contains(2)).toBe(true);
    expect(remote.actionSpace.contains(3)).toBe(false);
    await remote.close();
  });
});
