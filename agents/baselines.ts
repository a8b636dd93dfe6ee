// Baseline agents. Each only re-orders the candidates the env shows; "global" baselines such as
// popularity over the whole catalogue are an env with that retriever plus RetrieverOrderAgent.
import type { Rng } from '../src/core/rng.js';
import type { Dataset, ItemId } from '../src/data/types.js';
import type { StructuredAction } from '../envs/action.js';
import type { CrsObservation } from '../envs/types.js';
import type { Agent } from './types.js';

/** Passes the retriever's order through: the top `listLength` candidates. */
export class RetrieverOrderAgent implements Agent {
  readonly name = 'retriever-order';
  async act(obs: CrsObservation): Promise<StructuredAction> {
    return { ranking: obs.candidates.slice(0, obs.listLength).map((c) => c.id) };
  }
}

/** A random top-`listLength` list of the candidates. */
export class RandomAgent implements Agent {
  readonly name = 'random';
  async act(obs: CrsObservation, rng: Rng): Promise<StructuredAction> {
    return { ranking: rng.sample(obs.candidates.map((c) => c.id), obs.listLength) };
  }
}

/** Orders the candidates by how often each was a target in the training split. */
export class PopularityAgent implements Agent {
  readonly name = 'popularity';
  private readonly counts = new Map<ItemId, number>();

  constructor(dataset: Dataset) {
    for (const s of dataset.samples.train) this.counts.set(s.target, (this.counts.get(s.target) ?? 0) + 1);
  }

  async act(obs: CrsObservation): Promise<StructuredAction> {
    const ranked = obs.candidates
      .map((c, i) => ({ id: c.id, count: this.counts.get(c.id) ?? 0, i }))
      .sort((a, b) => b.count - a.count || a.i - b.i);
    return { ranking: ranked.slice(0, obs.listLength).map((c) => c.id) };
  }
}
