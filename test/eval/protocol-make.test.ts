// evaluate() drives make()'s result: an env id registered with a factory, made with the registry's wrappers
// (OrderEnforcing, TimeLimit) and typed Env<CrsObservation, CrsAction>, evaluates exactly as the bare CrsEnv; the
// protocol reads the env's config and current sample below the wrappers (Gymnasium's `unwrapped`).
import { afterAll, describe, expect, it } from 'vitest';
import { evaluate } from '../../src/eval/protocol.js';
import { make, register, registry } from '../../src/core/registry.js';
import type { CrsAction } from '../../envs/action.js';
import type { CrsObservation } from '../../envs/types.js';
import { evalDataset, evalEnv, ShuffleAgent } from './fixtures.js';

const ID = 'ProtocolMakeTest/crs-v0';
afterAll(() => {
  registry.unregister(ID);
});

describe('evaluate on make()', () => {
  it('gives the same run as the bare env, samples given by id, under OrderEnforcing and TimeLimit', async () => {
    const { dataset, samples } = evalDataset();
    register(ID, () => evalEnv(dataset, { excludeContextItems: true }).env, { orderEnforcing: true, maxEpisodeSteps: 5 });
    const made = await make<CrsObservation, CrsAction>(ID);
    expect(made.constructor.name).not.toBe('CrsEnv'); // it is wrapped
    const ids = samples.map((s) => s.id);
    const agent = new ShuffleAgent();
    const wrapped = await evaluate({ env: made, agent, samples: ids, rounds: 5, seed: 11 });
    const bare = await evaluate({ env: evalEnv(dataset, { excludeContextItems: true }).env, agent, samples: ids, rounds: 5, seed: 11 });
    expect(wrapped.protocol).toBe('exclude-context-items'); // read from the CrsEnv's config below the wrappers
    expect(wrapped).toEqual(bare);
  });
});
