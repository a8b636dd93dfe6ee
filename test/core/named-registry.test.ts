import { describe, expect, it } from 'vitest';
import { NamedRegistry } from '../../src/core/named-registry.js';
import { RegistryError } from '../../src/core/registry.js';
import { thrownRegistryError } from '../fixtures/registry-error.js';

const caught = thrownRegistryError;

describe('NamedRegistry', () => {
  const make = () => {
    const r = new NamedRegistry<number>('reward component', (v) => {
      if (!Number.isFinite(v)) throw new Error('not a finite number');
    });
    r.register('hit', 1, { description: 'target in the list' });
    r.register('rank', 2, { description: 'position decay' });
    return r;
  };

  it('keeps registration order and describes entries for --help', () => {
    const r = make();
    r.register('mine', 3, { source: 'plugins/mine.js' });
    expect(r.names()).toEqual(['hit', 'rank', 'mine']);
    expect(r.choices()).toBe('hit | rank | mine');
    expect(r.describe().split('\n')).toEqual(['hit   target in the list', 'rank  position decay', 'mine   (plugins/mine.js)']);
    expect(r.get('rank')).toBe(2);
    expect(r.entry('mine').source).toBe('plugins/mine.js');
  });

  it('names an unknown entry with the known ones and the closest', () => {
    const r = make();
    const typo = caught(() => r.get('rnak'));
    expect(typo.kind).toBe('unknown-id');
    expect(typo.message).toBe("unknown reward component 'rnak'. Did you mean 'rank'? (known: hit, rank)");
    expect(caught(() => r.get('preference')).message).toBe("unknown reward component 'preference' (known: hit, rank)");
  });

  it('refuses duplicates unless overridden, bad names and values that fail the check', () => {
    const r = make();
    expect(caught(() => r.register('hit', 5)).message).toMatch(/'hit': already registered \(builtin\); pass \{ override: true \}/);
    r.register('hit', 5, { override: true });
    expect(r.get('hit')).toBe(5);
    expect(caught(() => r.register('9lives', 1)).kind).toBe('bad-argument');
    expect(caught(() => r.register('has space', 1)).kind).toBe('bad-argument');
    expect(caught(() => r.register('nan', Number.NaN)).message).toBe("register reward component 'nan': not a finite number");
    expect(r.unregister('nan')).toBe(false);
    expect(r.unregister('rank')).toBe(true);
    expect(r.has('rank')).toBe(false);
  });
});
