// Worker side of the EvalPool: plays a chunk of an evaluation's samples with the agent and env copies the setup
// names, built once per thread and setup (the last setup's are kept, an earlier one's dropped), and returns the
// traces. Trained components are loaded, never trained here.
import { evaluate, type EvalProtocol, type SampleTrace } from '../eval/protocol.js';
import { stableStringify } from './stage-cache.js';
import { prepareEvaluation, type EvalSetup, type PreparedEvaluation } from './run-eval.js';
import { llmStatsOf, statsSince } from './llm-agent-calls.js';
import type { LlmAgentStats } from '../../agents/llm-agent.js';
import { SimulatorFailureCounter, type SimulatorFailures } from './simulator-failures.js';

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

let current: { key: string; prepared: PreparedEvaluation } | undefined;

async function prepared(setup: EvalSetup): Promise<PreparedEvaluation> {
  const key = stableStringify(setup);
  if (current?.key === key) return current.prepared;
  if (current) await Promise.all(current.prepared.envs.map((e) => e.close()));
  current = undefined;
  current = { key, prepared: await prepareEvaluation(setup, { loadOnly: true }) };
  return current.prepared;
}

export default async function playChunk(task: EvalChunkTask): Promise<EvalChunkResult> {
  const p = await prepared(task.setup);
  const byId = new Map(p.samples.map((s) => [s.id, s]));
  const samples = task.sampleIds.map((id) => {
    const sample = byId.get(id);
    if (sample === undefined) throw new Error(`eval worker: sample '${id}' is not among the ${p.samples.length} samples of ${task.setup.dataset} ${task.setup.split}`);
    return sample;
  });
  const before = llmStatsOf(p.resolved.agent);
  const counter = new SimulatorFailureCounter();
  const run = await evaluate({ env: p.envs.map((e) => counter.watch(e)), agent: p.resolved.agent, samples, rounds: task.setup.rounds, seed: task.seed });
  const llmAgent = statsSince(llmStatsOf(p.resolved.agent), before);
  // New text embeddings reach the shared cache file before the pool may end this thread.
  await p.components?.flush();
  return { samples: run.samples, protocol: run.protocol, agent: run.agent, envConfig: p.envs[0]?.config, simulatorFailures: counter.value, ...(llmAgent ? { llmAgent } : {}) };
}
