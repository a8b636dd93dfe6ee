import { describe, expect, it } from 'vitest';
import { checkEnv } from '../../src/core/check-env.js';
import { EnvStateError } from '../../src/core/env.js';
import { Rng } from '../../src/core/rng.js';
import type { CrsObservation } from '../../envs/types.js';
import { syntheticEnv } from './fixtures.js';

async function playEpisode(env: ReturnType<typeof syntheticEnv>['env'], seed: number, pick: (o: CrsObservation) => string[]) {
  let { observation } = await env.reset({ seed });
  const steps = [];
  for (;;) {
    const r = await env.step({ ranking: pick(observation) });
    steps.push({ obs: observation, ...r });
    observation = r.observation;
    if (r.terminated || r.truncated) return steps;
  }
}

describe('CrsEnv', () => {
  it('starts with cold-start candidates and no feedback', async () => {
    const { env, dataset } = syntheticEnv();
    const { observation, info } = await env.reset({ seed: 1 });
    expect(observation.turn).toBe(1);
    expect(observation.feedback).toBe('');
    expect(observation.candidates).toHaveLength(20);
    expect(observation.candidates.every((c) => dataset.itemById.has(c.id) && typeof c.score === 'number')).toBe(true);
    expect(observation.prompt).toContain('RANK LIST');
    expect(typeof info.sampleId).toBe('string');
    expect(env.observationSpace.contains(observation)).toBe(true);
  });

  it('truncates after T rounds and asks the simulator between rounds', async () => {
    const { env, simulator } = syntheticEnv({ rounds: 3, acceptance: { mode: 'rank1', k: 1 } });
    const steps = await playEpisode(env, 5, (o) => o.candidates.slice(-10).map((c) => c.id).reverse());
    const last = steps[steps.length - 1]!;
    if (!last.terminated) {
      expect(steps).toHaveLength(3);
      expect(last.truncated).toBe(true);
      expect(simulator.calls).toBe(2);
      expect(steps[1]!.obs.feedback).not.toBe('');
      expect(steps[1]!.obs.previousList).toEqual(steps[0]!.info.ranking);
    }
  });

  it('terminates when the target is accepted, and runAllRounds keeps playing', async () => {
    const { env } = syntheticEnv({ rounds: 5 });
    const { observation } = await env.reset({ seed: 2 });
    const target = env.currentSample!.target;
    const ranking = [target, ...observation.candidates.map((c) => c.id).filter((id) => id !== target)].slice(0, 10);
    const inCandidates = observation.candidates.some((c) => c.id === target);
    const r = await env.step({ ranking });
    expect(r.terminated).toBe(inCandidates);
    if (inCandidates) {
      expect(r.info.targetRank).toBe(1);
      expect(r.info.rewards.hit).toBe(1);
      expect(r.info.rewards.rank).toBe(1);
      await expect(env.step({ ranking })).rejects.toThrow(EnvStateError);
    }
    const all = syntheticEnv({ rounds: 3, runAllRounds: true }).env;
    await all.reset({ seed: 2 });
    const t = all.currentSample!.target;
    let steps = 0;
    for (;;) {
      const res = await all.step({ ranking: [t] });
      steps++;
      if (res.terminated || res.truncated) break;
    }
    expect(steps).toBe(3);
  });

  it('never crashes on bad actions: zero format reward and a reason', async () => {
    const { env } = syntheticEnv();
    const bad: unknown[] = [undefined, null, 42, 'gibberish', { ranking: 'x' }, { ranking: [] }, { ranking: [Number.NaN, 'nope', {}] }, ['a'], { ranking: ['1', '1'] }];
    for (const action of bad) {
      await env.reset({ seed: 3 });
      const r = await env.step(action as never);
      expect(r.info.rewards.answerFormat).toBe(0);
      expect(r.info.problems.length).toBeGreaterThan(0);
      expect(Number.isFinite(r.reward)).toBe(true);
    }
  });

  it('rejects step before reset with a clear error', async () => {
    const { env } = syntheticEnv();
    await expect(env.step({ ranking: [] })).rejects.toThrow(/before reset/);
    expect(() => env.render()).toThrow(/before reset/);
  });

  it('plays a chosen sample, and reports an unknown one clearly', async () => {
    const { env, dataset } = syntheticEnv();
    const sample = dataset.samples.test[0]!;
    const { observation } = await env.reset({ seed: 0, options: { sampleId: sample.id } });
    expect(observation.sampleId).toBe(sample.id);
    await expect(env.reset({ options: { sampleId: 'missing#1#x' } })).rejects.toThrow(/unknown sampleId 'missing#1#x'/);
  });

  it('gives the same trajectory for the same seed', async () => {
    const pick = (o: CrsObservation) => o.candidates.slice(5, 15).map((c) => c.id);
    const a = await playEpisode(syntheticEnv({ acceptance: { mode: 'rank1', k: 1 } }).env, 9, pick);
    const b = await playEpisode(syntheticEnv({ acceptance: { mode: 'rank1', k: 1 } }).env, 9, pick);
    expect(b.map((s) => [s.obs.candidates, s.obs.feedback, s.reward, s.info.rewards])).toEqual(a.map((s) => [s.obs.candidates, s.obs.feedback, s.reward, s.info.rewards]));
  });

  it('excludes context items from the candidates when configured', async () => {
    const { env, dataset } = syntheticEnv({ excludeContextItems: true });
    for (const sample of dataset.samples.train.slice(0, 20)) {
      const { observation } = await env.reset({ seed: 0, options: { sampleId: sample.id } });
      const ids = new Set(observation.candidates.map((c) => c.id));
      expect(sample.contextItems.some((id) => ids.has(id))).toBe(false);
    }
  });

  it('renders a transcript with rounds, lists and feedback', async () => {
    const { env } = syntheticEnv({ rounds: 2, acceptance: { mode: 'rank1', k: 1 } });
    await playEpisode(env, 4, (o) => o.candidates.slice(10, 20).map((c) => c.id));
    const text = env.render('ansi');
    expect(text).toContain('--- round 1 ---');
    expect(text).toMatch(/Recommender: /);
  });

  it('passes checkEnv with a seeded policy over the candidates', async () => {
    const { env } = syntheticEnv({ rounds: 3 });
    const policy = (obs: CrsObservation, rng: Rng) =>
      rng.random() < 0.5 ? { ranking: obs.candidates.slice(0, 10).map((c) => c.id) } : env.actionSpace.sample(rng);
    const report = await checkEnv(env, { seed: 3, steps: 12, policy });
    expect(report).toBeDefined();
  });
});
