// One evaluation (every sample plays all rounds; both protocols from that play), from an agent SPEC to the files in a folder,
// in this thread or on an EvalPool's worker threads (eval-pool.ts).
import type { DatasetName } from '../data/paths.js';
import type { RecSample, Split } from '../data/types.js';
import { evaluate, type EvalProtocol, type EvalRun, type SampleTrace } from '../eval/protocol.js';
import { summarizeRun } from '../eval/subsets.js';
import { writeEvalRun } from '../eval/files.js';
import type { EvalMeta } from '../eval/report.js';
import type { CrsEnv } from '../../envs/crs-env.js';
import type { EnvComponents } from '../../envs/components.js';
import { crsEnvNeedsComponents, makeCrsEnv, sharedComponents, sharedDataset, type CrsEnvOptions } from '../../envs/register.js';
import { agents } from '../../agents/registry.js';
import { describeAgentSpec, resolveAgentSpec, type ResolvedAgent } from './agent-spec.js';
import { resolveLlmConfig, type LlmConfigInput } from '../llm/config.js';
import { EvalWorkerError, type EvalPool } from './eval-pool.js';
import { causedBy, errorMessage, OneLineError } from '../core/errors.js';
import type { LlmAgentStats } from '../../agents/llm-agent.js';
import { llmFailureNote, llmStatsOf, statsSince } from './llm-agent-calls.js';
import { SimulatorFailureCounter, simulatorFailureNote, type SimulatorFailures } from './simulator-failures.js';

/** What an evaluation plays: plain data, so that an eval worker builds the same envs and agent. */
export interface EvalSetup {
  dataset: DatasetName;
  split: Split;
  agent: string;
  rounds: number;
  dataRoot?: string;
  artifactsDir?: string;
  /** Env options on top of the agent's own (simulator variant, env config, components config). */
  envOptions?: Partial<CrsEnvOptions>;
  /** Evaluate only the first N samples of the split (quick runs). */
  limit?: number;
  /**
   * Settings of the LLM clients (agent and simulator) over their config and the CRS_GYM_LLM_* variables: the CLI's
   * --llm-timeout, --llm-retries, --llm-concurrency, --llm-max-failures.
   */
  llm?: Partial<LlmConfigInput>;
  /**
   * Samples played at once, each on its own env copy (see `evaluate`). Default: the LLM client's `maxConcurrency`
   * when the agent or the simulator is an LLM (they wait on the server), else 1 (the work is CPU-bound in this
   * thread, so more copies would not help). The results do not depend on it.
   */
  concurrency?: number;
}

export interface RunEvalOptions extends EvalSetup {
  seed: number;
  out: string;
  baseline?: EvalRun;
  baselineLabel?: string;
  notes?: readonly string[];
  label?: string;
  onProgress?: (done: number, total: number) => void;
  /** Where warnings go (an LLM agent whose calls failed); they are also noted in the report. */
  log?: (message: string) => void;
  /**
   * Worker threads to play the samples on (results as in this thread; see eval-pool.ts). A pool can serve many
   * evaluations: each worker keeps the last setup's envs and agent.
   */
  pool?: EvalPool;
}

/**
 * An evaluation that stopped before every sample was played (a worker chunk failed after its retries, the LLM server
 * went down): the finished samples were written, marked partial. Its message says how many and why.
 */
export class PartialEvaluationError extends OneLineError {
  override name = 'PartialEvaluationError';
  constructor(
    message: string,
    readonly missingSampleIds: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function agentWaitsOnServer(spec: string): boolean {
  const name = spec.split(':')[0] ?? '';
  return agents.has(name) && agents.get(name).waitsOnServer === true;
}

/** The default concurrency: an LLM agent or simulator waits on its server, so as many samples as it takes requests. */
export function defaultConcurrency(agentSpec: string, envOptions: Record<string, unknown>, env: Readonly<Record<string, string | undefined>> = process.env, llm: Partial<LlmConfigInput> = {}): number {
  const limits: number[] = [];
  if (agentWaitsOnServer(agentSpec)) limits.push(resolveLlmConfig(llm, env).maxConcurrency);
  if (envOptions.simulator === 'llm') limits.push(resolveLlmConfig((envOptions.llm ?? {}) as Record<string, unknown>, env).maxConcurrency);
  return limits.length === 0 ? 1 : Math.min(...limits);
}

/**
 * The env options an evaluation's envs are made with (the agent's retriever, the split and the rounds). The env
 * plays all rounds whatever the user says (runAllRounds), so one play gives both protocols.
 */
function envOptionsOf(setup: EvalSetup): Record<string, unknown> {
  const described = describeAgentSpec(setup.agent);
  const simulatorLlm = setup.llm !== undefined ? { llm: { ...(setup.envOptions?.llm ?? {}), ...setup.llm } } : {};
  return {
    ...(setup.dataRoot ? { dataRoot: setup.dataRoot } : {}),
    ...(setup.artifactsDir ? { artifactsDir: setup.artifactsDir } : {}),
    ...setup.envOptions,
    ...simulatorLlm,
    ...described.envOptions,
    env: { ...(setup.envOptions?.env ?? {}), split: setup.split, rounds: setup.rounds, runAllRounds: true },
  };
}

/** The samples an evaluation plays, in the split's order; an empty split is an error naming it. */
export function evalSamples(setup: EvalSetup): RecSample[] {
  const dataset = sharedDataset(setup.dataset, setup.dataRoot);
  const all = dataset.samples[setup.split];
  if (all.length === 0) throw new OneLineError(`${setup.dataset} has no ${setup.split} samples (data in ${dataset.root}): nothing to evaluate; check the ${setup.split} file (crs-gym data stats --dataset ${setup.dataset} --strict)`);
  return setup.limit !== undefined ? all.slice(0, setup.limit) : all;
}

function concurrencyOf(setup: EvalSetup, envOptions: Record<string, unknown>): number {
  const concurrency = setup.concurrency ?? defaultConcurrency(setup.agent, envOptions, process.env, setup.llm);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`runEvaluation: concurrency must be a positive integer, got ${String(concurrency)}`);
  return concurrency;
}

/** An evaluation's agent and env copies, built in the thread that plays it. */
export interface PreparedEvaluation {
  /** Absent when neither the agent nor the env needs them. */
  components: EnvComponents | undefined;
  resolved: ResolvedAgent;
  envs: CrsEnv[];
  samples: RecSample[];
}

/**
 * Builds the agent and the env copies. `loadOnly` (eval workers) loads the trained components and fails if they are
 * missing instead of training them.
 */
export async function prepareEvaluation(setup: EvalSetup, opts: { loadOnly?: boolean } = {}): Promise<PreparedEvaluation> {
  const dataset = sharedDataset(setup.dataset, setup.dataRoot);
  const envOptions = { ...envOptionsOf(setup), ...(opts.loadOnly ? { loadOnly: true } : {}) };
  // Lexical baselines with an untrained simulator need no trained components; a neural policy always does.
  const components =
    describeAgentSpec(setup.agent).kind === 'neural' || crsEnvNeedsComponents(setup.dataset, envOptions)
      ? await sharedComponents(dataset, {
          ...(setup.artifactsDir ? { artifactsDir: setup.artifactsDir } : {}),
          components: (setup.envOptions?.components ?? {}) as Record<string, unknown>,
          ...(opts.loadOnly ? { loadOnly: true } : {}),
        })
      : undefined;
  const resolved = await resolveAgentSpec(setup.agent, components, setup.llm, dataset);
  const samples = evalSamples(setup);
  // Copies share the dataset and the trained components; more than one per sample would only idle.
  const copies = Math.max(1, Math.min(concurrencyOf(setup, envOptions), samples.length));
  const envs: CrsEnv[] = [];
  for (let i = 0; i < copies; i++) envs.push(await makeCrsEnv(setup.dataset, envOptions));
  return { components, resolved, envs, samples };
}

/**
 * What playing some samples of a prepared evaluation gives: the traces of the samples that finished (in the order
 * given), the ids of those that did not, the error that stopped the rest, and the LLM calls and simulator failures.
 */
export interface PlayedEvaluation {
  samples: SampleTrace[];
  missing: string[];
  /** Set when a sample failed: no new sample was started after it. */
  error?: unknown;
  protocol: EvalProtocol;
  agent: string;
  llmAgent: LlmAgentStats | undefined;
  simulatorFailures: SimulatorFailures;
}

/**
 * Plays `samples` on the prepared env copies (one sample per copy at a time, as `evaluate` does), counting the LLM
 * agent's calls and the simulator's failed turns. Each sample is its own `evaluate` call, with the streams of the
 * seed and its id as in one call over all, so the traces are the same, and a failure keeps the finished samples.
 */
export async function playPrepared(
  prepared: PreparedEvaluation,
  samples: readonly RecSample[],
  rounds: number,
  seed: number,
  onProgress?: (done: number, total: number) => void,
): Promise<PlayedEvaluation> {
  const agent = prepared.resolved.agent;
  const before = llmStatsOf(agent);
  const counter = new SimulatorFailureCounter();
  const traces = new Array<SampleTrace | undefined>(samples.length);
  let next = 0;
  let done = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (env: CrsEnv): Promise<void> => {
    const watched = counter.watch(env);
    while (failure === undefined && next < samples.length) {
      const index = next++;
      try {
        traces[index] = (await evaluate({ env: watched, agent, samples: [samples[index] as RecSample], rounds, seed })).samples[0];
      } catch (error) {
        failure ??= { error };
        return;
      }
      onProgress?.(++done, samples.length);
    }
  };
  await Promise.all(prepared.envs.map(lane));
  const finished = traces.filter((t): t is SampleTrace => t !== undefined);
  const missing = samples.filter((_, i) => traces[i] === undefined).map((s) => s.id);
  return {
    samples: finished,
    missing,
    ...(failure !== undefined ? { error: failure.error } : {}),
    protocol: prepared.envs[0]?.config.excludeContextItems ? 'exclude-context-items' : 'default',
    agent: agent.name,
    llmAgent: statsSince(llmStatsOf(agent), before),
    simulatorFailures: counter.value,
  };
}

/** What an evaluation played, in this thread or on worker threads, before it is written. */
interface Played {
  samples: SampleTrace[];
  missing: string[];
  failure?: { message: string; cause: unknown };
  protocol: EvalProtocol;
  envConfig: unknown;
  label: string;
  llmCalls: LlmAgentStats | undefined;
  simulatorFailures: SimulatorFailures | undefined;
  warnings: string[];
  /** Persists new text embeddings (this thread's components), after the results are written. */
  flush?: () => Promise<void>;
}

async function playHere(opts: RunEvalOptions): Promise<Played> {
  const prepared = await prepareEvaluation(opts);
  let played: PlayedEvaluation;
  try {
    played = await playPrepared(prepared, prepared.samples, opts.rounds, opts.seed, opts.onProgress);
  } finally {
    await Promise.all(prepared.envs.map((e) => e.close()));
  }
  const components = prepared.components;
  return {
    samples: played.samples,
    missing: played.missing,
    ...(played.error !== undefined ? { failure: { message: errorMessage(played.error), cause: played.error } } : {}),
    protocol: played.protocol,
    envConfig: (prepared.envs[0] as CrsEnv).config,
    label: prepared.resolved.label,
    llmCalls: played.llmAgent,
    simulatorFailures: played.simulatorFailures,
    warnings: [],
    ...(components !== undefined ? { flush: () => components.flush() } : {}),
  };
}

async function playOnPool(opts: RunEvalOptions, pool: EvalPool, envOptions: Record<string, unknown>): Promise<Played> {
  const samples = evalSamples(opts);
  concurrencyOf(opts, envOptions); // a bad value fails here, not in every worker
  const played = await pool.play(setupOf(opts), samples.map((s) => s.id), opts.seed, opts.onProgress);
  return {
    samples: played.samples,
    missing: played.missing,
    ...(played.failure !== undefined ? { failure: { message: played.failure, cause: new EvalWorkerError(played.failure) } } : {}),
    protocol: played.protocol ?? 'default',
    envConfig: played.envConfig,
    label: describeAgentSpec(opts.agent).label,
    llmCalls: played.llmAgent,
    simulatorFailures: played.simulatorFailures,
    warnings: played.warnings,
  };
}

/**
 * Plays an evaluation and writes its folder. The results are written first; new text embeddings are saved after, and
 * a failure to save them is a warning. When samples fail (after a worker's retries, or the LLM server gave up), the
 * finished ones are written, marked partial (summary.json `config.partial`, a note in report.md), and a
 * PartialEvaluationError says so; when none finished, the error is thrown and nothing is written.
 */
export async function runEvaluation(opts: RunEvalOptions): Promise<EvalRun> {
  const envOptions = envOptionsOf(opts);
  const played = opts.pool !== undefined ? await playOnPool(opts, opts.pool, envOptions) : await playHere(opts);
  if (played.failure !== undefined && played.samples.length === 0) {
    // Nothing to write. A failure of the input or the server (not a bug) stays a one-line error.
    const { cause, message } = played.failure;
    throw causedBy(cause, OneLineError) && !(cause instanceof OneLineError) ? new OneLineError(message, { cause }) : cause;
  }
  const label = opts.label ?? played.label;
  const labelled: EvalRun = { agent: label, seed: opts.seed, protocol: played.protocol, samples: played.samples, ...summarizeRun(played.samples, opts.rounds, opts.seed) };
  const { llmCalls, simulatorFailures } = played;
  const total = played.samples.length + played.missing.length;
  const partial =
    played.failure !== undefined
      ? { missingSamples: played.missing, error: played.failure.message }
      : undefined;
  const failed = [
    ...(partial !== undefined ? [`PARTIAL: ${played.samples.length} of ${total} samples were played; the metrics cover only those (the evaluation stopped: ${partial.error}; missing samples in summary.json config.partial)`] : []),
    ...(llmCalls !== undefined && llmCalls.failures > 0 ? [llmFailureNote(llmCalls)] : []),
    ...(simulatorFailures !== undefined && simulatorFailures.failures > 0 ? [simulatorFailureNote(simulatorFailures)] : []),
  ];
  for (const note of [...played.warnings, ...failed.slice(partial !== undefined ? 1 : 0)]) opts.log?.(`${label}: ${note}`);
  const notes = [...(opts.notes ?? []), ...failed];
  const meta: EvalMeta = {
    dataset: opts.dataset,
    split: opts.split,
    config: {
      agent: opts.agent,
      env: played.envConfig,
      simulator: envOptions.simulator ?? 'multi-task',
      retriever: envOptions.retriever ?? 'dual-view',
      limit: opts.limit ?? null,
      ...(llmCalls !== undefined ? { llmAgentCalls: llmCalls } : {}),
      ...(simulatorFailures !== undefined && simulatorFailures.failures > 0 ? { simulatorFailures } : {}),
      ...(partial !== undefined ? { partial } : {}),
    },
    ...(notes.length > 0 ? { notes } : {}),
  };
  await writeEvalRun(opts.out, labelled, meta, { ...(opts.baseline ? { baseline: opts.baseline } : {}), ...(opts.baselineLabel ? { baselineLabel: opts.baselineLabel } : {}) });
  // After the results: a cache that cannot be written (disk full) only costs encoding those texts again.
  await played.flush?.().catch((err: unknown) => opts.log?.(`warning: new text embeddings not saved (${errorMessage(err)}); the results in ${opts.out} are complete`));
  if (partial !== undefined) {
    throw new PartialEvaluationError(
      `evaluation stopped after ${played.samples.length} of ${total} samples (${partial.error}); the finished samples are written to ${opts.out}, marked partial`,
      partial.missingSamples,
      { cause: played.failure?.cause },
    );
  }
  return labelled;
}

/** The plain-data part of the options, for the workers. */
function setupOf(opts: RunEvalOptions): EvalSetup {
  return {
    dataset: opts.dataset,
    split: opts.split,
    agent: opts.agent,
    rounds: opts.rounds,
    ...(opts.dataRoot !== undefined ? { dataRoot: opts.dataRoot } : {}),
    ...(opts.artifactsDir !== undefined ? { artifactsDir: opts.artifactsDir } : {}),
    ...(opts.envOptions !== undefined ? { envOptions: opts.envOptions } : {}),
    ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
    ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
    ...(opts.llm !== undefined ? { llm: opts.llm } : {}),
  };
}
