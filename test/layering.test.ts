// The layering rules of .dependency-cruiser.cjs hold: no import cycles, no import from a lower layer into a
// higher one (data -> encoders -> retriever/simulator -> rewards -> env -> agent -> learner -> eval -> pipeline
// -> CLI). Type-only imports count. A violation names the rule and the import, e.g.
// "no-upward-from-envs: envs/x.ts -> src/pipeline/y.ts".
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const config = createRequire(import.meta.url)(join(root, '.dependency-cruiser.cjs')) as {
  forbidden: { name: string; from: { path?: string } ; to: { path?: string } }[];
  options: Record<string, unknown>;
};

async function violations(): Promise<string[]> {
  const cwd = process.cwd();
  process.chdir(root);
  try {
    const result = await cruise(['src', 'envs', 'agents', 'rewards'], { ...config.options, validate: true, ruleSet: { forbidden: config.forbidden } } as never);
    const output = result.output as ICruiseResult;
    return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}${v.cycle ? ` (cycle ${v.cycle.map((c) => (typeof c === 'string' ? c : c.name)).join(' -> ')})` : ''}`);
  } finally {
    process.chdir(cwd);
  }
}

describe('layering', () => {
  it('has no import cycles and no upward imports', { timeout: 120_000 }, async () => {
    expect(await violations()).toEqual([]);
  });

  it('the rules would catch an upward import (the env layer importing the pipeline)', () => {
    const rule = config.forbidden.find((r) => r.name === 'no-upward-from-envs');
    expect(rule).toBeDefined();
    expect(new RegExp(rule?.from.path ?? '$^').test('envs/register.ts')).toBe(true);
    expect(new RegExp(rule?.to.path ?? '$^').test('src/pipeline/stage-cache.ts')).toBe(true);
    expect(new RegExp(rule?.to.path ?? '$^').test('src/retriever/bm25.ts')).toBe(false);
  });
});
