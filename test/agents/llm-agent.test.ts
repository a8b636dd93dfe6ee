// The LLM agent against a real OpenAI-compatible stub server on 127.0.0.1 (port 0).
import { afterEach, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { ChatClient } from '../../src/llm/index.js';
import { parseAction } from '../../envs/action.js';
import { LlmAgent } from '../../agents/llm-agent.js';
import { completionBody, openAiError, sendJson, startServer, type Handler, type TestServer } from '../llm/server.js';
import { makeWorld, SMALL_ARGS } from './fixtures.js';
import { evaluate } from '../../src/eval/protocol.js';
import { sampleIds } from '../../src/learners/standard-setup.js';
import { defaultConcurrency } from '../../src/pipeline/run-eval.js';
import { addStats, llmFailureNote, llmStatsOf, statsSince } from '../../src/pipeline/llm-agent-calls.js';

/** The env an evaluation plays: every round, whatever the user says. */
const EVAL_ARGS = { ...SMALL_ARGS, env: { ...SMALL_ARGS.env, runAllRounds: true } };

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

/** Answers like a well-behaved reasoning LLM: five steps, then the first three candidate titles in reverse. */
const goodModel: Handler = (req, res) => {
  const body = req.body as { messages: { role: string; content: string }[] };
  const prompt = body.messages.at(-1)?.content ?? '';
  const titles = [...prompt.matchAll(/^\d+\. (.+?)(?: \(genre:.*)?$/gm)].map((m) => m[1]!.replace(/ \((?:genre|director|actor).*$/, ''));
  const steps = ['Preference Inference: The user prefers drama movies.', 'Attribute Matching: ...', 'Scoring: ...', 'Ranking: ...', 'Explanation: ...'];
  const text = `<think>\n${steps.map((s, i) => `Step${i + 1}: ${s}`).join('\n')}\n</think>\nRANK LIST: [${titles.slice(0, 3).reverse().join(', ')}]`;
  sendJson(res, 200, completionBody(text));
};

describe('LlmAgent', () => {
  it('sends the rendered instruction and returns the model text, which the env parses', async () => {
    const server = await serve(goodModel);
    const { env } = await makeWorld();
    const agent = new LlmAgent({ client: new ChatClient({ baseURL: server.baseURL, model: 'test-model', maxRetries: 0 }) });
    const { observation } = await env.reset({ seed: 1 });
    const text = await agent.act(observation, new Rng('llm'));
    const request = server.requests[0]!.body as { model: string; messages: { role: string; content: string }[]; seed?: number };
    expect(request.model).toBe('test-model');
    expect(request.messages.at(-1)!.content).toBe(observation.prompt);
    expect(request.messages[0]!.role).toBe('system');
    expect(typeof request.seed).toBe('number');
    const parsed = parseAction(text, observation.candidates, observation.listLength);
    expect(parsed.thinkSteps).toBe(5);
    expect(parsed.ranking).toEqual(observation.candidates.slice(0, 3).reverse().map((c) => c.id));
    const step = await env.step(text);
    expect(step.info.rewards['processFormat']).toBe(1);
    expect(step.info.rewards['answerFormat']).toBe(1);
    expect(step.info.rewards['preference']).toBeGreaterThan(0);
  });

  it('turns a server failure into an empty, zero-format action instead of throwing', async () => {
    const server = await serve((_req, res) => sendJson(res, 500, openAiError('model crashed')));
    const { env } = await makeWorld();
    const agent = new LlmAgent({ client: new ChatClient({ baseURL: server.baseURL, model: 'm', maxRetries: 0 }) });
    const { observation } = await env.reset({ seed: 2 });
    const text = await agent.act(observation, new Rng('x'));
    expect(text).toMatch(/LLM call failed \(http\)/);
    expect(agent.stats()).toMatchObject({ calls: 1, failures: 1, failuresByKind: { http: 1 } });
    expect(agent.lastError?.status).toBe(500);
    const step = await env.step(text);
    expect(step.info.ranking).toEqual([]);
    expect(step.info.rewards['processFormat']).toBe(0);
    expect(step.info.rewards['answerFormat']).toBe(0);
    expect(step.info.problems.length).toBeGreaterThan(0);
  });

  it('survives a refused connection and a malformed reply', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, { choices: [] }));
    const agent = new LlmAgent({ client: new ChatClient({ baseURL: server.baseURL, model: 'm', maxRetries: 0 }), systemPrompt: null });
    const { env } = await makeWorld();
    const { observation } = await env.reset({ seed: 3 });
    expect(await agent.act(observation, new Rng(1))).toMatch(/malformed/);
    expect((server.requests[0]!.body as { messages: unknown[] }).messages).toHaveLength(1);
    const down = new LlmAgent({ client: new ChatClient({ baseURL: 'http://127.0.0.1:9/v1', model: 'm', maxRetries: 0, timeoutMs: 2000 }) });
    expect(await down.act(observation, new Rng(2))).toMatch(/network|timeout/);
  });

  it('plays evaluation samples concurrently against the server, with the same results as one env copy', async () => {
    const server = await serve(async (req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 5)); // a server that takes a moment, so requests overlap
      goodModel(req, res, 0);
    });
    const agent = new LlmAgent({ client: new ChatClient({ baseURL: server.baseURL, model: 'm', maxRetries: 0, maxConcurrency: 3 }) });
    const ids = await sampleIds(SMALL_ARGS, 'test');
    expect(ids.length).toBeGreaterThanOrEqual(4);
    const one = await evaluate({ env: (await makeWorld(EVAL_ARGS)).env, agent, samples: ids, seed: 9, rounds: 3 });
    expect(server.maxConcurrent()).toBe(1);
    const copies = await Promise.all([0, 1, 2, 3].map(async () => (await makeWorld(EVAL_ARGS)).env));
    const four = await evaluate({ env: copies, agent, samples: ids, seed: 9, rounds: 3 });
    expect(four).toEqual(one);
    // Four copies ask at once, the client's maxConcurrency lets three through.
    expect(server.maxConcurrent()).toBe(3);
    expect(agent.stats().failures).toBe(0);
  });
});

describe('LLM agent call counts in evaluations', () => {
  it('counts the calls of one evaluation, sums chunks, and writes a note naming the failures', async () => {
    let n = 0;
    const server = await serve((req, res) => {
      n++;
      if (n % 3 === 0) sendJson(res, 500, openAiError('overloaded'));
      else goodModel(req, res, 0);
    });
    const agent = new LlmAgent({ client: new ChatClient({ baseURL: server.baseURL, model: 'm', maxRetries: 0 }) });
    const ids = (await sampleIds(SMALL_ARGS, 'test')).slice(0, 3);
    await evaluate({ env: (await makeWorld(EVAL_ARGS)).env, agent, samples: ids.slice(0, 1), seed: 1, rounds: 3 }); // an earlier run on the same agent
    const before = llmStatsOf(agent);
    await evaluate({ env: (await makeWorld(EVAL_ARGS)).env, agent, samples: ids, seed: 2, rounds: 3 });
    const calls = statsSince(llmStatsOf(agent), before)!;
    const total = agent.stats();
    expect(calls.calls).toBe(total.calls - before!.calls);
    expect(calls.calls).toBeGreaterThanOrEqual(3);
    expect(calls.failures).toBe(total.failures - before!.failures);
    expect(calls.failures).toBeGreaterThan(0);
    expect(calls.failuresByKind).toEqual({ http: calls.failures });
    expect(llmFailureNote(calls)).toBe(
      `the LLM agent's server failed ${calls.failures} of ${calls.calls} calls (http ${calls.failures}); each failed call answered an empty list, scored as a malformed answer (see docs/llm-server.md, Errors)`,
    );
    expect(addStats(calls, { calls: 2, failures: 1, failuresByKind: { timeout: 1 } })).toEqual({
      calls: calls.calls + 2,
      failures: calls.failures + 1,
      failuresByKind: { http: calls.failures, timeout: 1 },
    });
    expect(addStats(undefined, calls)).toEqual(calls);
    expect(llmStatsOf(new ShuffleLikeAgent())).toBeUndefined();
  });
});

/** Not an LLM agent. */
class ShuffleLikeAgent {
  readonly name = 'x';
}

describe('runEvaluation default concurrency', () => {
  const vars = { CRS_GYM_LLM_BASE_URL: 'http://127.0.0.1:1/v1', CRS_GYM_LLM_MODEL: 'm' };
  it('is the LLM maxConcurrency for an llm agent or simulator and 1 otherwise', () => {
    expect(defaultConcurrency('bm25', {}, vars)).toBe(1);
    expect(defaultConcurrency('neural:runs/x', { simulator: 'multi-task' }, vars)).toBe(1);
    expect(defaultConcurrency('llm', {}, vars)).toBe(8);
    expect(defaultConcurrency('retriever', { simulator: 'llm', llm: { maxConcurrency: 3 } }, vars)).toBe(3);
    expect(defaultConcurrency('llm', { simulator: 'llm', llm: { maxConcurrency: 5 } }, vars)).toBe(5);
    expect(() => defaultConcurrency('llm', {}, {})).toThrow(/baseURL is missing/);
  });
});
