import { describe, expect, it } from 'vitest';
import { CheckEnvError, checkEnv } from '../../src/core/check-env.js';
import type { CheckName, CheckReport } from '../../src/core/check-env.js';
import type { ResetOptions, ResetResult, StepResult } from '../../src/core/env.js';
import type { Rng } from '../../src/core/rng.js';
import { OrderEnforcing, TimeLimit } from '../../src/core/wrappers.js';
import { CounterEnv, GuessNumberEnv } from './fixtures/toy-envs.js';
import type { GuessObs } from './fixtures/toy-envs.js';

/** The names of the failed checks (fails the test when checkEnv passes). */
async function failedChecks(p: Promise<CheckReport>): Promise<{ names: CheckName[]; error: CheckEnvError }> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof CheckEnvError)) throw err;
    return { names: err.failures.map((f) => f.name), error: err };
  }
  throw new Error('checkEnv passed, but it should have failed');
}

// --- deliberately broken envs ---------------------------------------------------------------------

/** Keeps an episode counter across resets and shows it: the same seed no longer gives the same start. */
class LeakyCounterEnv extends GuessNumberEnv {
  private episodes = 0;
  protected override async resetEpisode(): Promise<ResetResult<GuessObs>> {
    const r = await super.resetEpisode();
    this.episodes += 1;
    return { ...r, observation: { ...r.observation, message: `Episode ${this.episodes}` } };
  }
}

/** Ignores the seed: its secret comes from a process-wide counter, so trajectories differ run to run. */
let globalDraws = 0;
class NondeterministicEnv extends GuessNumberEnv {
  protected override async resetEpisode(): Promise<ResetResult<GuessObs>> {
    const r = await super.resetEpisode();
    globalDraws += 3;
    this.secret = globalDraws % this.n;
    return r;
  }
}

/** Reports a guess outside lastGuess's range. */
class OutOfSpaceEnv extends GuessNumberEnv {
  override async step(action: number): Promise<StepResult<GuessObs>> {
    const r = await super.step(action);
    return { ...r, observation: { ...r.observation, lastGuess: this.n + 5 } };
  }
}

class NaNRewardEnv extends GuessNumberEnv {
  override async step(action: number): Promise<StepResult<GuessObs>> {
    return { ...(await super.step(action)), reward: NaN };
  }
}

/** reset() gives the bare observation; step() leaves out terminated, truncated and info. */
class MissingFieldsEnv extends GuessNumberEnv {
  override async reset(opts?: ResetOptions): Promise<ResetResult<GuessObs>> {
    const r = await super.reset(opts);
    return r.observation as unknown as ResetResult<GuessObs>;
  }
  override async step(action: number): Promise<StepResult<GuessObs>> {
    const r = await super.step(action);
    return { observation: r.observation, reward: r.reward } as unknown as StepResult<GuessObs>;
  }
}

/** String flags and a string reward: present but of the wrong type. */
class WrongTypesEnv extends GuessNumberEnv {
  override async step(action: number): Promise<StepResult<GuessObs>> {
    const r = await super.step(action);
    return { ...r, reward: String(r.reward), terminated: r.terminated ? 1 : 0 } as unknown as StepResult<GuessObs>;
  }
}

/** Forgets to clear the turn counter on reset: the second episode starts from where the first ended. */
class StaleTurnEnv extends GuessNumberEnv {
  protected override async resetEpisode(): Promise<ResetResult<GuessObs>> {
    const turn = this.turn;
    const r = await super.resetEpisode();
    this.turn = turn;
    return { ...r, observation: { ...r.observation, turn: Math.min(turn, this.maxTurns) } };
  }
}

class NoRenderEnv extends GuessNumberEnv {
  override render(): string {
    return undefined as unknown as string;
  }
}

class ThrowsOnStepEnv extends GuessNumberEnv {
  override async step(): Promise<StepResult<GuessObs>> {
    throw new Error('simulator crashed');
  }
}

/** Binary search: a sensible seeded policy for the guessing game (random tie-breaks from the rng). */
function bisect(n: number) {
  let lo = 0;
  let hi = n;
  return (obs: GuessObs, rng: Rng): number => {
    if (obs.turn === 0) [lo, hi] = [0, n];
    else if (obs.hint === 1) lo = obs.lastGuess + 1;
    else if (obs.hint === 2) hi = obs.lastGuess;
    return lo + Math.floor((hi - lo - 1) / 2) + (hi - lo > 2 && rng.bernoulli(0.5) ? 1 : 0);
  };
}

// --- tests ----------------------------------------------------------------------------------------

describe('checkEnv on correct envs', () => {
  it('passes GuessNumberEnv and reports every check', async () => {
    const report = await checkEnv(new GuessNumberEnv(), { seed: 3, steps: 60 });
    expect(report.ok).toBe(true);
    expect(report.checks).toHaveLength(13);
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(report.episodesEnded).toBeGreaterThan(0);
    expect(report.checks.find((c) => c.name === 'step-after-done')?.status).toBe('pass');
  });

  it('passes the env behind make-style wrappers', async () => {
    const report = await checkEnv(new TimeLimit(new OrderEnforcing(new GuessNumberEnv(100, 1000)), 5), { seed: 1, steps: 30 });
    expect(report.ok).toBe(true);
    expect(report.episodesEnded).toBeGreaterThanOrEqual(5);
  });

  it('uses a custom seeded policy', async () => {
    let calls = 0;
    const policy = bisect(1000);
    const report = await checkEnv(new GuessNumberEnv(1000, 30), {
      seed: 8,
      steps: 40,
      policy: (obs, rng) => {
        calls += 1;
        return policy(obs, rng);
      },
    });
    expect(report.ok).toBe(true);
    expect(calls).toBeGreaterThan(80); // two rollouts plus the after-done probe
    expect(report.episodesEnded).toBeGreaterThanOrEqual(3); // bisection finds 1 of 1000 in <= 10 guesses
  });

  it('skips the after-done checks when no episode ends within the budget', async () => {
    const report = await checkEnv(new CounterEnv(), { steps: 5 });
    expect(report.checks.find((c) => c.name === 'step-after-done')).toMatchObject({ status: 'skip' });
    expect(report.ok).toBe(true);
  });
});

describe('checkEnv catches broken envs', () => {
  it('state leaking across resets: reset-seed-determinism', async () => {
    const { names, error } = await failedChecks(checkEnv(new LeakyCounterEnv()));
    expect(names).toContain('reset-seed-determinism');
    expect(names).toContain('trajectory-determinism');
    expect(error.message).toMatch(/observation\.message: "Episode 1" != "Episode \d+"/);
  });

  it('nondeterministic under a seed: trajectory-determinism', async () => {
    const { names, error } = await failedChecks(checkEnv(new NondeterministicEnv(), { seed: 2 }));
    expect(names).toContain('trajectory-determinism');
    expect(names).not.toContain('reset-seed-determinism');
    expect(error.message).toMatch(/rollouts diverge at record \d+ \(step\)/);
  });

  it('observation outside its space: step-observation-in-space', async () => {
    const { names, error } = await failedChecks(checkEnv(new OutOfSpaceEnv(), { steps: 10 }));
    expect(names).toEqual(['step-observation-in-space']);
    expect(error.failures[0]?.failures).toBeGreaterThanOrEqual(20);
    expect(error.message).toMatch(/rollout 1, step 0: observation .* is not in observationSpace/);
  });

  it('NaN reward: reward-finite', async () => {
    const { names } = await failedChecks(checkEnv(new NaNRewardEnv(), { steps: 5 }));
    expect(names).toEqual(['reward-finite']);
  });

  it('missing fields: reset-result and step-result, naming each field', async () => {
    const { names, error } = await failedChecks(checkEnv(new MissingFieldsEnv(), { steps: 5 }));
    expect(names).toContain('reset-result');
    // reset is unusable, so step is never reached from checkEnv's rollouts
    expect(error.message).toMatch(/reset\(\) resolved to .*expected \{ observation, info \}/);

    class StepOnly extends GuessNumberEnv {
      override async step(action: number): Promise<StepResult<GuessObs>> {
        const r = await super.step(action);
        return { observation: r.observation, reward: r.reward } as unknown as StepResult<GuessObs>;
      }
    }
    const step = await failedChecks(checkEnv(new StepOnly(), { steps: 5 }));
    expect(step.names).toContain('step-result');
    const detail = step.error.failures.find((f) => f.name === 'step-result');
    expect(detail?.failures).toBeGreaterThanOrEqual(30); // 3 fields x 5 steps x 2 rollouts
    expect(step.error.message).toMatch(/missing 'terminated'/);
  });

  it('wrong field types: step-result', async () => {
    const { names, error } = await failedChecks(checkEnv(new WrongTypesEnv(), { steps: 5 }));
    expect(names).toContain('step-result');
    expect(error.message).toMatch(/reward is "-0.05", not a number/);
  });

  it('state kept after an episode: trajectory-determinism and reset-after-done', async () => {
    const { names } = await failedChecks(checkEnv(new StaleTurnEnv(6, 4), { steps: 20 }));
    expect(names).toContain('reset-after-done');
  });

  it('render that does not return a string: render-ansi', async () => {
    const { names } = await failedChecks(checkEnv(new NoRenderEnv(), { steps: 3 }));
    expect(names).toEqual(['render-ansi']);
  });

  it('a policy whose actions are outside actionSpace: action-in-space', async () => {
    const { names } = await failedChecks(checkEnv(new CounterEnv(), { steps: 3, policy: () => 7 }));
    expect(names).toEqual(['action-in-space']);
  });

  it('a step that throws: no-exceptions, with the message', async () => {
    const { names, error } = await failedChecks(checkEnv(new ThrowsOnStepEnv(), { steps: 3 }));
    expect(names).toContain('no-exceptions');
    expect(error.message).toMatch(/step\(\) threw Error: simulator crashed/);
  });

  it('lists every failed check at once', async () => {
    class ManyBugs extends OutOfSpaceEnv {
      override async step(action: number): Promise<StepResult<GuessObs>> {
        return { ...(await super.step(action)), reward: Infinity };
      }
      override render(): string {
        return 42 as unknown as string;
      }
    }
    const { names, error } = await failedChecks(checkEnv(new ManyBugs(), { steps: 4 }));
    expect(names).toEqual(['reward-finite', 'step-observation-in-space', 'render-ansi']);
    expect(error.message.split('\n')[0]).toBe('checkEnv: 3 check(s) failed:');
    expect(error.report.ok).toBe(false);
  });

  it('something that is not an env at all: api', async () => {
    const { names, error } = await failedChecks(checkEnv({ reset: 1 } as never));
    expect(names).toEqual(['api']);
    expect(error.report.checks.filter((c) => c.status === 'skip')).toHaveLength(12);
  });

  it('validates its own options', async () => {
    await expect(checkEnv(new CounterEnv(), { steps: 0 })).rejects.toThrow(/steps must be a positive integer/);
  });
});
