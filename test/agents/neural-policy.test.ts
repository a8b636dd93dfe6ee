import { describe, it, expect, beforeAll } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { getTf, type Tf } from '../../src/nn/tf.js';
import { parseAction } from '../../envs/action.js';
import type { CrsObservation } from '../../envs/types.js';
import type { CrsEnv } from '../../envs/crs-env.js';
import { candidateLogits, optionLogits, plLogProb, sampleOptions, sampleRanking } from '../../agents/neural/model.js';
import { candidateLogitsTf, optionLogitsTf } from '../../agents/neural/tf-policy.js';
import type { NeuralRecommender } from '../../agents/neural/recommender.js';
import type { StepRecord } from '../../agents/neural/types.js';
import { collectObservations, makeWorld } from './fixtures.js';

let tf: Tf;
let env: CrsEnv;
let policy: NeuralRecommender;
let observations: CrsObservation[];

beforeAll(async () => {
  tf = await getTf('wasm');
  ({ env, policy } = await makeWorld());
  observations = await collectObservations(env, policy, 4);
});

function permutations(items: number[]): number[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((p) => [x, ...p]));
}

describe('Plackett-Luce', () => {
  it('full-permutation probabilities of a 3-item case sum to 1', () => {
    const logits = [0.3, -1.2, 2.0];
    const total = permutations([0, 1, 2]).reduce((s, p) => s + Math.exp(plLogProb(logits, p)), 0);
    expect(total).toBeCloseTo(1, 10);
  });

  it('top-2 prefixes of 4 items sum to 1, and STOP-blocked-first choices sum to 1', () => {
    const logits = [0.5, 1.5, -0.5, 0.1];
    let sum = 0;
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) if (i !== j) sum += Math.exp(plLogProb(logits, [i, j]));
    expect(sum).toBeCloseTo(1, 10);
    // Options 0..2 plus STOP (3), up to 2 picks, STOP not first: sequences [a, b] and [a, STOP].
    let sumOpt = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) if (i !== j) sumOpt += Math.exp(plLogProb(logits, [i, j], 3));
    expect(sumOpt).toBeCloseTo(1, 10);
  });

  it('Gumbel-top-k sampling matches the PL probabilities (first position frequencies)', () => {
    const logits = [1.0, 0.0, -1.0];
    const rng = new Rng('pl-freq');
    const counts = [0, 0, 0];
    const n = 20000;
    for (let i = 0; i < n; i++) counts[sampleRanking(logits, 2, rng)[0]!]!++;
    const z = logits.reduce((s, l) => s + Math.exp(l), 0);
    logits.forEach((l, i) => expect(counts[i]! / n).toBeCloseTo(Math.exp(l) / z, 1));
  });

  it('greedy ranking is the logits sorted, greedy options stop at STOP or m', () => {
    const logits = [0.2, 3.1, -0.4, 1.7, 1.7, 0.9];
    expect(sampleRanking(logits, 4, undefined)).toEqual([1, 3, 4, 5]);
    expect(sampleOptions([2, 1, 3, 1.5], 3, undefined)).toEqual([2, 0, 3]);
    expect(sampleOptions([2, 1, 3, 0.5], 3, undefined)).toEqual([2, 0, 1]); // STOP (index 3) is never first
    expect(sampleOptions([2, 1, 0.1, 5], 3, undefined)).toEqual([0, 3]);
  });
});

describe('NeuralRecommender', () => {
  it('the JS forward and the tfjs forward agree within 1e-4 (logits and log-probs)', async () => {
    const records: StepRecord[] = [];
    for (const [i, obs] of observations.entries()) records.push((await policy.actWithRecord(obs, new Rng(`eq/${i}`), { mode: 'sample' })).record);
    expect(records.length).toBeGreaterThan(4);
    const batch = policy.makeBatch(tf, records);
    const params = policy.parameterTensors(tf);
    const logits = candidateLogitsTf(tf, params, policy.shape, batch).arraySync() as number[][];
    const opt = optionLogitsTf(tf, params, policy.shape, batch).arraySync() as number[][];
    const lp = policy.logProb(tf, batch, params);
    const total = lp.total.arraySync() as number[];
    records.forEach((r, b) => {
      const js = candidateLogits(policy.params, policy.shape, r.inputs);
      for (let i = 0; i < r.inputs.n; i++) expect(Math.abs(logits[b]![i]! - js[i]!)).toBeLessThan(1e-4);
      const jsOpt = optionLogits(policy.params, policy.shape, r.inputs);
      for (let j = 0; j < r.inputs.a; j++) expect(Math.abs(opt[b]![j]! - jsOpt[j]!)).toBeLessThan(1e-4);
      expect(Math.abs(total[b]! - r.logProb)).toBeLessThan(1e-4);
    });
    batch.dispose();
    Object.values(params).forEach((t) => t.dispose());
  });

  it('greedy acts are deterministic and rank by score; sampled acts vary with the rng', async () => {
    const obs = observations[0]!;
    const a = await policy.actWithRecord(obs, new Rng(1), { mode: 'greedy' });
    const b = await policy.actWithRecord(obs, new Rng(2), { mode: 'greedy' });
    expect(a.action.ranking).toEqual(b.action.ranking);
    const logits = candidateLogits(policy.params, policy.shape, a.record.inputs);
    const sorted = [...logits.keys()].sort((i, j) => logits[j]! - logits[i]! || i - j).slice(0, obs.listLength);
    expect(Array.from(a.record.ranking)).toEqual(sorted);
    const lists = new Set<string>();
    for (let s = 0; s < 10; s++) lists.add((await policy.actWithRecord(obs, new Rng(`s${s}`), { mode: 'sample' })).action.ranking.join(','));
    expect(lists.size).toBeGreaterThan(1);
  });

  it('writes the five reasoning steps and a preference the env reads as a well-formed action', async () => {
    const obs = observations[0]!;
    const { action } = await policy.actWithRecord(obs, new Rng(5), { mode: 'sample' });
    const parsed = parseAction(action, obs.candidates, obs.listLength);
    expect(parsed.thinkSteps).toBe(5);
    expect(parsed.answerWellFormed).toBe(true);
    expect(parsed.ranking).toHaveLength(Math.min(obs.listLength, obs.candidates.length));
    expect(action.preference).toMatch(/^The user prefers /);
    expect(action.reasoning).toContain('Step1: Preference Inference');
  });
});

describe('FeatureExtractor', () => {
  it('reads feedback polarity, the previous list, P_{t-1} and collaborative similarity into the documented columns', async () => {
    const { FeatureExtractor, CANDIDATE_FEATURES, OPTION_FEATURES } = await import('../../agents/neural/features.js');
    const base = observations[0]!;
    const liked = base.candidates.find((c) => c.attributes.genre?.[0] && c.attributes.director?.[0])!;
    const genre = liked.attributes.genre![0]!;
    const director = liked.attributes.director![0]!;
    const disliked = base.candidates.find((c) => !(c.attributes.genre ?? []).includes(genre) && c.attributes.genre?.[0])!;
    const badGenre = disliked.attributes.genre![0]!;
    const obs: CrsObservation = {
      ...base,
      feedback: `I liked the ${genre} side of it, but no more ${badGenre} please.`,
      previousPreference: `The user prefers movies directed by ${director}.`,
      previousList: [disliked.id],
    };
    const vectors = new Map(base.candidates.map((c, i) => [c.id, Float32Array.from([1, i === 0 ? 1 : 0])]));
    const extractor = new FeatureExtractor({
      dataset: policy.extractor.dataset,
      textEncoder: policy.extractor.textEncoder,
      collaborative: { dim: 2, itemEmbedding: (id) => vectors.get(id) },
    });
    const f = await extractor.extract({ ...obs, contextItems: [{ id: base.candidates[0]!.id, title: '', attributes: {} }] });
    const F = CANDIDATE_FEATURES.length;
    const col = (name: (typeof CANDIDATE_FEATURES)[number], id: string) => f.inputs.x[obs.candidates.findIndex((c) => c.id === id) * F + CANDIDATE_FEATURES.indexOf(name)]!;
    expect(col('feedbackLiked', liked.id)).toBeGreaterThan(0);
    expect(col('feedbackDisliked', disliked.id)).toBeGreaterThan(0);
    expect(col('feedbackLiked', disliked.id)).toBe(0);
    expect(col('preferenceAttributes', liked.id)).toBeGreaterThan(0);
    expect(col('inPreviousList', disliked.id)).toBe(1);
    expect(col('inPreviousList', liked.id)).toBe(0);
    expect(col('hasFeedback', liked.id)).toBe(1);
    expect(col('collaborative', base.candidates[0]!.id)).toBeCloseTo(1, 6);
    expect(col('collaborative', base.candidates[1]!.id)).toBeCloseTo(Math.SQRT1_2, 6);
    const G = OPTION_FEATURES.length;
    const opt = (kind: string, value: string, name: (typeof OPTION_FEATURES)[number]) => {
      const j = f.options.findIndex((o) => o.kind === kind && o.value === value);
      return f.inputs.g[j * G + OPTION_FEATURES.indexOf(name)]!;
    };
    expect(opt('genre', genre, 'feedbackLiked')).toBe(1);
    expect(opt('genre', badGenre, 'feedbackDisliked')).toBe(1);
    expect(opt('director', director, 'inPreference')).toBe(1);
    expect(f.inputs.g[(f.inputs.a - 1) * G + OPTION_FEATURES.indexOf('stop')]).toBe(1);
  });

  it('a full query-text cache never loses the texts of the observation being read', async () => {
    const { FeatureExtractor } = await import('../../agents/neural/features.js');
    const deps = { dataset: policy.extractor.dataset, textEncoder: policy.extractor.textEncoder };
    const tiny = new FeatureExtractor(deps, { textCacheSize: 2 });
    const roomy = new FeatureExtractor(deps);
    const obs = (k: number): CrsObservation => ({ ...observations[0]!, feedback: `I did not like it ${k}.`, previousPreference: `The user prefers drama movies ${k}.` });
    for (const k of [1, 2, 1, 3]) {
      const a = await tiny.extract(obs(k));
      const b = await roomy.extract(obs(k));
      expect(Array.from(a.inputs.query)).toEqual(Array.from(b.inputs.query));
    }
  });
});
