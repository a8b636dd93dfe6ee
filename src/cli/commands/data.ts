// `crs-gym data ...`: dataset tools. `data stats` loads a dataset and prints its figures.
import type { Command } from 'commander';
import { DataFormatError, DataNotFoundError } from '../../data/errors.js';
import { loadDataset } from '../../data/load.js';
import { datasets } from '../../data/registry.js';
import { datasetStats, formatStats, type DatasetStats } from '../../data/stats.js';
import { SPLITS } from '../../data/types.js';
import type { Dataset } from '../../data/types.js';
import { UserFacingError } from '../errors.js';
import { choicesHelp, registryChoice } from '../registry-options.js';

interface StatsFlags {
  dataset: string;
  data?: string;
  json?: boolean;
  strict?: boolean;
}

export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('dataset tools');
  data
    .command('stats')
    .description('load a dataset and print its sizes, attribute coverage and sample statistics')
    .requiredOption('--dataset <name>', `dataset: ${choicesHelp(datasets)}`)
    .option('--data <dir>', 'data folder holding the dataset folders (default: $CRS_GYM_DATA, ./data, ../shared/data)')
    .option('--json', 'print one JSON object instead of a table')
    .option('--strict', 'fail on the first malformed line or dangling id instead of counting warnings')
    .action((flags: StatsFlags) => {
      runStats(flags);
    });
}

function runStats(flags: StatsFlags): void {
  registryChoice(datasets, flags.dataset, '--dataset');
  let dataset: Dataset;
  try {
    dataset = loadDataset(flags.dataset, { ...(flags.data === undefined ? {} : { dataRoot: flags.data }), strict: flags.strict === true });
  } catch (err) {
    if (err instanceof DataNotFoundError || err instanceof DataFormatError) throw new UserFacingError(err.message);
    throw err;
  }
  const stats = datasetStats(dataset);
  // A loader reads an empty or wrong file as "nothing": such a dataset is unusable, whatever the line count says.
  const gaps = unusableParts(stats);
  if (flags.strict === true && gaps.length > 0) throw new UserFacingError(`${flags.dataset} (data in ${stats.root}): ${gaps.join('; ')}`);
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify({ ...stats, warningSamples: dataset.warnings.slice(0, 20) })}\n`);
  } else {
    process.stdout.write(formatStats(stats));
    for (const w of dataset.warnings.slice(0, 10)) process.stdout.write(`warning: ${w.file}:${w.line}: ${w.message}\n`);
    if (dataset.warnings.length > 10) process.stdout.write(`... and ${dataset.warnings.length - 10} more warnings\n`);
  }
  for (const gap of gaps) process.stderr.write(`crs-gym: warning: ${flags.dataset}: ${gap}\n`);
}

/** Splits without samples, and a catalogue without attributes. */
function unusableParts(stats: DatasetStats): string[] {
  const gaps = SPLITS.filter((split) => stats.splits[split].samples === 0).map((split) => `0 ${split} samples`);
  if (stats.items === 0) gaps.push('0 items');
  else if (Object.values(stats.attributeCoverage).every((c) => c === 0)) gaps.push(`no item has any attribute (attribute coverage 0 for ${Object.keys(stats.attributeCoverage).join(', ')})`);
  return gaps;
}
