import { describe, expect, it } from 'vitest';
import { datasetStats, formatStats } from '../../src/data/stats.js';
import { makeSyntheticDataset } from '../../src/data/synthetic.js';
import { ATTRIBUTE_KINDS, SPLITS } from '../../src/data/types.js';

describe('datasetStats', () => {
  const ds = makeSyntheticDataset({ seed: 11, items: 24, dialogues: 20 });
  const stats = datasetStats(ds);

  it('counts what the dataset holds', () => {
    expect(stats.dataset).toBe('synthetic');
    expect(stats.items).toBe(24);
    for (const split of SPLITS) {
      expect(stats.splits[split].dialogues).toBe(ds.dialogues[split].length);
      expect(stats.splits[split].samples).toBe(ds.samples[split].length);
      // Synthetic dialogues: 6 utterances, two recommender turns with one item each.
      expect(stats.splits[split].utterances).toBe(6 * ds.dialogues[split].length);
      expect(stats.splits[split].recTurns).toBe(2 * ds.dialogues[split].length);
      expect(stats.splits[split].targetsPerRecTurn).toBe(1);
      expect(stats.splits[split].noContextItemRate).toBe(0);
    }
    expect(stats.targetsPerRecTurn).toBe(1);
  });

  it('reports attribute coverage as fractions', () => {
    expect(Object.keys(stats.attributeCoverage).sort()).toEqual([...ATTRIBUTE_KINDS].sort());
    expect(stats.attributeCoverage.genre).toBe(1);
    expect(stats.attributeCoverage.writer).toBe(0);
    expect(stats.itemsWithYear).toBe(1);
    expect(stats.targetInContextRate).toBeGreaterThanOrEqual(0);
    expect(stats.targetInContextRate).toBeLessThanOrEqual(1);
  });

  it('formats a table with one column per split', () => {
    const text = formatStats(stats);
    expect(text).toMatch(/^dataset synthetic/);
    expect(text).toMatch(/samples\s+\d+\s+\d+\s+\d+/);
    expect(text).toContain('genre 100.0%');
    expect(text).toContain(`train: ${ds.samples.train.length} samples from ${ds.dialogues.train.length} raw dialogues`);
  });

  it('reports what popularity counts and how many items it covers', () => {
    const targets = new Set(ds.samples.train.map((s) => s.target));
    expect(stats.popularity).toEqual({ source: 'train targets', dialogues: new Set(ds.samples.train.map((s) => s.dialogueId)).size, itemsCounted: targets.size });
    expect(formatStats(stats)).toContain(`popularity (simulator, recommender): train targets over ${stats.popularity.dialogues} train dialogues; ${targets.size} of 24 items counted`);
  });
});
