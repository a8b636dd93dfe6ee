// Supervised fine-tuning of the neural recommender on teacher trajectories (paper 3.4.1, stage one).
// The teacher (teacher.ts) plays TRAIN samples in the env with the target known, so the feedback and the
// candidates of later rounds follow the teacher's own lists. Every step is recorded with the policy's
// features, and the policy is trained to maximize the likelihood of the teacher's actions (the list, and
// the attribute choice where the teacher could express it). Adam, seeded minibatches, optional early
// stopping on a greedy evaluation of the valid split; the best epoch's weights are kept.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Scalar } from '@tensorflow/tfjs';
import { Rng } from '../core/rng.js';
import { getTf, type Tf } from '../nn/tf.js';
import { NeuralRecommender } from '../../agents/neural/recommender.js';
import type { TfParams } from '../../agents/neural/tf-policy.js';
import type { StepRecord } from '../../agents/neural/types.js';
import { PARAM_NAMES } from '../../agents/neural/model.js';
import { parseConfig } from '../config/load.js';
import { SftConfigSchema, type SftConfig, type SftConfigInput } from './config.js';
import { evaluatePolicy, evaluationIds } from './evaluate.js';
import { lossAndGrads } from './gradients.js';
import type { EpisodeSummary } from './metrics.js';
import { summarizeEpisodes } from './metrics.js';
import { Adam, clipGradNorm } from './optimizer.js';
import { JsonlLog, ProgressBar } from './run-log.js';
import { createRunner } from './runner.js';
import { importSetup, moduleUrl, type SetupSpec } from './setup.js';

export interface TrainSftOptions {
  setup: SetupSpec;
  /** Run folder: config.json, log.jsonl, policy/, summary.json. */
  outDir: string;
  config?: SftConfigInput;
  /** Start from a saved policy instead of a fresh one. */
  initPolicy?: string;
  /** Worker threads for teacher rollouts and evaluations (0 = main thread). */
  workers?: number;
  progress?: boolean;
  onProgress?: (p: SftProgress) => void;
}

export interface SftProgress {
  epoch: number;
  total: number;
  teacher_nll: number;
  metric: number | null;
  elapsedSeconds: number;
}

export interface SftResult {
  outDir: string;
  policyDir: string;
  logFile: string;
  /** Teacher steps trained on. */
  steps: number;
  epochs: number;
  bestEpoch: number;
  stoppedEarly: boolean;
  before: { teacher_nll: number; eval?: EpisodeSummary };
  after: { teacher_nll: number; eval?: EpisodeSummary };
  /** The teacher's own rollouts (what a perfect imitation would score on train). */
  teacher: EpisodeSummary;
}

/** Mean negative log-likelihood per step of the teacher's actions (no gradients). */
function teacherNll(tf: Tf, policy: NeuralRecommender, steps: readonly StepRecord[], attributeWeight: number, chunk = 256): number {
  let sum = 0;
  for (let from = 0; from < steps.length; from += chunk) {
    const part = steps.slice(from, from + chunk);
    const batch = policy.makeBatch(tf, part);
    const lp = policy.logProb(tf, batch);
    const r = lp.ranking.dataSync();
    const a = lp.attributes.dataSync();
    part.forEach((s, i) => (sum -= (r[i] as number) + (s.supervisedAttributes ? attributeWeight * (a[i] as number) : 0)));
    Object.values(lp).forEach((t) => t.dispose());
    batch.dispose();
  }
  return steps.length > 0 ? sum / steps.length : 0;
}

function metricOf(summary: EpisodeSummary, which: SftConfig['metric_for_best_model']): number {
  if (which === 'hit') return summary.hit_rate;
  if (which === 'reward') return summary.reward_mean;
  return summary.rewards['rank']?.mean ?? 0;
}

export async function trainSft(opts: TrainSftOptions): Promise<SftResult> {
  const config = parseConfig(SftConfigSchema, opts.config ?? {}, 'sft config');
  const outDir = resolve(opts.outDir);
  mkdirSync(outDir, { recursive: true });
  const files = { log: join(outDir, 'log.jsonl'), policy: join(outDir, 'policy'), config: join(outDir, 'config.json'), summary: join(outDir, 'summary.json') };
  const setup: SetupSpec = { module: moduleUrl(opts.setup.module), args: opts.setup.args };
  writeFileSync(files.config, `${JSON.stringify({ config, setup, initPolicy: opts.initPolicy ?? null }, null, 2)}\n`);
  const log = new JsonlLog(files.log);
  log.open();
  log.write({ event: 'start', kind: 'sft', config });

  const tf = await getTf('wasm');
  const mod = await importSetup(setup.module);
  let policy = await mod.createPolicy(setup.args);
  if (opts.initPolicy) policy = await NeuralRecommender.load(opts.initPolicy, policy.extractor);
  let trainIds = await mod.sampleIds(setup.args, 'train');
  if (trainIds.length === 0) throw new Error('trainSft: the setup has no training samples');
  if (config.max_samples > 0 && config.max_samples < trainIds.length) trainIds = new Rng(`${config.seed}/sft-subset`).sample(trainIds, config.max_samples);
  const validIds = config.eval_samples > 0 ? evaluationIds(await mod.sampleIds(setup.args, 'valid'), config.eval_samples, config.seed) : [];

  const runner = await createRunner({ setup, workers: opts.workers ?? 0, rewardWeights: config.reward_weights });
  const bar = new ProgressBar(opts.progress ?? process.stderr.isTTY === true, 'sft', 'epochs');
  const t0 = performance.now();
  try {
    // Teacher trajectories (TRAIN only; runEpisode refuses other splits in teacher mode).
    const specs = Array.from({ length: config.teacher_passes }, (_, pass) =>
      trainIds.map((sampleId) => ({
        sampleId,
        envSeed: new Rng(`${config.seed}/sft-env/${pass}/${sampleId}`).uint32() >>> 1,
        rngSeed: `${config.seed}/sft/${pass}/${sampleId}`,
        mode: 'teacher' as const,
      })),
    ).flat();
    const teacherEpisodes = await runner.run(specs);
    const teacher = summarizeEpisodes(teacherEpisodes);
    const steps = teacherEpisodes.flatMap((e) => e.steps);
    log.write({ event: 'teacher', steps: steps.length, seconds: (performance.now() - t0) / 1000, ...teacher });

    const evaluate = async (): Promise<EpisodeSummary | undefined> => {
      if (validIds.length === 0) return undefined;
      await runner.setWeights(policy.getWeights());
      return evaluatePolicy(runner, validIds, config.seed);
    };
    const before = { teacher_nll: teacherNll(tf, policy, steps, config.attribute_loss_weight), eval: await evaluate() };
    log.write({ event: 'epoch', epoch: 0, teacher_nll: before.teacher_nll, ...(before.eval ? { eval: before.eval } : {}) });

    const live = PARAM_NAMES.map((n) => policy.params[n]);
    const adam = new Adam(live.map((p) => p.length), {
      learningRate: config.learning_rate,
      beta1: config.adam_beta1,
      beta2: config.adam_beta2,
      epsilon: config.adam_epsilon,
      weightDecay: config.weight_decay,
    });
    let best = { metric: before.eval ? metricOf(before.eval, config.metric_for_best_model) : Number.NEGATIVE_INFINITY, epoch: 0, weights: policy.getWeights() };
    let sinceBest = 0;
    let epochsRun = 0;
    let stoppedEarly = false;
    let after = before;
    bar.start(config.num_train_epochs, 0);
    for (let epoch = 0; epoch < config.num_train_epochs; epoch++) {
      const tEpoch = performance.now();
      const order = new Rng(`${config.seed}/sft-minibatch/${epoch}`).shuffle([...steps.keys()]);
      let lossSum = 0;
      let normSum = 0;
      let updates = 0;
      for (let from = 0; from < order.length; from += config.per_device_train_batch_size) {
        const part = order.slice(from, from + config.per_device_train_batch_size).map((i) => steps[i] as StepRecord);
        const batch = policy.makeBatch(tf, part);
        const attrWeight = tf.tensor1d(part.map((s) => (s.supervisedAttributes ? config.attribute_loss_weight : 0)));
        const { loss, grads } = lossAndGrads(tf, policy, (p: TfParams) => {
          const lp = policy.logProb(tf, batch, p);
          return tf.neg(tf.mean(tf.add(lp.ranking, tf.mul(attrWeight, lp.attributes)))) as Scalar;
        });
        batch.dispose();
        attrWeight.dispose();
        normSum += clipGradNorm(grads, config.max_grad_norm);
        adam.step(live, grads);
        lossSum += loss;
        updates++;
      }
      const trainSeconds = (performance.now() - tEpoch) / 1000;
      const nll = teacherNll(tf, policy, steps, config.attribute_loss_weight);
      const evaluation = await evaluate();
      epochsRun = epoch + 1;
      after = { teacher_nll: nll, eval: evaluation };
      const metric = evaluation ? metricOf(evaluation, config.metric_for_best_model) : null;
      log.write({
        event: 'epoch',
        epoch: epoch + 1,
        loss: lossSum / Math.max(1, updates),
        teacher_nll: nll,
        grad_norm: normSum / Math.max(1, updates),
        updates,
        ...(evaluation ? { eval: evaluation } : {}),
        seconds: { train: trainSeconds, total: (performance.now() - tEpoch) / 1000 },
      });
      bar.update(epoch + 1, `nll ${nll.toFixed(3)}${metric !== null ? ` ${config.metric_for_best_model} ${metric.toFixed(3)}` : ''}`);
      opts.onProgress?.({ epoch: epoch + 1, total: config.num_train_epochs, teacher_nll: nll, metric, elapsedSeconds: (performance.now() - t0) / 1000 });
      if (metric === null || metric > best.metric + 1e-9) {
        best = { metric: metric ?? 0, epoch: epoch + 1, weights: policy.getWeights() };
        sinceBest = 0;
      } else if (config.early_stopping_patience > 0 && ++sinceBest >= config.early_stopping_patience) {
        stoppedEarly = true;
        break;
      }
    }
    if (best.epoch !== epochsRun) {
      policy.setWeights(best.weights);
      after = { teacher_nll: teacherNll(tf, policy, steps, config.attribute_loss_weight), eval: await evaluate() };
    }
    await policy.save(files.policy);
    const result: SftResult = {
      outDir,
      policyDir: files.policy,
      logFile: files.log,
      steps: steps.length,
      epochs: epochsRun,
      bestEpoch: best.epoch,
      stoppedEarly,
      before,
      after,
      teacher,
    };
    log.write({ event: 'end', epochs: epochsRun, best_epoch: best.epoch, stopped_early: stoppedEarly, seconds: (performance.now() - t0) / 1000 });
    writeFileSync(files.summary, `${JSON.stringify({ ...result, seconds: (performance.now() - t0) / 1000 }, null, 2)}\n`);
    return result;
  } finally {
    bar.stop();
    await runner.close();
  }
}
