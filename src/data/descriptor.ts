// What a dataset registry needs to know about a dataset: its name, where its files live under a data root,
// and how to load it. A dataset module exports one of these; registering it is one call.
import type { Dataset } from './types.js';

export interface LoadOptions {
  /** Throw DataFormatError on the first malformed line or dangling id instead of counting a warning. */
  strict?: boolean;
}

export interface DatasetDescriptor {
  /** Registry name (`--dataset NAME`, `Dataset.name`). */
  readonly name: string;
  /** How reports and `--help` write it ('INSPIRED', 'ReDial'); defaults to `name`. */
  readonly title?: string;
  /** One line for `--help` and `crs-gym data list`. */
  readonly description?: string;
  /** Folder under the data root that holds the dataset; a root counts for this dataset when it has it. */
  readonly folder: string;
  /** The files `load` reads (required and optional), relative to the data root; each may also be found with or without `.gz`. */
  readonly files: readonly string[];
  /**
   * Loads the dataset from a data root (the folder holding `folder`). Synchronous.
   * @throws DataNotFoundError when a required file is missing; DataFormatError on bad input with `strict`.
   */
  load(dataRoot: string, options?: LoadOptions): Dataset;
}
