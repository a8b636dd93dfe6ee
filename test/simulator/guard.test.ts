import { describe, expect, it } from 'vitest';
import { NameGuard } from '../../src/simulator/name-guard.js';
import { auc, bestThreshold, microF1, precisionAtK } from '../../src/simulator/metrics.js';
import { NegativeSampler, judgmentInstances } from '../../src/simulator/lists.js';
import { spokenAttribute, spokenTitle } from '../../src/simulator/text.js';
import { Rng } from '../../src/core/rng.js';
import { FIXTURE_ITEMS } from './fixtures.js';

describe('NameGuard', () => {
  const guard = new NameGuard(FIXTURE_ITEMS);

  it('finds titles with and without the year, case-sensitive for one-word titles', () => {
    expect([...guard.mentions('I loved Joker!')]).toEqual(['1']);
    expect(guard.mentions('the joker in the pack').size).toBe(0);
    expect([...guard.mentions('maybe guardians of the galaxy tonight')]).toEqual(['3']);
    expect([...guard.mentions('maybe The Irishman tonight')]).toEqual(['12']);
    expect(guard.mentions('the irishman next door').size).toBe(0); // two words: only as written
    expect([...guard.mentions('Blade Runner 2049 (2017) is long')]).toEqual(['6']);
  });

  it('reads an attribute value that contains a title as naming it', () => {
    expect([...guard.mentions('Selena Gomez')]).toEqual(['8']);
    expect(guard.allowsValue('Selena Gomez', new Set(['9']))).toBe(false);
    expect(guard.allowsValue('Selena Gomez', new Set(['8']))).toBe(true);
  });

  it('prefers the longest name and treats shared names as ambiguous', () => {
    expect(guard.mentionGroups('Dune (1984)')).toEqual([['14']]);
    expect(guard.mentionGroups('I saw Dune')).toEqual([]); // four letters: too common a word to guard alone
    expect(guard.sayTitle({ id: '14', title: 'Dune (1984)' }, new Set(['14']))).toBe('Dune');
    expect(guard.sayTitle({ id: '1', title: 'Joker (2019)' }, new Set(['1']))).toBe('Joker');
  });

  it('says a title by what this call allows, however often it was said before', () => {
    const shared = new NameGuard([
      { id: 'a', title: 'Solaris (1972)' },
      { id: 'b', title: 'Solaris (2002)' },
    ]);
    for (let pass = 0; pass < 2; pass++) {
      expect(shared.sayTitle({ id: 'a', title: 'Solaris (1972)' }, new Set(['a']))).toBe('Solaris'); // names a or b: a is seen
      expect(shared.sayTitle({ id: 'a', title: 'Solaris (1972)' }, new Set(['c']))).toBe('Solaris (1972)'); // neither is seen
    }
  });

  it('sanitize drops only the sentences that name unseen items', () => {
    const text = 'I liked Taxi Driver. Have you seen The Irishman? Something dark please.';
    expect(guard.sanitize(text, new Set(['7']))).toBe('I liked Taxi Driver. Something dark please.');
  });

  it('round-trips through its entries', () => {
    const copy = NameGuard.fromEntries(guard.entries);
    expect([...copy.mentions('Selena Gomez and The Dark Knight')].sort()).toEqual(['16', '8']);
  });
});

describe('text helpers', () => {
  it('speak titles and attributes the way people do', () => {
    expect(spokenTitle('Joker (2019)')).toBe('Joker');
    expect(spokenTitle('Hoffa (film)')).toBe('Hoffa');
    expect(spokenAttribute('genre', 'Thriller (genre)')).toBe('thriller');
    expect(spokenAttribute('genre', 'Drama film')).toBe('drama');
    expect(spokenAttribute('actor', 'Grant Hill (producer)')).toBe('Grant Hill');
  });
});

describe('metrics', () => {
  it('auc counts ties as half and is NaN with one class', () => {
    expect(auc([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0])).toBe(1);
    expect(auc([0.1, 0.2, 0.9, 0.8], [1, 1, 0, 0])).toBe(0);
    expect(auc([0.5, 0.5], [1, 0])).toBe(0.5);
    expect(auc([0.3, 0.7, 0.5], [1, 0, 1])).toBeCloseTo(0, 10);
    expect(Number.isNaN(auc([0.1, 0.2], [0, 0]))).toBe(true);
  });

  it('precision@k, micro-F1 and the threshold search', () => {
    expect(precisionAtK([3, 1, 2], new Set([1, 2]), 3)).toBeCloseTo(2 / 3);
    const probs = [Float32Array.from([0.9, 0.2, 0.6]), Float32Array.from([0.1, 0.8, 0.3])];
    const truths = [new Set([0, 2]), new Set([1])];
    expect(microF1(probs, truths, 0.5)).toBe(1);
    expect(bestThreshold(probs, truths).f1).toBe(1);
  });
});

describe('NegativeSampler (H+, H-, S+, S-)', () => {
  const sampler = new NegativeSampler(FIXTURE_ITEMS, 5);

  it('ranks hard negatives by shared attributes with the target', () => {
    const hard = sampler.hardCandidates('1'); // Joker
    expect(hard[0]).toMatch(/^(5|7|12)$/); // Todd Phillips, De Niro, crime dramas
    expect(hard).not.toContain('1');
  });

  it('builds four lists of the given size, with the target only in the + lists', () => {
    const rng = new Rng(4);
    for (let k = 0; k < 20; k++) {
      const { lists } = sampler.build('1', 4, rng);
      for (const kind of ['H+', 'H-', 'S+', 'S-'] as const) expect(lists[kind]).toHaveLength(4);
      expect(lists['H+']).toContain('1');
      expect(lists['S+']).toContain('1');
      expect(lists['H-']).not.toContain('1');
      expect(lists['S-']).not.toContain('1');
      expect(new Set(lists['S-']).size).toBe(4);
    }
  });

  it('flattens the lists into distinct Yes/No instances with one positive', () => {
    const inst = judgmentInstances(sampler.build('1', 4, new Rng(1)));
    expect(inst.filter((i) => i.label === 1)).toEqual([{ itemId: '1', label: 1, source: 'target' }]);
    expect(new Set(inst.map((i) => i.itemId)).size).toBe(inst.length);
  });
});
