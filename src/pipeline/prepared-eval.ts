// An evaluation's plain-data setup (EvalSetup) and what plays it in one thread: the plugins it needs, the agent and the
// env copies (made from the setup's env id), and the play of some of its samples. run-eval.ts plays it here or on
// an EvalPool's worker threads, whose eval-worker.ts runs the same code, so both give the same traces.
import type { DatasetName } from '../data/paths.js';
import type { RecSample, Split } from '../data/types.js';
import { evaluate, type EvalProtocol, type SampleTrace } from '../eval/protocol.js';
import { make } from '../core/registry.js';
import type { Env } from '../core/env.js';
import { crsEnvOf, type CrsEnv } from '../../envs/crs-env.js';
import type { CrsAction } from '../../envs/action.js';
import type { CrsObservation } from '../../envs/types.js';
import type { EnvComponents } from '../../envs/components.js';
import { crsEnvId, crsEnvNeedsComponents, sharedComponents, sharedDataset, type CrsEnvOptions } from '../../envs/register.js';
import { agents } from '../../agents/registry.js';
import { describeAgentSpec, resolveAgentSpec, type ResolvedAgent } from './agent-spec.js';
import { resolveLlmConfig, type LlmConfigInput } from '../llm/config.js';
import { OneLineError } from '../core/errors.js';
import type { LlmAgentStats } from '../../agents/llm-agent.js';
import { llmStatsOf, statsSince } from './llm-agent-calls.js';
import { SimulatorFailureCounter, type SimulatorFailures } from './simulator-failures.js';
import { loadThreadPlugins } from '../plugins/load.js';

/** What an evaluation plays: plain data, so that an eval worker builds the same envs and agent. */
export interface EvalSetup {
  dataset: DatasetName;
  /**
   * The env id the envs are made with (`make(envId, options)`, src/core/registry.ts): default `CrsEnv/<dataset>-v0`;
   * a plugin may register its own (its factory's options and wrappers apply). Its unwrapped env must be a CrsEnv of
   * `dataset` (the samples are played by id).
   */
  envId?: string;
  /**
   * Plugin files (absolute paths) loaded in the thread that plays, before anything is built: eval workers start
   * without the main thread's plugins. Default (runEvaluation): the files loaded in the calling thread.
   */
  plugins?: string[];
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
export function envOptionsOf(setup: EvalSetup): Record<string, unknown> {
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

export function concurrencyOf(setup: EvalSetup, envOptions: Record<string, unknown>): number {
  const concurrency = setup.concurrency ?? defaultConcurrency(setup.agent, envOptions, process.env, setup.llm);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`runEvaluation: concurrency must be a positive integer, got ${String(concurrency)}`);
  return concurrency;
}

/** An evaluation's agent and env copies, built in the thread that plays it. */
export interface PreparedEvaluation {
  /** Absent when neither the agent nor the env needs them. */
  components: EnvComponents | undefined;
  resolved: ResolvedAgent;
  /** The env copies as `make` built them (wrapped or not), and the CrsEnv under each, in the same order. */
  envs: CrsEnvCopy[];
  samples: RecSample[];
}

/** An env copy: what is stepped (the made env, with its id's wrappers) and the trusted CrsEnv beneath it. */
export interface CrsEnvCopy {
  env: Env<CrsObservation, CrsAction>;
  crs: CrsEnv;
}

/** The env id an evaluation makes its envs with. */
export function envIdOf(setup: Pick<EvalSetup, 'dataset' | 'envId'>): string {
  return setup.envId ?? crsEnvId(setup.dataset);
}

/**
 * Builds the agent and the env copies. `loadOnly` (eval workers) loads the trained components and fails if they are
 * missing instead of training them.
 */
export async function prepareEvaluation(setup: EvalSetup, opts: { loadOnly?: boolean } = {}): Promise<PreparedEvaluation> {
  // First: a plugin may register the dataset, the agent, the env id, a simulator or a reward component used below.
  await loadThreadPlugins(setup.plugins ?? [], setup.agent);
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
  const id = envIdOf(setup);
  const envs: CrsEnvCopy[] = [];
  for (let i = 0; i < copies; i++) {
    const env = await make<CrsObservation, CrsAction>(id, envOptions);
    try {
      envs.push({ env, crs: crsEnvOf(env, id) });
    } catch (err) {
      await env.close().catch(() => undefined);
      throw err;
    }
  }
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
  const lane = async ({ env, crs }: CrsEnvCopy): Promise<void> => {
    const watched = counter.watch(env, crs);
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
    protocol: prepared.envs[0]?.crs.config.excludeContextItems ? 'exclude-context-items' : 'default',
    agent: agent.name,
    llmAgent: statsSince(llmStatsOf(agent), before),
    simulatorFailures: counter.value,
  };
}

