// Multi-turn policy optimization of any TrainablePolicy (agents/trainable.ts; the neural recommender in the
// paper's setting, paper 3.4.1, stage two): GRPO, RLOO and
// REINFORCE with a baseline behind one loop. Each iteration:
//   1. picks P training samples and plays G rollouts of each from the same initial state (same sample,
//      same env seed), on worker threads, with the current weights broadcast to every worker;
//   2. turns the per-turn rewards (the env's components, weighted) into advantages (learner-specific);
//   3. runs num_iterations epochs over the batch: micro-batches of episodes, gradient accumulation, Adam;
//   4. logs a JSONL line, updates the progress bar, checkpoints every save_steps iterations.
// A killed run resumes from its last checkpoint with the same results, since every random draw is derived
// from (seed, iteration, sample, generation).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Scalar, Tensor } from '@tensorflow/tfjs';
import { Rng } from '../core/rng.js';
import { OneLineError } from '../core/errors.js';
import { getTf, type Tf } from '../nn/tf.js';
import { parameterTensors, type PolicyStep, type TrainablePolicy } from '../../agents/trainable.js';
import { configHash, loadCheckpoint, saveCheckpoint, type BestWeights } from './checkpoint.js';
import { resolveRlConfig, type GrpoConfigInput, type ResolvedRlConfig, type RlAlgorithm } from './config.js';
import { evaluatePolicy, evaluationIds } from './evaluate.js';
import { addInto, lossAndGrads } from './gradients.js';
import { bestModelMetric, summarizeEpisodes, type EpisodeSummary } from './metrics.js';
import { k3KlTf, lossWeights } from './objective.js';
import type { Learner } from './learner.js';
import { createLearner, learners } from './registry.js';
import { Adam, clipGradNorm } from './optimizer.js';
import type { EpisodeRecord, RolloutSpec } from './rollout.js';
import { constantRewardComponents, rewardsWithoutConstants } from './constant-rewards.js';
import { JsonlLog, ProgressBar } from './run-log.js';
import { createRunner, type RolloutRunner } from './runner.js';
import { buildPolicy, importSetup, loadPolicyPlugins, moduleUrl, type SetupSpec } from './setup.js';
import { removeStaleTemps } from '../core/atomic-write.js';

export interface TrainRlOptions {
  /** Builds the env and the policy, in this thread and in every worker. */
  setup: SetupSpec;
  /** Run folder: config.json, log.jsonl, checkpoint.bin, policy/, summary.json. */
  outDir: string;
  config?: GrpoConfigInput;
  /** A saved policy folder (e.g. the SFT output) to start from; it is also the KL reference. */
  initPolicy?: string;
  /** Rollout worker threads; 0 = the main thread (default). Results do not depend on it. */
  workers?: number;
  /** Continue from outDir's checkpoint when there is one (default true). */
  resume?: boolean;
  /** Progress bar on stderr (default: when stderr is a TTY). */
  progress?: boolean;
  onProgress?: (p: RlProgress) => void;
  /** Stops after the current iteration (with a checkpoint). */
  signal?: AbortSignal;
}

export interface RlProgress {
  algorithm: RlAlgorithm;
  /** Iterations completed. */
  iteration: number;
  total: number;
  reward_mean: number;
  hit_rate: number;
  kl: number;
  elapsedSeconds: number;
  etaSeconds: number;
}

export interface IterationStats {
  loss: number;
  kl: number;
  clip_fraction: number;
  /**
   * Per inner epoch (num_iterations of them): the share of steps whose ratio was clipped, and the mean |ratio - 1|.
   * The first epoch's ratio is 1 (the weights that played the rollouts); later epochs show how far the update moved.
   */
  clip_fraction_by_epoch: number[];
  ratio_deviation_by_epoch: number[];
  ratio_mean: number;
  grad_norm: number;
  advantage_std: number;
  optimizer_steps: number;
}

export interface RlResult {
  algorithm: RlAlgorithm;
  outDir: string;
  policyDir: string;
  logFile: string;
  checkpointFile: string;
  /** Iterations completed in total (including those before a resume). */
  iterations: number;
  /** Iteration the run resumed at, or null for a fresh run. */
  resumedFrom: number | null;
  /** False when stopped by the signal before the last iteration. */
  completed: boolean;
  lastRollouts: EpisodeSummary | undefined;
  lastEval: EpisodeSummary | undefined;
  /** With load_best_model_at_end: the iteration whose weights were saved (0 = the initial policy) and its metric. */
  best: { iteration: number; metric: number } | null;
}

/** Seeds of one rollout: the env seed is shared by the group, the policy seed is per generation. */
export function rolloutSpecs(seed: number, iteration: number, sampleIds: readonly string[], generations: number): RolloutSpec[] {
  return sampleIds.flatMap((sampleId) => {
    const envSeed = new Rng(`${seed}/env/${iteration}/${sampleId}`).uint32() >>> 1;
    return Array.from({ length: generations }, (_, g) => ({ sampleId, envSeed, rngSeed: `${seed}/rollout/${iteration}/${sampleId}/${g}`, mode: 'sample' as const }));
  });
}

/** The P samples of iteration `iteration`: consecutive slices of per-epoch shuffles of the train ids. */
export function iterationSamples(seed: number, iteration: number, ids: readonly string[], perIteration: number): string[] {
  const out: string[] = [];
  for (let j = iteration * perIteration; j < (iteration + 1) * perIteration; j++) {
    const epoch = Math.floor(j / ids.length);
    const order = new Rng(`${seed}/order/${epoch}`).shuffle(ids);
    out.push(order[j % ids.length] as string);
  }
  return out;
}

/**
 * The train samples whose greedy episode under `weights` (the initial policy) does not hit in round 1: the
 * ones where the list and the preference still matter after the first round. Env seeds come from the seed
 * and the sample, so the subset is the same on resume (the initial policy is the checkpoint's reference).
 */
async function round1Misses(runner: RolloutRunner, weights: Float32Array[], ids: readonly string[], seed: number): Promise<string[]> {
  await runner.setWeights(weights);
  const specs = ids.map((sampleId) => ({ sampleId, envSeed: new Rng(`${seed}/filter-env/${sampleId}`).uint32() >>> 1, rngSeed: `${seed}/filter/${sampleId}`, mode: 'greedy' as const }));
  const episodes = await runner.run(specs);
  return ids.filter((_, i) => episodes[i]!.firstHit !== 1);
}

interface FlatStep {
  record: PolicyStep;
  episode: number;
  advantage: number;
  refLogProb: number;
}

/** log pi_ref of every step under the reference copy, in chunks, without gradients. */
function referenceLogProbs(tf: Tf, reference: TrainablePolicy, records: readonly PolicyStep[], chunk = 256): number[] {
  const out: number[] = [];
  const ref = parameterTensors(tf, reference);
  try {
    for (let from = 0; from < records.length; from += chunk) {
      // tidy: the forward's intermediate tensors are freed too (they leaked before, ~40 per chunk).
      const values = tf.tidy(() => reference.logProbs(tf, reference.makeBatch(tf, records.slice(from, from + chunk)), ref).dataSync());
      out.push(...Array.from(values));
    }
  } finally {
    ref.forEach((t) => t.dispose());
  }
  return out;
}

/** One iteration's optimization: num_iterations epochs of micro-batches with gradient accumulation. */
function optimize(
  tf: Tf,
  learner: Learner,
  config: ResolvedRlConfig,
  policy: TrainablePolicy,
  adam: Adam,
  episodes: FlatStep[][],
  rounds: number,
  iteration: number,
): IterationStats {
  const sizes = { micro: config.per_device_train_batch_size, accumulate: config.gradient_accumulation_steps };
  const live = policy.parameters.map((p) => p.data);
  let lossSum = 0;
  let klSum = 0;
  let clipSum = 0;
  let ratioSum = 0;
  let stepCount = 0;
  let gradNormSum = 0;
  let optimizerSteps = 0;
  const clipByEpoch: number[] = [];
  const deviationByEpoch: number[] = [];
  for (let epoch = 0; epoch < config.num_iterations; epoch++) {
    let epochClip = 0;
    let epochDeviation = 0;
    let epochSteps = 0;
    const order = new Rng(`${config.seed}/minibatch/${iteration}/${epoch}`).shuffle([...episodes.keys()]);
    const micro: number[][] = [];
    for (let i = 0; i < order.length; i += sizes.micro) micro.push(order.slice(i, i + sizes.micro));
    for (let w = 0; w < micro.length; w += sizes.accumulate) {
      const window = micro.slice(w, w + sizes.accumulate);
      const acc = live.map((p) => new Float32Array(p.length));
      for (const group of window) {
        const steps = group.flatMap((e) => episodes[e] as FlatStep[]);
        if (steps.length === 0) continue;
        const batch = policy.makeBatch(tf, steps.map((s) => s.record));
        const oldLp = tf.tensor1d(steps.map((s) => s.record.logProb));
        const adv = tf.tensor1d(steps.map((s) => s.advantage));
        const refLp = tf.tensor1d(steps.map((s) => s.refLogProb));
        const lw = tf.tensor1d(lossWeights(steps.map((s) => s.episode), config.loss_type, rounds));
        const kept: Tensor[] = [];
        const { loss, grads } = lossAndGrads(tf, policy, (p) => {
          const logp = policy.logProbs(tf, batch, p);
          const terms = learner.objective(tf, logp, oldLp, adv);
          const kl = k3KlTf(tf, logp, refLp);
          const objective = config.beta > 0 ? tf.sub(terms.surrogate, tf.mul(kl, config.beta)) : terms.surrogate;
          kept.push(tf.keep(kl), tf.keep(terms.ratio), tf.keep(terms.clipped));
          return tf.div(tf.neg(tf.sum(tf.mul(lw, objective))), window.length) as Scalar;
        });
        const [kl, ratio, clipped] = kept.map((t) => Array.from(t.dataSync())) as [number[], number[], number[]];
        kept.forEach((t) => t.dispose());
        [batch, oldLp, adv, refLp, lw].forEach((t) => t.dispose());
        addInto(acc, grads);
        lossSum += loss;
        klSum += kl.reduce((a, b) => a + b, 0);
        ratioSum += ratio.reduce((a, b) => a + b, 0);
        const clippedSteps = clipped.reduce((a, b) => a + b, 0);
        clipSum += clippedSteps;
        stepCount += steps.length;
        epochClip += clippedSteps;
        epochDeviation += ratio.reduce((a, b) => a + Math.abs(b - 1), 0);
        epochSteps += steps.length;
      }
      gradNormSum += clipGradNorm(acc, config.max_grad_norm);
      adam.step(live, acc);
      optimizerSteps++;
    }
    clipByEpoch.push(epochSteps > 0 ? epochClip / epochSteps : 0);
    deviationByEpoch.push(epochSteps > 0 ? epochDeviation / epochSteps : 0);
  }
  const advs = episodes.flat().map((s) => s.advantage);
  const advMean = advs.reduce((a, b) => a + b, 0) / Math.max(1, advs.length);
  return {
    loss: optimizerSteps > 0 ? lossSum / optimizerSteps : 0,
    kl: stepCount > 0 ? klSum / stepCount : 0,
    clip_fraction: stepCount > 0 ? clipSum / stepCount : 0,
    clip_fraction_by_epoch: clipByEpoch,
    ratio_deviation_by_epoch: deviationByEpoch,
    ratio_mean: stepCount > 0 ? ratioSum / stepCount : 1,
    grad_norm: optimizerSteps > 0 ? gradNormSum / optimizerSteps : 0,
    advantage_std: Math.sqrt(advs.reduce((s, a) => s + (a - advMean) ** 2, 0) / Math.max(1, advs.length)),
    optimizer_steps: optimizerSteps,
  };
}

/** The run folder's checkpoint was written by another config or algorithm: resuming it would mix two runs. */
export class CheckpointMismatchError extends OneLineError {
  override name = 'CheckpointMismatchError';
}

export async function trainRl(algorithm: RlAlgorithm, opts: TrainRlOptions): Promise<RlResult> {
  learners.get(algorithm); // an unknown learner fails here, listing the registered ones
  const config = resolveRlConfig(algorithm, opts.config ?? {}, `${algorithm} config`);
  const outDir = resolve(opts.outDir);
  mkdirSync(outDir, { recursive: true });
  removeStaleTemps(outDir); // a killed run's temp files (checkpoints half written) would otherwise pile up
  const files = {
    log: join(outDir, 'log.jsonl'),
    checkpoint: join(outDir, 'checkpoint.bin'),
    policy: join(outDir, 'policy'),
    config: join(outDir, 'config.json'),
    summary: join(outDir, 'summary.json'),
  };
  const setup: SetupSpec = { module: moduleUrl(opts.setup.module), args: opts.setup.args, ...(opts.setup.policy ? { policy: opts.setup.policy } : {}), ...(opts.setup.plugins ? { plugins: opts.setup.plugins } : {}) };
  await loadPolicyPlugins(setup.plugins ?? []);
  const tf = await getTf('wasm');
  const mod = await importSetup(setup.module);
  let policy = await buildPolicy(setup, mod);
  if (opts.initPolicy) policy = await policy.load(opts.initPolicy);
  let trainIds = await mod.sampleIds(setup.args, 'train');
  if (trainIds.length === 0) throw new Error('trainRl: the setup has no training samples');
  // A new option at its default leaves the hash as it was, so checkpoints written before it existed still resume.
  const { exclude_constant_rewards: excludeConstants, ...hashedConfig } = config;
  const hash = configHash({ algorithm, config: excludeConstants ? config : hashedConfig, setup: { args: setup.args, ...(setup.policy ? { policy: setup.policy } : {}) }, initPolicy: opts.initPolicy ?? null });
  const learner = createLearner(algorithm, config);
  const log = new JsonlLog(files.log);
  let start = 0;
  let optimizerSteps = 0;
  let secondsBefore = 0;
  let resumedFrom: number | null = null;
  let best: BestWeights | undefined;
  const ckpt = opts.resume === false ? undefined : await loadCheckpoint(files.checkpoint);
  if (ckpt && ckpt.meta.configHash !== hash) {
    throw new CheckpointMismatchError(`${files.checkpoint} belongs to a run with another config or algorithm; use a new --out folder, or start over with --no-resume (in code: resume: false)`);
  }
  // One set of workers for the whole run (the sample filter's episodes included): each worker loads the env once.
  const runner = await createRunner({ setup, workers: opts.workers ?? 0, ...(config.reward_weights ? { envOverrides: { rewardWeights: config.reward_weights } } : {}) });
  const bar = new ProgressBar(opts.progress ?? process.stderr.isTTY === true, algorithm, 'it');
  let t0 = performance.now();
  let lastRollouts: EpisodeSummary | undefined;
  let lastEval: EpisodeSummary | undefined;
  let completed = true;
  let iteration = 0;
  try {
    if (config.sample_filter === 'round1-misses') trainIds = await round1Misses(runner, policy.getWeights(), trainIds, config.seed);
    if (trainIds.length === 0) throw new Error('trainRl: no training sample is left after sample_filter');
    const validIds = config.eval_steps > 0 ? evaluationIds(await mod.sampleIds(setup.args, 'valid'), config.eval_samples, config.seed) : [];
    const perIteration = config.generation_batch_size / config.num_generations;
    const total = config.max_steps > 0 ? config.max_steps : Math.max(1, Math.ceil((config.num_train_epochs * trainIds.length) / perIteration));

    let reference = policy.getWeights();
    const adam = new Adam(policy.parameters.map((p) => p.data.length), {
      learningRate: config.learning_rate,
      beta1: config.adam_beta1,
      beta2: config.adam_beta2,
      epsilon: config.adam_epsilon,
      weightDecay: config.weight_decay,
    });
    if (ckpt) {
      policy.setWeights(ckpt.policy);
      reference = ckpt.reference;
      adam.load(ckpt.adam);
      start = ckpt.meta.iteration;
      optimizerSteps = ckpt.meta.optimizerSteps;
      secondsBefore = ckpt.meta.seconds;
      learner.load(ckpt.meta.learner);
      best = ckpt.best;
      resumedFrom = start;
      log.open(ckpt.meta.logBytes);
      log.write({ event: 'resume', iteration: start, optimizer_steps: optimizerSteps });
    } else {
      log.open();
      writeFileSync(files.config, `${JSON.stringify({ algorithm, config, setup, initPolicy: opts.initPolicy ?? null, total_iterations: total }, null, 2)}\n`);
      log.write({ event: 'start', algorithm, total_iterations: total, samples_per_iteration: perIteration, train_samples: trainIds.length, config });
    }
    const referencePolicy = policy.reference(reference);
    t0 = performance.now();
    iteration = start;
    const evaluate = async (done: number): Promise<EpisodeSummary> => {
      const weights = policy.getWeights();
      await runner.setWeights(weights);
      const summary = await evaluatePolicy(runner, validIds, config.seed);
      const metric = bestModelMetric(summary, config.metric_for_best_model);
      if (config.load_best_model_at_end && (!best || metric > best.metric + 1e-9)) best = { metric, iteration: done, weights };
      return summary;
    };
    if (start === 0 && config.eval_steps > 0) {
      lastEval = await evaluate(0);
      log.write({ event: 'eval', iteration: 0, ...lastEval });
    }
    bar.start(total, start);
    for (iteration = start; iteration < total; iteration++) {
      if (opts.signal?.aborted) {
        completed = false;
        break;
      }
      const tIter = performance.now();
      const samples = iterationSamples(config.seed, iteration, trainIds, perIteration);
      const specs = rolloutSpecs(config.seed, iteration, samples, config.num_generations);
      await runner.setWeights(policy.getWeights());
      const rollouts: EpisodeRecord[] = await runner.run(specs);
      const tRollout = performance.now();

      const G = config.num_generations;
      const rounds = Math.max(1, ...rollouts.map((e) => e.rounds));
      const constants = constantRewardComponents(rollouts);
      const rewardsOf = (e: EpisodeRecord): number[] => (config.exclude_constant_rewards ? rewardsWithoutConstants(e, constants) : e.rewards);
      const groups = samples.map((_, k) => rollouts.slice(k * G, (k + 1) * G).map(rewardsOf));
      const advantages = learner.advantages(groups, rounds);
      const records = rollouts.flatMap((e) => e.steps);
      const refLps = config.beta > 0 ? referenceLogProbs(tf, referencePolicy, records) : records.map((r) => r.logProb);
      let cursor = 0;
      const flat: FlatStep[][] = rollouts.map((e, idx) => {
        const adv = advantages[Math.floor(idx / G)]![idx % G]!;
        return e.steps.map((record, t) => ({ record, episode: idx, advantage: adv[t] as number, refLogProb: refLps[cursor++] as number }));
      });
      const stats = optimize(tf, learner, config, policy, adam, flat, rounds, iteration);
      optimizerSteps += stats.optimizer_steps;
      const tUpdate = performance.now();

      lastRollouts = summarizeEpisodes(rollouts);
      let evalSeconds = 0;
      const done = iteration + 1;
      let evalEntry: EpisodeSummary | undefined;
      if (config.eval_steps > 0 && (done % config.eval_steps === 0 || done === total)) {
        const tEval = performance.now();
        evalEntry = lastEval = await evaluate(done);
        evalSeconds = (performance.now() - tEval) / 1000;
      }
      const entry: Record<string, unknown> = {
        event: 'iteration',
        iteration: done,
        ...lastRollouts,
        ...stats,
        constant_rewards: constants,
        constant_rewards_excluded: config.exclude_constant_rewards,
        optimizer_steps: optimizerSteps,
        learning_rate: config.learning_rate,
        ...(evalEntry ? { eval: evalEntry } : {}),
        seconds: { rollout: (tRollout - tIter) / 1000, update: (tUpdate - tRollout) / 1000, eval: evalSeconds, checkpoint: 0, total: 0 },
      };
      const seconds = entry['seconds'] as Record<string, number>;
      const wantCheckpoint = done % config.save_steps === 0 || done === total || opts.signal?.aborted === true;
      let tCk = performance.now();
      if (wantCheckpoint) {
        seconds['total'] = (performance.now() - tIter) / 1000;
        log.write(entry);
        tCk = performance.now();
        await saveCheckpoint(files.checkpoint, {
          meta: {
            iteration: done,
            optimizerSteps,
            logBytes: log.bytes,
            configHash: hash,
            algorithm,
            learner: learner.state(),
            seconds: secondsBefore + (performance.now() - t0) / 1000,
          },
          names: policy.parameters.map((p) => p.name),
          policy: policy.getWeights(),
          reference,
          adam: adam.state(),
          ...(best ? { best } : {}),
        });
        log.write({ event: 'checkpoint', iteration: done, seconds: (performance.now() - tCk) / 1000 });
      } else {
        seconds['total'] = (performance.now() - tIter) / 1000;
        log.write(entry);
      }
      const elapsed = (performance.now() - t0) / 1000;
      const perIt = elapsed / (done - start);
      bar.update(done, `reward ${lastRollouts.reward_mean.toFixed(3)} hit ${lastRollouts.hit_rate.toFixed(2)} kl ${stats.kl.toFixed(4)}`);
      opts.onProgress?.({
        algorithm,
        iteration: done,
        total,
        reward_mean: lastRollouts.reward_mean,
        hit_rate: lastRollouts.hit_rate,
        kl: stats.kl,
        elapsedSeconds: elapsed,
        etaSeconds: perIt * (total - done),
      });
    }
  } finally {
    bar.stop();
    await runner.close();
  }
  // The best evaluation's weights become the run's policy only once the run is complete (a stopped run
  // keeps its latest weights, so resuming continues from them).
  const kept = completed && best ? { iteration: best.iteration, metric: best.metric } : null;
  if (completed && best && best.iteration !== iteration) policy.setWeights(best.weights);
  await policy.save(files.policy);
  const result: RlResult = {
    algorithm,
    outDir,
    policyDir: files.policy,
    logFile: files.log,
    checkpointFile: files.checkpoint,
    iterations: iteration,
    resumedFrom,
    completed,
    lastRollouts,
    lastEval,
    best: kept,
  };
  if (completed) log.write({ event: 'end', iterations: iteration, ...(kept ? { best_iteration: kept.iteration, best_metric: kept.metric } : {}), seconds: secondsBefore + (performance.now() - t0) / 1000 });
  writeFileSync(files.summary, `${JSON.stringify({ ...result, seconds: secondsBefore + (performance.now() - t0) / 1000 }, null, 2)}\n`);
  return result;
}
