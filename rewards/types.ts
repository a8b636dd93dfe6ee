// A reward component is a named function of one turn's outcome (TRL/verifiers style): the env sums them
// with weights and reports each one separately in `info.rewards`.
import type { ItemId } from '../src/data/types.js';

export interface RewardContext {
  /** 1-based round index t. */
  turn: number;
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
}

export interface RewardComponent {
  readonly name: string;
  compute(ctx: RewardContext): number;
}
