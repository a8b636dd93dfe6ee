// How the SFT teacher acts in a rollout ('teacher' and 'withheld' modes of rollout.ts). It reads the neural
// recommender's features and heads (the teacher's list is expressed in the policy's candidate and option
// indices), so these modes train NeuralRecommender only; the RL learners need no more than TrainablePolicy.
import type { AttributeKind } from '../data/types.js';
import type { CrsAction } from '../../envs/action.js';
import { NeuralRecommender } from '../../agents/neural/recommender.js';
import { candidateLogits, sampleRanking } from '../../agents/neural/model.js';
import type { StepRecord } from '../../agents/neural/types.js';
import type { TrainablePolicy } from '../../agents/trainable.js';
import { teacherAction } from './teacher.js';
import type { Rng } from '../core/rng.js';
import type { RecSample } from '../data/types.js';
import type { CrsObservation } from '../../envs/types.js';

export function teacherActor(policy: TrainablePolicy, mode: 'teacher' | 'withheld', kinds: AttributeKind[] | undefined): (observation: CrsObservation, rng: Rng, sample: RecSample) => Promise<{ action: CrsAction; record: StepRecord }> {
  if (!(policy instanceof NeuralRecommender)) throw new Error(`runEpisode: '${mode}' rollouts (SFT) need the neural recommender, not the policy '${policy.name}'`);
  let targetAttributes: ReturnType<NeuralRecommender['extractor']['attributesOf']> | undefined;
  return async (observation, turnRng, sample) => {
    targetAttributes ??= policy.extractor.attributesOf(sample.target);
    const features = await policy.features(observation);
    const forced = teacherAction(features, sample.target, targetAttributes, (id) => policy.extractor.attributesOf(id), observation.listLength, policy.config.maxAttributes, kinds);
    const result = policy.decide(observation, features, turnRng, { forced });
    let played: CrsAction = result.action;
    if (mode === 'withheld') {
      const greedy = policy.decide(observation, features, turnRng, { mode: 'greedy' });
      const logits = candidateLogits(policy.params, policy.shape, features.inputs);
      const target = forced.targetIndex ?? -1;
      if (target >= 0) logits[target] = Number.NEGATIVE_INFINITY;
      const ranking = sampleRanking(logits, Math.min(observation.listLength, features.inputs.n - (target >= 0 ? 1 : 0)), undefined);
      const stop = features.inputs.a - 1;
      played = policy.decide(observation, features, turnRng, { forced: { ranking, attributes: Array.from(greedy.record.attributes).filter((j) => j !== stop) } }).action;
    }
    return { action: played, record: result.record };
  };
}
