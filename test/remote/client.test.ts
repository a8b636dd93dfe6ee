// RemoteEnv's errors: a full server refuses it at connect (CAPACITY_REACHED), step-order errors are EnvStateErrors
// as in-process, a wrong action shape is a RemoteEnvError listing the problem (and the episode goes on), and a
// server that goes away fails the calls in flight and every later call.
import { describe, expect, it } from 'vitest';
import { EnvStateError } from '../../src/core/env.js';
import { RemoteEnv, RemoteEnvError, serverUrls } from '../../src/remote/client.js';
import { GATED_ID, SYNTHETIC_ID, gate, startServer } from './fixtures.js';

describe('RemoteEnv', () => {
  it('maps server errors to EnvStateError and RemoteEnvError', async () => {
    const server = await startServer(SYNTHETIC_ID, { maxSessions: 1 });
    const env = await RemoteEnv.connect(server.url);
    const refused = await RemoteEnv.connect(server.url).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(RemoteEnvError);
    expect((refused as RemoteEnvError).code).toBe('CAPACITY_REACHED');

    await expect(env.step({ ranking: [] })).rejects.toBeInstanceOf(EnvStateError);
    await env.reset({ seed: 1 });
    const bad = await env.step({ ranking: 'x' }).catch((err: unknown) => err);
    expect(bad).toBeInstanceOf(RemoteEnvError);
    expect((bad as RemoteEnvError).code).toBe('VALIDATION_ERROR');
    expect((bad as RemoteEnvError).message).toContain('action.ranking');
    expect((await env.state()).step_count).toBe(0);
    expect(env.render()).toMatch(/^reset \{"seed":1\}$/);
    await env.close();
  });

  it('fails the call in flight and later calls when the server goes away', async () => {
    const server = await startServer(GATED_ID, { drainTimeoutMs: 100 });
    const env = await RemoteEnv.connect<Float32Array, number>(server.url);
    await env.reset({ seed: 0 });
    gate.close();
    const pending = env.step(1);
    await gate.entered;
    const drained = server.drain(); // the step never finishes: the drain times out and closes the connection
    await expect(pending).rejects.toMatchObject({ code: 'CONNECTION' });
    await expect(env.reset()).rejects.toMatchObject({ code: 'CONNECTION' });
    gate.open();
    await drained;
  });

  it('accepts http and ws URLs, with or without /ws', () => {
    expect(serverUrls('http://h:1')).toEqual({ http: 'http://h:1', ws: 'ws://h:1/ws' });
    expect(serverUrls('ws://h:1/ws')).toEqual({ http: 'http://h:1', ws: 'ws://h:1/ws' });
    expect(serverUrls('https://h/env/')).toEqual({ http: 'https://h/env', ws: 'wss://h/env/ws' });
    expect(() => serverUrls('ftp://h')).toThrow(RangeError);
  });
});
