// One evaluation as the paper runs it (every sample all rounds), from an agent SPEC to the files in a folder.
import type { Split } from '../data/types.js';
import { evaluate, type EvalRun } from '../eval/protocol.js';
import { writeEvalRun } from '../eval/files.js';
import type { EvalMeta } from '../eval/report.js';
import type { CrsEnv } from '../../envs/crs-env.js';
import { makeCrsEnv, sharedComponents, sharedDataset, type CrsEnvOptions } from '../../envs/register.js';
import { resolveAgentSpec } from './agent-spec.js';
import { resolveLlmConfig } from '../llm/config.js';

export interface RunEvalOptions {
  dataset: 'inspired' | 'redial';
  split: Split;
  agent: string;
  rounds: number;
  seed: number;
  out: string;
  dataRoot?: string;
  artifactsDir?: string;
  /** Env options on top of the agent's own (simulator variant, env config, components config). */
  envOptions?: Partial<CrsEnvOptions>;
  /** Evaluate only the first N samples of the split (quick runs). */
  limit?: number;
  baseline?: EvalRun;
  baselineLabel?: string;
  notes?: readonly string[];
  label?: string;
  onProgress?: (done: number, total: number) => void;
  /**
   * Samples played at once, each on its own env copy (see `evaluate`). Default: the LLM client's `maxConcurrency`
   * when the agent or the simulator is an LLM (they wait on the server), else 1 (the work is CPU-bound in this
   * thread, so more copies would not help). The results do not depend on it.
   */
  concurrency?: number;
}

/** The default concurrency: an LLM agent or simulator waits on its server, so as many samples as it takes requests. */
export function defaultConcurrency(agentSpec: string, envOptions: Record<string, unknown>, env: Readonly<Record<string, string | undefined>> = process.env): number {
  const limits: number[] = [];
  if (agentSpec === 'llm') limits.push(resolveLlmConfig({}, env).maxConcurrency);
  if (envOptions.simulator === 'llm') limits.push(resolveLlmConfig((envOptions.llm ?? {}) as Record<string, unknown>, env).maxConcurrency);
  return limits.length === 0 ? 1 : Math.min(...limits);
}

export async function runEvaluation(opts: RunEvalOptions): Promise<EvalRun> {
  const dataset = sharedDataset(opts.dataset, opts.dataRoot);
  const common = { ...(opts.dataRoot ? { dataRoot: opts.dataRoot } : {}), ...(opts.artifactsDir ? { artifactsDir: opts.artifactsDir } : {}) };
  const components = await sharedComponents(dataset, { ...(opts.artifactsDir ? { artifactsDir: opts.artifactsDir } : {}), components: (opts.envOptions?.components ?? {}) as Record<string, unknown> });
  const resolved = await resolveAgentSpec(opts.agent, components);
  const envOptions = {
    ...common,
    ...opts.envOptions,
    ...resolved.envOptions,
    env: { ...(opts.envOptions?.env ?? {}), split: opts.split, rounds: opts.rounds },
  };
  const all = dataset.samples[opts.split];
  const samples = opts.limit !== undefined ? all.slice(0, opts.limit) : all;
  const concurrency = opts.concurrency ?? defaultConcurrency(opts.agent, envOptions as Record<string, unknown>);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`runEvaluation: concurrency must be a positive integer, got ${String(concurrency)}`);
  // Copies share the dataset and the trained components; more than one per sample would only idle.
  const copies = Math.min(concurrency, samples.length);
  const envs: CrsEnv[] = [];
  let run: EvalRun;
  try {
    for (let i = 0; i < Math.max(1, copies); i++) envs.push(await makeCrsEnv(opts.dataset, envOptions as Record<string, unknown>));
    run = await evaluate({ env: envs, agent: resolved.agent, samples, rounds: opts.rounds, seed: opts.seed, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
  } finally {
    await Promise.all(envs.map((e) => e.close()));
  }
  const env = envs[0] as CrsEnv;
  const labelled: EvalRun = { ...run, agent: opts.label ?? resolved.label };
  components.flush();
  const meta: EvalMeta = {
    dataset: opts.dataset,
    split: opts.split,
    config: { agent: opts.agent, env: env.config, simulator: envOptions.simulator ?? 'multi-task', retriever: envOptions.retriever ?? 'dual-view', limit: opts.limit ?? null },
    ...(opts.notes ? { notes: opts.notes } : {}),
  };
  await writeEvalRun(opts.out, labelled, meta, { ...(opts.baseline ? { baseline: opts.baseline } : {}), ...(opts.baselineLabel ? { baselineLabel: opts.baselineLabel } : {}) });
  return labelled;
}
