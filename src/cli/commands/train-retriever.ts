// `crs-gym train encoder` trains E_C (LightGCN) and saves it in <out>/encoder.
// `crs-gym train retriever` loads E_C from <out>/encoder (training it when missing), trains the dual-view
// retriever and its single-view baselines, evaluates them with popularity and BM25 (or TF-IDF) on valid and
// test, and writes <out>/{dualView,semanticOnly,collaborativeOnly}/, config.json, training.json, metrics.json.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { lockRunFolder, withRunLock } from '../../core/run-lock.js';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfigFile, parseConfig } from '../../config/load.js';
import { findPackageRoot } from '../../data/paths.js';
import type { Dataset } from '../../data/types.js';
import { LightGcnEncoder } from '../../encoders/collaborative.js';
import { WEIGHTS_JSON } from '../../nn/weights-io.js';
import { Bm25Retriever } from '../../retriever/bm25.js';
import { evaluateRetriever, type RetrieverReport } from '../../retriever/evaluate.js';
import { PopularityRetriever } from '../../retriever/popularity.js';
import { TfidfRetriever } from '../../retriever/tfidf.js';
import { retrieverRunSchema, type RetrieverRunConfig } from '../../retriever/train-config.js';
import type { Retriever } from '../../retriever/types.js';
import { trainVariants } from '../../retriever/variants.js';
import { defaultEmbeddingsDir, makeTextEncoder, retrieverAugmentation } from '../../../envs/components.js';
import { loadSimulatorFolder } from '../../pipeline/load-simulator.js';
import { intOption } from '../options.js';
import { UsageError, UserFacingError } from '../errors.js';
import { progressBar, type Progress } from '../progress.js';
import { loadCliDataset, SYNTHETIC_DATASET } from './export-sft.js';
import { errorMessage } from '../../core/errors.js';

export const METRIC_KEYS = ['recall@1', 'recall@10', 'recall@20', 'recall@50', 'ndcg@20'] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];
export type SplitMetrics = Record<MetricKey, number>;
/** metrics.json: retriever name -> { valid, test }. */
export type RetrieverMetricsFile = Record<string, { valid: SplitMetrics; test: SplitMetrics }>;

interface TrainFlags {
  dataset?: string;
  out?: string;
  config?: string;
  data?: string;
  cache?: string;
  simulator?: string;
  seed?: string;
}

async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** The run config: --config, else configs/retriever.json of the package, else the schema defaults. */
export function loadRetrieverRunConfig(file?: string): RetrieverRunConfig {
  if (file !== undefined) {
    if (!existsSync(file)) throw new UsageError(`--config ${file}: no such file`);
    return loadConfigFile(retrieverRunSchema, file);
  }
  const root = findPackageRoot();
  const shipped = root === null ? undefined : join(root, 'configs', 'retriever.json');
  if (shipped !== undefined && existsSync(shipped)) return loadConfigFile(retrieverRunSchema, shipped);
  return parseConfig(retrieverRunSchema, {}, 'retriever config');
}

export interface EncoderStep {
  encoder: LightGcnEncoder;
  loaded: boolean;
}

/** Loads E_C from `<outDir>/encoder`, or trains and saves it there. */
export async function ensureEncoder(dataset: Dataset, outDir: string, config: RetrieverRunConfig, progress?: Progress, retrain = false): Promise<EncoderStep> {
  const dir = join(outDir, 'encoder');
  if (!retrain && existsSync(join(dir, WEIGHTS_JSON))) {
    try {
      return { encoder: LightGcnEncoder.load(dir, dataset), loaded: true };
    } catch (err) {
      throw new UserFacingError(`cannot load E_C from ${dir}: ${errorMessage(err)} (remove the folder to retrain it)`);
    }
  }
  const { dim, epochs } = config.lightgcn;
  const encoder = await LightGcnEncoder.train(dataset, {
    seed: config.seed,
    dim,
    epochs,
    onEpoch: (epoch, loss) => progress?.update(epoch + 1, epochs, `E_C loss ${loss.toFixed(4)}`),
  });
  encoder.save(dir);
  return { encoder, loaded: false };
}

function pick(report: RetrieverReport): SplitMetrics {
  const out = {} as SplitMetrics;
  for (const key of METRIC_KEYS) out[key] = report[key] ?? 0;
  return out;
}

export interface TrainRetrieverDirOptions {
  dataset: Dataset;
  outDir: string;
  config: RetrieverRunConfig;
  /** Text embedding cache folder. */
  cacheDir: string;
  /**
   * A trained simulator's folder: training examples then also get simulated feedback on a plausible previous list
   * and the reference preference (one augmented copy per sample by default, `augmentCopies`), as the env's retriever.
   */
  simulatorDir?: string;
  log?: (message: string) => void;
  /** Progress per stage (a stage name, then done/total and a label). */
  onProgress?: (stage: string, done: number, total: number, label: string) => void;
}

/** Everything `train retriever` does, without the command line. Returns what metrics.json holds. */
export async function trainRetrieverToDir(options: TrainRetrieverDirOptions): Promise<RetrieverMetricsFile> {
  const { dataset, outDir, config } = options;
  const log = options.log ?? (() => {});
  const report = (stage: string): Progress => ({
    update: (done, total, label = '') => options.onProgress?.(stage, done, total, label),
    stop: () => {},
  });
  await mkdir(outDir, { recursive: true });
  const simulatorDir = options.simulatorDir === undefined ? undefined : resolve(options.simulatorDir);
  let augment: ReturnType<typeof retrieverAugmentation> | undefined;
  if (simulatorDir !== undefined) {
    try {
      augment = retrieverAugmentation(dataset, await loadSimulatorFolder(simulatorDir, dataset, options.cacheDir));
    } catch (err) {
      throw new UserFacingError(errorMessage(err));
    }
    log(`training examples get simulated feedback and reference preferences (simulator ${simulatorDir})`);
  }
  await writeJsonAtomic(join(outDir, 'config.json'), { dataset: dataset.name, ...config, ...(simulatorDir === undefined ? {} : { simulator: simulatorDir }) });
  const { encoder, loaded } = await ensureEncoder(dataset, outDir, config, report('encoder'));
  log(loaded ? `loaded E_C from ${join(outDir, 'encoder')}` : `trained E_C (LightGCN ${config.lightgcn.dim}-d) and saved it in ${join(outDir, 'encoder')}`);
  let text: ReturnType<typeof makeTextEncoder>;
  try {
    text = makeTextEncoder(config.textEncoder, options.cacheDir);
  } catch (err) {
    throw new UserFacingError(`textEncoder ${JSON.stringify(config.textEncoder)}: ${errorMessage(err)}`);
  }
  const encoders = { text, collaborative: encoder };
  const started = performance.now();
  let current = '';
  const results = await trainVariants({
    dataset,
    encoders,
    config: { ...config.retriever, seed: config.seed },
    ...(augment === undefined ? {} : { augment }),
    onVariant: (v) => {
      current = v;
      log(`training ${v}`);
    },
    onEncode: (done, total) => options.onProgress?.('encode', done, total, 'E_T over contexts'),
    onProgress: (p) =>
      options.onProgress?.(current, p.epoch, p.maxEpochs, `loss ${p.loss.toFixed(3)} valid R@${config.retriever.validK} ${p.validRecall.toFixed(3)} (best ${p.bestValidRecall.toFixed(3)} @${p.bestEpoch})`),
  });
  await text.flush();
  const training: Record<string, unknown> = { seconds: Math.round((performance.now() - started) / 100) / 10 };
  const retrievers: Array<[string, Retriever]> = [];
  for (const [variant, result] of Object.entries(results)) {
    if (result === undefined) continue;
    await result.retriever.save(join(outDir, variant));
    training[variant] = { bestEpoch: result.bestEpoch, bestValidRecall: result.bestValidRecall, secondsPerEpoch: result.secondsPerEpoch, trainExamples: result.trainExamples, history: result.history };
    retrievers.push([variant, result.retriever]);
  }
  await writeJsonAtomic(join(outDir, 'training.json'), training);
  retrievers.push(['popularity', new PopularityRetriever(dataset)]);
  retrievers.push([config.lexical, config.lexical === 'bm25' ? new Bm25Retriever(dataset) : new TfidfRetriever(dataset)]);
  const metrics: RetrieverMetricsFile = {};
  const order = ['dualView', 'popularity', config.lexical, 'semanticOnly', 'collaborativeOnly'];
  retrievers.sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
  for (const [name, retriever] of retrievers) {
    const evaluate = async (split: 'valid' | 'test'): Promise<SplitMetrics> =>
      pick(
        await evaluateRetriever(retriever, dataset.samples[split], dataset, {
          ks: [1, 10, 20, 50],
          ndcgK: 20,
          onProgress: (done, total) => options.onProgress?.(`eval ${name}`, done, total, split),
        }),
      );
    metrics[name] = { valid: await evaluate('valid'), test: await evaluate('test') };
  }
  await writeJsonAtomic(join(outDir, 'metrics.json'), metrics);
  await text.flush();
  return metrics;
}

/** The progress callback the commands use: one bar per stage on stderr. */
function stageBars(): { onProgress: (stage: string, done: number, total: number, label: string) => void; stop: () => void } {
  const bars = new Map<string, Progress>();
  let last: Progress | undefined;
  return {
    onProgress(stage, done, total, label) {
      let bar = bars.get(stage);
      if (bar === undefined) {
        last?.stop();
        bar = progressBar(stage);
        bars.set(stage, bar);
        last = bar;
      }
      bar.update(done, total, label);
    },
    stop: () => last?.stop(),
  };
}

function requireFlags(flags: TrainFlags): { dataset: Dataset; outDir: string; config: RetrieverRunConfig; cacheDir: string } {
  if (typeof flags.out !== 'string' || flags.out.trim() === '') throw new UsageError('--out <dir> is required');
  if (flags.dataset === undefined) throw new UsageError(`--dataset is required (inspired, redial, ${SYNTHETIC_DATASET})`);
  const loaded = loadRetrieverRunConfig(flags.config);
  const config = flags.seed === undefined ? loaded : { ...loaded, seed: intOption(flags.seed, '--seed', 0) };
  const dataset = loadCliDataset(flags.dataset, flags.data);
  // The same cache the env components use, so vectors encoded by either are reused by both.
  const cacheDir = flags.cache ?? defaultEmbeddingsDir();
  return { dataset, outDir: resolve(flags.out), config, cacheDir };
}

function formatMetrics(metrics: RetrieverMetricsFile): string {
  const lines = [`${'retriever'.padEnd(20)} ${'split'.padEnd(6)} ${METRIC_KEYS.map((k) => k.padStart(10)).join(' ')}`];
  for (const [name, bySplit] of Object.entries(metrics)) {
    for (const split of ['valid', 'test'] as const) {
      lines.push(`${name.padEnd(20)} ${split.padEnd(6)} ${METRIC_KEYS.map((k) => bySplit[split][k].toFixed(3).padStart(10)).join(' ')}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Adds `encoder` and `retriever` to an existing `train` command. */
export function registerTrainRetrieverCommands(trainCommand: Command): void {
  const common = (cmd: Command): Command =>
    cmd
      .option('--dataset <name>', `inspired | redial | ${SYNTHETIC_DATASET}`)
      .option('--out <dir>', 'output folder')
      .option('--config <file>', 'run config JSON (default: configs/retriever.json)')
      .option('--data <dir>', 'data folder holding inspired/ and redial/')
      .option('--cache <dir>', 'text embedding cache (default: $CRS_GYM_EMBEDDINGS, else <home>/cache/embeddings)')
      .option('--seed <n>', 'overrides the config seed');

  common(trainCommand.command('encoder').description('train the collaborative encoder E_C (LightGCN) and save it in <out>/encoder')).action(
    async (flags: TrainFlags) => {
      const { dataset, outDir, config } = requireFlags(flags);
      await withRunLock(outDir, async () => {
        const bars = stageBars();
        try {
          await mkdir(outDir, { recursive: true });
          const { encoder } = await ensureEncoder(dataset, outDir, config, { update: (d, t, l) => bars.onProgress('E_C (LightGCN)', d, t, l ?? ''), stop: () => {} }, true);
          bars.stop();
          process.stdout.write(`saved E_C (LightGCN, ${encoder.dim} dims, ${encoder.nodeCount} nodes) in ${join(outDir, 'encoder')}\n`);
        } finally {
          bars.stop();
        }
      });
    },
  );

  common(
    trainCommand
      .command('retriever')
      .description('train the dual-view retriever and its single-view baselines (E_C first if missing), evaluate them with popularity and BM25, write metrics.json')
      .option('--simulator <dir>', 'a trained simulator (crs-gym train simulator --out DIR, or artifacts/<dataset>/simulator): train with simulated feedback and reference preferences too'),
  ).action(async (flags: TrainFlags) => {
    const { dataset, outDir, config, cacheDir } = requireFlags(flags);
    const lock = lockRunFolder(outDir);
    try {
      await trainRetrieverCommand(flags, dataset, outDir, config, cacheDir);
    } finally {
      lock.release();
    }
  });
}

async function trainRetrieverCommand(flags: TrainFlags, dataset: Dataset, outDir: string, config: RetrieverRunConfig, cacheDir: string): Promise<void> {
  process.stderr.write(`crs-gym train retriever: ${dataset.name}, config ${JSON.stringify(config)}\n`);
  const bars = stageBars();
  let metrics: RetrieverMetricsFile;
  try {
    metrics = await trainRetrieverToDir({
      dataset,
      outDir,
      config,
      cacheDir,
      ...(flags.simulator === undefined ? {} : { simulatorDir: flags.simulator }),
      log: (m) => process.stderr.write(`${m}\n`),
      onProgress: bars.onProgress,
    });
  } finally {
    bars.stop();
  }
  process.stdout.write(formatMetrics(metrics));
  process.stdout.write(`wrote ${join(outDir, 'metrics.json')}\n`);
}

/** Reads a metrics.json written by `train retriever`. */
export function readRetrieverMetrics(dir: string): RetrieverMetricsFile {
  const file = join(dir, 'metrics.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RetrieverMetricsFile;
  } catch (err) {
    throw new UserFacingError(`${file}: cannot read metrics (${errorMessage(err)})`);
  }
}
