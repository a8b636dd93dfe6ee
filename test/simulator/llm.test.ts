import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { ChatClient } from '../../src/llm/client.js';
import { LlmSimulator, cleanReply, renderSimulatorPrompt } from '../../src/simulator/llm.js';
import { NameGuard } from '../../src/simulator/name-guard.js';
import { buildSimulatorInput } from '../../src/simulator/types.js';
import { fixtureDataset } from './fixtures.js';

const dataset = fixtureDataset();
const caseSample = dataset.samples.test.find((s) => s.target === '1')!;

interface Canned {
  status: number;
  body: unknown;
}

/** A loopback OpenAI-compatible server: answers each request with the next canned reply. */
class CannedServer {
  readonly requests: { messages: { role: string; content: string }[]; seed?: number }[] = [];
  replies: Canned[] = [];
  private server: Server | undefined;
  baseURL = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as CannedServer['requests'][number]);
        const reply = this.replies.shift() ?? { status: 500, body: { error: { message: 'no canned reply left' } } };
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseURL = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

function completion(text: string): Canned {
  return {
    status: 200,
    body: { id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }] },
  };
}

describe('LlmSimulator against a local OpenAI-compatible server', () => {
  const server = new CannedServer();
  let client: ChatClient;

  beforeAll(async () => {
    await server.start();
    client = new ChatClient({ baseURL: server.baseURL, model: 'test-sim', maxRetries: 0, timeoutMs: 5000 });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('sends the instruction with D, I_D and R_{t-1} but nothing about the target', async () => {
    server.replies.push(completion('I liked the action in The Dark Knight, but I want something darker.'));
    const sim = new LlmSimulator(client);
    const fb = await sim.feedback(buildSimulatorInput(caseSample, dataset, ['16', '13']), new Rng(1));
    expect(fb).toMatchObject({ kind: 'feedback', source: 'llm', text: 'I liked the action in The Dark Knight, but I want something darker.' });
    expect(fb.error).toBeUndefined();
    const sent = server.requests.at(-1)!;
    const user = sent.messages[1]!.content;
    expect(sent.messages[0]!.role).toBe('system');
    expect(user).toContain('Guardians of the Galaxy (2014)'); // I_D
    expect(user).toContain('1. The Dark Knight (2008)'); // R_{t-1}
    expect(user).toContain('Thanos is in it'); // D
    expect(JSON.stringify(sent)).not.toMatch(/Joker|Todd Phillips/); // the target
    expect(typeof sent.seed).toBe('number');
  });

  it('reads an [ACCEPT] reply as an acceptance', async () => {
    server.replies.push(completion('[ACCEPT] Oh, The Dark Knight sounds perfect!'));
    const fb = await new LlmSimulator(client).feedback(buildSimulatorInput(caseSample, dataset, ['16']), new Rng(2));
    expect(fb.kind).toBe('accept');
    expect(fb.text).toBe('Oh, The Dark Knight sounds perfect!');
  });

  it('drops sentences that name items the user has not seen', async () => {
    server.replies.push(completion('You should really watch Joker. I want something with more crime in it.'));
    const sim = new LlmSimulator(client, { guard: new NameGuard(dataset.items) });
    const fb = await sim.feedback(buildSimulatorInput(caseSample, dataset, ['16']), new Rng(3));
    expect(fb.text).toBe('I want something with more crime in it.');
  });

  it('falls back to a neutral feedback with an error on an HTTP error, never throwing', async () => {
    server.replies.push({ status: 400, body: { error: { message: 'bad request: context too long' } } });
    const fb = await new LlmSimulator(client).feedback(buildSimulatorInput(caseSample, dataset, ['16']), new Rng(4));
    expect(fb.kind).toBe('feedback');
    expect(fb.text.length).toBeGreaterThan(5);
    expect(fb.error).toMatch(/llm http/);
  });

  it('falls back on a malformed reply and when the server is gone', async () => {
    server.replies.push({ status: 200, body: { choices: [] } });
    const malformed = await new LlmSimulator(client).feedback(buildSimulatorInput(caseSample, dataset, []), new Rng(5));
    expect(malformed.error).toMatch(/llm malformed/);
    const dead = new ChatClient({ baseURL: 'http://127.0.0.1:9/v1', model: 'x', maxRetries: 0, timeoutMs: 2000 });
    const fb = await new LlmSimulator(dead).feedback(buildSimulatorInput(caseSample, dataset, []), new Rng(6));
    expect(fb.error).toMatch(/llm network/);
  });

  it('a non-LlmError from a custom client is caught too', async () => {
    const broken = { complete: async (): Promise<never> => Promise.reject(new Error('boom')) };
    const fb = await new LlmSimulator(broken).feedback(buildSimulatorInput(caseSample, dataset, []), new Rng(7));
    expect(fb.error).toBe('llm call failed: boom');
  });
});

describe('prompt and reply helpers', () => {
  it('the cold-start prompt says there is no list yet', () => {
    const [, user] = renderSimulatorPrompt(buildSimulatorInput(caseSample, dataset, []));
    expect(user!.content).toContain('(none yet: this is the first round)');
  });

  it('cleanReply strips think blocks, labels and quotes', () => {
    expect(cleanReply('<think>hmm</think>\nUser: "I want a comedy."')).toBe('I want a comedy.');
  });
});
