// CrsEnv: the conversational-recommendation environment of the paper (section 3.1).
// Round t: the agent sees D, I_D, F_t and the candidates I_cand^t and returns (P_t, R_t). The env scores R_t
// against the target, then (unless the episode ends) asks the simulator for F_{t+1} on R_t and the
// retriever for I_cand^{t+1} from D, F_{t+1}, P_t, I_D and R_t. Round 1 is a cold start without feedback.
import type { Dataset, ItemId, RecSample, Split } from '../src/data/types.js';
import { Rng } from '../src/core/rng.js';
import { checkSeed, EnvStateError, type Env, type ResetResult, type StepResult } from '../src/core/env.js';
import { parseConfig } from '../src/config/load.js';
import type { Retriever, RetrievalQuery } from '../src/retriever/types.js';
import { maskQuery } from '../src/retriever/types.js';
import type { UserSimulator, Feedback } from '../src/simulator/types.js';
import { buildSimulatorInput } from '../src/simulator/types.js';
import type { TextEncoder } from '../src/encoders/text-encoder.js';
import { WeightedReward, referencePreference } from '../rewards/index.js';
import type { RewardComponent } from '../rewards/index.js';
import { parseAction, type CrsAction } from './action.js';
import { CrsEnvConfigSchema, type CrsEnvConfig, type CrsEnvConfigInput } from './config.js';
import { renderRecommenderPrompt, renderUtterance } from './prompt.js';
import type { Candidate, CrsObservation, ItemView, StepInfo } from './types.js';
import { CrsActionSpace, CrsObservationSpace } from './spaces.js';

export interface CrsEnvDeps {
  dataset: Dataset;
  retriever: Retriever;
  simulator: UserSimulator;
  /** E_T, for the preference reward (cosine of E_T(P_t) and E_T(P*)). Required when that reward is weighted in. */
  textEncoder?: TextEncoder;
  /** Custom reward components, referenced by name in `rewardWeights`. */
  customRewards?: readonly RewardComponent[];
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
  transcript: string[];
}

export class CrsEnv implements Env<CrsObservation, CrsAction> {
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
    this.observationSpace = new CrsObservationSpace(this.dataset, this.config);
    this.actionSpace = new CrsActionSpace(() => this.episode?.observation.candidates ?? [], this.config.listLength);
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
    const candidates = await this.retrieve(sample, '', '', []);
    const retrieverMs = performance.now() - t0;
    const observation = this.observe(sample, 1, '', candidates, '', []);
    let referenceEmbedding: Float32Array | undefined;
    if (this.reward.needsPreferenceEmbeddings && this.textEncoder) {
      const target = this.item(sample.target);
      [referenceEmbedding] = await this.textEncoder.encode([referencePreference(target?.attributes ?? {})]);
    }
    this.episode = {
      sample,
      rng,
      turn: 1,
      done: false,
      observation,
      referenceEmbedding,
      transcript: sample.context.map(renderUtterance),
    };
    const targetInContext = sample.contextItems.includes(sample.target);
    return {
      observation,
      info: { sampleId: sample.id, split: sample.split, targetInContext, timings: { retrieverMs } },
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
      target: sample.target,
      ranking: parsed.ranking,
      thinkSteps: parsed.thinkSteps,
      answerWellFormed: parsed.answerWellFormed,
      preference: parsed.preference,
      preferenceEmbedding,
      referencePreferenceEmbedding: episode.referenceEmbedding,
    });
    const rewardMs = performance.now() - t0;

    const targetRank = parsed.ranking.indexOf(sample.target) + 1;
    const candidateRank = observation.candidates.findIndex((c) => c.id === sample.target) + 1;
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
      feedback = await this.askFeedback(sample, parsed.ranking, episode.rng.split(`simulator-${turn}`));
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
      targetInCandidates: candidateRank > 0,
      candidateRank,
      accepted,
      ranking: parsed.ranking,
      problems: parsed.problems,
      dropped: parsed.dropped,
      timings: { rewardMs, simulatorMs, retrieverMs },
    };
    if (feedback) info.feedback = { text: feedback.text, kind: feedback.kind, ...(feedback.error ? { error: feedback.error } : {}) };
    if (episode.done) info.targetInContext = sample.contextItems.includes(sample.target);
    return { observation: next, reward: breakdown.total, terminated, truncated, info };
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

  private async askFeedback(sample: RecSample, ranking: ItemId[], rng: Rng): Promise<Feedback | undefined> {
    if (!this.config.useFeedback) return undefined;
    const input = buildSimulatorInput(sample, this.dataset, ranking);
    return this.simulator.feedback(input, rng);
  }

  private async retrieve(sample: RecSample, feedback: string, preference: string, previousList: ItemId[]): Promise<Candidate[]> {
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
    const scored = await this.retriever.retrieve(query, this.config.candidates, exclude);
    return scored.map((s) => ({ ...this.view(s.id), score: s.score }));
  }

  private observe(
    sample: RecSample,
    turn: number,
    feedback: string,
    candidates: Candidate[],
    previousPreference: string,
    previousList: ItemId[],
  ): CrsObservation {
    return {
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
      listLength: this.config.listLength,
      prompt: renderRecommenderPrompt({ context: sample.context, candidates, feedback, previousPreference, listLength: this.config.listLength }),
    };
  }
}
