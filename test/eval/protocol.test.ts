import { describe, expect, it } from 'vitest';
import { evaluate, type EvalEnv } from '../../src/eval/protocol.js';
import { EVAL_METRIC_KEYS, isNewItem, perSampleValues, roundMetrics, subsetTraces } from '../../src/eval/subsets.js';
import type { CrsObservation } from '../../envs/types.js';
import type { Rng } from '../../src/core/rng.js';
import { evalDataset, evalEnv, ScriptedAgent, ShuffleAgent, targetsOf } from './fixtures.js';

const { dataset, samples } = evalDataset();
const targets = targetsOf(samples);

describe('evaluate: the paper protocol', () => {
  it('plays every round and scores each round both ways: cumulative (first accepted list kept) and per turn', async () => {
    expect(samples.length).toBeGreaterThanOrEqual(10);
    // Samples 0, 1, 2 hit in round 1 only (the user accepts, the env plays on), sample 3 hits from round 3 on,
    // sample 4 in rounds 2 and 4, the rest never.
    const hitRound = new Map<string, number | number[]>([
      [samples[0]!.id, [1]],
      [samples[1]!.id, [1]],
      [samples[2]!.id, [1]],
      [samples[3]!.id, 3],
      [samples[4]!.id, [2, 4]],
    ]);
    const { env } = evalEnv(dataset);
    const agent = new ScriptedAgent(targets, hitRound);
    const progress: [number, number][] = [];
    const run = await evaluate({ env, agent, samples, rounds: 5, seed: 3, onProgress: (d, t) => progress.push([d, t]) });
    const n = samples.length;

    expect(run.rounds.map((r) => r['recall@10'] * n)).toEqual([3, 4, 5, 5, 5]);
    expect(run.rounds.map((r) => r['recall@1'] * n)).toEqual([3, 4, 5, 5, 5]);
    expect(run.perTurnRounds.map((r) => r['recall@10'] * n)).toEqual([3, 1, 1, 2, 1]);
    // Target at position 1 gives NDCG and MRR of 1 for the hitting samples.
    expect(run.rounds[4]!['ndcg@10']).toBeCloseTo(5 / n, 12);
    expect(run.perTurnRounds[4]!['mrr@10']).toBeCloseTo(1 / n, 12);
    // Every item is a candidate (20 items, 20 candidates), so the retriever always has the target.
    expect(run.rounds.every((r) => r['retrieverRecall@20'] === 1)).toBe(true);
    expect(run.perTurnRounds.every((r) => r['retrieverRecall@20'] === 1)).toBe(true);

    const early = run.samples[0]!;
    expect(early.acceptedRound).toBe(1);
    expect(early.rounds.map((r) => r.accepted)).toEqual([true, false, false, false, false]);
    expect(early.rounds[4]!.ranking).not.toContain(samples[0]!.target);
    expect(run.samples[3]!.acceptedRound).toBe(3);
    expect(run.samples[4]!.acceptedRound).toBe(2);
    expect(run.samples[5]!.acceptedRound).toBe(0);
    // The agent played every round of every sample, an accepted one included.
    for (const s of samples) expect(agent.calls.filter((c) => c.sampleId === s.id).map((c) => c.turn)).toEqual([1, 2, 3, 4, 5]);
    // The user answered every round but the last (the echo simulator reports no verdict).
    expect(early.rounds.map((r) => r.feedback !== undefined)).toEqual([true, true, true, true, false]);
    expect(early.rounds[0]!.feedback!.text).toMatch(/^I would like more /);
    expect(early.rounds[0]!.feedback).toMatchObject({ kind: 'feedback' });
    expect(early.rounds[0]!.feedback!.verdict).toBeUndefined();
    expect(run.feedback.turns).toBe(4 * n);

    // The cumulative block keeps the accepted round's rewards too, so the hit reward of round 5 counts the early hits.
    expect(run.rounds[4]!.rewards.hit).toBeCloseTo(5 / n, 12);
    expect(run.perTurnRounds[4]!.rewards.hit).toBeCloseTo(1 / n, 12);
    expect(progress).toHaveLength(n);
    expect(progress.at(-1)).toEqual([n, n]);
    expect(run.protocol).toBe('default');
  });

  it('gives an interval around every metric of both blocks, seeded', async () => {
    const hitRound = new Map(samples.filter((_, i) => i % 3 === 0).map((s) => [s.id, 2] as const));
    const run = await evaluate({ env: evalEnv(dataset).env, agent: new ScriptedAgent(targets, hitRound), samples, seed: 1 });
    for (const r of [...run.rounds, ...run.perTurnRounds]) {
      for (const key of EVAL_METRIC_KEYS) {
        for (const [value, ci] of [[r[key], r.ci95![key]], [r.newItem[key], r.newItem.ci95![key]], [r.repeated[key], r.repeated.ci95![key]]] as const) {
          expect(ci[0]).toBeLessThanOrEqual(value + 1e-12);
          expect(ci[1]).toBeGreaterThanOrEqual(value - 1e-12);
        }
      }
    }
    // A metric that varies between samples gets an interval of non-zero width; a constant one a point.
    expect(run.rounds[4]!.ci95!['recall@10'][1]).toBeGreaterThan(run.rounds[4]!.ci95!['recall@10'][0]);
    expect(run.rounds[4]!.ci95!['retrieverRecall@20']).toEqual([1, 1]);
    const again = await evaluate({ env: evalEnv(dataset).env, agent: new ScriptedAgent(targets, hitRound), samples, seed: 1 });
    expect(again.rounds).toEqual(run.rounds);
  });

  it('refuses an env that ends episodes early: both protocols need every round played', async () => {
    const agent = new ScriptedAgent(targets, new Map([[samples[0]!.id, 1]]));
    await expect(evaluate({ env: evalEnv(dataset, { runAllRounds: false }).env, agent, samples, seed: 1 })).rejects.toThrow(/runAllRounds: true/);
    // A fake env without a config that still ends an episode early.
    let turn = 0;
    const obs = (t: number): CrsObservation => ({
      sampleId: 's1', turn: t, rounds: 2, context: [], contextItems: [], contextEntities: [], feedback: '',
      candidates: [{ id: 'a', title: 'A', attributes: {}, score: 1 }, { id: 'b', title: 'B', attributes: {}, score: 0 }],
      previousPreference: '', previousList: [], listLength: 2, prompt: '',
    });
    const env: EvalEnv = {
      reset: async () => { turn = 1; return { observation: obs(1), info: {} }; },
      step: async () => {
        const t = turn++;
        return { observation: obs(turn), terminated: false, truncated: t >= 2, info: { ranking: ['a', 'b'], rewards: { hit: 1 } } };
      },
    };
    const sample = { ...samples[0]!, id: 's1', target: 'b', contextItems: [] };
    await expect(evaluate({ env, agent: new ShuffleAgent(), samples: [sample], seed: 0, rounds: 4 })).rejects.toThrow(/sample 's1': the env ended the episode after round 2 of 4/);
  });

  it('splits the new-item and repeated subsets with their counts', async () => {
    const hitRound = new Map(samples.filter((_, i) => i % 4 === 1).map((s) => [s.id, 1] as const)); // repeated ones only
    const run = await evaluate({ env: evalEnv(dataset).env, agent: new ScriptedAgent(targets, hitRound), samples, seed: 2 });
    const repeated = samples.filter((s) => s.contextItems.includes(s.target)).length;
    const fresh = samples.length - repeated;
    expect(repeated).toBeGreaterThan(0);
    expect(fresh).toBeGreaterThan(0);
    for (const r of run.rounds) {
      expect(r.newItem.samples).toBe(fresh);
      expect(r.repeated.samples).toBe(repeated);
      expect(r.newItem['recall@10']).toBe(0);
      expect(r.repeated['recall@10']).toBeCloseTo(hitRound.size / repeated, 12);
      expect(r['recall@10']).toBeCloseTo(hitRound.size / samples.length, 12);
      // The full set is the sample-weighted mean of its two subsets.
      for (const key of EVAL_METRIC_KEYS) {
        expect(r[key] * samples.length).toBeCloseTo(r.newItem[key] * fresh + r.repeated[key] * repeated, 9);
      }
    }
    expect(subsetTraces(run.samples, 'newItem').every(isNewItem)).toBe(true);
    expect(Object.keys(run.rounds[0]!)).toEqual(['round', ...EVAL_METRIC_KEYS, 'newItem', 'repeated', 'rewards', 'ci95']);
    expect(Object.keys(run.perTurnRounds[0]!)).toEqual(Object.keys(run.rounds[0]!));
    expect(Object.keys(run.rounds[0]!.newItem)).toEqual([...EVAL_METRIC_KEYS, 'samples', 'ci95']);
  });

  it('is deterministic for a seed and does not depend on sample order', async () => {
    const agent = new ShuffleAgent();
    const a = await evaluate({ env: evalEnv(dataset, {}, 'bm25').env, agent, samples, seed: 11 });
    const b = await evaluate({ env: evalEnv(dataset, {}, 'bm25').env, agent, samples, seed: 11 });
    expect(b).toEqual(a);
    const reversed = await evaluate({ env: evalEnv(dataset, {}, 'bm25').env, agent, samples: [...samples].reverse(), seed: 11 });
    expect([...reversed.samples].reverse()).toEqual(a.samples);
    const other = await evaluate({ env: evalEnv(dataset, {}, 'bm25').env, agent, samples, seed: 12 });
    expect(other.samples.map((s) => s.rounds[0]!.ranking)).not.toEqual(a.samples.map((s) => s.rounds[0]!.ranking));
    // Per-sample values line up with the means.
    const values = perSampleValues(a.samples, 5, 'ndcg@10');
    expect(values.reduce((x, y) => x + y, 0) / values.length).toBeCloseTo(a.rounds[4]!['ndcg@10'], 12);
    expect(roundMetrics(a.samples, 5)).toEqual(Object.fromEntries(EVAL_METRIC_KEYS.map((k) => [k, a.rounds[4]![k]])));
  });

  it('accepts sample ids with CrsEnv and names the protocol from the env config', async () => {
    const ids = samples.slice(0, 4).map((s) => s.id);
    const run = await evaluate({ env: evalEnv(dataset, { excludeContextItems: true }).env, agent: new ShuffleAgent(), samples: ids, seed: 5, rounds: 2 });
    expect(run.samples.map((s) => s.sampleId)).toEqual(ids);
    expect(run.samples.map((s) => s.target)).toEqual(samples.slice(0, 4).map((s) => s.target));
    expect(run.samples[1]!.targetInContext).toBe(true);
    expect(run.rounds).toHaveLength(2);
    expect(run.protocol).toBe('exclude-context-items');
  });

  it('rejects bad options with clear errors', async () => {
    const { env } = evalEnv(dataset, { rounds: 3 });
    const agent = new ShuffleAgent();
    await expect(evaluate({ env, agent, samples, seed: 1, rounds: 5 })).rejects.toThrow(/stops after 3 rounds/);
    await expect(evaluate({ env, agent, samples: [], seed: 1, rounds: 3 })).rejects.toThrow(/no samples/);
    await expect(evaluate({ env, agent, samples: [samples[0]!, samples[0]!], seed: 1, rounds: 3 })).rejects.toThrow(/listed twice/);
    await expect(evaluate({ env, agent, samples, seed: -1, rounds: 3 })).rejects.toThrow(/seed/);
    await expect(evaluate({ env, agent, samples: ['nope'], seed: 1, rounds: 3 })).rejects.toThrow(/nope/);
  });

  it('wraps agent failures with the sample and round', async () => {
    const failing = { name: 'boom', act: async (obs: CrsObservation) => { if (obs.turn === 2) throw new Error('model server down'); return { ranking: [] }; } };
    await expect(evaluate({ env: evalEnv(dataset).env, agent: failing, samples, seed: 1 })).rejects.toThrow(
      new RegExp(`sample '${samples[0]!.id}', round 2 \\(agent boom\\): model server down`),
    );
  });

  it('records the verdict, feedback and stated preference of each round, and counts false acceptances and preference changes', async () => {
    // A fake env whose user accepts in rounds 1 and 2 (the target is in the list only in round 2), states a
    // preference that changes once, and reports nothing in its last round.
    let turn = 0;
    const obs = (t: number): CrsObservation => ({
      sampleId: 's1', turn: t, rounds: 3, context: [], contextItems: [], contextEntities: [], feedback: '',
      candidates: [{ id: 'a', title: 'A', attributes: {}, score: 1 }, { id: 'b', title: 'B', attributes: {}, score: 0 }],
      previousPreference: '', previousList: [], listLength: 1, prompt: '',
    });
    const answers = [
      { text: 'That is it!', kind: 'accept', verdict: 'accept', preference: ['genre:drama'] },
      { text: 'Yes, B.', kind: 'accept', verdict: 'accept', preference: ['genre:drama', 'actor:x'] },
      undefined,
    ];
    const env: EvalEnv = {
      config: { rounds: 3, runAllRounds: true },
      reset: async () => { turn = 1; return { observation: obs(1), info: {} }; },
      step: async () => {
        const t = turn++;
        const feedback = answers[t - 1];
        return { observation: obs(turn), terminated: false, truncated: t >= 3, info: { ranking: [t === 2 ? 'b' : 'a'], rewards: {}, accepted: t === 2, ...(feedback ? { feedback } : {}) } };
      },
    };
    const sample = { ...samples[0]!, id: 's1', target: 'b', contextItems: [] };
    const run = await evaluate({ env, agent: new ShuffleAgent(), samples: [sample], seed: 0, rounds: 3 });
    const rounds = run.samples[0]!.rounds;
    expect(rounds.map((r) => r.feedback)).toEqual([answers[0], answers[1], undefined]);
    expect(run.feedback).toMatchObject({ turns: 2, verdicts: { accept: 2, partial: 0, reject: 0, unknown: 0 }, turnsWithoutTarget: 1, falseAcceptances: 1, falseAcceptanceRate: 1, multiRoundEpisodes: 1, preferenceChanged: 1, preferenceChangeShare: 1 });
    // Malformed fields are left out rather than trusted.
    answers[0] = { text: 'hm', kind: 'feedback', verdict: 'maybe', preference: [3] } as never;
    const odd = await evaluate({ env, agent: new ShuffleAgent(), samples: [sample], seed: 0, rounds: 3 });
    expect(odd.samples[0]!.rounds[0]!.feedback).toEqual({ text: 'hm', kind: 'feedback' });
    expect(odd.feedback.verdicts.unknown).toBe(1);
    expect(odd.feedback.multiRoundEpisodes).toBe(0);
    expect(odd.feedback.preferenceChangeShare).toBeNull();
  });

  describe('several env copies (concurrent samples)', () => {
    /** A shuffling agent that answers after a delay drawn from the sample id (so samples finish out of order), counting calls in flight. */
    class SlowShuffleAgent extends ShuffleAgent {
      inFlight = 0;
      maxInFlight = 0;
      override async act(obs: CrsObservation, rng: Rng): ReturnType<ShuffleAgent['act']> {
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        const delay = [...obs.sampleId].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 7, obs.turn);
        await new Promise((resolve) => setTimeout(resolve, delay));
        this.inFlight--;
        return super.act(obs, rng);
      }
    }

    it('gives the same run as one env, in sample order, with samples really overlapping', async () => {
      const one = await evaluate({ env: evalEnv(dataset, {}, 'bm25').env, agent: new ShuffleAgent(), samples, seed: 11 });
      const agent = new SlowShuffleAgent();
      const progress: number[] = [];
      const copies = [0, 1, 2, 3].map(() => evalEnv(dataset, {}, 'bm25').env);
      const four = await evaluate({ env: copies, agent, samples, seed: 11, onProgress: (done) => progress.push(done) });
      expect(four).toEqual(one);
      expect(four.samples.map((s) => s.sampleId)).toEqual(samples.map((s) => s.id));
      expect(agent.maxInFlight).toBe(4);
      expect(progress).toEqual(samples.map((_, i) => i + 1));
    });

    it('uses no more copies than there are samples, and one copy when given a list of one', async () => {
      const agent = new SlowShuffleAgent();
      const run = await evaluate({ env: [0, 1, 2].map(() => evalEnv(dataset).env), agent, samples: samples.slice(0, 2), seed: 4, rounds: 2 });
      expect(run.samples).toHaveLength(2);
      expect(agent.maxInFlight).toBe(2);
      const single = new SlowShuffleAgent();
      await evaluate({ env: [evalEnv(dataset).env], agent: single, samples: samples.slice(0, 3), seed: 4, rounds: 2 });
      expect(single.maxInFlight).toBe(1);
    });

    it('stops taking samples after a failure, lets the running ones finish, and throws the failure', async () => {
      const bad = samples[2]!.id;
      let started = 0;
      const failing = {
        name: 'boom',
        act: async (obs: CrsObservation, rng: Rng) => {
          if (obs.turn === 1) started++;
          await new Promise((resolve) => setTimeout(resolve, 2));
          if (obs.sampleId === bad) throw new Error('model server down');
          return new ShuffleAgent().act(obs, rng);
        },
      };
      await expect(evaluate({ env: [0, 1].map(() => evalEnv(dataset).env), agent: failing, samples, seed: 1 })).rejects.toThrow(
        new RegExp(`sample '${bad}', round 1 \\(agent boom\\): model server down`),
      );
      // Samples 0 and 1 started together; 2 failed at once; at most the sample the other copy was playing came after it.
      expect(started).toBeLessThanOrEqual(4);
      expect(started).toBeLessThan(samples.length);
    });

    it('rejects copies built differently, the same object twice, and an empty list', async () => {
      const agent = new ShuffleAgent();
      await expect(evaluate({ env: [evalEnv(dataset).env, evalEnv(dataset, { excludeContextItems: true }).env], agent, samples, seed: 1 })).rejects.toThrow(
        /copy 1 runs protocol 'exclude-context-items' but copy 0 runs 'default'/,
      );
      await expect(evaluate({ env: [evalEnv(dataset).env, evalEnv(dataset, { rounds: 3 }).env], agent, samples, seed: 1, rounds: 5 })).rejects.toThrow(/stops after 3 rounds/);
      const { env } = evalEnv(dataset);
      await expect(evaluate({ env: [env, env], agent, samples, seed: 1 })).rejects.toThrow(/listed twice/);
      await expect(evaluate({ env: [], agent, samples, seed: 1 })).rejects.toThrow(/no env given/);
    });
  });
});
