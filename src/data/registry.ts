// The dataset registry: `--dataset NAME`, `make('CrsEnv/NAME-v0')`, `loadDataset(NAME)` all read it. A dataset is
// one DatasetDescriptor (its folder, files and loader); registering it is one call, here or in a plugin.
import { NamedRegistry, type NamedRegisterOptions } from '../core/named-registry.js';
import type { DatasetDescriptor } from './descriptor.js';
import { INSPIRED_DATASET } from './inspired.js';
import { OPENDIALKG_DATASET } from './opendialkg/index.js';
import { REDIAL_DATASET } from './redial.js';

export const datasets = new NamedRegistry<DatasetDescriptor>('dataset', (descriptor, name) => {
  if (typeof descriptor !== 'object' || descriptor === null) throw new Error('a dataset is a DatasetDescriptor object');
  if (descriptor.name !== name) throw new Error(`the descriptor is named '${String(descriptor.name)}'`);
  if (typeof descriptor.folder !== 'string' || descriptor.folder === '') throw new Error('the descriptor has no folder');
  if (typeof descriptor.load !== 'function') throw new Error('the descriptor has no load(dataRoot) function');
});

/** Registers a dataset under its descriptor's name: the one call a new dataset needs. */
export function registerDataset(descriptor: DatasetDescriptor, options: Omit<NamedRegisterOptions, 'description'> = {}): void {
  datasets.register(descriptor.name, descriptor, { ...options, description: descriptor.description ?? '' });
}

/** The dataset as reports write it ('INSPIRED'); an unregistered name as is. */
export function datasetTitle(name: string): string {
  return datasets.has(name) ? (datasets.get(name).title ?? name) : name;
}

registerDataset(INSPIRED_DATASET);
registerDataset(REDIAL_DATASET);
registerDataset(OPENDIALKG_DATASET);
