// Load time of each real dataset (targets: INSPIRED < 2 s, ReDial < 10 s), cold then warm.
import { loadDataset } from '../src/data/load.js';
import { datasetNames } from '../src/data/paths.js';

export async function run(): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  for (const name of datasetNames()) {
    for (const pass of ['cold', 'warm'] as const) {
      const t0 = performance.now();
      const dataset = loadDataset(name);
      figures[`${name} load s (${pass})`] = (performance.now() - t0) / 1000;
      if (pass === 'warm') {
        figures[`${name} samples`] = dataset.samples.train.length + dataset.samples.valid.length + dataset.samples.test.length;
      }
    }
  }
  figures['heap MB after loads'] = process.memoryUsage().heapUsed / 2 ** 20;
  return figures;
}
