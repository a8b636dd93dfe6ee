// One entry point for the real datasets: find the data root, then run that dataset's loader.
import type { LoadOptions } from './descriptor.js';
import { resolveDataRoot, type DatasetName, type ResolveOptions } from './paths.js';
import { datasets } from './registry.js';
import type { Dataset } from './types.js';

export interface LoadDatasetOptions extends LoadOptions, Omit<ResolveOptions, 'dataset'> {
  /** `--data`: the folder holding the dataset folders (inspired/, redial/, ...). Without it the usual places are searched. */
  dataRoot?: string;
}

/**
 * Load a dataset into the normalized model. Synchronous (the files are small and read in one go).
 * @throws RegistryError for an unregistered dataset (listing the registered ones).
 * @throws DataNotFoundError when no data root or a required file is missing.
 * @throws DataFormatError on a malformed line or dangling id when `strict` is set.
 */
export function loadDataset(name: DatasetName, options: LoadDatasetOptions = {}): Dataset {
  const descriptor = datasets.get(name);
  const { dataRoot, strict, ...resolve } = options;
  const root = resolveDataRoot(dataRoot, { ...resolve, dataset: name });
  const loadOptions: LoadOptions = strict === undefined ? {} : { strict };
  return descriptor.load(root, loadOptions);
}
