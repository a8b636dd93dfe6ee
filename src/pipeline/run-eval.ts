// One evaluation (every sample plays all rounds; both protocols from that play), from an agent SPEC to the files in a folder,
// in this thread or on an EvalPool's worker threads (eval-pool.ts).
import type { EvalProtocol, EvalRun, SampleTrace } from '../eval/protocol.js';
import { summarizeRun } from '../eval/subsets.js';
import { writeEvalRun } from '../eval/files.js';
import type { EvalMeta } from '../eval/report.js';
import { describeAgentSpec } from './agent-spec.js';
import { EvalWorkerError, type EvalPool } from './eval-pool.js';
import { causedBy, errorMessage, OneLineError } from '../core/errors.js';
import type { LlmAgentStats } from '../../agents/llm-agent.js';
import { llmFailureNote } from './llm-agent-calls.js';
import { simulatorFailureNote, type SimulatorFailures } from './simulator-failures.js';
import { loadedPlugins, loadThreadPlugins } from '../plugins/load.js';
import { spec } from '../core/registry.js';
import { concurrencyOf, envIdOf, envOptionsOf, evalSamples, playPrepared, prepareEvaluation, type EvalSetup, type PlayedEvaluation } from './prepared-eval.js';

// The setup and its play in one thread live in prepared-eval.ts (eval workers import it too); re-exported here.
export { defaultConcurrency, evalSamples, type EvalSetup } from './prepared-eval.js';

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
    await Promise.all(prepared.envs.map((e) => e.env.close()));
  }
  const components = prepared.components;
  return {
    samples: played.samples,
    missing: played.missing,
    ...(played.error !== undefined ? { failure: { message: errorMessage(played.error), cause: played.error } } : {}),
    protocol: played.protocol,
    envConfig: prepared.envs[0]?.crs.config,
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
  // Plugins named by the caller load here too (the samples and the agent spec are read in this thread); an unknown
  // env id fails before anything is built.
  await loadThreadPlugins(opts.plugins ?? [], opts.agent);
  spec(envIdOf(opts));
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
      ...(opts.envId !== undefined ? { envId: opts.envId } : {}),
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
    ...(opts.envId !== undefined ? { envId: opts.envId } : {}),
    // The workers load the plugins this thread loaded (or those the caller names) before they build anything.
    plugins: opts.plugins ?? loadedPlugins(),
  };
}
