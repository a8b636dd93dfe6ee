// A served env against bad input and bad clients, on a real server: every bad message gets a typed OpenEnv error and
// the session goes on; no bad client ends another session or the server; a session's env is freed however the
// session ends (disconnect mid-episode, idle reaping, stalled reader); draining lets a running step finish.
import { describe, expect, it } from 'vitest';
import type { ObservationData, ServerMessage, StateData } from '../../src/remote/protocol.js';
import { CLOSE_CODES } from '../../src/remote/protocol.js';
import { GATED_ID, RawClient, SYNTHETIC_ID, envCounts, gate, startServer, until } from './fixtures.js';

function errorOf(reply: ServerMessage): { code: string; message: string; errors?: string[]; name?: string } {
  expect(reply.type).toBe('error');
  return (reply as Extract<ServerMessage, { type: 'error' }>).data;
}

function observationOf(reply: ServerMessage): ObservationData {
  expect(reply.type).toBe('observation');
  return (reply as Extract<ServerMessage, { type: 'observation' }>).data;
}

async function stateOf(client: RawClient): Promise<StateData> {
  const reply = await client.ask({ type: 'state' });
  expect(reply.type).toBe('state');
  return (reply as Extract<ServerMessage, { type: 'state' }>).data;
}

describe('env server: bad messages', () => {
  it('answers each bad message with a typed error and keeps the session', async () => {
    const server = await startServer(SYNTHETIC_ID);
    const c = await RawClient.open(server.url);

    c.sendRaw('{"type": "reset", ');
    expect(errorOf(await c.next()).code).toBe('INVALID_JSON');
    expect(errorOf(await c.ask({ type: 'teleport' })).code).toBe('UNKNOWN_TYPE');
    expect(errorOf(await c.ask([1, 2])).code).toBe('VALIDATION_ERROR');
    expect(errorOf(await c.ask({ type: 'state', extra: 1 })).errors).toEqual([expect.stringContaining('extra')]);
    expect(errorOf(await c.ask({ type: 'reset', data: { seed: -1 } })).code).toBe('VALIDATION_ERROR');

    const early = errorOf(await c.ask({ type: 'step', data: { ranking: [] } }));
    expect([early.code, early.name]).toEqual(['EXECUTION_ERROR', 'EnvStateError']);
    expect(early.message).toContain('before reset');

    const reset = observationOf(await c.ask({ type: 'reset', data: { seed: 5 } }));
    expect([reset.reward, reset.done]).toEqual([null, false]);
    const observation = reset.observation as { candidates: Array<{ id: string }>; listLength: number; prompt: string };
    expect(observation.prompt.length).toBeGreaterThan(0); // the lazy prompt travels as text

    // A wrong shape is refused and the env is not stepped; a well-shaped action with wrong contents is played.
    const typo = errorOf(await c.ask({ type: 'step', data: { rankings: ['x'] } }));
    expect(typo.code).toBe('VALIDATION_ERROR');
    expect(typo.errors).toEqual(['action.ranking: Invalid input: expected array, received undefined', 'action: Unrecognized key: "rankings"']);
    expect(errorOf(await c.ask({ type: 'step', data: 42 })).code).toBe('VALIDATION_ERROR');
    expect(errorOf(await c.ask({ type: 'step' })).code).toBe('VALIDATION_ERROR');
    expect((await stateOf(c)).step_count).toBe(0);

    const played = observationOf(await c.ask({ type: 'step', data: { ranking: ['not-an-item', observation.candidates[0]!.id] } }));
    expect((played.info as { problems: string[] }).problems.join(' ')).toContain('dropped');
    expect((await stateOf(c)).step_count).toBe(1);

    // Play to the end, then one step more.
    let last = played;
    while (!last.done) last = observationOf(await c.ask({ type: 'step', data: { ranking: [] } }));
    const after = errorOf(await c.ask({ type: 'step', data: { ranking: [] } }));
    expect([after.code, after.name]).toEqual(['EXECUTION_ERROR', 'EnvStateError']);
    expect(after.message).toContain('ended');
    expect(observationOf(await c.ask({ type: 'reset', data: { seed: 6, split: 'test' } })).done).toBe(false);

    // An env error (an unknown sample) is reported, not fatal.
    const unknown = errorOf(await c.ask({ type: 'reset', data: { sampleId: 'no-such-sample' } }));
    expect([unknown.code, unknown.name]).toEqual(['EXECUTION_ERROR', 'RangeError']);
    expect((await stateOf(c)).env_id).toBe(SYNTHETIC_ID);

    // The state holds bookkeeping only (nothing from the env, so nothing about the target).
    expect(Object.keys(await stateOf(c)).sort()).toEqual(['done', 'env_id', 'episode_id', 'session_id', 'step_count']);
    c.send({ type: 'close' });
    expect((await c.closed).code).toBe(1000);
  });

  it('closes a connection whose message is too large with 1009, and other sessions go on', async () => {
    const server = await startServer(SYNTHETIC_ID, { maxMessageBytes: 4096 });
    const other = await RawClient.open(server.url);
    observationOf(await other.ask({ type: 'reset', data: { seed: 1 } }));
    const big = await RawClient.open(server.url);
    big.send({ type: 'step', data: 'x'.repeat(10_000) });
    expect((await big.closed).code).toBe(1009);
    expect((await stateOf(other)).episode_id).not.toBeNull();
    await until(() => server.stats().active === 1, 5000, 'the big session to be freed');

    const response = await fetch(`${server.url}/step`, { method: 'POST', body: JSON.stringify({ session_id: 'x', action: 'y'.repeat(10_000) }) });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { data: { code: string } }).data.code).toBe('VALIDATION_ERROR');
  });

  it('refuses sessions beyond the limit with CAPACITY_REACHED, and takes new ones when a slot frees', async () => {
    const server = await startServer(SYNTHETIC_ID, { maxSessions: 2 });
    const a = await RawClient.open(server.url);
    const b = await RawClient.open(server.url);
    await until(() => server.stats().active === 2);
    const c = await RawClient.open(server.url);
    expect(errorOf(await c.next()).code).toBe('CAPACITY_REACHED');
    expect((await c.closed).code).toBe(CLOSE_CODES.capacity);
    const http = await fetch(`${server.url}/reset`, { method: 'POST', body: '{}' });
    expect(http.status).toBe(503);
    expect(((await http.json()) as { data: { code: string } }).data.code).toBe('CAPACITY_REACHED');

    a.socket.close();
    await until(() => server.stats().active === 1);
    const d = await RawClient.open(server.url);
    expect(observationOf(await d.ask({ type: 'reset', data: { seed: 0 } })).done).toBe(false);
    expect((await stateOf(b)).session_id).not.toBe((await stateOf(d)).session_id);
  });
});

describe('env server: session lifecycle', () => {
  it('frees the env of a client that disconnects mid-episode, even during a step', async () => {
    const server = await startServer(GATED_ID);
    const c = await RawClient.open(server.url);
    observationOf(await c.ask({ type: 'reset', data: { seed: 0 } }));
    const closedBefore = envCounts.closed;
    gate.close();
    c.send({ type: 'step', data: 1 });
    await gate.entered;
    c.socket.terminate();
    await new Promise((r) => setTimeout(r, 50));
    expect(envCounts.closed).toBe(closedBefore); // not while its step runs
    gate.open();
    await until(() => envCounts.closed === closedBefore + 1, 5000, 'the env to be closed');
    expect(server.stats().active).toBe(0);
  });

  it('reaps idle sessions (WebSocket and HTTP) and frees their envs', async () => {
    const server = await startServer(GATED_ID, { idleTimeoutMs: 150 });
    const c = await RawClient.open(server.url);
    const reset = await fetch(`${server.url}/reset`, { method: 'POST', body: JSON.stringify({ seed: 1 }) });
    const { session_id } = (await reset.json()) as { session_id: string };
    await until(() => server.stats().active === 2);
    const closedBefore = envCounts.closed;
    expect((await c.closed).code).toBe(CLOSE_CODES.idle);
    await until(() => server.stats().active === 0, 5000, 'both sessions to be reaped');
    expect(envCounts.closed).toBe(closedBefore + 2);
    expect(server.stats().reaped).toBe(2);
    const gone = await fetch(`${server.url}/step`, { method: 'POST', body: JSON.stringify({ session_id, action: 0 }) });
    expect(gone.status).toBe(404);
  });

  it('does not buffer without bound for a client that stops reading, and disconnects it', async () => {
    const server = await startServer(SYNTHETIC_ID, { maxBufferedBytes: 64 * 1024, maxQueuedMessages: 4, stallTimeoutMs: 1500 });
    const healthy = await RawClient.open(server.url);
    const c = await RawClient.open(server.url);
    c.socket.pause(); // stops reading from the TCP socket
    const reset = JSON.stringify({ type: 'reset', data: { seed: 0 } }); // each reply is a whole observation (~5 KB)
    for (let i = 0; i < 3000; i++) c.socket.send(reset);
    const closedBefore = envCounts.closed;
    // Meanwhile another client is served.
    expect(observationOf(await healthy.ask({ type: 'reset', data: { seed: 2 } })).done).toBe(false);
    await until(() => server.stats().stalled === 1, 15_000, 'the stalled client to be disconnected');
    const stats = server.stats();
    // The backlog never grew past the limit by more than one reply.
    expect(stats.maxBufferedBytes).toBeGreaterThan(64 * 1024);
    expect(stats.maxBufferedBytes).toBeLessThan(64 * 1024 + 64 * 1024);
    await until(() => envCounts.closed === closedBefore + 1, 5000, 'its env to be freed');
    expect((await stateOf(healthy)).step_count).toBe(0);
  });

  it('drains: refuses new sessions and calls, lets the running step finish and reply, then closes', async () => {
    const server = await startServer(GATED_ID);
    const c = await RawClient.open(server.url);
    observationOf(await c.ask({ type: 'reset', data: { seed: 0 } }));
    gate.close();
    c.send({ type: 'step', data: 2 });
    await gate.entered;
    const drained = server.drain();
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(503);
    const late = await RawClient.open(server.url);
    expect(errorOf(await late.next()).code).toBe('SESSION_ERROR');
    expect((await late.closed).code).toBe(CLOSE_CODES.draining);
    expect((await fetch(`${server.url}/reset`, { method: 'POST', body: '{}' })).status).toBe(503);
    gate.open();
    const reply = observationOf(await c.next());
    expect(reply.reward).toBe(1); // action 2 * 0.5: the step that was running when draining began
    expect((await c.closed).code).toBe(CLOSE_CODES.draining);
    await drained;
    expect(server.stats().active).toBe(0);
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });
});

describe('env server: HTTP endpoints', () => {
  it('serves health, metadata, schemas, and sessions over POST /reset and /step', async () => {
    const server = await startServer(SYNTHETIC_ID);
    const get = async (path: string) => (await fetch(`${server.url}${path}`)).json() as Promise<Record<string, unknown>>;
    const post = (path: string, body: string) => fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

    expect(await get('/health')).toMatchObject({ status: 'healthy', sessions: { active: 0, max: 64 } });
    expect(await get('/metadata')).toMatchObject({ env_id: SYNTHETIC_ID, name: SYNTHETIC_ID, spaces: { action: { type: 'Custom', name: 'CrsAction' } } });
    const schema = (await get('/schema')) as { action: { anyOf: unknown[] }; observation: { required: string[]; additionalProperties: boolean }; state: { required: string[] } };
    expect(schema.action.anyOf).toHaveLength(3);
    expect(schema.observation.required).toContain('candidates');
    expect(schema.observation.additionalProperties).toBe(false);
    expect(schema.state.required).toContain('step_count');

    expect((await post('/reset', '{"seed": ')).status).toBe(400);
    const opened = await post('/reset', JSON.stringify({ seed: 3 }));
    expect(opened.status).toBe(200);
    const first = (await opened.json()) as ObservationData & { session_id: string };
    const candidates = (first.observation as { candidates: Array<{ title: string }> }).candidates;
    const text = `<think>Step1: Preference Inference: anything.</think>\nRANK LIST: [${candidates.slice(0, 3).map((c) => c.title).join(', ')}]`;
    const bad = await post('/step', JSON.stringify({ session_id: first.session_id, action: { ranking: 'x' } }));
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { data: { code: string; errors: string[] } }).data.errors).toEqual([expect.stringMatching(/^action\.ranking: /)]);
    expect((await post('/step', JSON.stringify({ session_id: first.session_id }))).status).toBe(422);
    const stepped = await post('/step', JSON.stringify({ session_id: first.session_id, action: { text } }));
    expect(stepped.status).toBe(200);
    const step = (await stepped.json()) as ObservationData;
    expect((step.info as { ranking: string[] }).ranking).toHaveLength(3);

    expect((await post('/step', JSON.stringify({ session_id: 'nope', action: 'x' }))).status).toBe(404);
    const state = (await get(`/state?session_id=${first.session_id}`)) as StateData;
    expect(state.step_count).toBe(1);
    expect((await post('/close', JSON.stringify({ session_id: first.session_id }))).status).toBe(200);
    expect(server.stats().active).toBe(0);
    // A WebSocket session cannot be driven over HTTP.
    const ws = await RawClient.open(server.url);
    const wsId = (await stateOf(ws)).session_id;
    expect((await post('/step', JSON.stringify({ session_id: wsId, action: 'x' }))).status).toBe(404);
    expect((await fetch(`${server.url}/nowhere`)).status).toBe(404);
  });
});
