// CrsEnv: the conversational-recommendation environment of the paper (section 3.1).
// Round t: the agent sees D, I_D, F_t and the candidates I_cand^t and returns (P_t, R_t). The env scores R_t
// against the target, then (unless the episode ends) asks the simulator for F_{t+1} on R_t and the
// retriever for I_cand^{t+1} from D, F_{t+1}, P_t, I_D and R_t. Round 1 is a cold start without feedback.
import type { Attributes, Dataset, ItemId, RecSample, Split, Utterance } from '../src/data/types.js';
import { Rng } from '../src/core/rng.js';
import { OneLineError } from '../src/core/errors.js';
import { checkSeed, EnvStateError, type Env, type ResetResult, type StepResult } from '../src/core/env.js';
import { parseConfig } from '../src/config/load.js';
import type { Retriever, RetrievalQuery, ScoredItem } from '../src/retriever/types.js';
import { maskQuery } from '../src/retriever/types.js';
import type { EarlierRoundIds, UserSimulator, Feedback } from '../src/simulator/types.js';
import { buildSimulatorInput } from '../src/simulator/types.js';
import { listVerdict, statedPreference } from '../src/simulator/behaviour.js';
import type { TextEncoder } from '../src/encoders/text-encoder.js';
import { WeightedReward, referencePreference } from '../rewards/index.js';
import { NO_INFORMATION_PREFERENCE } from '../src/data/reference-preference.js';
import type { RewardComponent } from '../rewards/index.js';
import { parseAction, type CrsAction } from './action.js';
import { CrsEnvConfigSchema, type CrsEnvConfig, type CrsEnvConfigInput } from './config.js';
import { describeAttributes, renderHistory, renderRecommenderPrompt, renderUtterance } from './prompt.js';
import type { Candidate, CrsObservation, ItemView, StepInfo } from './types.js';
import { CrsActionSpace, CrsObservationSpace } from './spaces.js';
import type { EnvWireFormat } from '../src/core/wire.js';
import { CRS_WIRE_FORMAT } from './wire.js';

export interface CrsEnvDeps {
  dataset: Dataset;
  retriever: Retriever;
  simulator: UserSimulator;
  /** E_T, for the preference reward (cosine of E_T(P_t) and E_T(P*)). Required when that reward is weighted in. */
  textEncoder?: TextEncoder;
  /** Custom reward components, referenced by name in `rewardWeights`. */
  customRewards?: readonly RewardComponent[];
  /**
   * Reuse round 1's candidates when a sample is played again (default true). Round 1 is a cold start whose
   * query depends only on the sample and the config, and retrievers are deterministic; turn this off for a
   * retriever that is not.
   */
  cacheColdStart?: boolean;
}

/** A small least-recently-used map. */
class Lru<K, V> {
  private readonly map = new Map<K, V>();

  constructor(readonly capacity: number) {}

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
  }
}

/** Cold-start candidate lists, rendered dialogue histories and reference embeddings kept (samples, LRU). */
export const CRS_ENV_MEMO_SIZE = 4096;

/**
 * What CrsEnvs over one dataset memoize, shared by every env over it (the env copies of a vector worker
 * included). Each entry is a pure function of its key: caching changes no observation, reward or draw.
 */
/** The no-information preference's key in the reference-embedding memo (no item id starts with NUL). */
const NO_INFORMATION_KEY = '\u0000no-information';

interface DatasetMemos {
  /** The prompt's dialogue history of a sample, by sample id. */
  histories: Lru<string, string>;
  /** Round 1's retrieval, per retriever, by sample and config. */
  coldStarts: WeakMap<Retriever, Lru<string, ScoredItem[]>>;
  /** E_T(P*) of a target, per text encoder, by item id. */
  references: WeakMap<TextEncoder, Lru<ItemId, Float32Array>>;
}

const memosByDataset = new WeakMap<Dataset, DatasetMemos>();

function datasetMemos(dataset: Dataset): DatasetMemos {
  let memos = memosByDataset.get(dataset);
  if (memos === undefined) {
    memos = { histories: new Lru(CRS_ENV_MEMO_SIZE), coldStarts: new WeakMap(), references: new WeakMap() };
    memosByDataset.set(dataset, memos);
  }
  return memos;
}

function perKey<K extends object, V>(map: WeakMap<K, Lru<string | ItemId, V>>, key: K): Lru<string, V> {
  let lru = map.get(key);
  if (lru === undefined) {
    lru = new Lru(CRS_ENV_MEMO_SIZE);
    map.set(key, lru);
  }
  return lru;
}

/** The fields of an observation except the prompt, which `withLazyPrompt` adds. */
export type ObservationFields = Omit<CrsObservation, 'prompt'>;

/** An item's attribute description for the prompt, memoized per attributes object (the dataset's, never edited). */
const descriptions = new WeakMap<object, string>();

function describe(attributes: Attributes): string {
  let described = descriptions.get(attributes);
  if (described === undefined) {
    described = describeAttributes(attributes);
    descriptions.set(attributes, described);
  }
  return described;
}

/** What a lazy prompt renders from: the observation's fields when it was built. */
interface PromptSource {
  context: Utterance[];
  candidates: readonly Candidate[];
  feedback: string;
  previousPreference: string;
  listLength: number;
}

/** Where an observation keeps what its lazy prompt renders from (non-enumerable: no copy, clone or comparison sees it). */
const PROMPT_SOURCE = Symbol('crs-gym/prompt-source');

interface LazyPrompt extends PromptSource {
  history: () => string;
  text?: string;
}

function lazyPromptOf(observation: object): LazyPrompt | undefined {
  return (observation as { [PROMPT_SOURCE]?: LazyPrompt })[PROMPT_SOURCE];
}

// One getter and setter for every observation (no closures per observation).
function readPrompt(this: object): string {
  const lazy = lazyPromptOf(this);
  if (lazy === undefined) return '';
  lazy.text ??= renderRecommenderPrompt(lazy, { history: lazy.history(), descriptions: lazy.candidates.map((c) => describe(c.attributes)) });
  return lazy.text;
}

function writePrompt(this: object, value: string): void {
  Object.defineProperty(this, 'prompt', { value, writable: true, enumerable: true, configurable: true });
}

const PROMPT_ACCESSOR: PropertyDescriptor = Object.freeze({ enumerable: true, configurable: true, get: readPrompt, set: writePrompt });

/**
 * Adds `prompt` to `fields` as an enumerable property rendered on first read (then kept), so agents that never
 * read it never pay for it. It reads as a plain string property (spread, JSON, structuredClone and deep
 * equality all see the text) and can be assigned. It renders the fields as they were when this was called
 * (`history()` must give `renderHistory(fields.context)`; it is asked only when the prompt is read).
 */
export function withLazyPrompt(fields: ObservationFields, history: () => string): CrsObservation {
  const lazy: LazyPrompt = {
    context: fields.context,
    candidates: fields.candidates.slice(),
    feedback: fields.feedback,
    previousPreference: fields.previousPreference,
    listLength: fields.listLength,
    history,
  };
  Object.defineProperty(fields, 'prompt', PROMPT_ACCESSOR);
  Object.defineProperty(fields, PROMPT_SOURCE, { value: lazy });
  return fields as CrsObservation;
}

/**
 * Whether `observation.prompt` is still the lazy rendering of the observation's own fields: built by
 * `withLazyPrompt`, never assigned, and none of the fields it renders replaced since. Such a prompt can be
 * rebuilt from the other fields (what the vector envs' observation codec relies on).
 */
export function hasDerivedPrompt(observation: CrsObservation): boolean {
  const s = lazyPromptOf(observation);
  if (s === undefined || Object.getOwnPropertyDescriptor(observation, 'prompt')?.get !== readPrompt) return false;
  const o = observation;
  if (o.context !== s.context || o.feedback !== s.feedback || o.previousPreference !== s.previousPreference || o.listLength !== s.listLength) return false;
  if (!Array.isArray(o.candidates) || o.candidates.length !== s.candidates.length) return false;
  for (let i = 0; i < s.candidates.length; i++) if (o.candidates[i] !== s.candidates[i]) return false;
  return true;
}

export interface CrsResetOptions {
  split?: Split;
  /** Play this sample instead of drawing one. */
  sampleId?: string;
}

export interface CrsStepResult extends StepResult<CrsObservation> {
  info: StepInfo & Record<string, unknown>;
}


interface Episode {
  sample: RecSample;
  rng: Rng;
  turn: number;
  done: boolean;
  observation: CrsObservation;
  referenceEmbedding?: Float32Array;
  /** E_T of the no-information preference, when preferenceLift is weighted in. */
  noInformationEmbedding?: Float32Array;
  transcript: string[];
  /** The lists shown so far whose answers were asked, and the preference stated in each answer (the simulator reads them). */
  shown: EarlierRoundIds[];
  /** R_1 .. R_{t-1} as the env read them (for reward components). */
  lists: ItemId[][];
}

// A brand rather than `instanceof` (as isNeuralRecommender): a worker thread may load the setup module through tsx's
// tsImport, a module graph of its own, so the env it builds is another copy of this class than the one it imported.
const CRS_ENV_BRAND = Symbol.for('crs-gym.CrsEnv');

/**
 * A CrsEnv as `make(id)` may return it: the env itself or wrappers over one. Learners and the evaluator step it as it
 * is (its wrappers apply) and read the sample and config of the CrsEnv beneath (crsEnvOf).
 */
export type MadeCrsEnv = Env<CrsObservation, CrsAction>;

/** Whether `value` is a CrsEnv, from whichever copy of this module built it. */
export function isCrsEnv(value: unknown): value is CrsEnv {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[CRS_ENV_BRAND] === true;
}

/**
 * The trusted CrsEnv under an env `make(id)` built (itself when unwrapped): learners and the evaluator read its
 * config and current sample there. Anything else is a one-line error naming the id.
 */
export function crsEnvOf(env: Env<unknown, unknown> | MadeCrsEnv, id: string): CrsEnv {
  const inner = (env as { unwrapped?: unknown }).unwrapped ?? env;
  if (isCrsEnv(inner)) return inner;
  const name = (inner as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  throw new OneLineError(`env '${id}' is not a CrsEnv underneath (its unwrapped env is ${typeof name === 'string' ? `'${name}'` : 'something else'}); rollouts and evaluation need one (register the id with a factory that returns makeCrsEnv(...), wrapped or not)`);
}

export class CrsEnv implements Env<CrsObservation, CrsAction> {
  readonly [CRS_ENV_BRAND] = true;
  readonly metadata = { renderModes: ['ansi'] as const, renderNeedsReset: true, name: 'CrsEnv' };
  readonly config: CrsEnvConfig;
  readonly observationSpace: CrsObservationSpace;
  readonly actionSpace: CrsActionSpace;
  private readonly dataset: Dataset;
  private readonly retriever: Retriever;
  private readonly simulator: UserSimulator;
  private readonly textEncoder: TextEncoder | undefined;
  private readonly reward: WeightedReward;
  private readonly samplesById = new Map<string, RecSample>();
  private readonly memos: DatasetMemos;
  private readonly coldStartKey: string | undefined;
  private episode: Episode | undefined;
  private seedRng: Rng = new Rng(0);
  private episodeCount = 0;

  constructor(deps: CrsEnvDeps, config: CrsEnvConfigInput = {}) {
    this.config = parseConfig(CrsEnvConfigSchema, config, 'CrsEnv config');
    this.dataset = deps.dataset;
    this.retriever = deps.retriever;
    this.simulator = deps.simulator;
    this.textEncoder = deps.textEncoder;
    this.reward = new WeightedReward(this.config.rewardWeights, deps.customRewards ?? []);
    if (this.reward.needsPreferenceEmbeddings && !this.textEncoder) {
      throw new Error('CrsEnv: the preference reward needs a textEncoder (or set rewardWeights without "preference")');
    }
    for (const split of ['train', 'valid', 'test'] as const) {
      for (const sample of this.dataset.samples[split]) this.samplesById.set(sample.id, sample);
    }
    this.memos = datasetMemos(this.dataset);
    // Everything round 1's query depends on besides the sample.
    this.coldStartKey = deps.cacheColdStart === false ? undefined : JSON.stringify([this.config.candidates, this.config.excludeContextItems, this.config.retrieverInputs]);
    this.observationSpace = new CrsObservationSpace(this.dataset, this.config);
    this.actionSpace = new CrsActionSpace(() => this.episode?.observation.candidates ?? [], this.config.listLength);
  }

  /** The reward's weights by component name, after merging over the defaults (what `info.rewards` is summed with). */
  get rewardWeights(): Record<string, number> {
    return this.reward.weights;
  }

  get currentSample(): RecSample | undefined {
    return this.episode?.sample;
  }

  async reset(opts: { seed?: number; options?: CrsResetOptions } = {}): Promise<ResetResult<CrsObservation>> {
    // A seed re-seeds the env; without one, episodes continue the stream of the last seed.
    if (opts.seed !== undefined) {
      this.seedRng = new Rng(checkSeed(opts.seed));
      this.episodeCount = 0;
    }
    const rng = this.seedRng.split(`episode-${this.episodeCount++}`);
    const sample = this.pickSample(opts.options ?? {}, rng.split('sample'));
    if ('setTargetHint' in this.simulator && typeof this.simulator.setTargetHint === 'function') {
      // Only the oracle variant takes a hint, and only the target's attributes, never its title.
      (this.simulator.setTargetHint as (hint: { attributes: object }) => void)({ attributes: this.item(sample.target)?.attributes ?? {} });
    }
    const t0 = performance.now();
    const candidates = await this.coldStart(sample);
    const retrieverMs = performance.now() - t0;
    const observation = this.observe(sample, 1, '', candidates, '', []);
    let referenceEmbedding: Float32Array | undefined;
    if (this.reward.needsPreferenceEmbeddings && this.textEncoder) referenceEmbedding = await this.referenceEmbedding(this.textEncoder, sample.target);
    const noInformationEmbedding = this.reward.needsNoInformationEmbedding && this.textEncoder ? await this.noInformationEmbedding(this.textEncoder) : undefined;
    this.episode = {
      sample,
      rng,
      turn: 1,
      done: false,
      observation,
      referenceEmbedding,
      ...(noInformationEmbedding ? { noInformationEmbedding } : {}),
      transcript: sample.context.map(renderUtterance),
      shown: [],
      lists: [],
    };
    // Nothing about the target: the sample id is opaque, and whether the target was mentioned before is the
    // evaluator's to read (env.currentSample), not the agent's.
    return {
      observation,
      info: { sampleId: sample.id, split: sample.split, timings: { retrieverMs } },
    };
  }

  async step(action: CrsAction): Promise<CrsStepResult> {
    const episode = this.episode;
    if (!episode) throw new EnvStateError('CrsEnv.step() called before reset()');
    if (episode.done) throw new EnvStateError('CrsEnv.step() called after the episode ended; call reset()');
    const { sample, observation } = episode;
    const turn = episode.turn;

    const t0 = performance.now();
    const parsed = parseAction(action, observation.candidates.map((c) => ({ id: c.id, title: c.title, aliases: this.item(c.id)?.aliases })), this.config.listLength);
    let preferenceEmbedding: Float32Array | undefined;
    if (this.reward.needsPreferenceEmbeddings && this.textEncoder && parsed.preference.trim() !== '') {
      [preferenceEmbedding] = await this.textEncoder.encode([parsed.preference]);
    }
    const breakdown = this.reward.compute({
      turn,
      sampleId: sample.id,
      dialogue: observation.context,
      contextItems: observation.contextItems.map((item) => item.id),
      feedback: observation.feedback,
      candidates: observation.candidates.map((c) => c.id),
      earlierLists: episode.lists.slice(),
      target: sample.target,
      ranking: parsed.ranking,
      thinkSteps: parsed.thinkSteps,
      answerWellFormed: parsed.answerWellFormed,
      preference: parsed.preference,
      preferenceEmbedding,
      referencePreferenceEmbedding: episode.referenceEmbedding,
      ...(episode.noInformationEmbedding ? { noInformationPreferenceEmbedding: episode.noInformationEmbedding } : {}),
    });
    const rewardMs = performance.now() - t0;
    episode.lists.push(parsed.ranking.slice());

    const targetRank = parsed.ranking.indexOf(sample.target) + 1;
    const accepted = this.accepts(targetRank);
    const terminated = accepted && !this.config.runAllRounds;
    const truncated = !terminated && turn >= this.config.rounds;
    episode.done = terminated || truncated;

    episode.transcript.push(
      `--- round ${turn} ---`,
      ...(observation.feedback ? [`User (feedback): ${observation.feedback}`] : []),
      `Candidates: ${observation.candidates.slice(0, 5).map((c) => c.title).join(' | ')}${observation.candidates.length > 5 ? ' | ...' : ''}`,
      ...(parsed.preference ? [`Recommender (preference): ${parsed.preference}`] : []),
      `Recommender: ${parsed.ranking.map((id) => this.item(id)?.title ?? id).join(', ') || '(no valid list)'}`,
      ...(parsed.problems.length > 0 ? [`  [env] ${parsed.problems.join('; ')}`] : []),
    );

    let simulatorMs = 0;
    let retrieverMs = 0;
    let feedback: Feedback | undefined;
    let next = observation;
    if (!episode.done) {
      const t1 = performance.now();
      feedback = await this.askFeedback(sample, parsed.ranking, episode.shown, episode.rng.split(`simulator-${turn}`));
      if (feedback) episode.shown.push({ list: parsed.ranking, preference: statedPreference(feedback) });
      simulatorMs = performance.now() - t1;
      const t2 = performance.now();
      const candidates = await this.retrieve(sample, feedback?.text ?? '', parsed.preference, parsed.ranking);
      retrieverMs = performance.now() - t2;
      episode.turn = turn + 1;
      next = this.observe(sample, turn + 1, feedback?.text ?? '', candidates, parsed.preference, parsed.ranking);
      episode.observation = next;
    } else {
      episode.transcript.push(accepted ? `User: That's it, I'll watch ${this.item(sample.target)?.title ?? sample.target}!` : '(episode ends)');
    }

    const info: StepInfo & Record<string, unknown> = {
      sampleId: sample.id,
      turn,
      rewards: breakdown.components,
      targetRank,
      hit: targetRank > 0,
      accepted,
      ranking: parsed.ranking,
      problems: parsed.problems,
      dropped: parsed.dropped,
      timings: { rewardMs, simulatorMs, retrieverMs },
    };
    if (feedback) {
      const verdict = listVerdict(feedback);
      info.feedback = {
        text: feedback.text,
        kind: feedback.kind,
        ...(verdict ? { verdict } : {}),
        ...(feedback.preference ? { preference: [...feedback.preference] } : {}),
        ...(feedback.error ? { error: feedback.error } : {}),
      };
    }
    return { observation: next, reward: breakdown.total, terminated, truncated, info };
  }

  /** How actions and observations travel as JSON when the env is served (envs/wire.ts). */
  wireFormat(): EnvWireFormat<CrsObservation, CrsAction> {
    return CRS_WIRE_FORMAT;
  }

  render(mode: 'ansi' = 'ansi'): string {
    if (mode !== 'ansi') throw new Error(`CrsEnv.render: unsupported mode '${String(mode)}' (supported: ansi)`);
    if (!this.episode) throw new EnvStateError('CrsEnv.render() called before reset()');
    return this.episode.transcript.join('\n');
  }

  async close(): Promise<void> {
    this.episode = undefined;
  }

  private accepts(targetRank: number): boolean {
    if (targetRank === 0) return false;
    return this.config.acceptance.mode === 'rank1' ? targetRank === 1 : targetRank <= this.config.acceptance.k;
  }

  private pickSample(options: CrsResetOptions, rng: Rng): RecSample {
    if (options.sampleId !== undefined) {
      const sample = this.samplesById.get(options.sampleId);
      if (!sample) throw new RangeError(`CrsEnv.reset: unknown sampleId '${options.sampleId}' in dataset ${this.dataset.name}`);
      return sample;
    }
    const split = options.split ?? this.config.split;
    const pool = this.dataset.samples[split];
    if (!pool || pool.length === 0) throw new RangeError(`CrsEnv.reset: split '${String(split)}' of ${this.dataset.name} has no samples`);
    return rng.choice(pool);
  }

  private item(id: ItemId) {
    return this.dataset.itemById.get(id);
  }

  private view(id: ItemId): ItemView {
    const item = this.item(id);
    return { id, title: item?.title ?? id, attributes: item?.attributes ?? {} };
  }

  private async askFeedback(sample: RecSample, ranking: ItemId[], earlier: readonly EarlierRoundIds[], rng: Rng): Promise<Feedback | undefined> {
    if (!this.config.useFeedback) return undefined;
    const input = buildSimulatorInput(sample, this.dataset, ranking, earlier);
    return this.simulator.feedback(input, rng);
  }

  /** E_T(P*) of a target (memoized: the text encoder is deterministic). */
  /** E_T(NO_INFORMATION_PREFERENCE), memoized beside the reference embeddings under a key no item id has. */
  private async noInformationEmbedding(encoder: TextEncoder): Promise<Float32Array | undefined> {
    const memo = perKey(this.memos.references, encoder);
    let embedding = memo.get(NO_INFORMATION_KEY);
    if (embedding === undefined) {
      [embedding] = await encoder.encode([NO_INFORMATION_PREFERENCE]);
      if (embedding !== undefined) memo.set(NO_INFORMATION_KEY, embedding);
    }
    return embedding;
  }

  private async referenceEmbedding(encoder: TextEncoder, target: ItemId): Promise<Float32Array | undefined> {
    const memo = perKey(this.memos.references, encoder);
    let embedding = memo.get(target);
    if (embedding === undefined) {
      [embedding] = await encoder.encode([referencePreference(this.item(target)?.attributes ?? {})]);
      if (embedding !== undefined) memo.set(target, embedding);
    }
    return embedding;
  }

  /** Round 1's candidates: a cold-start retrieval, reused when the sample is played again under the same config. */
  private async coldStart(sample: RecSample): Promise<Candidate[]> {
    if (this.coldStartKey === undefined) return this.candidates(await this.retrieveScored(sample, '', '', []));
    const memo = perKey(this.memos.coldStarts, this.retriever);
    const key = `${sample.id}\u0000${this.coldStartKey}`;
    let scored = memo.get(key);
    if (scored === undefined) {
      scored = (await this.retrieveScored(sample, '', '', [])).map((s) => ({ id: s.id, score: s.score }));
      memo.set(key, scored);
    }
    return this.candidates(scored);
  }

  private candidates(scored: readonly ScoredItem[]): Candidate[] {
    return scored.map((s) => {
      const item = this.item(s.id);
      return { id: s.id, title: item?.title ?? s.id, attributes: item?.attributes ?? {}, score: s.score };
    });
  }

  private async retrieve(sample: RecSample, feedback: string, preference: string, previousList: ItemId[]): Promise<Candidate[]> {
    return this.candidates(await this.retrieveScored(sample, feedback, preference, previousList));
  }

  private async retrieveScored(sample: RecSample, feedback: string, preference: string, previousList: ItemId[]): Promise<ScoredItem[]> {
    const query: RetrievalQuery = maskQuery(
      {
        context: sample.context,
        contextItems: sample.contextItems,
        contextEntities: sample.contextEntities,
        ...(feedback ? { feedback } : {}),
        ...(preference ? { preference } : {}),
        ...(previousList.length > 0 ? { previousList } : {}),
      },
      this.config.retrieverInputs,
    );
    const exclude = this.config.excludeContextItems ? new Set(sample.contextItems) : undefined;
    return this.retriever.retrieve(query, this.config.candidates, exclude);
  }

  /** The prompt's dialogue history of a sample (memoized per dataset). */
  private history(sample: RecSample): string {
    let history = this.memos.histories.get(sample.id);
    if (history === undefined) {
      history = renderHistory(sample.context);
      this.memos.histories.set(sample.id, history);
    }
    return history;
  }

  private observe(
    sample: RecSample,
    turn: number,
    feedback: string,
    candidates: Candidate[],
    previousPreference: string,
    previousList: ItemId[],
  ): CrsObservation {
    const listLength = this.config.listLength;
    return withLazyPrompt(
      {
        sampleId: sample.id,
        turn,
        rounds: this.config.rounds,
        context: sample.context,
        contextItems: sample.contextItems.map((id) => this.view(id)),
        contextEntities: sample.contextEntities,
        feedback,
        candidates,
        previousPreference,
        previousList,
        listLength,
      },
      () => this.history(sample),
    );
  }
}
