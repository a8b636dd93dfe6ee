// The evaluation protocol (paper 4.1): every test sample plays all T rounds (the env never stops an episode
// early), and each round's metrics are computed over the complete test set, in two ways from the same play:
// - cumulative ("success by turn t"): a sample whose list the env accepted in an earlier round keeps that list,
//   so round t counts the samples solved by turn t (what this project reported before both were kept);
// - per turn: round t scores the list the agent gave in round t, whatever happened before (the paper's Table 3,
//   where Recall@10 can fall from one turn to the next).
import { Rng } from '../core/rng.js';
import type { ItemId, RecSample } from '../data/types.js';
import type { Agent } from '../../agents/types.js';
import type { CrsAction } from '../../envs/action.js';
import type { CrsObservation, StepInfo } from '../../envs/types.js';
import type { Verdict } from '../simulator/types.js';
import { summarizeRun, type RoundSummary } from './subsets.js';
import type { FeedbackStats } from './feedback-stats.js';
import { errorMessage } from '../core/errors.js';
import { playEpisode } from '../core/episode.js';

/** 'default': the paper's protocol; 'exclude-context-items': items mentioned in D are never candidates. */
export type EvalProtocol = 'default' | 'exclude-context-items';
export const EVAL_PROTOCOLS: readonly EvalProtocol[] = ['default', 'exclude-context-items'];

/** The simulator's answer as the env reports it in `info.feedback` (read defensively: fields may be absent). */
export interface EvalFeedbackInfo {
  text?: unknown;
  kind?: unknown;
  verdict?: unknown;
  preference?: unknown;
}

/** The part of `StepInfo` the protocol reads. */
export type EvalStepInfo = Pick<StepInfo, 'ranking' | 'rewards'> &
  Partial<Pick<StepInfo, 'turn' | 'targetRank' | 'accepted'>> & { feedback?: EvalFeedbackInfo };

/**
 * The shape of env the protocol drives: `CrsEnv`, `make('CrsEnv/<dataset>-v0')`'s wrapped env (typed
 * `Env<CrsObservation, CrsAction>`), or a fake with the same methods in tests.
 */
export interface EvalEnv {
  reset(opts: { seed?: number; options?: { sampleId?: string } }): Promise<{ observation: CrsObservation; info: Record<string, unknown> }>;
  step(action: CrsAction): Promise<{ observation: CrsObservation; terminated: boolean; truncated: boolean; info: EvalStepInfo | Record<string, unknown> }>;
  /** CrsEnv exposes its config; the protocol reads the round limit, whether the env plays all rounds and whether context items are excluded. */
  readonly config?: { readonly rounds?: number; readonly runAllRounds?: boolean; readonly excludeContextItems?: boolean };
  /** CrsEnv exposes the sample of the running episode (the evaluator is trusted; agents never see it); needed only when samples are given by id. */
  readonly currentSample?: RecSample | undefined;
  /** A wrapped env's innermost env (Gymnasium's `unwrapped`): its config and current sample are read there. */
  readonly unwrapped?: unknown;
}

/** Where the env's config and current sample are: the env itself, or below its wrappers. */
function base(env: EvalEnv): EvalEnv {
  if ('config' in env || env.unwrapped === undefined || env.unwrapped === env) return env;
  return env.unwrapped as EvalEnv;
}

/** A step's info as the protocol reads it; an env that reports no ranking or rewards is named. */
function stepInfo(info: EvalStepInfo | Record<string, unknown>, sampleId: string, round: number): EvalStepInfo {
  const read = info as Partial<EvalStepInfo>;
  if (!Array.isArray(read.ranking) || typeof read.rewards !== 'object' || read.rewards === null) {
    throw new Error(`evaluate: sample '${sampleId}', round ${round}: the env's step info has no ranking and rewards (is it a CrsEnv?)`);
  }
  return read as EvalStepInfo;
}

const VERDICTS: readonly Verdict[] = ['accept', 'partial', 'reject'];

/** What the simulated user answered to one round's list (F_{t+1}), as recorded in the trace. */
export interface RoundFeedback {
  text: string;
  /** The simulator's feedback kind (`feedback`, `chitchat`, `accept`), when the env reports it. */
  kind?: string;
  /** The simulator's verdict on the list, when the env reports it. */
  verdict?: Verdict;
  /** The preference the user stated, as canonical "kind:value" strings, when the env reports it. */
  preference?: string[];
}

/** One round of one sample, as played. */
export interface SampleRound {
  /** 1-based round t. */
  round: number;
  /** R_t (item ids, best first). */
  ranking: ItemId[];
  /** I_cand^t the agent saw (item ids, best first). */
  candidates: ItemId[];
  /** Per-component rewards of the turn, before weighting. */
  rewards: Record<string, number>;
  /** Whether the env accepted R_t (the user would have taken the list). */
  accepted: boolean;
  /** The user's answer to R_t; absent in the last round and when the env asked for none. */
  feedback?: RoundFeedback;
}

/** Everything recorded about one sample. */
export interface SampleTrace {
  sampleId: string;
  target: ItemId;
  /** Whether the target was mentioned earlier in the dialogue (the "repeated" subset). */
  targetInContext: boolean;
  /** The first round whose list the env accepted, 0 if none: the cumulative protocol keeps that round's list after it. */
  acceptedRound: number;
  /** Every round, as played (T entries). */
  rounds: SampleRound[];
}

export interface EvalRun {
  agent: string;
  seed: number;
  protocol: EvalProtocol;
  /** One trace per sample, in the order the samples were given. */
  samples: SampleTrace[];
  /** Cumulative protocol (success by turn t): one summary per round, over the complete sample set and its subsets. */
  rounds: RoundSummary[];
  /** Per-turn protocol (round t's own list): the same keys. */
  perTurnRounds: RoundSummary[];
  /** What the simulated user answered over the play: verdicts, false acceptances, preference changes. */
  feedback: FeedbackStats;
}

export interface EvaluateOptions {
  /**
   * The env, or several copies of it: samples then run concurrently, one per copy at a time, which pays off when
   * the agent or the simulator waits on I/O (an LLM server). Results do not depend on how many copies there are:
   * each sample's streams come from the seed and its id. The agent's `act` may then be called concurrently.
   */
  env: EvalEnv | readonly EvalEnv[];
  agent: Agent;
  /** The samples to play, as RecSamples or as sample ids (ids need an env with `currentSample`, like CrsEnv). */
  samples: readonly (RecSample | string)[];
  /** T, rounds per sample (paper: 5). */
  rounds?: number;
  /** Base seed: env and agent streams for each sample derive from it and the sample id (and the bootstrap intervals from it). */
  seed: number;
  /** Defaults to the env's `config.excludeContextItems` ('exclude-context-items' when set). */
  protocol?: EvalProtocol;
  /** Called after each sample with (samples done, total). */
  onProgress?: (done: number, total: number) => void;
}

/** The reset seed for one sample: fixed by the base seed and the sample id, not by the sample's position. */
export function sampleEnvSeed(seed: number, sampleId: string): number {
  return new Rng(seed).split(`eval-env/${sampleId}`).uint32();
}

/** The agent's stream for one round of one sample. */
export function sampleAgentRng(seed: number, sampleId: string, round: number): Rng {
  return new Rng(seed).split(`eval-agent/${sampleId}`).split(`round-${round}`);
}

function envProtocol(env: EvalEnv): EvalProtocol {
  return base(env).config?.excludeContextItems ? 'exclude-context-items' : 'default';
}

function protocolOf(envs: readonly EvalEnv[], explicit: EvalProtocol | undefined): EvalProtocol {
  if (explicit !== undefined) {
    if (!EVAL_PROTOCOLS.includes(explicit)) throw new RangeError(`evaluate: unknown protocol '${String(explicit)}' (known: ${EVAL_PROTOCOLS.join(', ')})`);
    return explicit;
  }
  const first = envProtocol(envs[0] as EvalEnv);
  const other = envs.findIndex((env) => envProtocol(env) !== first);
  if (other >= 0) throw new RangeError(`evaluate: env copy ${other} runs protocol '${envProtocol(envs[other] as EvalEnv)}' but copy 0 runs '${first}'; give copies built alike`);
  return first;
}

function envsOf(options: EvaluateOptions): readonly EvalEnv[] {
  const envs = Array.isArray(options.env) ? (options.env as readonly EvalEnv[]) : [options.env as EvalEnv];
  if (envs.length === 0) throw new RangeError('evaluate: no env given');
  if (new Set(envs).size !== envs.length) throw new RangeError('evaluate: the same env object is listed twice (each concurrent sample needs its own copy)');
  return envs;
}

function checkOptions(options: EvaluateOptions, envs: readonly EvalEnv[], rounds: number): void {
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`evaluate: rounds must be a positive integer, got ${rounds}`);
  if (!Number.isSafeInteger(options.seed) || options.seed < 0) {
    throw new RangeError(`evaluate: seed must be a non-negative integer, got ${String(options.seed)}`);
  }
  for (const env of envs.map(base)) {
    const envRounds = env.config?.rounds;
    if (envRounds !== undefined && envRounds < rounds) {
      throw new RangeError(`evaluate: the env stops after ${envRounds} rounds but ${rounds} were asked; build the env with rounds >= ${rounds}`);
    }
    if (env.config?.runAllRounds === false) {
      throw new RangeError('evaluate: the env ends an episode when the user accepts; build it with runAllRounds: true (every evaluation plays all rounds, so both protocols come from one play)');
    }
  }
  if (options.samples.length === 0) throw new RangeError('evaluate: no samples to evaluate');
  const seen = new Set<string>();
  for (const s of options.samples) {
    const id = typeof s === 'string' ? s : s.id;
    if (seen.has(id)) throw new RangeError(`evaluate: sample '${id}' is listed twice`);
    seen.add(id);
  }
}

/** The target and context flag of the sample the env just reset to (read from the env, never from what an agent sees). */
function resolveSample(env: EvalEnv, requested: RecSample | string): { target: ItemId; targetInContext: boolean } {
  const sample = typeof requested === 'string' ? base(env).currentSample : requested;
  if (typeof requested === 'string' && (!sample || sample.id !== requested)) {
    throw new Error(`evaluate: sample '${requested}' was given by id, but the env does not expose it as currentSample; pass RecSample objects instead`);
  }
  const { target, contextItems } = sample as RecSample;
  return { target, targetInContext: contextItems.includes(target) };
}

/** The user's answer in a step's info, keeping only well-formed fields. */
export function roundFeedback(info: EvalFeedbackInfo | undefined): RoundFeedback | undefined {
  if (info === undefined || info === null || typeof info.text !== 'string') return undefined;
  const out: RoundFeedback = { text: info.text };
  if (typeof info.kind === 'string') out.kind = info.kind;
  if (typeof info.verdict === 'string' && (VERDICTS as readonly string[]).includes(info.verdict)) out.verdict = info.verdict as Verdict;
  if (Array.isArray(info.preference) && info.preference.every((p) => typeof p === 'string')) out.preference = [...(info.preference as string[])];
  return out;
}

async function playSample(options: EvaluateOptions, env: EvalEnv, requested: RecSample | string, rounds: number): Promise<SampleTrace> {
  const { agent, seed } = options;
  const sampleId = typeof requested === 'string' ? requested : requested.id;
  let sample: { target: ItemId; targetInContext: boolean } | undefined;
  const played: SampleRound[] = [];
  let acceptedRound = 0;
  await playEpisode(env, {
    reset: { seed: sampleEnvSeed(seed, sampleId), options: { sampleId } },
    onReset: () => {
      sample = resolveSample(env, requested);
    },
    maxTurns: rounds,
    act: (observation, round) => agent.act(observation, sampleAgentRng(seed, sampleId, round)),
    wrapError: (error, round) => new Error(`evaluate: sample '${sampleId}', round ${round} (agent ${agent.name}): ${errorMessage(error)}`, { cause: error }),
    onStep: (round, observation, _action, result) => {
      const step = { ...result, info: stepInfo(result.info, sampleId, round) };
      const accepted = step.info.accepted ?? step.terminated;
      if (accepted && acceptedRound === 0) acceptedRound = round;
      const feedback = roundFeedback(step.info.feedback);
      const candidates = observation.candidates.map((c) => c.id);
      played.push({ round, ranking: [...step.info.ranking], candidates, rewards: { ...step.info.rewards }, accepted, ...(feedback ? { feedback } : {}) });
      if (round < rounds && (step.terminated || step.truncated)) {
        throw new Error(`evaluate: sample '${sampleId}': the env ended the episode after round ${round} of ${rounds}; every evaluation plays all rounds (build the env with runAllRounds: true and rounds >= ${rounds})`);
      }
    },
  });
  const { target, targetInContext } = sample as { target: ItemId; targetInContext: boolean };
  return { sampleId, target, targetInContext, acceptedRound, rounds: played };
}

/**
 * Runs the protocol: each sample is reset with a seed derived from `seed` and its id and played for all `rounds`
 * rounds; the run reports both the cumulative and the per-turn metrics of that play. With one env the samples run
 * one after another; with several copies, one sample per copy at a time, taken in order. Either way the run is
 * deterministic for a seed (given a deterministic agent, retriever and simulator) and the traces keep the order
 * of `samples`. When a sample fails, no new sample starts; the ones running finish, then its error is thrown.
 */
export async function evaluate(options: EvaluateOptions): Promise<EvalRun> {
  const rounds = options.rounds ?? 5;
  const envs = envsOf(options);
  checkOptions(options, envs, rounds);
  const protocol = protocolOf(envs, options.protocol);
  const total = options.samples.length;
  const traces = new Array<SampleTrace>(total);
  let next = 0;
  let done = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (env: EvalEnv): Promise<void> => {
    while (failure === undefined && next < total) {
      const index = next++;
      try {
        traces[index] = await playSample(options, env, options.samples[index] as RecSample | string, rounds);
      } catch (error) {
        failure ??= { error };
        return;
      }
      options.onProgress?.(++done, total);
    }
  };
  await Promise.all(envs.map(lane));
  if (failure !== undefined) throw failure.error;
  return { agent: options.agent.name, seed: options.seed, protocol, samples: traces, ...summarizeRun(traces, rounds, options.seed) };
}
