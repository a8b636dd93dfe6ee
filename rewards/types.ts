// A reward component is a named function of one turn's outcome (TRL/verifiers style): the env sums them
// with weights and reports each one separately in `info.rewards`.
import type { ItemId, Utterance } from '../src/data/types.js';

/**
 * What a reward component sees at one turn: the episode's public state (what the agent saw), the agent's parsed
 * answer, and the target (teacher side: rewards are computed by the env, never shown to the agent).
 */
export interface RewardContext {
  /** 1-based round index t. */
  turn: number;
  /** The episode's sample id. */
  sampleId: string;
  /** The dialogue D before the recommendation turn. */
  dialogue: readonly Utterance[];
  /** I_D: the items mentioned in the dialogue. */
  contextItems: readonly ItemId[];
  /** F_t, the feedback the agent answered ('' in round 1). */
  feedback: string;
  /** I_cand^t: the candidates the agent chose from, best first. */
  candidates: readonly ItemId[];
  /** R_1 .. R_{t-1}: the lists of the earlier rounds, oldest first. */
  earlierLists: readonly (readonly ItemId[])[];
  /** The target item i* (known to the env, never to the agent or a label-free simulator). */
  target: ItemId;
  /** R_t after parsing: candidate ids only, deduplicated, at most top-10. */
  ranking: readonly ItemId[];
  /** N_match: reasoning step markers found inside `<think>`. */
  thinkSteps: number;
  /** Whether the answer matched `RANK LIST: [Title, ..., Title]` (or was a well-formed structured list). */
  answerWellFormed: boolean;
  /** The agent's preference inference P_t as text ('' when it wrote none). */
  preference: string;
  /** E_T(P_t); absent when P_t is empty. */
  preferenceEmbedding?: Float32Array;
  /** E_T(P*) of the conversation's reference preference (teacher side). */
  referencePreferenceEmbedding?: Float32Array;
  /**
   * E_T of the preference that says nothing (NO_INFORMATION_PREFERENCE, src/data/reference-preference.ts), the
   * baseline of `preferenceLift`; the env fills it only when that component is weighted in.
   */
  noInformationPreferenceEmbedding?: Float32Array;
}

export interface RewardComponent {
  readonly name: string;
  compute(ctx: RewardContext): number;
}
