// One evaluation as the paper runs it (every sample all rounds), from an agent SPEC to the files in a folder.
import type { Split } from '../data/types.js';
import { evaluate, type EvalRun } from '../eval/protocol.js';
import { writeEvalRun } from '../eval/files.js';
import type { EvalMeta } from '../eval/report.js';
import { makeCrsEnv, sharedComponents, sharedDataset, type CrsEnvOptions } from '../../envs/register.js';
import { resolveAgentSpec } from './agent-spec.js';

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
  const env = await makeCrsEnv(opts.dataset, envOptions as Record<string, unknown>);
  const all = dataset.samples[opts.split];
  const samples = opts.limit !== undefined ? all.slice(0, opts.limit) : all;
  const run = await evaluate({ env, agent: resolved.agent, samples, rounds: opts.rounds, seed: opts.seed, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
  const labelled: EvalRun = { ...run, agent: opts.label ?? resolved.label };
  components.flush();
  const meta: EvalMeta = {
    dataset: opts.dataset,
    split: opts.split,
    config: { agent: opts.agent, env: env.config, simulator: envOptions.simulator ?? 'multi-task', retriever: envOptions.retriever ?? 'dual-view', limit: opts.limit ?? null },
    ...(opts.notes ? { notes: opts.notes } : {}),
  };
  await writeEvalRun(opts.out, labelled, meta, { ...(opts.baseline ? { baseline: opts.baseline } : {}), ...(opts.baselineLabel ? { baselineLabel: opts.baselineLabel } : {}) });
  await env.close();
  return labelled;
}
