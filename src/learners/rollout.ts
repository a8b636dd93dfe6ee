// One multi-turn episode played by the neural policy (or its teacher) in CrsEnv, recorded for a learner.
// Everything random comes from the spec: the env seed (shared by the G rollouts of a group, so they start
// from the same state) and the policy's rng seed (one per rollout). Nothing depends on which worker runs
// the episode or in what order, so 1 or N workers give the same records.
import { Rng } from '../core/rng.js';
import type { AttributeKind } from '../data/types.js';
import type { CrsEnv } from '../../envs/crs-env.js';
import type { NeuralRecommender } from '../../agents/neural/recommender.js';
import type { StepRecord } from '../../agents/neural/types.js';
import { candidateLogits, sampleRanking } from '../../agents/neural/model.js';
import { teacherAction } from './teacher.js';

/**
 * 'sample' / 'greedy': the policy acts. 'teacher': the SFT teacher acts and is recorded (TRAIN only).
 * 'withheld': the policy's greedy action is played with the target withheld from its list (the next best
 * candidate takes its place), so the episode runs all rounds and reaches the later-round states a policy
 * that missed would see; each step records the teacher's action for those states (TRAIN only).
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

export interface EpisodeRecord {
  sampleId: string;
  split: string;
  /** T: the env's rounds per episode. */
  rounds: number;
  steps: StepRecord[];
  /** Weighted reward per played turn (what the learner optimizes). */
  rewards: number[];
  /** 1-based turn of the first hit, 0 when the target never made the list. */
  firstHit: number;
  terminated: boolean;
  /** Per played turn: whether the target was among the candidates. */
  targetInCandidates: boolean[];
}

/** Weighted sum of the env's reward components; a weight for a component the env does not report is an error. */
export function weightedReward(components: Record<string, number>, weights: Readonly<Record<string, number>> | undefined, fallback: number): number {
  if (!weights) return fallback;
  let total = 0;
  for (const [name, w] of Object.entries(weights)) {
    const value = components[name];
    if (value === undefined) {
      throw new Error(`reward_weights names '${name}', but the env reports only: ${Object.keys(components).join(', ') || '(none)'} (check the env's rewardWeights)`);
    }
    total += w * value;
  }
  return total;
}

export async function runEpisode(
  env: CrsEnv,
  policy: NeuralRecommender,
  spec: RolloutSpec,
  rewardWeights?: Readonly<Record<string, number>>,
): Promise<EpisodeRecord> {
  const rng = new Rng(spec.rngSeed);
  let { observation } = await env.reset({ seed: spec.envSeed, options: { sampleId: spec.sampleId } });
  const sample = env.currentSample;
  if (!sample) throw new Error('runEpisode: the env has no current sample after reset');
  if ((spec.mode === 'teacher' || spec.mode === 'withheld') && sample.split !== 'train') {
    throw new Error(`runEpisode: teacher trajectories use the TRAIN split only; ${spec.sampleId} is in '${sample.split}'`);
  }
  const targetAttributes = policy.extractor.attributesOf(sample.target);
  const episode: EpisodeRecord = { sampleId: spec.sampleId, split: sample.split, rounds: observation.rounds, steps: [], rewards: [], firstHit: 0, terminated: false, targetInCandidates: [] };
  for (;;) {
    const turnRng = rng.split(`turn-${observation.turn}`);
    let result;
    let played;
    if (spec.mode === 'teacher' || spec.mode === 'withheld') {
      const features = await policy.features(observation);
      const forced = teacherAction(features, sample.target, targetAttributes, (id) => policy.extractor.attributesOf(id), observation.listLength, policy.config.maxAttributes, spec.teacherKinds);
      result = policy.decide(observation, features, turnRng, { forced });
      if (spec.mode === 'withheld') {
        const greedy = policy.decide(observation, features, turnRng, { mode: 'greedy' });
        const logits = candidateLogits(policy.params, policy.shape, features.inputs);
        const target = forced.targetIndex ?? -1;
        if (target >= 0) logits[target] = Number.NEGATIVE_INFINITY;
        const ranking = sampleRanking(logits, Math.min(observation.listLength, features.inputs.n - (target >= 0 ? 1 : 0)), undefined);
        const stop = features.inputs.a - 1;
        played = policy.decide(observation, features, turnRng, { forced: { ranking, attributes: Array.from(greedy.record.attributes).filter((j) => j !== stop) } }).action;
      }
    } else {
      result = await policy.actWithRecord(observation, turnRng, { mode: spec.mode });
    }
    // Candidate recall, read by the trusted learner from the sample (the env's info says nothing of the candidates).
    episode.targetInCandidates.push(observation.candidates.some((c) => c.id === sample.target));
    const step = await env.step(played ?? result.action);
    const record = result.record;
    record.rewards = { ...step.info.rewards };
    record.reward = weightedReward(step.info.rewards, rewardWeights, step.reward);
    episode.steps.push(record);
    episode.rewards.push(record.reward);
    if (step.info.hit && episode.firstHit === 0) episode.firstHit = step.info.turn;
    if (step.terminated || step.truncated) {
      episode.terminated = step.terminated;
      break;
    }
    observation = step.observation;
  }
  return episode;
}
