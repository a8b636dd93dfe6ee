// Evaluations on worker threads: the samples are cut into chunks that the pool's threads play (eval-worker.ts)
// and put back in the split's order. Each sample's env and agent streams come from the seed and its id, so the
// traces, and the metrics computed from them, are the same as in one thread (tested). Worth it when the agent or
// the env is CPU-bound (the neural policy, encoding new texts); an LLM agent waits on its server and is better
// served by `concurrency` in one thread.
import { Piscina } from 'piscina';
import { workerScript } from '../core/worker-pool.js';
import { errorMessage } from '../core/errors.js';
import type { EvalProtocol, SampleTrace } from '../eval/protocol.js';
import type { EvalChunkResult, EvalChunkTask } from './eval-worker.js';
import type { EvalSetup } from './run-eval.js';
import { addStats } from './llm-agent-calls.js';
import type { LlmAgentStats } from '../../agents/llm-agent.js';
import { addFailures, type SimulatorFailures } from './simulator-failures.js';

/** Chunks per worker and evaluation: enough that a slow chunk does not leave the other threads idle at the end. */
const CHUNKS_PER_WORKER = 8;

/** A chunk failed on a worker (an env or agent error, missing trained components, a thread that died). */
export class EvalWorkerError extends Error {
  override name = 'EvalWorkerError';
}

export interface PlayedSamples {
  samples: SampleTrace[];
  protocol: EvalProtocol;
  agent: string;
  envConfig: unknown;
  /** An LLM agent's calls, summed over the workers. */
  llmAgent?: LlmAgentStats;
  simulatorFailures?: SimulatorFailures;
}

export class EvalPool {
  private readonly pool: Piscina;
  private closed = false;

  constructor(readonly workers: number) {
    if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`EvalPool: workers must be an integer >= 1, got ${String(workers)}`);
    this.pool = new Piscina({ ...workerScript(new URL('./eval-worker.ts', import.meta.url)), minThreads: workers, maxThreads: workers, idleTimeout: Number.POSITIVE_INFINITY });
  }

  /** Plays `sampleIds` of the setup's split, returning their traces in that order. */
  async play(setup: EvalSetup, sampleIds: readonly string[], seed: number, onProgress?: (done: number, total: number) => void): Promise<PlayedSamples> {
    if (this.closed) throw new Error('EvalPool.play: the pool is closed');
    if (sampleIds.length === 0) throw new RangeError('evaluate: no samples to evaluate');
    const size = Math.max(1, Math.ceil(sampleIds.length / (this.workers * CHUNKS_PER_WORKER)));
    const chunks: string[][] = [];
    for (let at = 0; at < sampleIds.length; at += size) chunks.push(sampleIds.slice(at, at + size));
    let done = 0;
    const results = await Promise.all(
      chunks.map(async (ids) => {
        const task: EvalChunkTask = { setup, sampleIds: ids, seed };
        let result: EvalChunkResult;
        try {
          result = (await this.pool.run(task)) as EvalChunkResult;
        } catch (err) {
          throw new EvalWorkerError(`evaluation on worker threads failed (samples ${ids[0]} .. ${ids.at(-1)}): ${errorMessage(err)}`, { cause: err });
        }
        done += ids.length;
        onProgress?.(done, sampleIds.length);
        return result;
      }),
    );
    const first = results[0] as EvalChunkResult;
    const llmAgent = results.reduce<LlmAgentStats | undefined>((sum, r) => addStats(sum, r.llmAgent), undefined);
    const simulatorFailures = results.reduce<SimulatorFailures | undefined>((sum, r) => addFailures(sum, r.simulatorFailures), undefined);
    return {
      samples: results.flatMap((r) => r.samples),
      protocol: first.protocol,
      agent: first.agent,
      envConfig: first.envConfig,
      ...(llmAgent ? { llmAgent } : {}),
      ...(simulatorFailures ? { simulatorFailures } : {}),
    };
  }

  /** Ends the threads (a running evaluation's chunks fail). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.destroy();
  }
}
