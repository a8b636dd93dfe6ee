// Small CrsEnvs on the synthetic dataset for the evaluation tests, and agents whose hits are known in advance.
import { makeSyntheticDataset } from '../../src/data/synthetic.js';
import type { Dataset, RecSample } from '../../src/data/types.js';
import { Bm25Retriever } from '../../src/retriever/bm25.js';
import { PopularityRetriever } from '../../src/retriever/popularity.js';
import type { Feedback, SimulatorInput, UserSimulator } from '../../src/simulator/types.js';
import { CrsEnv } from '../../envs/crs-env.js';
import type { CrsEnvConfigInput } from '../../envs/config.js';
import type { CrsObservation } from '../../envs/types.js';
import type { StructuredAction } from '../../envs/action.js';
import type { Agent } from '../../agents/types.js';
import type { Rng } from '../../src/core/rng.js';

/** Says the same thing every round; enough to drive the env loop. */
export class EchoSimulator implements UserSimulator {
  readonly name = 'echo';
  calls = 0;
  async feedback(input: SimulatorInput): Promise<Feedback> {
    this.calls++;
    const genre = input.contextEntities[0] ?? 'movies';
    return { text: `I would like more ${genre}`, predictedAttributes: [], judgments: [], kind: 'feedback', source: this.name };
  }
}

/**
 * 20 items and 80 dialogues: with 20 candidates every item is a candidate, so an agent can always place the
 * target where a test wants it. Every other test sample is turned into a "repeated" sample (target mentioned
 * in the context) so both subsets are non-empty.
 */
export function evalDataset(): { dataset: Dataset; samples: RecSample[] } {
  const dataset = makeSyntheticDataset({ seed: 7, items: 20, dialogues: 80 });
  const samples = dataset.samples.test;
  samples.forEach((s, i) => {
    if (i % 2 === 1 && !s.contextItems.includes(s.target)) s.contextItems = [...s.contextItems, s.target];
  });
  return { dataset, samples };
}

export const NO_PREFERENCE_REWARDS = { processFormat: 1, answerFormat: 1, hit: 1, rank: 1, preference: null };

export function evalEnv(
  dataset: Dataset,
  config: CrsEnvConfigInput = {},
  retriever: 'popularity' | 'bm25' = 'popularity',
): { env: CrsEnv; simulator: EchoSimulator } {
  const simulator = new EchoSimulator();
  const env = new CrsEnv(
    { dataset, retriever: retriever === 'bm25' ? new Bm25Retriever(dataset) : new PopularityRetriever(dataset), simulator },
    { split: 'test', rounds: 5, candidates: 20, listLength: 10, rewardWeights: NO_PREFERENCE_REWARDS, runAllRounds: true, ...config },
  );
  return { env, simulator };
}

/**
 * An agent that knows the targets: from round `hitRound[sampleId]` on (or, given a list of rounds, in exactly
 * those rounds), it puts the target at position 1; otherwise (and for samples not in the map) it returns ten
 * candidates without the target.
 */
export class ScriptedAgent implements Agent {
  readonly name: string;
  readonly calls: { sampleId: string; turn: number }[] = [];
  constructor(
    private readonly targets: ReadonlyMap<string, string>,
    private readonly hitRound: ReadonlyMap<string, number | readonly number[]>,
    name = 'scripted',
  ) {
    this.name = name;
  }

  async act(obs: CrsObservation): Promise<StructuredAction> {
    this.calls.push({ sampleId: obs.sampleId, turn: obs.turn });
    const target = this.targets.get(obs.sampleId) as string;
    const others = obs.candidates.map((c) => c.id).filter((id) => id !== target);
    const when = this.hitRound.get(obs.sampleId);
    const hits = when !== undefined && (typeof when === 'number' ? obs.turn >= when : when.includes(obs.turn));
    if (hits) return { ranking: [target, ...others.slice(0, obs.listLength - 1)] };
    return { ranking: others.slice(0, obs.listLength) };
  }
}

/** Ranks the candidates in a random order drawn from the rng it is given. */
export class ShuffleAgent implements Agent {
  readonly name = 'shuffle';
  async act(obs: CrsObservation, rng: Rng): Promise<StructuredAction> {
    return { ranking: rng.shuffle(obs.candidates.map((c) => c.id)).slice(0, obs.listLength) };
  }
}

export function targetsOf(samples: readonly RecSample[]): Map<string, string> {
  return new Map(samples.map((s) => [s.id, s.target]));
}
