// The user simulator's behaviour on a test split (issue 17): how often it accepts a list that does not hold the
// target (false acceptances, goal <= 5% of such turns) and the share of multi-round episodes whose stated
// preference changes between rounds. Trains the default multi-task simulator on hashing features (no E_C; about
// half a minute on INSPIRED) and plays every test sample for 5 rounds against BM25 lists (bench/simulator-play.ts);
// also times warm feedback calls. CRS_GYM_BENCH_DATASETS=inspired,redial (default inspired).
import { Rng } from '../src/core/rng.js';
import { loadDataset } from '../src/data/load.js';
import { HashingEncoder } from '../src/encoders/hash-encoder.js';
import { MultiTaskSimulator } from '../src/simulator/multi-task.js';
import { buildSimulatorInput } from '../src/simulator/types.js';
import { errorMessage } from '../src/core/errors.js';
import { playSimulator } from './simulator-play.js';

type Figures = Record<string, number | string>;
const DATASETS = (process.env.CRS_GYM_BENCH_DATASETS ?? 'inspired').split(',').map((s) => s.trim()).filter((s): s is 'inspired' | 'redial' => s === 'inspired' || s === 'redial');

async function behaviourOf(name: 'inspired' | 'redial', figures: Figures): Promise<void> {
  let dataset;
  try {
    dataset = loadDataset(name);
  } catch (err) {
    figures[`${name} note`] = `skipped: ${errorMessage(err).split('\n')[0]}`;
    return;
  }
  const t0 = performance.now();
  const simulator = await MultiTaskSimulator.train(dataset, { text: new HashingEncoder({ dim: 256 }) }, { seed: 0 });
  figures[`${name} train s`] = (performance.now() - t0) / 1000;
  figures[`${name} thresholds`] = JSON.stringify(simulator.thresholds);
  const t1 = performance.now();
  const { stats } = await playSimulator(dataset, simulator, dataset.samples.test, { seed: 0 });
  figures[`${name} play s`] = (performance.now() - t1) / 1000;
  figures[`${name} test feedback turns`] = stats.turns;
  figures[`${name} test false acceptances`] = `${stats.falseAcceptances} of ${stats.turnsWithoutTarget}`;
  figures[`${name} test false-acceptance rate`] = stats.falseAcceptanceRate ?? 'n/a';
  figures[`${name} test verdicts`] = JSON.stringify(stats.verdicts);
  figures[`${name} test preference changes`] = `${stats.preferenceChanged} of ${stats.multiRoundEpisodes}`;
  figures[`${name} test preference-change share`] = stats.preferenceChangeShare ?? 'n/a';

  // Warm feedback calls per second (the speed figure the unit test used to assert).
  const samples = dataset.samples.test.slice(0, 20);
  const list = dataset.items.slice(10, 20).map((i) => i.id);
  for (const s of samples) await simulator.feedback(buildSimulatorInput(s, dataset, list), new Rng(0));
  const rng = new Rng('speed');
  const n = 3000;
  const t2 = performance.now();
  for (let k = 0; k < n; k++) await simulator.feedback(buildSimulatorInput(samples[k % samples.length]!, dataset, list), rng.split(String(k)));
  figures[`${name} warm feedback calls/s`] = n / ((performance.now() - t2) / 1000);
}

export async function run(): Promise<Figures> {
  const figures: Figures = {};
  for (const name of DATASETS) await behaviourOf(name, figures);
  return figures;
}
