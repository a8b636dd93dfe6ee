// Evaluations on worker threads: the samples are cut into chunks that the pool's threads play (eval-worker.ts)
// and put back in the split's order. Each sample's env and agent streams come from the seed and its id, so the
// traces, and the metrics computed from them, are the same as in one thread (tested). Worth it when the agent or
// the env is CPU-bound (the neural policy, encoding new texts); an LLM agent waits on its server and is better
// served by `concurrency` in one thread.
//
// A chunk that fails (a thread that dies, an env or agent error) is played again, its unfinished samples only, up to
// CHUNK_RETRIES times: a dead thread is replaced by a new one, and a thread whose chunk failed drops its envs and
// agent first. What still fails is reported with the samples that did finish (the caller writes them, marked partial).
import { PinnedWorkers } from '../core/worker-pool.js';
import { errorMessage, OneLineError } from '../core/errors.js';
import type { EvalProtocol, SampleTrace } from '../eval/protocol.js';
import type { EvalChunkResult, EvalChunkTask } from './eval-worker.js';
import type { EvalSetup } from './prepared-eval.js';
import { addStats } from './llm-agent-calls.js';
import type { LlmAgentStats } from '../../agents/llm-agent.js';
import { addFailures, type SimulatorFailures } from './simulator-failures.js';

/** Chunks per worker and evaluation: enough that a slow chunk does not leave the other threads idle at the end. */
const CHUNKS_PER_WORKER = 8;
/** Times a failed chunk's unfinished samples are played again. */
export const CHUNK_RETRIES = 2;

/** A chunk failed on a worker (an env or agent error, missing trained components, a thread that died). */
export class EvalWorkerError extends OneLineError {
  override name = 'EvalWorkerError';
}

export interface PlayedSamples {
  /** The samples that finished, in the order asked. */
  samples: SampleTrace[];
  /** The samples that did not (after the retries), in the order asked. */
  missing: string[];
  /** Why they did not: the first failed chunk's last error. */
  failure?: string;
  /** Undefined when no chunk finished. */
  protocol?: EvalProtocol;
  agent?: string;
  envConfig: unknown;
  /** An LLM agent's calls, summed over the workers. */
  llmAgent?: LlmAgentStats;
  simulatorFailures?: SimulatorFailures;
  /** Warnings of the workers (each once). */
  warnings: string[];
}

export class EvalPool {
  /** The worker threads (named `pool`: tests reach in to end one, as they did when it was one piscina pool). */
  private readonly pool: PinnedWorkers;
  private closed = false;

  constructor(readonly workers: number) {
    if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`EvalPool: workers must be an integer >= 1, got ${String(workers)}`);
    this.pool = new PinnedWorkers(new URL('./eval-worker.ts', import.meta.url), workers);
  }

  /** Plays `sampleIds` of the setup's split, returning the traces of those that finished, in that order. */
  async play(setup: EvalSetup, sampleIds: readonly string[], seed: number, onProgress?: (done: number, total: number) => void): Promise<PlayedSamples> {
    if (this.closed) throw new Error('EvalPool.play: the pool is closed');
    if (sampleIds.length === 0) throw new RangeError('evaluate: no samples to evaluate');
    const size = Math.max(1, Math.ceil(sampleIds.length / (this.workers * CHUNKS_PER_WORKER)));
    const chunks: string[][] = [];
    for (let at = 0; at < sampleIds.length; at += size) chunks.push(sampleIds.slice(at, at + size));
    const traces = new Map<string, SampleTrace>();
    const results: EvalChunkResult[] = [];
    const failures: string[] = [];
    // After a failure that a retry cannot mend (the LLM server gave up), no further chunk starts: each would only
    // send its own doomed calls.
    let stopped = false;
    const playChunk = async (worker: number, ids: string[]): Promise<void> => {
      let left = ids;
      for (let attempt = 0; ; attempt++) {
        const task: EvalChunkTask = { setup, sampleIds: left, seed };
        let message: string;
        let retryable = true;
        try {
          const result = await this.pool.run<EvalChunkResult>(worker, task);
          results.push(result);
          for (const trace of result.samples) traces.set(trace.sampleId, trace);
          if (result.samples.length > 0) onProgress?.(traces.size, sampleIds.length);
          if (result.failure === undefined) return;
          ({ message, retryable } = result.failure);
          left = result.failure.missing;
        } catch (err) {
          message = errorMessage(err);
        }
        if (!retryable || attempt >= CHUNK_RETRIES || this.closed) {
          if (!retryable) stopped = true;
          failures.push(`evaluation on worker threads failed (samples ${left[0]} .. ${left.at(-1)}${attempt > 0 ? `, ${attempt + 1} attempts` : ''}): ${message}`);
          return;
        }
      }
    };
    // One lane per worker thread takes the chunks in order, so a stop leaves the rest unplayed (missing) instead of queued.
    let next = 0;
    const lane = async (worker: number): Promise<void> => {
      while (!stopped && next < chunks.length) await playChunk(worker, chunks[next++] as string[]);
    };
    await Promise.all(Array.from({ length: Math.min(this.workers, chunks.length) }, (_, worker) => lane(worker)));
    const first = results.find((r) => r.samples.length > 0) ?? results[0];
    const llmAgent = results.reduce<LlmAgentStats | undefined>((sum, r) => addStats(sum, r.llmAgent), undefined);
    const simulatorFailures = results.reduce<SimulatorFailures | undefined>((sum, r) => addFailures(sum, r.simulatorFailures), undefined);
    return {
      samples: sampleIds.flatMap((id) => traces.get(id) ?? []),
      missing: sampleIds.filter((id) => !traces.has(id)),
      ...(failures.length > 0 ? { failure: failures[0] as string } : {}),
      ...(first ? { protocol: first.protocol, agent: first.agent } : {}),
      envConfig: first?.envConfig,
      ...(llmAgent ? { llmAgent } : {}),
      ...(simulatorFailures ? { simulatorFailures } : {}),
      warnings: [...new Set(results.flatMap((r) => r.warnings))],
    };
  }

  /** Ends the threads (a running evaluation's chunks fail). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.destroy();
  }
}
