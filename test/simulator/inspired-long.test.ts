// Trains the multi-task simulator on INSPIRED with the hashing encoder (about 30 s on 2 busy cores), so it
// runs only with CRS_GYM_LONG=1. Prints the valid metrics the lead reports.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { loadDataset } from '../../src/data/load.js';
import { HashingEncoder } from '../../src/encoders/hash-encoder.js';
import { MultiTaskSimulator } from '../../src/simulator/multi-task.js';
import { NameGuard } from '../../src/simulator/name-guard.js';
import { buildSimulatorInput, seenItemIds } from '../../src/simulator/types.js';
import { realDataRoot } from '../data/real-data.js';

const run = Boolean(process.env['CRS_GYM_LONG']) && realDataRoot('inspired') !== null;

describe.skipIf(!run)('MultiTaskSimulator on INSPIRED (long)', () => {
  it('beats the baselines on valid and names no unseen item on test', async () => {
    const dataset = loadDataset('inspired');
    const t0 = performance.now();
    const sim = await MultiTaskSimulator.train(dataset, { text: new HashingEncoder({ dim: 256 }) });
    console.log(`trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`, JSON.stringify(sim.metrics), JSON.stringify(sim.thresholds));
    const m = sim.metrics;
    expect(m.attributes['precision@5']).toBeGreaterThan(m.attributes['popularityPrecision@5']);
    expect(m.attributes.f1).toBeGreaterThan(m.attributes.popularityF1);
    expect(m.target.auc).toBeGreaterThan(0.65);
    expect(m.target.auc).toBeGreaterThan(m.target.popularityAuc);

    const guard = new NameGuard(dataset.items);
    const rng = new Rng('inspired-names');
    const ids = dataset.items.map((i) => i.id);
    const bad: string[] = [];
    for (const sample of dataset.samples.test) {
      for (const list of [[], rng.sample(ids, 10)]) {
        const input = buildSimulatorInput(sample, dataset, list);
        const fb = await sim.feedback(input, rng.split(sample.id));
        const seen = seenItemIds(input);
        if (!guard.allows(fb.text, seen)) bad.push(`${sample.id}: ${fb.text}`);
        const target = dataset.itemById.get(sample.target)!;
        if (!seen.has(target.id) && fb.text.includes(target.title)) bad.push(`${sample.id} (target): ${fb.text}`);
      }
    }
    expect(bad).toEqual([]);
  }, 600_000);
});
