// The env bench's agent: the retriever's order on odd turns, reversed on even turns, a fixed preference (cheap and
// deterministic, so every run plays the same episodes).
import type { CrsAction } from '../envs/action.js';
import type { CrsObservation } from '../envs/types.js';

const PREFERENCE = 'The user likes tense action films with a strong cast and a clever story.';

export function scriptedAgent(obs: CrsObservation): CrsAction {
  const ordered = obs.turn % 2 === 1 ? obs.candidates : [...obs.candidates].reverse();
  return { ranking: ordered.slice(0, obs.listLength).map((c) => c.id), preference: PREFERENCE, reasoning: 'Step1: x Step2: y Step3: z' };
}
