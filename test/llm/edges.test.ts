// ChatClient against servers that misbehave, on a real local HTTP server: one that never answers (the timeout and
// the retries bound the call), one that answers a huge body (cut off at maxReplyBytes, never held whole), one that
// sends control bytes (escaped in messages, dropped from reply text), and a dead one (the client gives up after
// maxConsecutiveFailures calls in a row with LlmGaveUpError, which is not an LlmError, so agents do not skip it).
import { afterEach, describe, expect, it } from 'vitest';
import { ChatClient, isLlmError, LlmError, LlmGaveUpError, type ChatMessage } from '../../src/llm/index.js';
import { completionBody, sendJson, serversClosedAfterEach } from './server.js';

const MESSAGES: ChatMessage[] = [{ role: 'user', content: 'Something like Alien, please.' }];

const serve = serversClosedAfterEach(afterEach);

const noSleep = async (): Promise<void> => {};

describe('ChatClient at the edges', () => {
  it('bounds a call to a server that never answers by timeoutMs x (maxRetries + 1)', async () => {
    const server = await serve(() => {
      // never answers
    });
    const client = new ChatClient({ baseURL: server.baseURL, model: 'm', timeoutMs: 150, maxRetries: 1 }, { sleep: noSleep });
    const t0 = performance.now();
    const error = await client.complete(MESSAGES).catch((e: unknown) => e);
    const ms = performance.now() - t0;
    expect(error).toBeInstanceOf(LlmError);
    expect((error as LlmError).kind).toBe('timeout');
    expect((error as LlmError).attempts).toBe(2);
    expect(ms).toBeLessThan(5_000);
  });

  it('cuts off a reply larger than maxReplyBytes, declared or streamed, without retrying it', async () => {
    const big = 'x'.repeat(64 * 1024);
    const server = await serve((_req, res, index) => {
      if (index === 0) {
        sendJson(res, 200, completionBody(big)); // declared by Content-Length
        return;
      }
      // Streamed without a length: 64 KB chunks that never end.
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write(big), 1);
      res.on('close', () => clearInterval(timer));
    });
    const client = new ChatClient({ baseURL: server.baseURL, model: 'm', maxReplyBytes: 16 * 1024, maxRetries: 2 }, { sleep: noSleep });
    for (let i = 0; i < 2; i++) {
      const error = (await client.complete(MESSAGES).catch((e: unknown) => e)) as LlmError;
      expect(error).toBeInstanceOf(LlmError);
      expect(error.kind).toBe('malformed');
      expect(error.message).toContain('larger than 16384 bytes (maxReplyBytes)');
    }
    expect(server.requests).toHaveLength(2);
  });

  it('escapes control bytes of a server in error messages and drops them from reply text', async () => {
    const server = await serve((_req, res, index) => {
      if (index === 0) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(Buffer.from([0x6f, 0x6f, 0x70, 0x73, 0x00, 0x1b, 0x5b, 0x32, 0x4a, 0x07, 0xff]));
        return;
      }
      sendJson(res, 200, completionBody('Alien\u0000 is\u001b[2J great\u0007\n'));
    });
    const client = new ChatClient({ baseURL: server.baseURL, model: 'm', maxRetries: 0 }, { sleep: noSleep });
    const error = (await client.complete(MESSAGES).catch((e: unknown) => e)) as LlmError;
    expect(error.message).toContain('oops\\x00\\x1b[2J\\x07');
    expect(error.message).not.toMatch(/[\u0000-\u0008\u001b\u007f]/);
    const reply = await client.complete(MESSAGES);
    expect(reply.text).toBe('Alien is[2J great\n');
  });

  it('gives up after maxConsecutiveFailures calls in a row, then rejects at once; a success resets the count', async () => {
    let healthy = true;
    const server = await serve((_req, res) => {
      if (healthy) sendJson(res, 200, completionBody('ok'));
      else sendJson(res, 503, { error: { message: 'overloaded' } });
    });
    const client = new ChatClient({ baseURL: server.baseURL, model: 'm', maxRetries: 0, maxConsecutiveFailures: 3 }, { sleep: noSleep });
    healthy = false;
    for (let i = 0; i < 2; i++) expect(isLlmError(await client.complete(MESSAGES).catch((e: unknown) => e))).toBe(true);
    healthy = true;
    await client.complete(MESSAGES); // resets the streak
    healthy = false;
    for (let i = 0; i < 2; i++) expect(isLlmError(await client.complete(MESSAGES).catch((e: unknown) => e))).toBe(true);
    const third = await client.complete(MESSAGES).catch((e: unknown) => e);
    expect(third).toBeInstanceOf(LlmGaveUpError);
    expect(isLlmError(third)).toBe(false);
    expect((third as Error).message).toMatch(/failed 3 calls in a row \(last: http: .*503.*\); gave up/);
    const sent = server.requests.length;
    healthy = true;
    await expect(client.complete(MESSAGES)).rejects.toBeInstanceOf(LlmGaveUpError);
    expect(server.requests.length).toBe(sent);
    expect(client.hasGivenUp).toBe(true);
  });
});
