// One multi-turn episode played by a trainable policy (or, for SFT, the teacher) in CrsEnv, recorded for a
// learner. The loop itself is src/core/episode.ts; this file says how a learner acts and what it records.
// Everything random comes from the spec: the env seed (shared by the G rollouts of a group, so they start
// from the same state) and the policy's rng seed (one per rollout). Nothing depends on which worker runs
// the episode or in what order, so 1 or N workers give the same records.
//
// Rewards have one owner, the env: each step's record keeps the env's `reward` (its weighted sum) and
// `info.rewards` (the components) as they are; no learner weights them again.
import { Rng } from '../core/rng.js';
import type { AttributeKind, RecSample } from '../data/types.js';
import { playEpisode } from '../core/episode.js';
import { crsEnvOf, type CrsStepResult, type MadeCrsEnv } from '../../envs/crs-env.js';
import type { CrsAction } from '../../envs/action.js';
import type { CrsObservation } from '../../envs/types.js';
import type { PolicyStep, TrainablePolicy } from '../../agents/trainable.js';
import { teacherActor } from './teacher-rollout.js';

/**
 * 'sample' / 'greedy': the policy acts. 'teacher': the SFT teacher acts and is recorded (TRAIN only).
 * 'withheld': the policy's greedy action is played with the target withheld from its list (the next best
 * candidate takes its place), so the episode runs all rounds and reaches the later-round states a policy
 * that missed would see; each step records the teacher's action for those states (TRAIN only).
 * The teacher modes need the neural recommender (teacher-rollout.ts).
 */
export type RolloutMode = 'sample' | 'greedy' | 'teacher' | 'withheld';

export interface RolloutSpec {
  sampleId: string;
  /** Seed passed to env.reset: the same for every rollout of a group. */
  envSeed: number;
  /** Seed of the policy's draws in this rollout. */
  rngSeed: string;
  mode: RolloutMode;
  /** Teacher modes: the order in which the teacher names the target's attribute kinds (teacher.ts). */
  teacherKinds?: AttributeKind[];
}

export interface EpisodeRecord<Step extends PolicyStep = PolicyStep> {
  sampleId: string;
  split: string;
  /** T: the env's rounds per episode. */
  rounds: number;
  steps: Step[];
  /** The env's reward per played turn (what the learner optimizes). */
  rewards: number[];
  /** 1-based turn of the first hit, 0 when the target never made the list. */
  firstHit: number;
  terminated: boolean;
  /** Per played turn: whether the target was among the candidates. */
  targetInCandidates: boolean[];
  /** The env's reward weights by component (what `rewards` sums `info.rewards` with). */
  rewardWeights?: Record<string, number>;
}

/** How one turn is decided: the action played and the step recorded (the teacher's may differ from what is played). */
export type RolloutActor<Step extends PolicyStep> = (observation: CrsObservation, rng: Rng, sample: RecSample) => Promise<{ action: CrsAction; record: Step }>;

/** Plays one episode on `env` (a CrsEnv or wrappers over one: the wrappers apply; the sample is read beneath them). */
export async function runEpisode<Step extends PolicyStep>(env: MadeCrsEnv, policy: TrainablePolicy<Step>, spec: RolloutSpec): Promise<EpisodeRecord<Step>> {
  const crs = crsEnvOf(env, 'runEpisode env');
  const rng = new Rng(spec.rngSeed);
  const teacher = spec.mode === 'teacher' || spec.mode === 'withheld';
  const actor: RolloutActor<Step> = teacher
    ? (teacherActor(policy, spec.mode as 'teacher' | 'withheld', spec.teacherKinds) as unknown as RolloutActor<Step>)
    : (observation, turnRng) => policy.actWithRecord(observation, turnRng, { mode: spec.mode as 'sample' | 'greedy' });
  let sample: RecSample | undefined;
  let episode: EpisodeRecord<Step> | undefined;
  let pending: Step | undefined;
  await playEpisode(env, {
    reset: { seed: spec.envSeed, options: { sampleId: spec.sampleId } },
    onReset: (observation) => {
      sample = crs.currentSample;
      if (!sample) throw new Error('runEpisode: the env has no current sample after reset');
      if (teacher && sample.split !== 'train') {
        throw new Error(`runEpisode: teacher trajectories use the TRAIN split only; ${spec.sampleId} is in '${sample.split}'`);
      }
      episode = { sampleId: spec.sampleId, split: sample.split, rounds: observation.rounds, steps: [], rewards: [], firstHit: 0, terminated: false, targetInCandidates: [], rewardWeights: crs.rewardWeights };
    },
    act: async (observation) => {
      const current = sample as RecSample;
      const { action, record } = await actor(observation, rng.split(`turn-${observation.turn}`), current);
      pending = record;
      // Candidate recall, read by the trusted learner from the sample (the env's info says nothing of the candidates).
      episode!.targetInCandidates.push(observation.candidates.some((c) => c.id === current.target));
      return action;
    },
    onStep: (_turn, _observation, _action, result) => {
      // A wrapper may change the reward; the info is the CrsEnv's (or a wrapper's superset of it).
      const step = result as CrsStepResult;
      const record = pending as Step;
      record.rewards = { ...step.info.rewards };
      record.reward = step.reward;
      episode!.steps.push(record);
      episode!.rewards.push(record.reward);
      if (step.info.hit && episode!.firstHit === 0) episode!.firstHit = step.info.turn;
      episode!.terminated = step.terminated;
    },
  });
  return episode as EpisodeRecord<Step>;
}
