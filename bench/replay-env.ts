// AsyncVectorEnv setup module for the env bench: CrsEnv steps recorded once per thread and replayed at almost no
// cost, with the same observations (built by CrsEnv, so they take the compact codec path), rewards and infos. What
// a replayed step costs on a worker is what the vector machinery costs: messages, copies, encoding and decoding.
import type { CrsAction } from '../envs/action.js';
import type { CrsObservation } from '../envs/types.js';
import { makeCrsEnv } from '../envs/register.js';
import { BaseEnv, type ResetResult, type StepResult } from '../src/core/env.js';
import type { Space } from '../src/core/spaces.js';
import { scriptedAgent } from './scripted-agent.js';
import type { BenchDataset } from './novel-env.js';

export interface ReplayArgs {
  dataset: BenchDataset;
  options?: Record<string, unknown>;
  /** Episodes recorded (seeds 0..episodes-1, played by the bench's scripted agent). */
  episodes: number;
}

interface Episode {
  reset: ResetResult<CrsObservation>;
  steps: Array<StepResult<CrsObservation>>;
}

const recordings = new Map<string, Promise<Episode[]>>();

async function record(args: ReplayArgs): Promise<Episode[]> {
  const env = await makeCrsEnv(args.dataset, args.options ?? {});
  const episodes: Episode[] = [];
  for (let seed = 0; seed < args.episodes; seed++) {
    const reset = await env.reset({ seed });
    const steps: Array<StepResult<CrsObservation>> = [];
    let observation = reset.observation;
    for (;;) {
      const r = await env.step(scriptedAgent(observation));
      steps.push(r);
      if (r.terminated || r.truncated) break;
      observation = r.observation;
    }
    episodes.push({ reset, steps });
  }
  await env.close();
  return episodes;
}

/** Replays the recorded episodes in turn (copy i starts at episode i); an action must be an object. */
export class ReplayEnv extends BaseEnv<CrsObservation, CrsAction> {
  readonly observationSpace = undefined as unknown as Space<CrsObservation>;
  readonly actionSpace = undefined as unknown as Space<CrsAction>;
  private t = 0;
  constructor(
    private readonly episodes: readonly Episode[],
    private episode: number,
  ) {
    super();
  }
  protected async resetEpisode(): Promise<ResetResult<CrsObservation>> {
    this.episode = (this.episode + 1) % this.episodes.length;
    this.t = 0;
    return (this.episodes[this.episode] as Episode).reset;
  }
  async step(action: CrsAction): Promise<StepResult<CrsObservation>> {
    if (typeof action !== 'object' || action === null) throw new Error('ReplayEnv: the action must be an object');
    const steps = (this.episodes[this.episode] as Episode).steps;
    return steps[Math.min(this.t++, steps.length - 1)] as StepResult<CrsObservation>;
  }
  render(): string {
    return `replayed episode ${this.episode}, step ${this.t}`;
  }
}

export async function createEnv(args: ReplayArgs, index: number): Promise<ReplayEnv> {
  const key = JSON.stringify(args);
  let pending = recordings.get(key);
  if (pending === undefined) {
    pending = record(args);
    recordings.set(key, pending);
  }
  const episodes = await pending;
  return new ReplayEnv(episodes, index % episodes.length);
}

export { createObservationCodec } from '../envs/observation-codec.js';
