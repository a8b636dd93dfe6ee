// Runs batches of rollouts, in the main thread (workers = 0) or on worker threads (PinnedWorkers, the one
// worker-pool mechanism, as AsyncVectorEnv and the eval pool): each thread keeps its env and policy, so weights are sent to every one of them;
// specs are dealt round-robin and the results put back in spec order. Since every rollout's randomness
// comes from its spec, the records do not depend on the number of workers.
import { PinnedWorkers } from '../core/worker-pool.js';
import type { MadeCrsEnv } from '../../envs/crs-env.js';
import type { PolicyStep, TrainablePolicy } from '../../agents/trainable.js';
import { buildRolloutParts, type EnvOverrides, type SetupSpec } from './setup.js';
import { runEpisode, type EpisodeRecord, type RolloutSpec } from './rollout.js';
import type { RolloutTask } from './rollout-worker.js';
import { errorMessage, OneLineError } from '../core/errors.js';
import { loadedPlugins } from '../plugins/load.js';

/** A rollout worker thread failed or died. The run's last checkpoint is kept, so the same command resumes it. */
export class RolloutWorkerError extends OneLineError {
  override name = 'RolloutWorkerError';
}

export interface RolloutRunner {
  /** Worker threads (0 = the main thread). */
  readonly workers: number;
  setWeights(weights: readonly Float32Array[]): Promise<void>;
  /** Plays the specs; `Step` is the runner's policy's step type (the caller knows which policy the setup builds). */
  run<Step extends PolicyStep = PolicyStep>(specs: readonly RolloutSpec[]): Promise<EpisodeRecord<Step>[]>;
  close(): Promise<void>;
}

export interface RunnerOptions {
  setup: SetupSpec;
  /** 0 = run in the main thread. */
  workers: number;
  /** Set on every env copy (the env weights the rewards; the runner's records keep its reward as it is). */
  envOverrides?: EnvOverrides;
}

class LocalRunner implements RolloutRunner {
  readonly workers = 0;
  constructor(
    private readonly env: MadeCrsEnv,
    private readonly policy: TrainablePolicy,
  ) {}

  async setWeights(weights: readonly Float32Array[]): Promise<void> {
    this.policy.setWeights(weights);
  }

  async run<Step extends PolicyStep = PolicyStep>(specs: readonly RolloutSpec[]): Promise<EpisodeRecord<Step>[]> {
    const out: EpisodeRecord<Step>[] = [];
    for (const spec of specs) out.push((await runEpisode(this.env, this.policy, spec)) as EpisodeRecord<Step>);
    return out;
  }

  async close(): Promise<void> {
    await this.env.close();
  }
}

const workerFile = new URL('./rollout-worker.ts', import.meta.url);

/** The setup with its plugin files: those it names, else those loaded in this thread (a worker starts without them). */
function withPlugins(setup: SetupSpec): SetupSpec {
  return { ...setup, plugins: setup.plugins ?? loadedPlugins() };
}

class WorkerRunner implements RolloutRunner {
  readonly workers: number;
  private readonly threads: PinnedWorkers;

  constructor(workers: number) {
    this.workers = workers;
    this.threads = new PinnedWorkers(workerFile, workers);
  }

  async init(opts: RunnerOptions): Promise<void> {
    await Promise.all(
      Array.from({ length: this.workers }, (_, i) => {
        const task: RolloutTask = { op: 'init', setup: withPlugins(opts.setup), index: i + 1, ...(opts.envOverrides ? { envOverrides: opts.envOverrides } : {}) };
        return this.runOn(i, task);
      }),
    );
  }

  async setWeights(weights: readonly Float32Array[]): Promise<void> {
    await Promise.all(
      Array.from({ length: this.workers }, (_, w) => {
        const copies = weights.map((v) => v.slice());
        const task: RolloutTask = { op: 'weights', weights: copies };
        return this.runOn(w, task, copies.map((c) => c.buffer as ArrayBuffer));
      }),
    );
  }

  async run<Step extends PolicyStep = PolicyStep>(specs: readonly RolloutSpec[]): Promise<EpisodeRecord<Step>[]> {
    const shares = Array.from({ length: this.workers }, () => [] as { index: number; spec: RolloutSpec }[]);
    specs.forEach((spec, index) => shares[index % this.workers]!.push({ index, spec }));
    const out = new Array<EpisodeRecord<Step>>(specs.length);
    await Promise.all(
      shares.map(async (_share, w) => {
        const share = shares[w]!;
        if (share.length === 0) return;
        const task: RolloutTask = { op: 'run', specs: share.map((s) => s.spec) };
        const records = (await this.runOn(w, task)) as EpisodeRecord<Step>[];
        records.forEach((r, k) => (out[share[k]!.index] = r));
      }),
    );
    return out;
  }

  /** Runs a task on worker `w`; a failure (the thread threw or died) names the worker, on one line. */
  private async runOn(w: number, task: RolloutTask, transferList?: ArrayBuffer[]): Promise<unknown> {
    try {
      return await this.threads.run(w, task, transferList);
    } catch (err) {
      throw new RolloutWorkerError(`rollout worker ${w + 1} of ${this.workers} failed (${task.op}): ${errorMessage(err)}; the run's last checkpoint is kept: run the same command again to resume`, { cause: err });
    }
  }

  async close(): Promise<void> {
    await this.threads.destroy();
  }
}

export async function createRunner(opts: RunnerOptions): Promise<RolloutRunner> {
  if (!Number.isInteger(opts.workers) || opts.workers < 0) throw new RangeError(`rollout workers must be an integer >= 0, got ${opts.workers}`);
  if (opts.workers === 0) {
    const { env, policy } = await buildRolloutParts(opts.setup, 0, opts.envOverrides);
    return new LocalRunner(env, policy);
  }
  const runner = new WorkerRunner(opts.workers);
  try {
    await runner.init(opts);
  } catch (err) {
    await runner.close();
    throw err;
  }
  return runner;
}
