// CrsEnv's speed memos must not change the dynamics: round 1's candidates reused when a sample is played again,
// the prompt rendered lazily from memoized parts, reference embeddings memoized. An env with the cold-start
// cache plays the same trajectories (observations with their prompts, rewards, infos) as one without it, over
// seeds that revisit samples; and the lazy prompt reads like the plain string property it replaces.
import { describe, expect, it } from 'vitest';
import { CrsEnv } from '../../envs/crs-env.js';
import { renderRecommenderPrompt } from '../../envs/prompt.js';
import type { CrsObservation } from '../../envs/types.js';
import type { Info } from '../../src/core/env.js';
import type { Retriever } from '../../src/retriever/types.js';
import { buildSyntheticEnv, scriptedAction, SYNTHETIC_ENV_CONFIG, syntheticComponents } from './setup-synthetic.js';

/** Drops wall-clock timings (the only non-deterministic part of an info), at any depth. */
function withoutTimings<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutTimings) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'timings').map(([k, v]) => [k, withoutTimings(v)])) as T;
  }
  return value;
}

/** Every observation (as plain data, prompt included), reward and info of `episodes` episodes per seed. */
async function play(env: CrsEnv, seeds: readonly number[], episodes = 2): Promise<unknown[]> {
  const log: unknown[] = [];
  for (const seed of seeds) {
    for (let e = 0; e < episodes; e++) {
      const r0 = await env.reset(e === 0 ? { seed } : {});
      log.push(JSON.parse(JSON.stringify({ observation: r0.observation, info: withoutTimings(r0.info) })));
      let observation = r0.observation;
      for (;;) {
        const r = await env.step(scriptedAction(observation));
        log.push(JSON.parse(JSON.stringify(withoutTimings(r))));
        if (r.terminated || r.truncated) break;
        observation = r.observation;
      }
    }
  }
  return log;
}

function plainPrompt(o: CrsObservation): string {
  return renderRecommenderPrompt({ context: o.context, candidates: o.candidates, feedback: o.feedback, previousPreference: o.previousPreference, listLength: o.listLength });
}

describe('CrsEnv memos', () => {
  it('the cold-start cache and the lazy prompt change no trajectory, also when samples are played again', async () => {
    const parts = await syntheticComponents();
    const retriever = await parts.dualView();
    const uncached = new CrsEnv({ dataset: parts.dataset, retriever, simulator: parts.simulator, textEncoder: parts.text, cacheColdStart: false }, SYNTHETIC_ENV_CONFIG);
    // A counting wrapper (its own cache key): how many retrievals the cached env really runs.
    let calls = 0;
    const counting: Retriever = { name: 'counting', retrieve: (...args) => (calls++, retriever.retrieve(...args)) };
    const cached = new CrsEnv({ dataset: parts.dataset, retriever: counting, simulator: parts.simulator, textEncoder: parts.text }, SYNTHETIC_ENV_CONFIG);
    // The same seeds twice: the second time every sample's round 1 comes from the cache.
    const seeds = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5];
    const expected = await play(uncached, seeds);
    const firstHalf = await play(cached, seeds.slice(0, 5));
    const callsFirstHalf = calls;
    const secondHalf = await play(cached, seeds.slice(5));
    expect([...firstHalf, ...secondHalf]).toEqual(expected);
    const resets = expected.filter((r) => (r as { observation?: { turn: number }; reward?: number }).reward === undefined).length;
    expect(calls - callsFirstHalf).toBe(callsFirstHalf - resets / 2);
    // Another env over the same dataset and retriever shares the memos and still plays the same.
    const other = await buildSyntheticEnv({ retriever: 'dual-view' });
    expect(await play(other, seeds.slice(0, 5))).toEqual(expected.slice(0, expected.length / 2));
    // A different candidate count is another cache key.
    const fewer = await buildSyntheticEnv({ retriever: 'dual-view', env: { ...SYNTHETIC_ENV_CONFIG, candidates: 12 } });
    const first = await fewer.reset({ seed: 1 });
    expect(first.observation.candidates).toHaveLength(12);
  });

  it('renders the prompt lazily, as a plain enumerable string property equal to the eager rendering', async () => {
    const env = await buildSyntheticEnv({ retriever: 'dual-view' });
    const { observation } = await env.reset({ seed: 3 });
    const r = await env.step(scriptedAction(observation));
    for (const o of [observation, r.observation]) {
      const expected = plainPrompt(o);
      expect(Object.keys(o).at(-1)).toBe('prompt');
      expect(structuredClone(o).prompt).toBe(expected);
      expect(JSON.parse(JSON.stringify(o)).prompt).toBe(expected);
      expect({ ...o }.prompt).toBe(expected);
      expect(o.prompt).toBe(expected);
      expect(env.observationSpace.contains(o)).toBe(true);
    }
    // Rendered from the candidates as they were built, even if the caller reorders its array later.
    const next = (await env.reset({ seed: 4 })).observation;
    const before = plainPrompt(next);
    next.candidates.reverse();
    expect(next.prompt).toBe(before);
    // Assignable like a data property.
    next.prompt = 'replaced';
    expect(next.prompt).toBe('replaced');
    expect(Object.getOwnPropertyDescriptor(next, 'prompt')).toMatchObject({ value: 'replaced', writable: true, enumerable: true });
    const info: Info = r.info;
    expect(info.timings).toBeDefined();
  });
});
