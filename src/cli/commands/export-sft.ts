// `crs-gym export sft`: chat-format JSONL for fine-tuning an LLM simulator or recommender (src/export/).
import type { Command } from 'commander';
import { DataFormatError, DataNotFoundError } from '../../data/errors.js';
import { loadDataset } from '../../data/load.js';
import { datasetNames, isDatasetName } from '../../data/paths.js';
import { makeSyntheticDataset } from '../../data/synthetic.js';
import type { Dataset } from '../../data/types.js';
import { exportableSamples, exportSft, isSftTask, SFT_TASKS } from '../../export/sft.js';
import { writeJsonlAtomic } from '../../export/jsonl.js';
import { UsageError, UserFacingError } from '../errors.js';
import { intOption } from '../options.js';
import { progressBar } from '../progress.js';

/** The generated toy dataset the commands also accept, for smoke runs (not a paper dataset). */
export const SYNTHETIC_DATASET = 'synthetic';

/** `--dataset` as a loaded dataset: inspired, redial, or the synthetic one (always the same: seed 0). */
export function loadCliDataset(name: unknown, dataRoot: unknown): Dataset {
  if (name === SYNTHETIC_DATASET) return makeSyntheticDataset({ seed: 0, items: 90, dialogues: 240 });
  if (!isDatasetName(name)) {
    throw new UsageError(`--dataset must be one of ${[...datasetNames(), SYNTHETIC_DATASET].join(', ')} (got ${JSON.stringify(name ?? null)})`);
  }
  try {
    return loadDataset(name, typeof dataRoot === 'string' ? { dataRoot } : {});
  } catch (err) {
    if (err instanceof DataNotFoundError || err instanceof DataFormatError) throw new UserFacingError(err.message);
    throw err;
  }
}

interface ExportFlags {
  dataset?: string;
  task?: string;
  out?: string;
  data?: string;
  seed?: string;
  limit?: string;
  candidates?: string;
  listLength?: string;
}

export function registerExportCommands(program: Command): void {
  const exportCommand = program.command('export').description('export data for other tools');
  exportCommand
    .command('sft')
    .description('write chat-format JSONL (TRL SFTTrainer / axolotl / LLaMA-Factory) from the TRAIN split, teacher side')
    .option('--dataset <name>', `${datasetNames().join(' | ')} | ${SYNTHETIC_DATASET}`)
    .option('--task <task>', SFT_TASKS.join(' | '))
    .option('--out <file>', 'output .jsonl file (written atomically)')
    .option('--data <dir>', 'data folder holding inspired/ and redial/')
    .option('--seed <n>', 'seed of the constructed lists and the feedback wording', '0')
    .option('--limit <n>', 'write at most N records (a prefix of the full export)')
    .option('--candidates <n>', 'recommender: BM25 candidates per prompt', '20')
    .option('--list-length <n>', 'recommender: length of the teacher list', '10')
    .action(async (flags: ExportFlags) => {
      await runExportSft(flags);
    });
}

async function runExportSft(flags: ExportFlags): Promise<void> {
  if (!isSftTask(flags.task)) throw new UsageError(`--task must be one of ${SFT_TASKS.join(', ')} (got ${JSON.stringify(flags.task ?? null)})`);
  if (typeof flags.out !== 'string' || flags.out.trim() === '') throw new UsageError('--out <file> is required');
  if (flags.dataset === undefined) throw new UsageError(`--dataset is required (${[...datasetNames(), SYNTHETIC_DATASET].join(', ')})`);
  const seed = intOption(flags.seed ?? '0', '--seed', 0);
  const limit = flags.limit === undefined ? undefined : intOption(flags.limit, '--limit', 1);
  const candidates = intOption(flags.candidates ?? '20', '--candidates', 1);
  const listLength = intOption(flags.listLength ?? '10', '--list-length', 1);
  const dataset = loadCliDataset(flags.dataset, flags.data);
  const task = flags.task;

  const started = performance.now();
  const bar = progressBar(`export sft ${task}`);
  process.stderr.write(`export sft: ${task} from ${dataset.name} train (${exportableSamples(dataset).length} samples), seed ${seed}\n`);
  let summary;
  try {
    summary = await writeJsonlAtomic(
      flags.out,
      exportSft({ dataset, task, seed, candidates, listLength, ...(limit !== undefined ? { limit } : {}), onProgress: (done, total) => bar.update(done, total) }),
    );
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError(err.message);
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string') throw new UserFacingError(`${flags.out}: cannot write: ${(err as Error).message}`);
    throw err;
  } finally {
    bar.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`wrote ${summary.records} ${task} records (${(summary.bytes / 1e6).toFixed(2)} MB) to ${summary.file} in ${seconds.toFixed(1)} s\n`);
}
