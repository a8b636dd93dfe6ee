// How a reproduction's profile is put together: built-in profile, configs/reproduce.<dataset>.json (full
// profile only), a --config file, then flags, merged deeply.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/load.js';
import { ablationSeedsOf, PROFILES, resolveProfile } from '../../src/pipeline/reproduce.js';

const dir = mkdtempSync(join(tmpdir(), 'crs-gym-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, value: unknown): string => {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
};

describe('resolveProfile', () => {
  it("applies the package's configs/reproduce.<dataset>.json to the full profile only", () => {
    const shipped = JSON.parse(readFileSync('configs/reproduce.redial.json', 'utf8')) as { components: { retriever: Record<string, unknown> }; grpo: Record<string, unknown> };
    const full = resolveProfile('full', 'redial');
    expect((full.components['retriever'] as Record<string, unknown>)['maxEpochs']).toBe(shipped.components.retriever['maxEpochs']);
    expect(full.grpo).toEqual({ ...PROFILES.full.grpo, ...shipped.grpo }); // merged, not replaced
    const quick = resolveProfile('quick', 'redial');
    expect(quick.components).toEqual(PROFILES.quick.components);
  });

  it('merges a --config file deeply, and flags last', () => {
    const config = file('deep.json', { grpo: { max_steps: 3 }, evalLimit: 50 });
    const p = resolveProfile('full', 'inspired', config, { ablations: false, evalLimit: 7 });
    expect(p.grpo).toEqual({ ...PROFILES.full.grpo, max_steps: 3 });
    expect(p.evalLimit).toBe(7);
    expect(p.ablations).toBe(false);
  });

  it('names the file of a bad config', () => {
    expect(() => resolveProfile('full', 'inspired', file('bad.json', '{ not json'))).toThrow(/bad\.json: cannot read the reproduction config as JSON/);
    expect(() => resolveProfile('full', 'inspired', file('wrong.json', { evalLimit: -2 }))).toThrow(/wrong\.json[\s\S]*evalLimit/);
    // The learners' configs are checked up front, not when their stage starts.
    expect(() => resolveProfile('full', 'inspired', file('lr.json', { sft: { learning_rate: -1 } }))).toThrow(ConfigError);
    expect(() => resolveProfile('full', 'inspired', file('lr.json', { sft: { learning_rate: -1 } }))).toThrow(/lr\.json[\s\S]*sft[\s\S]*learning_rate/);
    expect(() => resolveProfile('quick', 'inspired', file('best.json', { grpo: { load_best_model_at_end: true } }))).toThrow(/best\.json\): grpo: load_best_model_at_end needs eval_steps > 0/);
    expect(() => resolveProfile('full', 'inspired', file('typo.json', { ablationGrpo: { max_stepz: 3 } }))).toThrow(/typo\.json[\s\S]*ablationGrpo[\s\S]*max_stepz/);
    // Unknown profile fields (the old single `seed` among them) are errors, not silently dropped.
    expect(() => resolveProfile('full', 'inspired', file('seed.json', { seed: 3 }))).toThrow(/seed\.json[\s\S]*seed/);
    expect(() => resolveProfile('full', 'inspired', file('dup.json', { seeds: [1, 1] }))).toThrow(/seeds must be distinct/);
    expect(() => resolveProfile('full', 'inspired', file('abl.json', { seeds: [4], ablationSeeds: 2 }))).toThrow(/ablationSeeds is 2 but only 1 seeds/);
  });

  it('trains the policies with three seeds by default, the ablations with the first; --seeds replaces the list', () => {
    expect(resolveProfile('full', 'inspired').seeds).toEqual([0, 1, 2]);
    expect(resolveProfile('full', 'inspired').ablationSeeds).toBe(1);
    expect(ablationSeedsOf(resolveProfile('full', 'inspired'))).toEqual([0]);
    expect(resolveProfile('full', 'inspired', undefined, { seeds: [5, 7] }).seeds).toEqual([5, 7]);
    expect(resolveProfile('quick', 'inspired').seeds).toEqual([0, 1]);
  });
});
