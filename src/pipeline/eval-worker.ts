// Worker side of the EvalPool: plays a chunk of an evaluation's samples with the agent and env copies the setup
// names (after loading the setup's plugins, which a new thread lacks), built once per thread and setup (the last setup's are kept, an earlier one's dropped), and returns the
// traces of the samples that finished, with the error that stopped the others. Trained components are loaded,
// never trained here. After a failed chunk the thread drops its envs and agent, so a retry starts afresh.
import type { EvalProtocol, SampleTrace } from '../eval/protocol.js';
import type { RecSample } from '../data/types.js';
import { stableStringify } from './stage-cache.js';
import { playPrepared, prepareEvaluation, type EvalSetup, type PreparedEvaluation } from './prepared-eval.js';
import type { LlmAgentStats } from '../../agents/llm-agent.js';
import type { SimulatorFailures } from './simulator-failures.js';
import { causedBy, errorMessage } from '../core/errors.js';
import { LlmGaveUpError } from '../llm/errors.js';

export interface EvalChunkTask {
  setup: EvalSetup;
  /** Samples of the setup's split to play, in order. */
  sampleIds: string[];
  seed: number;
}

export interface EvalChunkResult {
  /** The samples that finished, in the chunk's order. */
  samples: SampleTrace[];
  /** Set when a sample failed: the samples not finished and why. */
  failure?: {
    message: string;
    missing: string[];
    /** Whether playing them again may help (false when the LLM server gave up). */
    retryable: boolean;
  };
  protocol: EvalProtocol;
  agent: string;
  /** The env copies' config (for the run's summary). */
  envConfig: unknown;
  /** An LLM agent's calls in this chunk. */
  llmAgent?: LlmAgentStats;
  simulatorFailures: SimulatorFailures;
  /** What went wrong without failing the chunk (new text embeddings not saved). */
  warnings: string[];
}

/** The last setup's envs and agent, and its samples by id. */
let current: { key: string; prepared: PreparedEvaluation; byId: Map<string, RecSample> } | undefined;

async function prepared(setup: EvalSetup): Promise<NonNullable<typeof current>> {
  const key = stableStringify(setup);
  if (current?.key === key) return current;
  await dropPrepared();
  const p = await prepareEvaluation(setup, { loadOnly: true });
  current = { key, prepared: p, byId: new Map(p.samples.map((s) => [s.id, s])) };
  return current;
}

async function dropPrepared(): Promise<void> {
  const old = current;
  current = undefined;
  if (old) await Promise.all(old.prepared.envs.map((e) => e.env.close().catch(() => undefined)));
}

export default async function playChunk(task: EvalChunkTask): Promise<EvalChunkResult> {
  const { prepared: p, byId } = await prepared(task.setup);
  const samples = task.sampleIds.map((id) => {
    const sample = byId.get(id);
    if (sample === undefined) throw new Error(`eval worker: sample '${id}' is not among the ${p.samples.length} samples of ${task.setup.dataset} ${task.setup.split}`);
    return sample;
  });
  const played = await playPrepared(p, samples, task.setup.rounds, task.seed);
  const warnings: string[] = [];
  // New text embeddings reach the shared cache file before the pool may end this thread; failing to save them
  // loses no result.
  await p.components?.flush().catch((err: unknown) => warnings.push(`new text embeddings not saved (${errorMessage(err)})`));
  if (played.error !== undefined) await dropPrepared();
  return {
    samples: played.samples,
    ...(played.error !== undefined
      ? { failure: { message: errorMessage(played.error), missing: played.missing, retryable: !causedBy(played.error, LlmGaveUpError) } }
      : {}),
    protocol: played.protocol,
    agent: played.agent,
    envConfig: p.envs[0]?.crs.config,
    simulatorFailures: played.simulatorFailures,
    warnings,
    ...(played.llmAgent ? { llmAgent: played.llmAgent } : {}),
  };
}
