// One evaluation (every sample plays all rounds; both protocols from that play), from an agent SPEC to the files in a folder,
// in this thread or on an EvalPool's worker threads (eval-pool.ts).
import type { RecSample, Split } from '../data/types.js';
import { evaluate, type EvalRun } from '../eval/protocol.js';
import { summarizeRun } from '../eval/subsets.js';
import { writeEvalRun } from '../eval/files.js';
import type { EvalMeta } from '../eval/report.js';
import type { CrsEnv } from '../../envs/crs-env.js';
import type { EnvComponents } from '../../envs/components.js';
import { crsEnvNeedsComponents, makeCrsEnv, sharedComponents, sharedDataset, type CrsEnvOptions } from '../../envs/register.js';
import { describeAgentSpec, resolveAgentSpec, type ResolvedAgent } from './agent-spec.js';
import { resolveLlmConfig } from '../llm/config.js';
import type { EvalPool } from './eval-pool.js';
import type { LlmAgentStats } from '../../agents/llm-agent.js';
import { llmFailureNote, llmStatsOf, statsSince } from './llm-agent-calls.js';
import { SimulatorFailureCounter, simulatorFailureNote, type SimulatorFailures } from './simulator-failures.js';

/** What an evaluation plays: plain data, so that an eval worker builds the same envs and agent. */
export interface EvalSetup {
  dataset: 'inspired' | 'redial';
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

/** The default concurrency: an LLM agent or simulator waits on its server, so as many samples as it takes requests. */
export function defaultConcurrency(agentSpec: string, envOptions: Record<string, unknown>, env: Readonly<Record<string, string | undefined>> = process.env): number {
  const limits: number[] = [];
  if (agentSpec === 'llm') limits.push(resolveLlmConfig({}, env).maxConcurrency);
  if (envOptions.simulator === 'llm') limits.push(resolveLlmConfig((envOptions.llm ?? {}) as Record<string, unknown>, env).maxConcurrency);
  return limits.length === 0 ? 1 : Math.min(...limits);
}

/**
 * The env options an evaluation's envs are made with (the agent's retriever, the split and the rounds). The env
 * plays all rounds whatever the user says (runAllRounds), so one play gives both protocols.
 */
function envOptionsOf(setup: EvalSetup): Record<string, unknown> {
  const described = describeAgentSpec(setup.agent);
  return {
    ...(setup.dataRoot ? { dataRoot: setup.dataRoot } : {}),
    ...(setup.artifactsDir ? { artifactsDir: setup.artifactsDir } : {}),
    ...setup.envOptions,
    ...described.envOptions,
    env: { ...(setup.envOptions?.env ?? {}), split: setup.split, rounds: setup.rounds, runAllRounds: true },
  };
}

/** The samples an evaluation plays, in the split's order. */
export function evalSamples(setup: EvalSetup): RecSample[] {
  const all = sharedDataset(setup.dataset, setup.dataRoot).samples[setup.split];
  return setup.limit !== undefined ? all.slice(0, setup.limit) : all;
}

function concurrencyOf(setup: EvalSetup, envOptions: Record<string, unknown>): number {
  const concurrency = setup.concurrency ?? defaultConcurrency(setup.agent, envOptions);
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
  const resolved = await resolveAgentSpec(setup.agent, components);
  const samples = evalSamples(setup);
  // Copies share the dataset and the trained components; more than one per sample would only idle.
  const copies = Math.max(1, Math.min(concurrencyOf(setup, envOptions), samples.length));
  const envs: CrsEnv[] = [];
  for (let i = 0; i < copies; i++) envs.push(await makeCrsEnv(setup.dataset, envOptions));
  return { components, resolved, envs, samples };
}

/** What playing some samples of a prepared evaluation gives: the run, and the LLM calls and simulator failures in it. */
export interface PlayedEvaluation {
  run: EvalRun;
  llmAgent: LlmAgentStats | undefined;
  simulatorFailures: SimulatorFailures;
}

/** Plays `samples` on the prepared env copies, counting the LLM agent's calls and the simulator's failed turns. */
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
  const run = await evaluate({ env: prepared.envs.map((e) => counter.watch(e)), agent, samples, rounds, seed, ...(onProgress ? { onProgress } : {}) });
  return { run, llmAgent: statsSince(llmStatsOf(agent), before), simulatorFailures: counter.value };
}

export async function runEvaluation(opts: RunEvalOptions): Promise<EvalRun> {
  const envOptions = envOptionsOf(opts);
  let run: EvalRun;
  let envConfig: unknown;
  let label: string;
  let llmCalls: LlmAgentStats | undefined;
  let simulatorFailures: SimulatorFailures | undefined;
  if (opts.pool !== undefined) {
    const samples = evalSamples(opts);
    concurrencyOf(opts, envOptions); // a bad value fails here, not in every worker
    const played = await opts.pool.play(setupOf(opts), samples.map((s) => s.id), opts.seed, opts.onProgress);
    run = { agent: played.agent, seed: opts.seed, protocol: played.protocol, samples: played.samples, ...summarizeRun(played.samples, opts.rounds, opts.seed) };
    envConfig = played.envConfig;
    llmCalls = played.llmAgent;
    simulatorFailures = played.simulatorFailures;
    label = describeAgentSpec(opts.agent).label;
  } else {
    const prepared = await prepareEvaluation(opts);
    let played: PlayedEvaluation;
    try {
      played = await playPrepared(prepared, prepared.samples, opts.rounds, opts.seed, opts.onProgress);
    } finally {
      await Promise.all(prepared.envs.map((e) => e.close()));
    }
    ({ run, llmAgent: llmCalls, simulatorFailures } = played);
    await prepared.components?.flush();
    envConfig = (prepared.envs[0] as CrsEnv).config;
    label = prepared.resolved.label;
  }
  const labelled: EvalRun = { ...run, agent: opts.label ?? label };
  const failed = [
    ...(llmCalls !== undefined && llmCalls.failures > 0 ? [llmFailureNote(llmCalls)] : []),
    ...(simulatorFailures !== undefined && simulatorFailures.failures > 0 ? [simulatorFailureNote(simulatorFailures)] : []),
  ];
  for (const note of failed) opts.log?.(`${opts.label ?? label}: ${note}`);
  const notes = [...(opts.notes ?? []), ...failed];
  const meta: EvalMeta = {
    dataset: opts.dataset,
    split: opts.split,
    config: {
      agent: opts.agent,
      env: envConfig,
      simulator: envOptions.simulator ?? 'multi-task',
      retriever: envOptions.retriever ?? 'dual-view',
      limit: opts.limit ?? null,
      ...(llmCalls !== undefined ? { llmAgentCalls: llmCalls } : {}),
      ...(simulatorFailures !== undefined && simulatorFailures.failures > 0 ? { simulatorFailures } : {}),
    },
    ...(notes.length > 0 ? { notes } : {}),
  };
  await writeEvalRun(opts.out, labelled, meta, { ...(opts.baseline ? { baseline: opts.baseline } : {}), ...(opts.baselineLabel ? { baselineLabel: opts.baselineLabel } : {}) });
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
  };
}
