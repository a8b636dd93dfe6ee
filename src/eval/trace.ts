// What an evaluation records about each sample, round by round: the shape the protocol (protocol.ts) writes
// and the subsets and feedback statistics (subsets.ts, feedback-stats.ts) read.
import type { ItemId } from '../data/types.js';
import type { Verdict } from '../simulator/types.js';

/** What the simulated user answered to one round's list (F_{t+1}), as recorded in the trace. */
export interface RoundFeedback {
  text: string;
  /** The simulator's feedback kind (`feedback`, `chitchat`, `accept`), when the env reports it. */
  kind?: string;
  /** The simulator's verdict on the list, when the env reports it. */
  verdict?: Verdict;
  /** The preference the user stated, as canonical "kind:value" strings, when the env reports it. */
  preference?: string[];
}

/** One round of one sample, as played. */
export interface SampleRound {
  /** 1-based round t. */
  round: number;
  /** R_t (item ids, best first). */
  ranking: ItemId[];
  /** I_cand^t the agent saw (item ids, best first). */
  candidates: ItemId[];
  /** Per-component rewards of the turn, before weighting. */
  rewards: Record<string, number>;
  /** Whether the env accepted R_t (the user would have taken the list). */
  accepted: boolean;
  /** The user's answer to R_t; absent in the last round and when the env asked for none. */
  feedback?: RoundFeedback;
}

/** Everything recorded about one sample. */
export interface SampleTrace {
  sampleId: string;
  target: ItemId;
  /** Whether the target was mentioned earlier in the dialogue (the "repeated" subset). */
  targetInContext: boolean;
  /** The first round whose list the env accepted, 0 if none: the cumulative protocol keeps that round's list after it. */
  acceptedRound: number;
  /** Every round, as played (T entries). */
  rounds: SampleRound[];
}
