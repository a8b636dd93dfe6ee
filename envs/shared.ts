// Process-wide caches of what envs are made of: one dataset and one set of trained components per process and
// configuration, so envs made again (vector copies, evaluation pools) share them.
import { parseConfig } from '../src/config/load.js';
import { stableStringify } from '../src/core/stage-cache.js';
import { loadDataset } from '../src/data/load.js';
import type { DatasetName } from '../src/data/paths.js';
import type { Dataset } from '../src/data/types.js';
import { ComponentsConfigSchema, defaultEmbeddingsDir, loadEnvComponents, type EnvComponents } from './components.js';

const datasets = new Map<string, Dataset>();
const components = new Map<string, Promise<EnvComponents>>();

export function sharedDataset(name: DatasetName, dataRoot?: string): Dataset {
  const key = `${name}|${dataRoot ?? ''}`;
  let dataset = datasets.get(key);
  if (!dataset) {
    dataset = loadDataset(name, dataRoot ? { dataRoot } : {});
    datasets.set(key, dataset);
  }
  return dataset;
}

export function sharedComponents(dataset: Dataset, opts: { artifactsDir?: string; components?: Record<string, unknown>; loadOnly?: boolean }): Promise<EnvComponents> {
  const config = parseConfig(ComponentsConfigSchema, opts.components ?? {}, 'components config');
  // The embeddings folder too: components read their text vectors from it.
  const key = stableStringify({ dataset: dataset.name, root: dataset.root, artifacts: opts.artifactsDir ?? null, embeddings: defaultEmbeddingsDir(), config });
  let pending = components.get(key);
  if (!pending) {
    pending = loadEnvComponents(dataset, { config, loadOnly: opts.loadOnly ?? false, ...(opts.artifactsDir ? { artifactsDir: opts.artifactsDir } : {}) });
    pending.catch(() => components.delete(key));
    components.set(key, pending);
  }
  return pending;
}
