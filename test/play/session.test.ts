import { describe, it, expect } from 'vitest';
import { Writable } from 'node:stream';
import { PassThrough } from 'node:stream';
import { Rng } from '../../src/core/rng.js';
import { makeSyntheticDataset } from '../../src/data/synthetic.js';
import type { Dataset } from '../../src/data/types.js';
import { HashingEncoder } from '../../src/encoders/hash-encoder.js';
import { Bm25Retriever } from '../../src/retriever/bm25.js';
import { NameGuard } from '../../src/simulator/name-guard.js';
import { OracleSimulator } from '../../src/simulator/oracle.js';
import { buildSimulatorInput } from '../../src/simulator/types.js';
import type { UserSimulator } from '../../src/simulator/types.js';
import { RetrieverOrderAgent } from '../../agents/baselines.js';
import type { Agent } from '../../agents/types.js';
import { NeuralRecommender } from '../../agents/neural/recommender.js';
import { CrsEnv } from '../../envs/crs-env.js';
import { HumanSimulator } from '../../src/play/human-simulator.js';
import { ArrayLineSource, StreamLineSource } from '../../src/play/line-source.js';
import { formatResult, humanEnvConfig, runPlaySession, type PlayResult } from '../../src/play/session.js';
import { MORE_TEXT } from '../../src/play/user-input.js';

const dataset: Dataset = makeSyntheticDataset({ seed: 5, items: 60, dialogues: 30 });
const NO_PREFERENCE_REWARD = { rewardWeights: { processFormat: 1, answerFormat: 1, hit: 1, rank: 1, preference: null } };
const sampleId = (dataset.samples.test[0] ?? dataset.samples.train[0])!.id;

function makeEnv(simulator: UserSimulator, config: Record<string, unknown>): CrsEnv {
  return new CrsEnv({ dataset, retriever: new Bm25Retriever(dataset), simulator }, { ...NO_PREFERENCE_REWARD, ...config });
}

async function playAsHuman(lines: string[], opts: { rounds?: number; agent?: Agent; label?: string } = {}) {
  const rounds = opts.rounds ?? 3;
  const human = new HumanSimulator();
  const env = makeEnv(human, humanEnvConfig(rounds));
  let out = '';
  const result = await runPlaySession({
    env,
    agent: opts.agent ?? new RetrieverOrderAgent(),
    agentLabel: opts.label ?? 'bm25',
    dataset,
    rounds,
    seed: 1,
    sampleId,
    user: { kind: 'human', lines: new ArrayLineSource(lines), simulator: human },
    write: (t) => {
      out += t;
    },
  });
  return { result, out, human, env };
}

describe('HumanSimulator', () => {
  it('answers from its queue first, then from the callback, as plain feedback', async () => {
    const asked: number[] = [];
    const human = new HumanSimulator(async (input) => {
      asked.push(input.previousList.length);
      return { text: 'from the callback' };
    });
    human.say('queued');
    const sample = dataset.samples.train[0]!;
    const input = buildSimulatorInput(sample, dataset, [dataset.items[0]!.id, dataset.items[1]!.id]);
    const a = await human.feedback(input, new Rng(0));
    const b = await human.feedback(input, new Rng(0));
    expect(a).toEqual({ text: 'queued', predictedAttributes: [], judgments: [], kind: 'feedback', source: 'human' });
    expect(b.text).toBe('from the callback');
    expect(asked).toEqual([2]);
    expect(human.replies.map((r) => r.text)).toEqual(['queued', 'from the callback']);
  });

  it('is what CrsEnv reads as F_{t+1}: the typed text reaches the next observation unchanged', async () => {
    const human = new HumanSimulator();
    const env = makeEnv(human, humanEnvConfig(2));
    const { observation } = await env.reset({ seed: 0, options: { sampleId } });
    human.say('something with robots please');
    const step = await env.step({ ranking: observation.candidates.slice(0, 10).map((c) => c.id) });
    expect(step.observation.feedback).toBe('something with robots please');
    expect(step.info.feedback).toEqual({ text: 'something with robots please', kind: 'feedback' });
    expect(step.terminated || step.truncated).toBe(false);
  });
});

describe('runPlaySession with a person', () => {
  it('sends typed lines as feedback, treats Enter as "something else" and ends on a number with the item taken', async () => {
    const { result, out } = await playAsHuman(['I want a comedy', '', '3']);
    expect(result.outcome).toBe('accepted');
    expect(result.roundsPlayed).toBe(3);
    expect(result.accepted).toMatchObject({ round: 3, position: 3 });
    expect(result.feedback).toEqual(['I want a comedy', MORE_TEXT, `I'll take ${result.accepted!.title}.`]);
    expect(result.transcript).toContain('User (feedback): I want a comedy');
    expect(result.transcript).toContain(`User (feedback): ${MORE_TEXT}`);
    expect(result.transcript.trimEnd().endsWith(`User: I'll take ${result.accepted!.title}.`)).toBe(true);
    expect(out).toContain('(the recommender read: "I want a comedy")');
    // The list shown in round 3 has the taken title at #3.
    const round3 = out.slice(out.indexOf('round 3 of 3'));
    expect(round3).toMatch(new RegExp(`\\n\\s+3\\. ${result.accepted!.title.replace(/[()]/g, '\\$&')}`));
  });

  it('keeps the target hidden until formatResult', async () => {
    const { result, out } = await playAsHuman(['q']);
    expect(out.toLowerCase()).not.toContain('target');
    const closing = formatResult(result);
    expect(closing).toContain(`was ${result.target.title}`);
    expect(closing).toContain('You quit after 1 round.');
  });

  it('asks again after a number that is not in the list, without using up a round', async () => {
    const { result, out, human } = await playAsHuman(['99', 'q']);
    expect(out).toContain('There is no #99 in the list (1-10).');
    expect(result.outcome).toBe('quit');
    expect(result.roundsPlayed).toBe(1);
    expect(human.replies).toHaveLength(1);
  });

  it('ends cleanly when the input ends', async () => {
    const { result } = await playAsHuman(['more drama']);
    expect(result.outcome).toBe('end-of-input');
    expect(result.roundsPlayed).toBe(2);
    expect(formatResult(result)).toContain('Input ended after 2 rounds.');
  });

  it('asks for an answer to the last list too, then stops after T rounds', async () => {
    const { result, human } = await playAsHuman(['a', 'b', 'c', 'never read'], { rounds: 3 });
    expect(result.outcome).toBe('rounds-over');
    expect(result.roundsPlayed).toBe(3);
    expect(human.replies.map((r) => r.text)).toEqual(['a', 'b', 'c']);
  });

  it('records where the target first appeared, consistently with the env', async () => {
    const { result } = await playAsHuman(['x', 'y', 'z'], { rounds: 3 });
    const env = makeEnv(new HumanSimulator(), humanEnvConfig(3));
    const { observation } = await env.reset({ seed: 1, options: { sampleId } });
    const rank = observation.candidates.slice(0, 10).findIndex((c) => c.id === result.target.id) + 1;
    if (rank > 0) expect(result.targetFound).toEqual({ round: 1, rank });
    else expect(result.targetFound?.round ?? 99).toBeGreaterThan(1);
  });

  it("shows a neural recommender's preference and reasoning steps", async () => {
    const agent = NeuralRecommender.create({ dataset, textEncoder: new HashingEncoder({ dim: 32 }) }, { hidden: 4, optionHidden: 4, rank: 2 });
    const { out } = await playAsHuman(['q'], { agent, label: 'neural' });
    expect(out).toContain("Recommender's reasoning:");
    expect(out).toMatch(/Step1: Preference Inference/);
    expect(out).toMatch(/Step5: Explanation/);
    expect(out).not.toContain('<think>');
  });
});

describe('runPlaySession watching a simulator', () => {
  it('plays until the env ends the episode and prints the simulated feedback', async () => {
    const env = makeEnv(new OracleSimulator({ guard: new NameGuard(dataset.items) }), { rounds: 3 });
    let out = '';
    const result: PlayResult = await runPlaySession({
      env,
      agent: new RetrieverOrderAgent(),
      agentLabel: 'bm25',
      dataset,
      rounds: 3,
      seed: 2,
      sampleId,
      user: { kind: 'simulator', name: 'oracle' },
      write: (t) => {
        out += t;
      },
    });
    expect(['simulator-accepted', 'rounds-over']).toContain(result.outcome);
    if (result.outcome === 'simulator-accepted') expect(result.targetFound?.round).toBe(result.roundsPlayed);
    else expect(result.roundsPlayed).toBe(3);
    expect(out.match(/oracle user> /g)?.length ?? 0).toBe(result.feedback.length);
    expect(result.transcript).toBe(env.render('ansi'));
  });
});

describe('StreamLineSource', () => {
  it('reads piped lines in order, echoes them after the prompt and returns null at EOF', async () => {
    const input = new PassThrough();
    let shown = '';
    const output = new Writable({
      write(chunk: Buffer, _enc, done) {
        shown += chunk.toString();
        done();
      },
    });
    const source = new StreamLineSource(input, output);
    input.end('first line\r\nsecond\n\nlast without newline');
    await new Promise((r) => setTimeout(r, 10));
    expect(await source.read('> ')).toBe('first line');
    expect(await source.read('> ')).toBe('second');
    expect(await source.read('> ')).toBe('');
    expect(await source.read('> ')).toBe('last without newline');
    expect(await source.read('> ')).toBeNull();
    expect(await source.read('> ')).toBeNull();
    expect(shown).toBe('> first line\n> second\n> \n> last without newline\n> \n> \n');
  });

  it('waits for a line that has not arrived yet', async () => {
    const input = new PassThrough();
    const source = new StreamLineSource(input, new PassThrough());
    const pending = source.read('> ');
    setTimeout(() => input.write('late\n'), 5);
    expect(await pending).toBe('late');
    const eof = source.read('> ');
    input.end();
    expect(await eof).toBeNull();
    source.close();
  });
});
