// CrsEnv's spaces. The action space is dynamic, like a masked action space: a valid action ranks the
// candidates shown this round, so `sample` draws a random list from the current candidates and
// `contains` accepts any well-formed action (structured list of ids, or text).
import type { Rng } from '../src/core/rng.js';
import type { Space, SpaceJSON } from '../src/core/spaces.js';
import type { Dataset } from '../src/data/types.js';
import type { CrsAction, StructuredAction } from './action.js';
import type { CrsEnvConfig } from './config.js';
import type { Candidate, CrsObservation } from './types.js';

function isStringArray(x: unknown): x is string[] {
  return Array.isArray(x) && x.every((v) => typeof v === 'string');
}

export class CrsActionSpace implements Space<CrsAction> {
  constructor(
    private readonly currentCandidates: () => readonly Candidate[],
    readonly listLength: number,
  ) {}

  /** A random top-`listLength` list of this round's candidates (empty before reset). */
  sample(rng: Rng): StructuredAction {
    const ids = this.currentCandidates().map((c) => c.id);
    return { ranking: rng.sample(ids, this.listLength) };
  }

  contains(x: unknown): x is CrsAction {
    if (typeof x === 'string') return true;
    if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
    const a = x as Record<string, unknown>;
    return (
      isStringArray(a.ranking) &&
      a.ranking.length <= this.listLength &&
      new Set(a.ranking).size === a.ranking.length &&
      (a.preference === undefined || typeof a.preference === 'string') &&
      (a.reasoning === undefined || typeof a.reasoning === 'string')
    );
  }

  toJSON(): SpaceJSON {
    return { type: 'Custom', name: 'CrsAction', params: { listLength: this.listLength } };
  }
}

export class CrsObservationSpace implements Space<CrsObservation> {
  constructor(
    private readonly dataset: Dataset,
    private readonly config: CrsEnvConfig,
  ) {}

  /** A random but well-formed observation: a random sample's context and random items as candidates. */
  sample(rng: Rng): CrsObservation {
    const pool = this.dataset.samples[this.config.split];
    const sample = rng.choice(pool.length > 0 ? pool : this.dataset.samples.train);
    const items = rng.sample(this.dataset.items, this.config.candidates);
    const view = (id: string) => {
      const item = this.dataset.itemById.get(id);
      return { id, title: item?.title ?? id, attributes: item?.attributes ?? {} };
    };
    return {
      sampleId: sample.id,
      turn: 1,
      rounds: this.config.rounds,
      context: sample.context,
      contextItems: sample.contextItems.map(view),
      contextEntities: sample.contextEntities,
      feedback: '',
      candidates: items.map((item, i) => ({ ...view(item.id), score: -i })),
      previousPreference: '',
      previousList: [],
      listLength: this.config.listLength,
      prompt: '',
    };
  }

  contains(x: unknown): x is CrsObservation {
    if (typeof x !== 'object' || x === null) return false;
    const o = x as Partial<CrsObservation>;
    const knownItem = (id: unknown) => typeof id === 'string' && this.dataset.itemById.has(id);
    return (
      typeof o.sampleId === 'string' &&
      Number.isInteger(o.turn) &&
      (o.turn as number) >= 1 &&
      (o.turn as number) <= this.config.rounds &&
      o.rounds === this.config.rounds &&
      Array.isArray(o.context) &&
      Array.isArray(o.contextItems) &&
      o.contextItems.every((i) => knownItem(i?.id)) &&
      isStringArray(o.contextEntities) &&
      typeof o.feedback === 'string' &&
      Array.isArray(o.candidates) &&
      o.candidates.length <= this.config.candidates &&
      o.candidates.every((c) => knownItem(c?.id) && typeof c.title === 'string' && Number.isFinite(c.score)) &&
      new Set(o.candidates.map((c) => c.id)).size === o.candidates.length &&
      typeof o.previousPreference === 'string' &&
      isStringArray(o.previousList) &&
      o.previousList.every(knownItem) &&
      o.listLength === this.config.listLength &&
      typeof o.prompt === 'string'
    );
  }

  toJSON(): SpaceJSON {
    return {
      type: 'Custom',
      name: 'CrsObservation',
      params: { dataset: this.dataset.name, rounds: this.config.rounds, candidates: this.config.candidates },
    };
  }
}
