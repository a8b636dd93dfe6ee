// Worker side of the EvalPool: plays a chunk of an evaluation's samples with the agent and env copies the setup
// names, built once per thread and setup (the last setup's are kept, an earlier one's dropped), and returns the
// traces. Trained components are loaded, never trained here.
import type { EvalProtocol, SampleTrace } from '../eval/protocol.js';
import type { RecSample } from '../data/types.js';
import { stableStringify } from './stage-cache.js';
import { playPrepared, prepareEvaluation, type EvalSetup, type PreparedEvaluation } from './run-eval.js';
import type { LlmAgentStats } from '../../agents/llm-agent.js';
import type { SimulatorFailures } from './simulator-failures.js';

export interface EvalChunkTask {
  setup: EvalSetup;
  /** Samples of the setup's split to play, in order. */
  sampleIds: string[];
  seed: number;
}

export interface EvalChunkResult {
  samples: SampleTrace[];
  protocol: EvalProtocol;
  agent: string;
  /** The env copies' config (for the run's summary). */
  envConfig: unknown;
  /** An LLM agent's calls in this chunk. */
  llmAgent?: LlmAgentStats;
  simulatorFailures: SimulatorFailures;
}

/** The last setup's envs and agent, and its samples by id. */
let current: { key: string; prepared: PreparedEvaluation; byId: Map<string, RecSample> } | undefined;

async function prepared(setup: EvalSetup): Promise<NonNullable<typeof current>> {
  const key = stableStringify(setup);
  if (current?.key === key) return current;
  if (current) await Promise.all(current.prepared.envs.map((e) => e.close()));
  current = undefined;
  const p = await prepareEvaluation(setup, { loadOnly: true });
  current = { key, prepared: p, byId: new Map(p.samples.map((s) => [s.id, s])) };
  return current;
}

export default async function playChunk(task: EvalChunkTask): Promise<EvalChunkResult> {
  const { prepared: p, byId } = await prepared(task.setup);
  const samples = task.sampleIds.map((id) => {
    const sample = byId.get(id);
    if (sample === undefined) throw new Error(`eval worker: sample '${id}' is not among the ${p.samples.length} samples of ${task.setup.dataset} ${task.setup.split}`);
    return sample;
  });
  const { run, llmAgent, simulatorFailures } = await playPrepared(p, samples, task.setup.rounds, task.seed);
  // New text embeddings reach the shared cache file before the pool may end this thread.
  await p.components?.flush();
  return { samples: run.samples, protocol: run.protocol, agent: run.agent, envConfig: p.envs[0]?.config, simulatorFailures, ...(llmAgent ? { llmAgent } : {}) };
}
