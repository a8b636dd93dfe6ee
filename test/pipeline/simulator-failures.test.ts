// Evaluations count the turns whose LLM user simulator failed (the user then gives a neutral feedback and the
// episode goes on): a CrsEnv over the synthetic dataset with the LLM simulator behind a stub that fails every
// second call.
import { describe, expect, it } from 'vitest';
import { CrsEnv } from '../../envs/crs-env.js';
import { makeSyntheticDataset } from '../../src/data/synthetic.js';
import { Bm25Retriever } from '../../src/retriever/bm25.js';
import { HashingEncoder } from '../../src/encoders/hash-encoder.js';
import { LlmSimulator } from '../../src/simulator/llm.js';
import { LlmError } from '../../src/llm/errors.js';
import type { ChatCompleter } from '../../src/llm/client.js';
import type { ChatCompletion } from '../../src/llm/response.js';
import { evaluate } from '../../src/eval/protocol.js';
import { addFailures, SimulatorFailureCounter, simulatorFailureNote } from '../../src/pipeline/simulator-failures.js';
import { ShuffleAgent } from '../eval/fixtures.js';

class FlakyServer implements ChatCompleter {
  calls = 0;
  async complete(): Promise<ChatCompletion> {
    this.calls++;
    if (this.calls % 2 === 0) throw new LlmError('timeout', 'no answer within 10 ms', { url: 'http://stub/v1/chat/completions', attempts: 1 });
    return { text: 'I liked the first one, something darker please.', finishReason: 'stop', raw: {} } as ChatCompletion;
  }
}

const dataset = makeSyntheticDataset({ seed: 3, items: 60, dialogues: 40 });

function env(server: ChatCompleter): CrsEnv {
  return new CrsEnv({ dataset, retriever: new Bm25Retriever(dataset), simulator: new LlmSimulator(server), textEncoder: new HashingEncoder({ dim: 32 }) }, { rounds: 3, split: 'test', runAllRounds: true });
}

const samples = dataset.samples.test.slice(0, 6);

describe('SimulatorFailureCounter', () => {
  it('counts played turns and the failed feedback among them, across env copies', async () => {
    const server = new FlakyServer();
    const copies = [env(server), env(server)];
    const counter = new SimulatorFailureCounter();
    const watched = await evaluate({ env: copies.map((e) => counter.watch(e)), agent: new ShuffleAgent(), samples, seed: 4, rounds: 3 });
    const counts = counter.value;
    const played = watched.samples.reduce((n, s) => n + s.rounds.length, 0);
    expect(counts.steps).toBe(played);
    // Feedback is asked after every turn but an episode's last; every second call failed.
    expect(counts.failures).toBeGreaterThan(0);
    expect(counts.failures).toBeLessThan(counts.steps);
    expect(counts.first).toMatch(/no answer within 10 ms/);
    expect(simulatorFailureNote(counts)).toBe(
      `the user simulator failed on ${counts.failures} of ${counts.steps} turns and answered a neutral feedback instead (first error: ${counts.first})`,
    );
    expect(addFailures(counts, { steps: 4, failures: 1, first: 'later' })).toEqual({ steps: counts.steps + 4, failures: counts.failures + 1, first: counts.first });
    expect(addFailures(undefined, { steps: 1, failures: 0 })).toEqual({ steps: 1, failures: 0 });
  });

  it('leaves the run as it is', async () => {
    const plain = await evaluate({ env: env(new FlakyServer()), agent: new ShuffleAgent(), samples, seed: 4, rounds: 3 });
    const counter = new SimulatorFailureCounter();
    const watched = await evaluate({ env: counter.watch(env(new FlakyServer())), agent: new ShuffleAgent(), samples, seed: 4, rounds: 3 });
    expect(watched).toEqual(plain);
    expect(counter.value.failures).toBeGreaterThan(0);
  });
});
