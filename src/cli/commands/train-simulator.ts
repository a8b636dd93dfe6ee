// `crs-gym train simulator`: trains the multi-task user simulator (paper 3.2) on a dataset's TRAIN split and
// saves it in --out, with its valid-split figures in metrics.json. E_C (LightGCN) comes first: loaded from
// <out>/encoder when present, else trained and saved there.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfigFile, parseConfig } from '../../config/load.js';
import type { Dataset } from '../../data/types.js';
import { LightGcnEncoder } from '../../encoders/collaborative.js';
import { WEIGHTS_JSON } from '../../nn/weights-io.js';
import { writeFileAtomic } from '../../pipeline/stage-cache.js';
import { MultiTaskConfigSchema, type MultiTaskConfig } from '../../simulator/config.js';
import { MultiTaskSimulator } from '../../simulator/multi-task.js';
import type { SimulatorMetrics } from '../../simulator/train.js';
import { defaultArtifactsRoot, makeTextEncoder } from '../../../envs/components.js';
import { parseTextEncoderFlag, type TextEncoderSpec } from '../../encoders/text-encoder-spec.js';
import { UsageError, UserFacingError } from '../errors.js';
import { intOption } from '../options.js';
import { progressBar } from '../progress.js';
import { loadCliDataset, SYNTHETIC_DATASET } from './export-sft.js';
import { errorMessage } from '../../core/errors.js';
import { withRunLock } from '../../core/run-lock.js';

/** LightGCN settings of the env components (envs/components.ts), so a trained E_C is interchangeable. */
const LIGHTGCN_DIM = 64;
const LIGHTGCN_EPOCHS = 20;

export interface TrainSimulatorOptions {
  dataset: Dataset;
  outDir: string;
  config: MultiTaskConfig;
  textEncoder: TextEncoderSpec;
  /** Embedding cache folder of the text encoder. */
  cacheDir: string;
  lightgcnEpochs?: number;
  log?: (message: string) => void;
  onProgress?: (stage: 'encoder' | 'simulator', done: number, total: number, label: string) => void;
}

export interface TrainSimulatorResult {
  simulator: MultiTaskSimulator;
  encoderLoaded: boolean;
  /** What metrics.json holds. */
  metrics: SimulatorMetricsFile;
}

export interface SimulatorMetricsFile {
  dataset: string;
  split: 'valid';
  textEncoder: string;
  attributes: SimulatorMetrics['attributes'];
  target: SimulatorMetrics['target'];
  seconds: number;
}

/** Trains E_C (unless saved in <outDir>/encoder) and the simulator; writes the simulator, config.json and metrics.json. */
export async function trainSimulatorToDir(options: TrainSimulatorOptions): Promise<TrainSimulatorResult> {
  const { dataset, outDir, config } = options;
  const log = options.log ?? (() => {});
  const started = performance.now();
  await mkdir(outDir, { recursive: true });
  const encoderDir = join(outDir, 'encoder');
  const encoderLoaded = existsSync(join(encoderDir, WEIGHTS_JSON));
  let collaborative: LightGcnEncoder;
  if (encoderLoaded) {
    try {
      collaborative = LightGcnEncoder.load(encoderDir, dataset);
    } catch (err) {
      throw new UserFacingError(`cannot load E_C from ${encoderDir}: ${errorMessage(err)} (remove the folder to retrain it)`);
    }
    log(`loaded E_C (LightGCN, ${collaborative.dim} dims) from ${encoderDir}`);
  } else {
    const epochs = options.lightgcnEpochs ?? LIGHTGCN_EPOCHS;
    log(`training E_C (LightGCN, ${LIGHTGCN_DIM} dims, ${epochs} epochs) on ${dataset.name}`);
    collaborative = await LightGcnEncoder.train(dataset, {
      seed: config.seed,
      dim: LIGHTGCN_DIM,
      epochs,
      onEpoch: (epoch, loss) => options.onProgress?.('encoder', epoch + 1, epochs, `loss ${loss.toFixed(4)}`),
    });
    collaborative.save(encoderDir);
  }

  let text: ReturnType<typeof makeTextEncoder>;
  try {
    text = makeTextEncoder(options.textEncoder, options.cacheDir);
  } catch (err) {
    throw new UserFacingError(`text encoder ${JSON.stringify(options.textEncoder)}: ${errorMessage(err)}`);
  }
  log(`training the multi-task simulator on ${dataset.name} (text encoder ${text.id})`);
  const simulator = await MultiTaskSimulator.train(dataset, { text, collaborative }, config, (p) =>
    options.onProgress?.('simulator', p.epoch, p.epochs, `loss ${p.loss.toFixed(4)} auc ${p.validAuc.toFixed(3)} p@5 ${p.validPrecisionAt5.toFixed(3)}`),
  );
  text.flush();
  await simulator.save(outDir);
  const metrics: SimulatorMetricsFile = {
    dataset: dataset.name,
    split: 'valid',
    textEncoder: text.id,
    attributes: simulator.metrics.attributes,
    target: simulator.metrics.target,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
  writeFileAtomic(join(outDir, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  return { simulator, encoderLoaded, metrics };
}

interface TrainFlags {
  dataset?: string;
  out?: string;
  config?: string;
  data?: string;
  textEncoder?: string;
  seed?: string;
  lightgcnEpochs?: string;
  cache?: string;
}

/** Adds `simulator` to an existing `train` command. */
export function registerTrainSimulatorCommand(train: Command): void {
  train
    .command('simulator')
    .description('train the multi-task user simulator (E_C first) and write it with metrics.json to --out')
    .option('--dataset <name>', `inspired | redial | ${SYNTHETIC_DATASET}`)
    .option('--out <dir>', 'output folder (simulator files, encoder/, config.json, metrics.json)')
    .option('--config <file>', 'simulator config JSON (see configs/simulator.json); defaults otherwise')
    .option('--data <dir>', 'data folder holding inspired/ and redial/')
    .option('--text-encoder <name>', 'E_T of the simulator heads: hash | use-lite | hf:<ONNX model folder>', 'hash')
    .option('--seed <n>', 'overrides the config seed (also seeds LightGCN)')
    .option('--lightgcn-epochs <n>', `LightGCN epochs when E_C is trained here (default ${LIGHTGCN_EPOCHS})`)
    .option('--cache <dir>', 'text embedding cache (default: <artifacts>/embeddings, as the env components)')
    .action(async (flags: TrainFlags) => {
      await runTrainSimulator(flags);
    });
}

async function runTrainSimulator(flags: TrainFlags): Promise<void> {
  if (typeof flags.out !== 'string' || flags.out.trim() === '') throw new UsageError('--out <dir> is required');
  if (flags.dataset === undefined) throw new UsageError('--dataset is required (inspired, redial, synthetic)');
  let textEncoder: TextEncoderSpec;
  try {
    textEncoder = parseTextEncoderFlag(flags.textEncoder ?? 'hash');
  } catch (err) {
    throw new UsageError(`--text-encoder ${errorMessage(err)}`);
  }
  const overrides = flags.seed === undefined ? {} : { seed: intOption(flags.seed, '--seed', 0) };
  const lightgcnEpochs = flags.lightgcnEpochs === undefined ? undefined : intOption(flags.lightgcnEpochs, '--lightgcn-epochs', 0);
  const config =
    flags.config === undefined
      ? parseConfig(MultiTaskConfigSchema, overrides, 'simulator config')
      : loadConfigFile(MultiTaskConfigSchema, flags.config, overrides);
  const dataset = loadCliDataset(flags.dataset, flags.data);
  const outDir = flags.out;
  await withRunLock(outDir, () => trainSimulatorInto(outDir, dataset, { textEncoder, config, lightgcnEpochs, cacheDir: flags.cache }));
}

async function trainSimulatorInto(
  outDir: string,
  dataset: Dataset,
  o: { textEncoder: TextEncoderSpec; config: MultiTaskConfig; lightgcnEpochs: number | undefined; cacheDir: string | undefined },
): Promise<void> {
  const { textEncoder, config, lightgcnEpochs } = o;
  const cacheDir = o.cacheDir ?? join(defaultArtifactsRoot(), 'embeddings');
  const log = (m: string): void => {
    process.stderr.write(`[crs-gym] ${m}\n`);
  };
  const runConfig = { dataset: dataset.name, textEncoder, lightgcn: { dim: LIGHTGCN_DIM, epochs: lightgcnEpochs ?? LIGHTGCN_EPOCHS }, simulator: config };
  log(`config ${JSON.stringify(runConfig)}`);
  await mkdir(outDir, { recursive: true });
  writeFileAtomic(join(outDir, 'config.json'), `${JSON.stringify(runConfig, null, 2)}\n`);

  const bars = { encoder: progressBar('train E_C (LightGCN)'), simulator: progressBar('train simulator') };
  let encoderDone = false;
  let result: TrainSimulatorResult;
  try {
    result = await trainSimulatorToDir({
      dataset,
      outDir,
      config,
      textEncoder,
      cacheDir,
      ...(lightgcnEpochs !== undefined ? { lightgcnEpochs } : {}),
      log,
      onProgress: (stage, done, total, label) => {
        if (stage === 'simulator' && !encoderDone) {
          bars.encoder.stop();
          encoderDone = true;
        }
        bars[stage].update(done, total, label);
      },
    });
  } finally {
    if (!encoderDone) bars.encoder.stop();
    bars.simulator.stop();
  }
  const m = result.metrics;
  process.stdout.write(
    `simulator on ${dataset.name} valid: attributes F1 ${m.attributes.f1.toFixed(3)}, P@5 ${m.attributes['precision@5'].toFixed(3)} ` +
      `(popularity ${m.attributes['popularityPrecision@5'].toFixed(3)}); target AUC ${m.target.auc.toFixed(3)}\n` +
      `saved in ${outDir} (${m.seconds} s)\n`,
  );
}
