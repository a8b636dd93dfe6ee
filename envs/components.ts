// The trained parts a CrsEnv is made of, loaded from an artifacts folder or trained and cached there first:
// E_T (text encoder, with a persistent embedding cache), E_C (LightGCN), the multi-task user simulator and
// the dual-view retriever (trained with simulated feedback and reference preferences).
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { z } from 'zod';
import { Rng } from '../src/core/rng.js';
import { parseConfig } from '../src/config/load.js';
import type { Dataset, RecSample } from '../src/data/types.js';
import { SAMPLE_ID_SCHEME } from '../src/data/samples.js';
import { TargetPopularity } from '../src/data/popularity.js';
import { artifactsRoot, embeddingsDir } from '../src/core/home.js';
import { stageProgress, withStageProgress } from '../src/core/progress.js';
import { CachedEncoder, EmbeddingCache } from '../src/encoders/embedding-cache.js';
import { HashingEncoder } from '../src/encoders/hash-encoder.js';
import { HfOnnxEncoder } from '../src/encoders/hf-onnx.js';
import { TextEncoderSpecSchema, type TextEncoderSpec } from '../src/encoders/text-encoder-spec.js';
import { UseLiteEncoder } from '../src/encoders/use-lite.js';
import { defaultEncoderThreads, ParallelUseLiteEncoder } from '../src/encoders/parallel-encoder.js';
import type { TextEncoder as TextEncoderContract } from '../src/encoders/text-encoder.js';
import { LightGcnEncoder } from '../src/encoders/collaborative.js';
import { MultiTaskSimulator, SIMULATOR_FORMAT_VERSION } from '../src/simulator/multi-task.js';
import { buildSimulatorInput } from '../src/simulator/types.js';
import { Bm25Retriever } from '../src/retriever/bm25.js';
import { queryFromSample } from '../src/retriever/evaluate.js';
import { trainDualView, type Augmentation } from '../src/retriever/train.js';
import { loadDualViewRetriever } from '../src/retriever/load.js';
import type { DualViewRetriever } from '../src/retriever/dual-view.js';
import { cachedStage } from '../src/core/stage-cache.js';
import { referencePreference } from '../src/data/reference-preference.js';
import { errorMessage } from '../src/core/errors.js';
import { PieceBagEncoder } from '../src/encoders/student.js';
import { StudentConfigSchema, studentCorpus, trainTextStudent, wantsStudent } from './text-student.js';

export const ComponentsConfigSchema = z.object({
  /** Seed of every training below. */
  seed: z.number().int().nonnegative().default(0),
  /**
   * E_T of the retriever, the preference reward and the agent: USE lite (pretrained), hashing (fast, not semantic),
   * or a sentence-transformers ONNX model, e.g. { "hf": "models/bge-base-en-v1.5", "pooling": "cls" }.
   */
  textEncoder: TextEncoderSpecSchema.default('use-lite'),
  /**
   * A fast student distilled from `textEncoder` (envs/text-student.ts) that then serves as E_T everywhere the env
   * reads text vectors (retriever, preference reward, neural agent); `{ enabled: false }` uses `textEncoder` itself.
   */
  student: StudentConfigSchema.prefault({}),
  /** E_T of the simulator heads; hashing scores the same as USE lite on INSPIRED valid and trains ~10x faster. */
  simulatorTextEncoder: TextEncoderSpecSchema.default('hash'),
  lightgcn: z.object({ dim: z.number().int().positive().default(64), epochs: z.number().int().nonnegative().default(20) }).default({ dim: 64, epochs: 20 }),
  /** MultiTaskSimulator config (src/simulator/config.ts); validated there. */
  simulator: z.record(z.string(), z.unknown()).default({}),
  /**
   * Dual-view training config (src/retriever/train-config.ts); validated there. The default adds the lexical
   * channel, item bias, token dropout and the lower learning rate that did best on INSPIRED valid
   * (docs/retriever.md, round 3); it is configs/retriever.json's setting.
   */
  retriever: z
    .record(z.string(), z.unknown())
    .default({ lexicalDim: 1024, lexicalSkip: true, itemBias: true, tokenDropout: 0.5, learningRate: 5e-4 }),
  /** Train the retriever on simulated feedback and reference preferences as well as on cold-start queries. */
  augmentRetriever: z.boolean().default(true),
});
export type ComponentsConfig = z.output<typeof ComponentsConfigSchema>;
export type ComponentsConfigInput = z.input<typeof ComponentsConfigSchema>;

export interface EnvComponents {
  dataset: Dataset;
  /** E_T as the env reads it: the distilled student when there is one, else the configured encoder (cached). */
  textEncoder: TextEncoderContract;
  collaborative: LightGcnEncoder;
  simulator: MultiTaskSimulator;
  /**
   * The single-task ablation (paper 4.3): the same simulator trained on the feedback task alone, with the same E_T,
   * E_C, config and seed. A stage of its own, trained (and cached) on first call only.
   */
  singleTaskSimulator(): Promise<MultiTaskSimulator>;
  retriever: DualViewRetriever;
  /** Where each part lives. */
  dirs: { root: string; encoder: string; simulator: string; singleTaskSimulator: string; student: string; retriever: string; embeddings: string };
  /** Persists new text embeddings (call before exit; also called after training). Resolves once written. */
  flush(): Promise<void>;
}

export interface ComponentsOptions {
  /** Root of the artifacts (default: $CRS_GYM_ARTIFACTS, else <crs-gym home>/artifacts). One subfolder per dataset. */
  artifactsDir?: string;
  config?: ComponentsConfigInput;
  /** Retrain every stage even when a cached one matches. */
  fresh?: boolean;
  /** Never train: fail with a clear message when a stage is missing. */
  loadOnly?: boolean;
  log?: (message: string) => void;
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** $CRS_GYM_ARTIFACTS, else <crs-gym home>/artifacts (src/core/home.ts), never inside the package. */
export function defaultArtifactsRoot(): string {
  return artifactsRoot();
}

/**
 * Text embeddings are keyed by (encoder id, text hash), so one cache serves every run and artifacts folder:
 * $CRS_GYM_EMBEDDINGS, else <crs-gym home>/cache/embeddings.
 */
export function defaultEmbeddingsDir(): string {
  return embeddingsDir();
}

const encoderCaches = new Map<string, EmbeddingCache>();
/** One USE lite per thread count, shared by every cache wrapper: one model (and one set of workers) per process. */
const useLiteEncoders = new Map<number, TextEncoderContract>();
/** One ONNX model per spec and thread, for the same reason. */
const hfEncoders = new Map<string, TextEncoderContract>();

/**
 * Threads for USE lite: $CRS_GYM_ENCODER_THREADS, else min(2, cores) on the main thread and 1 inside a worker
 * thread (vector-env and rollout workers already use the cores). 1 encodes on the calling thread.
 */
export function textEncoderThreads(): number {
  const raw = process.env.CRS_GYM_ENCODER_THREADS;
  if (raw === undefined || raw.trim() === '') return isMainThread ? defaultEncoderThreads() : 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`CRS_GYM_ENCODER_THREADS must be a positive integer, got '${raw}'`);
  return n;
}

/**
 * A text encoder by name or spec, behind the persistent embedding cache in `embeddingsDir`. USE lite spreads big
 * calls (cache misses) over `textEncoderThreads()` worker threads, with the same vectors as on one thread. An ONNX
 * model (`{ hf: folder }`) is checked when named (its folder must exist unless `allowRemote`) and loaded on first use.
 */
export function makeTextEncoder(spec: TextEncoderSpec, embeddingsDir: string): CachedEncoder {
  let cache = encoderCaches.get(embeddingsDir);
  if (!cache) {
    cache = new EmbeddingCache({ dir: embeddingsDir });
    encoderCaches.set(embeddingsDir, cache);
  }
  let base: TextEncoderContract;
  if (spec === 'use-lite') {
    const threads = textEncoderThreads();
    base = useLiteEncoders.get(threads) ?? (threads === 1 ? new UseLiteEncoder() : new ParallelUseLiteEncoder({ threads }));
    useLiteEncoders.set(threads, base);
  } else if (spec === 'hash') {
    base = new HashingEncoder({ dim: 256 });
  } else {
    const key = JSON.stringify(spec);
    const { hf, localModelPath, batchSize, ...rest } = spec;
    base =
      hfEncoders.get(key) ??
      new HfOnnxEncoder({ model: hf, ...rest, ...(localModelPath === undefined ? {} : { localModelPath }), ...(batchSize === undefined ? {} : { batchSize }) });
    hfEncoders.set(key, base);
  }
  // Flush every few hundred new texts, so a killed run keeps most of what it encoded.
  return new CachedEncoder(base, cache, { autoFlushEvery: 256 });
}

/** Simulated feedback on a plausible previous list, plus the reference preference (teacher side, training only). */
export function retrieverAugmentation(dataset: Dataset, simulator: MultiTaskSimulator): (sample: RecSample, rng: Rng) => Promise<Augmentation> {
  const lexical = new Bm25Retriever(dataset);
  return async (sample, rng) => {
    const candidates = await lexical.retrieve(queryFromSample(sample), 20);
    const previousList = rng.sample(candidates.map((c) => c.id), 10);
    const feedback = await simulator.feedback(buildSimulatorInput(sample, dataset, previousList), rng.split('feedback'));
    const target = dataset.itemById.get(sample.target);
    return { feedback: feedback.text, preference: referencePreference(target?.attributes ?? {}), previousList };
  };
}

/** Persists an encoder's new embeddings; failing to (a full disk) only costs encoding them again, so it is a warning. */
async function saveEmbeddings(encoder: CachedEncoder, log: (message: string) => void): Promise<void> {
  await encoder.flush().catch((err: unknown) => log(`warning: new text embeddings not saved (${errorMessage(err)})`));
}

export async function loadEnvComponents(dataset: Dataset, options: ComponentsOptions = {}): Promise<EnvComponents> {
  const config = parseConfig(ComponentsConfigSchema, options.config ?? {}, 'components config');
  const root = join(options.artifactsDir ?? defaultArtifactsRoot(), dataset.name);
  const dirs = {
    root,
    encoder: join(root, 'encoder'),
    simulator: join(root, 'simulator'),
    singleTaskSimulator: join(root, 'simulator-single-task'),
    student: join(root, 'student'),
    retriever: join(root, 'retriever'),
    embeddings: defaultEmbeddingsDir(),
  };
  const log = options.log ?? ((m: string) => process.stderr.write(`[crs-gym] ${m}\n`));
  const datasetKey = { name: dataset.name, items: dataset.items.length, samples: Object.values(dataset.samples).map((s) => s.length), sources: dataset.sources ?? null };
  // The simulator and the retriever read popularity: a dataset whose popularity counts train-portion mentions (ReDial)
  // says so in their keys, so artifacts trained on train-target counts are not reused. Absent for train targets,
  // which leaves the keys (and the cached artifacts) of INSPIRED and OpenDialKG as they were.
  const popularitySource = TargetPopularity.of(dataset).source;
  const popularityKey = popularitySource === 'train targets' ? {} : { popularity: popularitySource };
  // Each training stage reports to options.onProgress and to the progress events (src/core/progress.ts): bars on a
  // terminal, an ETA for the minutes a first make() spends here.
  const tracked = <T>(stage: string, title: string, work: (update: (done: number, total: number, label?: string) => void) => Promise<T>): Promise<T> =>
    withStageProgress(`${dataset.name}: ${title}`, (update) =>
      work((done, total, label) => {
        options.onProgress?.(stage, done, total);
        update(done, total, label);
      }),
    );
  const refuse = (stage: string) => async (): Promise<never> => {
    throw new Error(`${stage} for ${dataset.name} is not trained in ${root} (loadOnly); run without loadOnly or 'crs-gym train ${stage}' first`);
  };

  const textEncoder = makeTextEncoder(config.textEncoder, dirs.embeddings);
  const simulatorText = makeTextEncoder(config.simulatorTextEncoder, dirs.embeddings);

  const encoderStage = await cachedStage({
    stage: 'encoder',
    dir: dirs.encoder,
    key: { datasetKey, lightgcn: config.lightgcn, seed: config.seed },
    fresh: options.fresh,
    loadOnly: options.loadOnly,
    log,
    load: async (dir) => LightGcnEncoder.load(dir, dataset),
    build: options.loadOnly
      ? refuse('encoder')
      : async (dir) => {
          log(`training LightGCN (E_C) on ${dataset.name}`);
          const encoder = await tracked('encoder', 'train E_C (LightGCN)', (update) =>
            LightGcnEncoder.train(dataset, {
              seed: config.seed,
              dim: config.lightgcn.dim,
              epochs: config.lightgcn.epochs,
              onEpoch: (epoch, loss) => update(epoch + 1, config.lightgcn.epochs, `loss ${loss.toFixed(4)}`),
            }),
          );
          encoder.save(dir);
          return { value: encoder };
        },
  });
  const collaborative = encoderStage.value;

  // The multi-task simulator and its single-task ablation: one training code, the tasks told apart by config.
  const simulatorStageOf = (stage: string, dir: string, simulatorConfig: Record<string, unknown>, what: string) =>
    cachedStage({
      stage,
      dir,
      key: { datasetKey, ...popularityKey, encoder: encoderStage.hash, text: simulatorText.id, config: simulatorConfig, seed: config.seed, format: SIMULATOR_FORMAT_VERSION },
      fresh: options.fresh,
      loadOnly: options.loadOnly,
      log,
      load: async (d) => MultiTaskSimulator.load(d, { text: simulatorText, collaborative }),
      build: options.loadOnly
        ? refuse(stage)
        : async (d) => {
            log(`training the ${what} user simulator on ${dataset.name}`);
            const simulator = await tracked(stage, what === 'multi-task' ? 'train user simulator' : `train ${what} user simulator`, (update) =>
              MultiTaskSimulator.train(dataset, { text: simulatorText, collaborative }, { seed: config.seed, ...simulatorConfig }, (p) =>
                update(p.epoch, p.epochs, `loss ${p.loss.toFixed(4)} auc ${p.validAuc.toFixed(3)}`),
              ),
            );
            await simulator.save(d);
            await saveEmbeddings(simulatorText, log);
            return { value: simulator, summary: simulator.metrics };
          },
    });
  const simulatorStage = await simulatorStageOf('simulator', dirs.simulator, config.simulator, 'multi-task');
  const simulator = simulatorStage.value;
  let singleTask: Promise<MultiTaskSimulator> | undefined;
  const singleTaskSimulator = (): Promise<MultiTaskSimulator> => {
    if (!singleTask) {
      singleTask = simulatorStageOf('simulator-single-task', dirs.singleTaskSimulator, { ...config.simulator, tasks: ['feedback'] }, 'single-task').then((s) => s.value);
      singleTask.catch(() => {
        singleTask = undefined;
      });
    }
    return singleTask;
  };

  // E_T as the env reads it: a student distilled from the configured encoder (fast on novel text), or that encoder.
  const contextUtterances = (config.retriever.contextUtterances as number | null | undefined) ?? null;
  const studentStage = wantsStudent(config.textEncoder, config.student)
    ? await cachedStage({
        stage: 'student',
        dir: dirs.student,
        key: { datasetKey, simulator: simulatorStage.hash, teacher: textEncoder.id, config: config.student, contextUtterances, seed: config.seed },
        fresh: options.fresh,
        loadOnly: options.loadOnly,
        log,
        load: async (dir) => PieceBagEncoder.load(dir),
        build: options.loadOnly
          ? refuse('student')
          : async (dir) => {
              log(`distilling a fast student of ${textEncoder.id} on ${dataset.name}`);
              const corpus = await studentCorpus(dataset, simulator, config.student, config.seed, contextUtterances);
              // Two stages, one bar each: the teacher encodes the corpus, then the student's epochs.
              const stages = { teacher: stageProgress(`${dataset.name}: encode student corpus`), distil: stageProgress(`${dataset.name}: distil text student`) };
              const { encoder, report } = await trainTextStudent(corpus, textEncoder, config.student, config.seed, log, (phase, done, total, label) => {
                if (phase === 'distil') stages.teacher.end();
                options.onProgress?.(`student:${phase}`, done, total);
                stages[phase].update(done, total, label);
              }).finally(() => {
                stages.teacher.end();
                stages.distil.end();
              });
              await encoder.save(dir);
              await textEncoder.flush();
              return { value: encoder, summary: report };
            },
      })
    : undefined;
  const envText: TextEncoderContract = studentStage?.value ?? textEncoder;

  const retrieverStage = await cachedStage({
    stage: 'retriever',
    dir: dirs.retriever,
    // The augmentation's random streams are seeded per sample id: a new id scheme retrains.
    key: { datasetKey, ...popularityKey, encoder: encoderStage.hash, simulator: config.augmentRetriever ? simulatorStage.hash : null, text: envText.id, config: config.retriever, seed: config.seed, samples: SAMPLE_ID_SCHEME },
    fresh: options.fresh,
    loadOnly: options.loadOnly,
    log,
    load: async (dir) => loadDualViewRetriever(dir, dataset, { text: envText, collaborative }),
    build: options.loadOnly
      ? refuse('retriever')
      : async (dir) => {
          log(`training the dual-view retriever on ${dataset.name}`);
          // Two stages in one call: the texts are encoded first, then the epochs run (one bar at a time).
          const encoding = stageProgress(`${dataset.name}: encode retriever texts`);
          // Started at the first epoch, so its ETA is not inflated by the encoding time.
          let training: ReturnType<typeof stageProgress> | undefined;
          const result = await trainDualView({
            dataset,
            encoders: { text: envText, collaborative },
            config: { seed: config.seed, ...config.retriever },
            ...(config.augmentRetriever ? { augment: retrieverAugmentation(dataset, simulator) } : {}),
            onEncode: (done, total) => {
              options.onProgress?.('retriever:encode', done, total);
              encoding.update(done, total);
            },
            onProgress: (p) => {
              encoding.end();
              options.onProgress?.('retriever', p.epoch, p.maxEpochs);
              training ??= stageProgress(`${dataset.name}: train dual-view retriever`);
              training.update(p.epoch, p.maxEpochs, `loss ${p.loss.toFixed(3)} valid R@k ${p.validRecall.toFixed(3)}`);
            },
          }).finally(() => {
            encoding.end();
            training?.end();
          });
          await result.retriever.save(dir);
          await saveEmbeddings(textEncoder, log);
          return { value: result.retriever, summary: { bestEpoch: result.bestEpoch, bestValidRecall: result.bestValidRecall } };
        },
  });

  return {
    dataset,
    textEncoder: envText,
    collaborative,
    simulator,
    singleTaskSimulator,
    retriever: retrieverStage.value,
    dirs,
    flush: async () => {
      await Promise.all([textEncoder.flush(), simulatorText.flush()]);
    },
  };
}
