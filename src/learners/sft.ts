// Supervised fine-tuning of the neural recommender on teacher trajectories (paper 3.4.1, stage one).
// The teacher (teacher.ts) plays TRAIN samples in the env with the target known, so the feedback and the
// candidates of later rounds follow the teacher's own lists. Since the teacher's episodes end as soon as
// the target is among the candidates, more episodes are played by the initial policy with the target
// withheld from its lists (rollout.ts, 'withheld'): they reach rounds 2..T, whose states are recorded
// with the teacher's actions. The policy is trained to maximize the likelihood of the teacher's choices:
// by default the target's place among the candidates only (loss 'target'; the teacher's other nine
// slots follow attribute overlap with the target, an order the policy cannot and need not learn), plus
// the attribute choice where the teacher could express it. Adam, seeded minibatches, early stopping on
// Recall@10 at the last round of greedy episodes on the valid split (the paper's protocol); the best
// epoch's weights are kept, the initial policy (epoch 0) included.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Scalar } from '@tensorflow/tfjs';
import { Rng } from '../core/rng.js';
import type { AttributeKind } from '../data/types.js';
import { getTf, type Tf } from '../nn/tf.js';
import { isNeuralRecommender, NeuralRecommender } from '../../agents/neural/recommender.js';
import { tfParamsOf } from '../../agents/neural/tf-policy.js';
import type { StepRecord } from '../../agents/neural/types.js';
import { PARAM_NAMES } from '../../agents/neural/model.js';
import { parseConfig } from '../config/load.js';
import { SftConfigSchema, type SftConfig, type SftConfigInput } from './config.js';
import { evaluatePolicy, evaluationIds } from './evaluate.js';
import { lossAndGrads } from './gradients.js';
import type { EpisodeSummary } from './metrics.js';
import { bestModelMetric, summarizeEpisodes } from './metrics.js';
import { Adam, clipGradNorm } from './optimizer.js';
import { JsonlLog, ProgressBar } from './run-log.js';
import { createRunner } from './runner.js';
import { importSetup, loadPolicyPlugins, moduleUrl, type SetupSpec } from './setup.js';
import { removeStaleTemps } from '../core/atomic-write.js';

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
  /** Recorded steps whose candidates held the target (what the 'target' loss trains on). */
  targetSteps: number;
}

const SPECIFIC_FIRST: readonly AttributeKind[] = ['director', 'writer', 'actor', 'producer', 'genre'];

/** A training row: the recorded inputs with the action to imitate, and the weights of its two terms. */
interface SftRow {
  record: StepRecord;
  rankWeight: number;
  attributeWeight: number;
}

/** The rows of the configured loss; steps that supervise nothing are left out. */
function sftRows(steps: readonly StepRecord[], config: SftConfig): SftRow[] {
  const rows: SftRow[] = [];
  for (const s of steps) {
    const attributeWeight = s.supervisedAttributes ? config.attribute_loss_weight : 0;
    if (config.loss === 'list') {
      rows.push({ record: s, rankWeight: 1, attributeWeight });
      continue;
    }
    const target = s.targetIndex ?? -1;
    if (target < 0 && attributeWeight === 0) continue;
    rows.push({ record: { ...s, ranking: Int32Array.of(target >= 0 ? target : 0) }, rankWeight: target >= 0 ? 1 : 0, attributeWeight });
  }
  return rows;
}

/** Mean negative log-likelihood per row of the imitated actions (no gradients). */
function teacherNll(tf: Tf, policy: NeuralRecommender, rows: readonly SftRow[], chunk = 256): number {
  let sum = 0;
  for (let from = 0; from < rows.length; from += chunk) {
    const part = rows.slice(from, from + chunk);
    // tidy: the forward's intermediate tensors are freed too (not only the batch and the outputs).
    const [r, a] = tf.tidy(() => {
      const batch = policy.makeBatch(tf, part.map((row) => row.record));
      const lp = policy.logProb(tf, batch);
      return [lp.ranking.dataSync(), lp.attributes.dataSync()];
    });
    part.forEach((row, i) => (sum -= row.rankWeight * (r[i] as number) + row.attributeWeight * (a[i] as number)));
  }
  return rows.length > 0 ? sum / rows.length : 0;
}

export async function trainSft(opts: TrainSftOptions): Promise<SftResult> {
  const config = parseConfig(SftConfigSchema, opts.config ?? {}, 'sft config');
  const outDir = resolve(opts.outDir);
  mkdirSync(outDir, { recursive: true });
  removeStaleTemps(outDir); // a killed run's temp files (checkpoints half written) would otherwise pile up
  const files = { log: join(outDir, 'log.jsonl'), policy: join(outDir, 'policy'), config: join(outDir, 'config.json'), summary: join(outDir, 'summary.json') };
  const setup: SetupSpec = { module: moduleUrl(opts.setup.module), args: opts.setup.args, ...(opts.setup.plugins ? { plugins: opts.setup.plugins } : {}) };
  writeFileSync(files.config, `${JSON.stringify({ config, setup, initPolicy: opts.initPolicy ?? null }, null, 2)}\n`);
  const log = new JsonlLog(files.log);
  log.open();
  log.write({ event: 'start', kind: 'sft', config });

  const tf = await getTf('wasm');
  await loadPolicyPlugins(setup.plugins ?? []);
  const mod = await importSetup(setup.module);
  const created = await mod.createPolicy(setup.args);
  // SFT's teacher speaks in the neural recommender's candidate and option indices (teacher-rollout.ts).
  if (!isNeuralRecommender(created)) throw new Error(`trainSft: the setup's policy '${created.name}' is not the neural recommender; SFT trains that one only`);
  let policy = created;
  if (opts.initPolicy) policy = await NeuralRecommender.load(opts.initPolicy, policy.extractor);
  let trainIds = await mod.sampleIds(setup.args, 'train');
  if (trainIds.length === 0) throw new Error('trainSft: the setup has no training samples');
  if (config.max_samples > 0 && config.max_samples < trainIds.length) trainIds = new Rng(`${config.seed}/sft-subset`).sample(trainIds, config.max_samples);
  const validIds = config.eval_samples !== 0 ? evaluationIds(await mod.sampleIds(setup.args, 'valid'), config.eval_samples ?? 0, config.seed) : [];

  const runner = await createRunner({ setup, workers: opts.workers ?? 0, ...(config.reward_weights ? { envOverrides: { rewardWeights: config.reward_weights } } : {}) });
  const bar = new ProgressBar(opts.progress ?? process.stderr.isTTY === true, 'sft', 'epochs');
  const t0 = performance.now();
  try {
    // Teacher trajectories and withheld-target episodes (TRAIN only; runEpisode refuses other splits).
    const specs = (mode: 'teacher' | 'withheld', passes: number) =>
      Array.from({ length: passes }, (_, pass) =>
        trainIds.map((sampleId) => ({
          sampleId,
          envSeed: new Rng(`${config.seed}/sft-${mode === 'teacher' ? 'env' : 'withheld-env'}/${pass}/${sampleId}`).uint32() >>> 1,
          rngSeed: `${config.seed}/sft${mode === 'teacher' ? '' : '-withheld'}/${pass}/${sampleId}`,
          mode,
          ...(config.teacher_attribute_order === 'specific-first' ? { teacherKinds: [...SPECIFIC_FIRST] } : {}),
        })),
      ).flat();
    await runner.setWeights(policy.getWeights()); // withheld episodes play the initial policy's lists
    const teacherEpisodes = await runner.run<StepRecord>(specs('teacher', config.teacher_passes));
    const teacher = summarizeEpisodes(teacherEpisodes);
    const withheldEpisodes = config.withheld_passes > 0 ? await runner.run<StepRecord>(specs('withheld', config.withheld_passes)) : [];
    const steps = [...teacherEpisodes.flatMap((e) => e.steps), ...withheldEpisodes.flatMap((e) => e.steps.filter((s) => s.turn >= 2))];
    const rows = sftRows(steps, config);
    const targetSteps = steps.filter((s) => (s.targetIndex ?? -1) >= 0).length;
    log.write({
      event: 'teacher',
      steps: steps.length,
      rows: rows.length,
      target_steps: targetSteps,
      target_steps_by_turn: Array.from({ length: Math.max(0, ...steps.map((s) => s.turn)) }, (_, t) => steps.filter((s) => s.turn === t + 1 && (s.targetIndex ?? -1) >= 0).length),
      withheld_episodes: withheldEpisodes.length,
      seconds: (performance.now() - t0) / 1000,
      ...teacher,
    });

    const evaluate = async (): Promise<EpisodeSummary | undefined> => {
      if (validIds.length === 0) return undefined;
      await runner.setWeights(policy.getWeights());
      return evaluatePolicy(runner, validIds, config.seed);
    };
    const before = { teacher_nll: teacherNll(tf, policy, rows), eval: await evaluate() };
    log.write({ event: 'epoch', epoch: 0, teacher_nll: before.teacher_nll, ...(before.eval ? { eval: before.eval } : {}) });

    const live = PARAM_NAMES.map((n) => policy.params[n]);

    const adam = new Adam(live.map((p) => p.length), {
      learningRate: config.learning_rate,
      // The attribute head (opt*) learns more slowly than the ranking head overfits: its own step size.
      learningRates: PARAM_NAMES.map((n) => (n.startsWith('opt') ? config.attribute_learning_rate : null)),
      beta1: config.adam_beta1,
      beta2: config.adam_beta2,
      epsilon: config.adam_epsilon,
      weightDecay: config.weight_decay,
    });
    let best = { metric: before.eval ? bestModelMetric(before.eval, config.metric_for_best_model) : Number.NEGATIVE_INFINITY, epoch: 0, weights: policy.getWeights() };
    let sinceBest = 0;
    let epochsRun = 0;
    let stoppedEarly = false;
    let after = before;
    bar.start(config.num_train_epochs, 0);
    for (let epoch = 0; epoch < config.num_train_epochs; epoch++) {
      const tEpoch = performance.now();
      const order = new Rng(`${config.seed}/sft-minibatch/${epoch}`).shuffle([...rows.keys()]);
      let lossSum = 0;
      let normSum = 0;
      let updates = 0;
      for (let from = 0; from < order.length; from += config.per_device_train_batch_size) {
        const part = order.slice(from, from + config.per_device_train_batch_size).map((i) => rows[i] as SftRow);
        const batch = policy.makeBatch(tf, part.map((r) => r.record));
        const rankWeight = tf.tensor1d(part.map((r) => r.rankWeight));
        const attrWeight = tf.tensor1d(part.map((r) => r.attributeWeight));
        const { loss, grads } = lossAndGrads(tf, policy, (list) => {
          const lp = policy.logProb(tf, batch, tfParamsOf(list));
          return tf.neg(tf.mean(tf.add(tf.mul(rankWeight, lp.ranking), tf.mul(attrWeight, lp.attributes)))) as Scalar;
        });
        batch.dispose();
        rankWeight.dispose();
        attrWeight.dispose();
        normSum += clipGradNorm(grads, config.max_grad_norm);
        adam.step(live, grads);
        lossSum += loss;
        updates++;
      }
      const trainSeconds = (performance.now() - tEpoch) / 1000;
      const nll = teacherNll(tf, policy, rows);
      const evaluation = await evaluate();
      epochsRun = epoch + 1;
      after = { teacher_nll: nll, eval: evaluation };
      const metric = evaluation ? bestModelMetric(evaluation, config.metric_for_best_model) : null;
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
      after = { teacher_nll: teacherNll(tf, policy, rows), eval: await evaluate() };
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
      targetSteps,
    };
    log.write({ event: 'end', epochs: epochsRun, best_epoch: best.epoch, stopped_early: stoppedEarly, seconds: (performance.now() - t0) / 1000 });
    writeFileSync(files.summary, `${JSON.stringify({ ...result, seconds: (performance.now() - t0) / 1000 }, null, 2)}\n`);
    return result;
  } finally {
    bar.stop();
    await runner.close();
  }
}
