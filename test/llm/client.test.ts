// ChatClient against a real HTTP server on 127.0.0.1. Waits between attempts go through an injected
// sleep that records the requested delay and returns at once, so retries cost no wall time.
import { afterEach, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { backoffDelayMs, ChatClient, LlmError, type ChatMessage, type LlmConfigInput } from '../../src/llm/index.js';
import { closedPort, completionBody, delay, openAiError, sendJson, startServer, type Handler, type TestServer } from './server.js';

const MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'You are a movie recommender.' },
  { role: 'user', content: 'Something like Alien, please.' },
];

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function serve(handler: Handler): Promise<TestServer> {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}

function recordingSleep(): { delays: number[]; sleep: (ms: number) => Promise<void> } {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

function client(server: { baseURL: string }, config: Partial<LlmConfigInput> = {}, sleep = recordingSleep().sleep, rng?: Rng): ChatClient {
  return new ChatClient({ baseURL: server.baseURL, model: 'test-model', ...config }, { sleep, ...(rng ? { rng } : {}) });
}

/** Runs `promise`, expecting an LlmError, and returns it. */
async function llmError(promise: Promise<unknown>): Promise<LlmError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(LlmError);
    return err as LlmError;
  }
  throw new Error('expected the call to fail');
}

describe('ChatClient success path', { timeout: 5000 }, () => {
  it('posts model, messages, temperature, max_tokens to /v1/chat/completions and returns the text', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, completionBody('Try "Aliens" (1986).')));
    const c = client(server, { temperature: 0.3, maxTokens: 64, seed: 7 });
    const out = await c.complete(MESSAGES);
    expect(out.text).toBe('Try "Aliens" (1986).');
    expect(out.finishReason).toBe('stop');
    expect(out.usage).toEqual({ promptTokens: 11, completionTokens: 5, totalTokens: 16 });
    expect((out.raw as { id: string }).id).toBe('chatcmpl-test');
    const req = server.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/v1/chat/completions');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.body).toEqual({ model: 'test-model', messages: MESSAGES, temperature: 0.3, max_tokens: 64, seed: 7, stream: false });
    expect(req.headers.authorization).toBeUndefined();
  });

  it('sends Authorization: Bearer only when apiKey is set, and per-call overrides win', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, completionBody('ok')));
    await client(server, { apiKey: 'sk-local-123' }).complete(MESSAGES, { temperature: 0, maxTokens: 8, stop: ['\n'] });
    expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-local-123');
    expect(server.requests[0]!.body).toMatchObject({ temperature: 0, max_tokens: 8, stop: ['\n'] });
    expect(server.requests[0]!.body).not.toHaveProperty('seed');
  });

  it('uses defaults temperature 0.7 and max_tokens 1024, and counts tokens in stats()', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, completionBody('ok')));
    const c = client(server);
    await c.complete(MESSAGES);
    await c.complete(MESSAGES);
    expect(server.requests[0]!.body).toMatchObject({ temperature: 0.7, max_tokens: 1024 });
    const s = c.stats();
    expect(s).toMatchObject({ requests: 2, attempts: 2, retries: 0, succeeded: 2, failed: 0 });
    expect(s).toMatchObject({ promptTokens: 22, completionTokens: 10, totalTokens: 32, inFlight: 0 });
  });

  it('rejects bad messages with a TypeError before any request', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, completionBody('ok')));
    const c = client(server);
    await expect(c.complete([])).rejects.toThrow(TypeError);
    await expect(c.complete([{ role: 'user' } as unknown as ChatMessage])).rejects.toThrow(/messages\[0\]/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('ChatClient retries', { timeout: 5000 }, () => {
  it('429 then success: honours Retry-After seconds', async () => {
    const server = await serve((_req, res, i) =>
      i === 0 ? sendJson(res, 429, openAiError('slow down'), { 'retry-after': '2' }) : sendJson(res, 200, completionBody('ok')),
    );
    const rec = recordingSleep();
    const c = client(server, {}, rec.sleep);
    expect((await c.complete(MESSAGES)).text).toBe('ok');
    expect(rec.delays).toEqual([2000]);
    expect(server.requests).toHaveLength(2);
    expect(c.stats()).toMatchObject({ attempts: 2, retries: 1, succeeded: 1 });
  });

  it('Retry-After is capped at retryMaxDelayMs and accepts an HTTP-date', async () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    const headers = ['120', 'Wed, 21 Oct 2015 07:28:03 GMT'];
    const server = await serve((_req, res, i) =>
      i < 2 ? sendJson(res, 503, openAiError('busy'), { 'retry-after': headers[i]! }) : sendJson(res, 200, completionBody('ok')),
    );
    const rec = recordingSleep();
    const c = new ChatClient({ baseURL: server.baseURL, model: 'm', retryMaxDelayMs: 5000 }, { sleep: rec.sleep, now: () => now });
    await c.complete(MESSAGES);
    expect(rec.delays).toEqual([5000, 3000]);
  });

  it('500 twice then success, with the seeded backoff delays', async () => {
    const server = await serve((_req, res, i) => (i < 2 ? sendJson(res, 500, openAiError('boom')) : sendJson(res, 200, completionBody('ok'))));
    const rec = recordingSleep();
    const c = client(server, { retryBaseDelayMs: 500, retryMaxDelayMs: 8000 }, rec.sleep, new Rng('backoff-seed'));
    expect((await c.complete(MESSAGES)).text).toBe('ok');
    const expectRng = new Rng('backoff-seed');
    expect(rec.delays).toEqual([backoffDelayMs(0, 500, 8000, expectRng), backoffDelayMs(1, 500, 8000, expectRng)]);
    expect(rec.delays[0]).toBeGreaterThanOrEqual(250);
    expect(rec.delays[0]).toBeLessThan(500);
    expect(rec.delays[1]).toBeGreaterThanOrEqual(500);
    expect(rec.delays[1]).toBeLessThan(1000);
    expect(c.stats()).toMatchObject({ attempts: 3, retries: 2, succeeded: 1, failed: 0 });
  });

  it('500 forever: kind http after maxRetries + 1 attempts, with the server message', async () => {
    const server = await serve((_req, res) => sendJson(res, 500, openAiError('CUDA out of memory')));
    const rec = recordingSleep();
    const c = client(server, { maxRetries: 3 }, rec.sleep);
    const err = await llmError(c.complete(MESSAGES));
    expect(err.kind).toBe('http');
    expect(err.status).toBe(500);
    expect(err.attempts).toBe(4);
    expect(err.serverMessage).toBe('CUDA out of memory');
    expect(err.message).toContain('HTTP 500');
    expect(err.message).toContain('CUDA out of memory');
    expect(server.requests).toHaveLength(4);
    expect(rec.delays).toHaveLength(3);
    expect(c.stats()).toMatchObject({ attempts: 4, retries: 3, failed: 1, failuresByKind: { http: 1 } });
  });

  it.each([400, 401, 404])('HTTP %i is not retried and the error names status and server message', async (status) => {
    const server = await serve((_req, res) => sendJson(res, status, openAiError(`problem ${status}`)));
    const rec = recordingSleep();
    const err = await llmError(client(server, {}, rec.sleep).complete(MESSAGES));
    expect(err.kind).toBe('http');
    expect(err.status).toBe(status);
    expect(err.attempts).toBe(1);
    expect(err.message).toContain(`HTTP ${status}`);
    expect(err.message).toContain(`problem ${status}`);
    expect(server.requests).toHaveLength(1);
    expect(rec.delays).toEqual([]);
  });

  it('reads Ollama-style {"error": "..."} bodies', async () => {
    const server = await serve((_req, res) => sendJson(res, 404, { error: 'model "llama9" not found, try pulling it first' }));
    const err = await llmError(client(server).complete(MESSAGES));
    expect(err.message).toContain('model "llama9" not found');
    expect(err.message).toContain('/v1');
  });

  it('timeout: a server that never answers gives kind timeout, retried', async () => {
    const server = await serve(() => {
      // never respond
    });
    const rec = recordingSleep();
    const started = Date.now();
    const c = client(server, { timeoutMs: 200, maxRetries: 1 }, rec.sleep);
    const err = await llmError(c.complete(MESSAGES));
    expect(err.kind).toBe('timeout');
    expect(err.message).toContain('200 ms');
    expect(err.attempts).toBe(2);
    expect(c.stats()).toMatchObject({ attempts: 2, retries: 1, failuresByKind: { timeout: 1 } });
    // Under heavy CPU load the server may not have parsed a request before the client gave up on it.
    expect(server.requests.length).toBeGreaterThanOrEqual(1);
    expect(rec.delays).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('timeout also covers a body that stalls after the headers', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"choices": [');
    });
    const err = await llmError(client(server, { timeoutMs: 150, maxRetries: 0 }).complete(MESSAGES));
    expect(err.kind).toBe('timeout');
  });

  it('connection refused: kind network, retried', async () => {
    const port = await closedPort();
    const rec = recordingSleep();
    const c = client({ baseURL: `http://127.0.0.1:${port}/v1` }, { maxRetries: 2 }, rec.sleep);
    const err = await llmError(c.complete(MESSAGES));
    expect(err.kind).toBe('network');
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.attempts).toBe(3);
    expect(rec.delays).toHaveLength(2);
  });

  it('a connection reset mid-request is kind network', async () => {
    const server = await serve((_req, res) => {
      res.socket?.destroy();
    });
    const err = await llmError(client(server, { maxRetries: 0 }).complete(MESSAGES));
    expect(err.kind).toBe('network');
  });
});

describe('ChatClient malformed replies (not retried)', { timeout: 5000 }, () => {
  const cases: Array<[string, (res: Parameters<Handler>[1]) => void, RegExp]> = [
    ['non-JSON body', (res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<html>proxy error</html>'); }, /not JSON.*proxy error/],
    ['missing choices', (res) => sendJson(res, 200, { object: 'chat.completion' }), /no choices\[0\]/],
    ['choices without message.content', (res) => sendJson(res, 200, { choices: [{ message: { role: 'assistant' } }] }), /message\.content/],
    ['empty content cut by length', (res) => sendJson(res, 200, { choices: [{ message: { content: '' }, finish_reason: 'length' }] }), /empty.*maxTokens/],
  ];
  it.each(cases)('%s -> kind malformed', async (_name, reply, pattern) => {
    const server = await serve((_req, res) => reply(res));
    const c = client(server);
    const err = await llmError(c.complete(MESSAGES));
    expect(err.kind).toBe('malformed');
    expect(err.message).toMatch(pattern);
    expect(server.requests).toHaveLength(1);
    expect(c.stats().failuresByKind.malformed).toBe(1);
  });
});

describe('ChatClient concurrency and cancellation', { timeout: 5000 }, () => {
  const slow: Handler = async (_req, res) => {
    await delay(40);
    sendJson(res, 200, completionBody('ok'));
  };

  it('never has more than maxConcurrency requests open at the server', async () => {
    const server = await serve(slow);
    const c = client(server, { maxConcurrency: 3 });
    const outs = await Promise.all(Array.from({ length: 10 }, () => c.complete(MESSAGES)));
    expect(outs.every((o) => o.text === 'ok')).toBe(true);
    expect(server.maxConcurrent()).toBe(3);
    expect(c.stats().maxInFlight).toBe(3);
  });

  it('without a tight limit the same load runs wider (the check above can fail)', async () => {
    const server = await serve(slow);
    const c = client(server, { maxConcurrency: 10 });
    await Promise.all(Array.from({ length: 10 }, () => c.complete(MESSAGES)));
    expect(server.maxConcurrent()).toBeGreaterThan(3);
  });

  it('an abort signal cancels an in-flight request: kind aborted, no retry', async () => {
    const server = await serve(() => {
      // never respond
    });
    const rec = recordingSleep();
    const controller = new AbortController();
    const pending = client(server, { timeoutMs: 10_000 }, rec.sleep).complete(MESSAGES, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const err = await llmError(pending);
    expect(err.kind).toBe('aborted');
    expect(server.requests).toHaveLength(1);
    expect(rec.delays).toEqual([]);
  });

  it('an already-aborted signal sends nothing', async () => {
    const server = await serve(slow);
    const err = await llmError(client(server).complete(MESSAGES, { signal: AbortSignal.abort() }));
    expect(err.kind).toBe('aborted');
    expect(err.attempts).toBe(0);
    expect(server.requests).toHaveLength(0);
  });

  it('abort during the backoff wait (real sleep) ends the call at once', async () => {
    const server = await serve((_req, res) => sendJson(res, 503, openAiError('loading model')));
    const c = new ChatClient({ baseURL: server.baseURL, model: 'm', retryBaseDelayMs: 10_000, retryMaxDelayMs: 10_000 });
    const controller = new AbortController();
    const started = Date.now();
    const pending = c.complete(MESSAGES, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const err = await llmError(pending);
    expect(err.kind).toBe('aborted');
    expect(err.attempts).toBe(1);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a call aborted while queued for a slot never reaches the server', async () => {
    const held: Array<() => void> = [];
    const releaseAll = (): void => held.splice(0).forEach((release) => release());
    const server = await serve(async (_req, res) => {
      await new Promise<void>((resolve) => held.push(resolve));
      sendJson(res, 200, completionBody('first'));
    });
    const c = client(server, { maxConcurrency: 1 });
    const first = c.complete(MESSAGES);
    const controller = new AbortController();
    const second = c.complete(MESSAGES, { signal: controller.signal });
    await delay(50);
    controller.abort();
    const err = await llmError(second);
    expect(err.kind).toBe('aborted');
    releaseAll();
    expect((await first).text).toBe('first');
    expect(server.requests).toHaveLength(1);
    // The slot is free again after the abort: a third call goes through.
    const third = c.complete(MESSAGES);
    while (held.length === 0) await delay(5);
    releaseAll();
    expect((await third).text).toBe('first');
  });
});
