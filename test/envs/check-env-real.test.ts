// checkEnv on the registered envs over the real data: make('CrsEnv/inspired-v0') and make('CrsEnv/redial-v0')
// with their trained components (the dual-view retriever, the multi-task simulator) pass every check of the
// Gymnasium-style contract, with random actions and with a scripted agent that also states preferences and
// answers in the paper's text format.
//
// INSPIRED runs in the default suite when its components are trained (artifacts/inspired, loaded with
// loadOnly; a few seconds) and is skipped with a note otherwise; with CRS_GYM_LONG=1 missing components are
// trained first (minutes). ReDial runs only with CRS_GYM_LONG=1 (loading is slower; training much slower).
import { describe, expect, it, type TestContext } from 'vitest';
import '../../envs/register.js';
import type { CrsAction } from '../../envs/action.js';
import type { CrsObservation } from '../../envs/types.js';
import { checkEnv } from '../../src/core/check-env.js';
import type { Env } from '../../src/core/env.js';
import { make } from '../../src/core/registry.js';
import { realDataRoot } from '../data/real-data.js';
import { scriptedAction } from './setup-synthetic.js';

const LONG = process.env.CRS_GYM_LONG === '1';
type DatasetName = 'inspired' | 'redial';

/** The registered env, or a reason to skip: no data, or (outside the long suite) no trained components. */
async function realEnv(dataset: DatasetName, ctx: TestContext): Promise<Env<CrsObservation, CrsAction>> {
  if (realDataRoot(dataset) === null) return ctx.skip(`no ${dataset} data found (see docs/data.md)`);
  try {
    return await make<CrsObservation, CrsAction>(`CrsEnv/${dataset}-v0`, { loadOnly: !LONG });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (LONG || !/not trained|loadOnly/i.test(message)) throw err;
    return ctx.skip(
      `components for ${dataset} are not trained (${message.split('\n')[0]}); train them with CRS_GYM_LONG=1 npx vitest run test/envs/check-env-real.test.ts or await make('CrsEnv/${dataset}-v0')`,
    );
  }
}

async function checkRealEnv(dataset: DatasetName, ctx: TestContext): Promise<void> {
  const env = await realEnv(dataset, ctx);
  try {
    // Random rankings of the candidates (the action space's sample), then the scripted agent.
    const random = await checkEnv(env, { seed: 0, steps: 40 });
    expect(random.ok).toBe(true);
    expect(random.episodesEnded).toBeGreaterThan(0);
    const scripted = await checkEnv(env, { seed: 1, steps: 40, policy: (o) => scriptedAction(o) });
    expect(scripted.ok).toBe(true);
    expect(scripted.checks.filter((c) => c.status === 'skip')).toEqual([]);
    const { observation } = await env.reset({ seed: 2 });
    expect(observation.candidates.length).toBeGreaterThan(0);
    expect(observation.prompt).toContain('RANK LIST');
  } finally {
    await env.close();
  }
}

describe('checkEnv on the registered envs over real data', () => {
  it('CrsEnv/inspired-v0 passes every check', { timeout: LONG ? 3_600_000 : 60_000 }, async (ctx) => {
    await checkRealEnv('inspired', ctx);
  });

  it.runIf(LONG)('CrsEnv/redial-v0 passes every check (CRS_GYM_LONG=1)', { timeout: 3_600_000 }, async (ctx) => {
    await checkRealEnv('redial', ctx);
  });
});
