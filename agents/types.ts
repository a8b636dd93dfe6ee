// The recommender side of CrsEnv: anything that turns an observation into an action.
import type { Rng } from '../src/core/rng.js';
import type { CrsAction } from '../envs/action.js';
import type { CrsObservation } from '../envs/types.js';

export interface Agent {
  readonly name: string;
  /** One round: rank the candidates (and optionally state a preference and reasoning). */
  act(observation: CrsObservation, rng: Rng): Promise<CrsAction>;
}
