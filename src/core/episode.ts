// The one episode loop: reset, then act and step until the env ends the episode (terminated or truncated),
// a turn limit is reached, or the caller stops it. Training rollouts (learners/rollout.ts), evaluation
// (eval/protocol.ts) and play (play/session.ts) all drive their episodes through it and differ only in how
// they act and what they record from each step; the vector envs and worker pools run many of these loops.
// It adds no randomness of its own: the reset seed and every draw of `act` come from the caller.
import type { ResetOptions } from './env.js';

/** The part of an env the loop drives (an `Env`, a wrapped env, a remote env or a test double). */
export interface EpisodeEnv<Obs, Act, Step extends EpisodeStepResult<Obs>> {
  reset(opts?: ResetOptions): Promise<{ observation: Obs; info: Record<string, unknown> }>;
  step(action: Act): Promise<Step>;
}

/** What the loop reads from a step: the next observation and whether the episode ended. */
export interface EpisodeStepResult<Obs> {
  observation: Obs;
  terminated: boolean;
  truncated: boolean;
}

export interface EpisodeHooks<Obs, Act, Step extends EpisodeStepResult<Obs>> {
  /** The reset's seed and options. */
  reset: ResetOptions;
  /** Called once after the reset, before the first action (e.g. to read the env's current sample). */
  onReset?(observation: Obs, info: Record<string, unknown>): void | Promise<void>;
  /** The action for the 1-based `turn`. */
  act(observation: Obs, turn: number): Act | Promise<Act>;
  /** Called after each step with the observation acted on; returning true ends the episode there. */
  onStep?(turn: number, observation: Obs, action: Act, result: Step): boolean | void | Promise<boolean | void>;
  /** Steps at most this many turns (default: until the env ends the episode). */
  maxTurns?: number;
  /** Replaces an error thrown by `act` or `env.step` (e.g. to name the turn); the result is thrown. */
  wrapError?(error: unknown, turn: number): unknown;
}

/** Why the loop stopped. */
export type EpisodeEnd = 'terminated' | 'truncated' | 'max-turns' | 'stopped';

export interface EpisodeOutcome<Obs, Step> {
  /** Turns played (steps taken). */
  turns: number;
  end: EpisodeEnd;
  /** The last step's result (undefined when no turn was played). */
  last: Step | undefined;
  /** The observation after the last step (the reset's when no turn was played). */
  observation: Obs;
}

export async function playEpisode<Obs, Act, Step extends EpisodeStepResult<Obs>>(
  env: EpisodeEnv<Obs, Act, Step>,
  hooks: EpisodeHooks<Obs, Act, Step>,
): Promise<EpisodeOutcome<Obs, Step>> {
  const reset = await env.reset(hooks.reset);
  await hooks.onReset?.(reset.observation, reset.info);
  let observation = reset.observation;
  let last: Step | undefined;
  const limit = hooks.maxTurns ?? Number.POSITIVE_INFINITY;
  for (let turn = 1; turn <= limit; turn++) {
    let action: Act;
    let result: Step;
    try {
      action = await hooks.act(observation, turn);
      result = await env.step(action);
    } catch (error) {
      throw hooks.wrapError ? hooks.wrapError(error, turn) : error;
    }
    last = result;
    const stop = (await hooks.onStep?.(turn, observation, action, result)) === true;
    observation = result.observation;
    if (result.terminated) return { turns: turn, end: 'terminated', last, observation };
    if (result.truncated) return { turns: turn, end: 'truncated', last, observation };
    if (stop) return { turns: turn, end: 'stopped', last, observation };
  }
  return { turns: Number.isFinite(limit) ? limit : 0, end: 'max-turns', last, observation };
}
