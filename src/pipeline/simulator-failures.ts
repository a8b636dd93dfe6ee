// Counts the turns whose user simulator failed (`info.feedback.error`: the LLM simulator's server did not answer,
// so the user gave a neutral feedback instead). Like a failed LLM agent call, this lowers the metrics without an
// error, so an evaluation reports it.
import type { CrsEnv } from '../../envs/crs-env.js';
import type { Env } from '../core/env.js';
import type { CrsAction } from '../../envs/action.js';
import type { CrsObservation, StepInfo } from '../../envs/types.js';
import type { EvalEnv } from '../eval/protocol.js';

export interface SimulatorFailures {
  /** Turns played. */
  steps: number;
  /** Turns whose feedback came from a failed simulator call. */
  failures: number;
  /** The first failure's message. */
  first?: string;
}

export class SimulatorFailureCounter {
  private counts: SimulatorFailures = { steps: 0, failures: 0 };

  /**
   * The env, seen through a view that counts its turns and failed feedback; `crs` is the CrsEnv under its wrappers
   * (the env itself when unwrapped), whose config and current sample the evaluator reads.
   */
  watch(env: Env<CrsObservation, CrsAction>, crs: CrsEnv = env as CrsEnv): EvalEnv {
    return {
      reset: (opts) => env.reset(opts),
      step: async (action) => {
        const result = await env.step(action);
        this.counts.steps++;
        const error = (result.info as Partial<StepInfo>).feedback?.error;
        if (error !== undefined) {
          this.counts.failures++;
          this.counts.first ??= error;
        }
        return result;
      },
      config: crs.config,
      get currentSample() {
        return crs.currentSample;
      },
    };
  }

  get value(): SimulatorFailures {
    return { ...this.counts };
  }
}

/** Sums counts (an evaluation's chunks on several workers); the first failure message of the earliest chunk. */
export function addFailures(a: SimulatorFailures | undefined, b: SimulatorFailures | undefined): SimulatorFailures | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  const first = a.first ?? b.first;
  return { steps: a.steps + b.steps, failures: a.failures + b.failures, ...(first !== undefined ? { first } : {}) };
}

/** A report note for failed simulator calls. */
export function simulatorFailureNote(f: SimulatorFailures): string {
  return `the user simulator failed on ${f.failures} of ${f.steps} turns and answered a neutral feedback instead (first error: ${f.first ?? 'unknown'})`;
}
