// What CrsEnv shows the agent, and what it reports in `info`.
import type { Attributes, ItemId, Utterance } from '../src/data/types.js';
import type { Verdict } from '../src/simulator/types.js';

export interface ItemView {
  id: ItemId;
  title: string;
  attributes: Attributes;
}

export interface Candidate extends ItemView {
  /** The retriever's score for this item this round. */
  score: number;
}

export interface CrsObservation {
  sampleId: string;
  /** 1-based round t the agent is about to play. */
  turn: number;
  /** Rounds in the episode (T). */
  rounds: number;
  /** Dialogue context D. */
  context: Utterance[];
  /** I_D: mentioned items with their attributes, and non-item entities. */
  contextItems: ItemView[];
  contextEntities: string[];
  /** F_t ('' in the first, cold-start round or when feedback is switched off). */
  feedback: string;
  /** I_cand^t: the retrieved candidates, best first. */
  candidates: Candidate[];
  /** P_{t-1} and R_{t-1} ('' and [] in round 1). */
  previousPreference: string;
  previousList: ItemId[];
  /** Length of the list R_t the agent should return. */
  listLength: number;
  /** The paper's recommender instruction rendered for text agents. */
  prompt: string;
}

/**
 * What a step reports besides the observation. Like the reward, it grades the agent's own list R_t (the target's
 * rank in it); it says nothing else about the target (not where it was among the candidates the agent left out,
 * nor whether the dialogue mentioned it): a harness that needs more is trusted and reads `env.currentSample`.
 */
export interface StepInfo {
  sampleId: string;
  turn: number;
  /** Per-component rewards of this turn, before weighting. */
  rewards: Record<string, number>;
  /** 1-based position of the target in R_t, 0 if absent. */
  targetRank: number;
  hit: boolean;
  accepted: boolean;
  /** R_t as the env read it. */
  ranking: ItemId[];
  /** Problems with the action (parse errors, dropped entries). */
  problems: string[];
  dropped: string[];
  /**
   * The user's answer to R_t, when one was asked: its text, kind, the verdict on the list (`accept` / `partial` /
   * `reject`; the best listed item's) and the preference it states ("kind:value" strings), when the simulator says.
   */
  feedback?: { text: string; kind: string; verdict?: Verdict; preference?: string[]; error?: string };
  timings: { rewardMs: number; simulatorMs: number; retrieverMs: number };
}
