import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.js';
import type { Dataset, RecSample } from '../../src/data/types.js';
import { buildSimulatorInput, seenItemIds, withPreviousList } from '../../src/simulator/types.js';
import { realDataRoot } from '../data/real-data.js';
import { fixtureDataset } from './fixtures.js';

function leaksTarget(dataset: Dataset, sample: RecSample): string[] {
  const target = dataset.itemById.get(sample.target)!;
  // A previous list of three other items: the target is neither in D nor in R_{t-1}.
  const others = dataset.items.filter((i) => i.id !== sample.target).slice(0, 3).map((i) => i.id);
  const input = buildSimulatorInput(sample, dataset, others);
  const problems: string[] = [];
  const keys = Object.keys(input).sort();
  if (keys.join(',') !== 'context,contextEntities,contextItems,earlierRounds,previousList') problems.push(`keys ${keys.join(',')}`);
  const json = JSON.stringify(input);
  if (json.includes(`"${sample.target}"`)) problems.push('target id');
  if (json.includes(target.title)) problems.push('target title');
  if (sample.response && !sample.context.some((u) => u.text.includes(sample.response)) && json.includes(sample.response)) problems.push('response');
  return problems;
}

describe('buildSimulatorInput (label-free by construction)', () => {
  const dataset = fixtureDataset();

  it('copies only D, I_D and R_{t-1}: no target id, title or response unless the target was already mentioned', () => {
    const samples = [...dataset.samples.train, ...dataset.samples.valid, ...dataset.samples.test];
    const clean = samples.filter((s) => !s.contextItems.includes(s.target));
    expect(clean.length).toBeGreaterThan(5);
    for (const sample of clean) expect(leaksTarget(dataset, sample), sample.id).toEqual([]);
  });

  it('JSON of the input minus context and previousList names no target even when D does not', () => {
    for (const sample of dataset.samples.test) {
      const { context: _c, previousList: _p, ...rest } = buildSimulatorInput(sample, dataset, []);
      if (!sample.contextItems.includes(sample.target)) expect(JSON.stringify(rest)).not.toContain(`"${sample.target}"`);
    }
  });

  it('is deeply frozen and shares one context array per sample', () => {
    const sample = dataset.samples.test[0]!;
    const a = buildSimulatorInput(sample, dataset, ['5']);
    const b = buildSimulatorInput(sample, dataset, ['6']);
    expect(a.context).toBe(b.context);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.context[0])).toBe(true);
    expect(Object.isFrozen(a.previousList[0]!.attributes)).toBe(true);
    expect(() => {
      (a as unknown as Record<string, unknown>)['target'] = sample.target;
    }).toThrow(TypeError);
    expect(() => {
      (a.previousList as unknown as string[]).push('1');
    }).toThrow(TypeError);
    // The dataset's own objects stay mutable (views are copies).
    expect(Object.isFrozen(dataset.itemById.get('5')!.attributes)).toBe(false);
  });

  it('item views carry id, title and attributes but never aliases', () => {
    const input = buildSimulatorInput(dataset.samples.test[0]!, dataset, ['2']);
    expect(Object.keys(input.previousList[0]!).sort()).toEqual(['attributes', 'id', 'title']);
    expect(JSON.stringify(input)).not.toContain('"aliases"');
  });

  it('seenItemIds = items of D, of R_{t-1} and of the earlier lists; withPreviousList swaps the lists only', () => {
    const sample = dataset.samples.test[0]!;
    const input = buildSimulatorInput(sample, dataset, ['13'], [{ list: ['14', '15'], preference: ['genre:sci-fi'] }]);
    expect([...seenItemIds(input)].sort()).toEqual([...new Set([...sample.contextItems, '13', '14', '15'])].sort());
    expect(input.earlierRounds[0]!.list.map((v) => v.id)).toEqual(['14', '15']);
    expect(input.earlierRounds[0]!.preference).toEqual(['genre:sci-fi']);
    expect(Object.isFrozen(input.earlierRounds[0]!.list)).toBe(true);
    const swapped = withPreviousList(input, []);
    expect(swapped.context).toBe(input.context);
    expect(swapped.previousList).toEqual([]);
    expect(swapped.earlierRounds).toEqual([]);
  });

  it.skipIf(!realDataRoot('inspired'))('on INSPIRED, no test input leaks its target', () => {
    const inspired = loadDataset('inspired');
    const bad: string[] = [];
    for (const sample of inspired.samples.test) {
      if (sample.contextItems.includes(sample.target)) continue;
      const problems = leaksTarget(inspired, sample);
      if (problems.length > 0) bad.push(`${sample.id}: ${problems.join(', ')}`);
    }
    expect(bad).toEqual([]);
  });
});
