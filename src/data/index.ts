// Public API of the dataset layer.
export * from './types.js';
export { DataFormatError, DataNotFoundError, type TriedRoot } from './errors.js';
export {
  DATA_ENV_VAR,
  datasetNames,
  findPackageRoot,
  isDatasetName,
  resolveDataRoot,
  type DatasetName,
  type ResolveOptions,
} from './paths.js';
export { loadInspired, INSPIRED_DATASET, INSPIRED_FILES, type LoadOptions } from './inspired.js';
export { loadRedial, REDIAL_DATASET, REDIAL_FILES } from './redial.js';
export { loadOpenDialKG, OPENDIALKG_DATASET, OPENDIALKG_FILES } from './opendialkg/index.js';
export type { DatasetDescriptor } from './descriptor.js';
export { datasets, datasetTitle, registerDataset } from './registry.js';
export { signalOfDialogue, trainItemCounts, trainSignals, type TrainCountKind } from './signals.js';
export { loadDataset, type LoadDatasetOptions } from './load.js';
export { makeSyntheticDataset, type SyntheticOptions } from './synthetic.js';
export { datasetStats, formatStats, type DatasetStats, type SplitStats } from './stats.js';
export { SAMPLE_ID_SCHEME, sampleId, samplesOfDialogue, samplesOfDialogues } from './samples.js';
export { GENRE_VOCAB, genresOfLabel, matchGenres } from './genres.js';
export { splitTitleYear, titleKey, titleWithYear } from './text.js';
