// A small CrsEnv on the synthetic dataset with real components: BM25 retrieval, the hashing text encoder,
// and a scripted simulator that reacts to the previous list (no training needed).
import { makeSyntheticDataset } from '../../src/data/synthetic.js';
import { Bm25Retriever } from '../../src/retriever/bm25.js';
import { HashingEncoder } from '../../src/encoders/hash-encoder.js';
import type { Feedback, SimulatorInput, UserSimulator } from '../../src/simulator/types.js';
import type { Rng } from '../../src/core/rng.js';
import { CrsEnv } from '../../envs/crs-env.js';
import type { CrsEnvConfigInput } from '../../envs/config.js';

export class ScriptedSimulator implements UserSimulator {
  readonly name = 'scripted';
  calls = 0;
  async feedback(input: SimulatorInput, rng: Rng): Promise<Feedback> {
    this.calls++;
    const first = input.previousList[0];
    const genre = first?.attributes.genre?.[0] ?? 'good';
    const mood = rng.choice(['I liked', 'I enjoyed', 'Not bad:']);
    return {
      text: first ? `${mood} ${first.title}, more ${genre} please.` : 'Something fun please.',
      predictedAttributes: [],
      judgments: [],
      kind: 'feedback',
      source: this.name,
    };
  }
}

export function syntheticEnv(config: CrsEnvConfigInput = {}, seed = 7) {
  const dataset = makeSyntheticDataset({ seed, items: 60, dialogues: 40 });
  const simulator = new ScriptedSimulator();
  const env = new CrsEnv(
    { dataset, retriever: new Bm25Retriever(dataset), simulator, textEncoder: new HashingEncoder({ dim: 64 }) },
    config,
  );
  return { env, dataset, simulator };
}
