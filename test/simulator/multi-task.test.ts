import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { makeSyntheticDataset } from '../../src/data/synthetic.js';
import type { Dataset } from '../../src/data/types.js';
import { HashingEncoder } from '../../src/encoders/hash-encoder.js';
import { getTf } from '../../src/nn/tf.js';
import { contextForward, initWeights, itemForward, listDim, preferenceForward, sigmoid, targetLogit, tfForward, toVariables, type HeadShapes } from '../../src/simulator/heads.js';
import { MultiTaskSimulator } from '../../src/simulator/multi-task.js';
import { buildSimulatorInput, seenItemIds, type Feedback } from '../../src/simulator/types.js';
import { FakeCollaborative, fixtureDataset, namesItem } from './fixtures.js';

const text = new HashingEncoder({ dim: 64 });

/**
 * Items of the dataset the feedback names although the user has not seen them. The seen items' titles are taken
 * out first, so an unseen title that is only part of a seen one ("The Restless Machine" in "The Restless
 * Machine 82") does not count.
 */
function unseenNamed(dataset: Dataset, fb: Feedback, seen: ReadonlySet<string>): string[] {
  const seenTitles = [...seen].flatMap((id) => {
    const title = dataset.itemById.get(id)?.title;
    return title === undefined ? [] : [title, title.replace(/\s*\(\d{4}\)$/, '')];
  });
  const text = seenTitles.sort((a, b) => b.length - a.length).reduce((t, title) => t.split(title).join(' | '), fb.text);
  return dataset.items.filter((i) => !seen.has(i.id) && namesItem(text, i.title)).map((i) => i.title);
}

describe('heads: the plain-JS forward equals the tfjs forward', () => {
  it('on random weights and inputs', async () => {
    const tf = await getTf('wasm');
    const rng = new Rng('forward');
    const s: HeadShapes = { contextDim: 30, bagOffset: 18, vocabSize: 10, itemDim: 14, pairDim: 5, hidden: 12, userDim: 6 };
    const w = initWeights(s, rng);
    for (const name of ['ba', 'wcopy', 'wp', 'b1', 'wshown'] as const) for (let i = 0; i < w[name].length; i++) w[name][i] = rng.uniform(-1, 1);
    const B = 3;
    const L = 4;
    const rand = (n: number): Float32Array => Float32Array.from({ length: n }, () => (rng.bernoulli(0.3) ? 0 : rng.uniform(-1, 1)));
    const X = rand(B * s.contextDim);
    const F = rand(B * L * s.itemDim);
    const P = rand(B * L * s.pairDim);
    const S = Float32Array.from({ length: B * listDim(s) }, () => (rng.bernoulli(0.6) ? 0 : rng.uniform(0, 1)));
    const M = new Float32Array(B * L * s.vocabSize);
    const indices: Int32Array[] = [];
    for (let r = 0; r < B * L; r++) {
      const idx = Int32Array.from(rng.sample([...Array(s.vocabSize).keys()], rng.int(0, 4)).sort((a, b) => a - b));
      indices.push(idx);
      for (const i of idx) M[r * s.vocabSize + i] = 1 / idx.length;
    }
    const vars = toVariables(tf, w, s);
    const { attrLogits, preferenceLogits, targetLogits } = tfForward(tf, vars, s, {
      X: tf.tensor2d(X, [B, s.contextDim]),
      F: tf.tensor3d(F, [B, L, s.itemDim]),
      M: tf.tensor3d(M, [B, L, s.vocabSize]),
      P: tf.tensor3d(P, [B, L, s.pairDim]),
      S: tf.tensor2d(S, [B, listDim(s)]),
    });
    const tfAttr = attrLogits.dataSync();
    const tfPreference = preferenceLogits.dataSync();
    const tfTarget = targetLogits.dataSync();
    for (let b = 0; b < B; b++) {
      const state = contextForward(w, s, X.slice(b * s.contextDim, (b + 1) * s.contextDim));
      for (let i = 0; i < s.vocabSize; i++) expect(state.attrLogits[i]).toBeCloseTo(tfAttr[b * s.vocabSize + i]!, 4);
      const preference = preferenceForward(w, s, state, X.slice(b * s.contextDim, (b + 1) * s.contextDim), S.slice(b * listDim(s), (b + 1) * listDim(s)));
      for (let i = 0; i < s.vocabSize; i++) expect(preference[i]).toBeCloseTo(sigmoid(tfPreference[b * s.vocabSize + i]!), 5);
      for (let l = 0; l < L; l++) {
        const r = b * L + l;
        const proj = itemForward(w, s, F.slice(r * s.itemDim, (r + 1) * s.itemDim));
        const logit = targetLogit(w, state, proj, P.slice(r * s.pairDim, (r + 1) * s.pairDim), indices[r]!);
        expect(logit).toBeCloseTo(tfTarget[r]!, 4);
      }
    }
    for (const v of Object.values(vars)) v.dispose();
  });
});

describe('MultiTaskSimulator on a synthetic dataset', () => {
  const dataset = makeSyntheticDataset({ seed: 7, items: 90, dialogues: 240 });
  let sim: MultiTaskSimulator;
  let dir: string;

  beforeAll(async () => {
    sim = await MultiTaskSimulator.train(dataset, { text, collaborative: new FakeCollaborative(8) }, { epochs: 12, seed: 1 });
    dir = await mkdtemp(join(tmpdir(), 'crs-sim-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the attribute head beats the popularity baseline and the target head separates targets', () => {
    const m = sim.metrics;
    expect(m.attributes.samples).toBeGreaterThan(20);
    expect(m.attributes['precision@5']).toBeGreaterThan(m.attributes['popularityPrecision@5'] + 0.15);
    expect(m.attributes.f1).toBeGreaterThan(m.attributes.popularityF1);
    expect(m.target.auc).toBeGreaterThan(0.7);
    expect(m.target.aucSimple).toBeGreaterThan(0.8);
    expect(m.target.auc).toBeGreaterThan(m.target.popularityAuc);
  });

  it('scores the target above the other listed items more often than chance', async () => {
    let wins = 0;
    const samples = dataset.samples.test;
    const rng = new Rng('rank');
    for (const sample of samples) {
      const others = rng.sample(dataset.items.filter((i) => i.id !== sample.target).map((i) => i.id), 4);
      const fb = await sim.feedback(buildSimulatorInput(sample, dataset, [sample.target, ...others]), rng.split(sample.id));
      const best = fb.judgments.reduce((a, b) => (b.score > a.score ? b : a));
      if (best.itemId === sample.target) wins++;
    }
    expect(wins / samples.length).toBeGreaterThan(0.4); // chance is 0.2
  });

  it('feedback is deterministic for a seed and varies across seeds', async () => {
    const sample = dataset.samples.test[0]!;
    const input = buildSimulatorInput(sample, dataset, dataset.items.slice(0, 5).map((i) => i.id));
    const a = await sim.feedback(input, new Rng('s1'));
    const b = await sim.feedback(buildSimulatorInput(sample, dataset, dataset.items.slice(0, 5).map((i) => i.id)), new Rng('s1'));
    expect(b).toEqual(a);
    const texts = new Set<string>();
    for (let k = 0; k < 30; k++) texts.add((await sim.feedback(input, new Rng(`v${k}`))).text);
    expect(texts.size).toBeGreaterThan(10);
    expect(a.source).toBe('multi-task');
    expect(a.judgments.map((j) => j.itemId)).toEqual(input.previousList.map((v) => v.id));
    expect(a.predictedAttributes.length).toBeGreaterThan(0);
  });

  it('cold start gives a preference statement that names no item outside D', async () => {
    for (const sample of dataset.samples.test.slice(0, 10)) {
      const input = buildSimulatorInput(sample, dataset, []);
      const fb = await sim.feedback(input, new Rng(sample.id));
      expect(fb.kind).toBe('feedback');
      expect(fb.judgments).toEqual([]);
      expect(fb.text.length).toBeGreaterThan(10);
      expect(unseenNamed(dataset, fb, seenItemIds(input))).toEqual([]);
    }
  });

  it('save/load round trip gives identical feedback and metrics', async () => {
    await sim.save(dir);
    const loaded = await MultiTaskSimulator.load(dir, { text, collaborative: new FakeCollaborative(8) });
    expect(loaded.metrics).toEqual(sim.metrics);
    expect(loaded.thresholds).toEqual(sim.thresholds);
    for (const sample of dataset.samples.test.slice(0, 8)) {
      const list = [sample.target, ...dataset.items.slice(0, 4).map((i) => i.id)];
      const input = buildSimulatorInput(sample, dataset, list);
      expect(await loaded.feedback(input, new Rng(sample.id))).toEqual(await sim.feedback(input, new Rng(sample.id)));
    }
  });

  it('load refuses another encoder and a broken manifest, naming the file', async () => {
    await sim.save(dir);
    await expect(MultiTaskSimulator.load(dir, { text: new HashingEncoder({ dim: 32 }), collaborative: new FakeCollaborative(8) })).rejects.toThrow(
      /simulator\.json: trained with text encoder 'hash-64'/,
    );
    await expect(MultiTaskSimulator.load(dir, { text })).rejects.toThrow(/8-dim collaborative view/);
    await writeFile(join(dir, 'weights.bin'), new Uint8Array(12));
    await expect(MultiTaskSimulator.load(dir, { text, collaborative: new FakeCollaborative(8) })).rejects.toThrow(/weights\.bin/);
    await writeFile(join(dir, 'simulator.json'), '{"format":"nope"}');
    await expect(MultiTaskSimulator.load(dir, { text })).rejects.toThrow(/simulator\.json: not a crs-gym\/multi-task-simulator/);
  });
});

describe('MultiTaskSimulator on the fixture (names only what the user has seen)', () => {
  const dataset = fixtureDataset();
  let sim: MultiTaskSimulator;

  beforeAll(async () => {
    sim = await MultiTaskSimulator.train(dataset, { text }, { epochs: 4, vocab: { minCount: 1 }, acceptThreshold: 0.3, partialThreshold: 0.1 });
  });

  it('never names an item outside D and R_{t-1}, over many seeds and lists', async () => {
    const ids = dataset.items.map((i) => i.id);
    const samples = [...dataset.samples.train, ...dataset.samples.valid, ...dataset.samples.test];
    const kinds = new Set<string>();
    // "Selena Gomez" (an actor of Spring Breakers) contains the title "Selena": said only once Selena is seen.
    const selenaGomez = { seen: 0, unseen: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: samples.length - 1 }),
        fc.uniqueArray(fc.constantFrom(...ids), { maxLength: 6 }),
        fc.integer(),
        async (k, list, seed) => {
          const input = buildSimulatorInput(samples[k]!, dataset, list);
          const fb = await sim.feedback(input, new Rng(seed));
          kinds.add(fb.kind);
          expect(unseenNamed(dataset, fb, seenItemIds(input))).toEqual([]);
          if (fb.predictedAttributes.some((a) => a.value === 'Selena Gomez')) selenaGomez[seenItemIds(input).has('8') ? 'seen' : 'unseen']++;
        },
      ),
      { numRuns: 400, seed: 42 },
    );
    expect(kinds.has('feedback')).toBe(true);
    expect(kinds.has('accept')).toBe(true);
    expect(selenaGomez.unseen).toBe(0);
    expect(selenaGomez.seen).toBeGreaterThan(0);
  });

  it('the case-study dialogue never reveals Joker unless it is recommended', async () => {
    const sample = dataset.samples.test.find((s) => s.target === '1')!;
    for (let seed = 0; seed < 200; seed++) {
      const fb = await sim.feedback(buildSimulatorInput(sample, dataset, ['11', '13', '16']), new Rng(seed));
      expect(fb.text).not.toMatch(/Joker/);
    }
  });

  it('training is seeded: the same seed gives the same model, and progress is reported per epoch', async () => {
    const epochs: number[] = [];
    const again = await MultiTaskSimulator.train(
      dataset,
      { text },
      { epochs: 4, vocab: { minCount: 1 }, acceptThreshold: 0.3, partialThreshold: 0.1 },
      (p) => epochs.push(p.epoch),
    );
    expect(epochs[0]).toBe(1);
    expect(again.metrics).toEqual(sim.metrics);
    const input = buildSimulatorInput(dataset.samples.test[0]!, dataset, ['1', '5', '9']);
    expect(await again.feedback(input, new Rng(5))).toEqual(await sim.feedback(input, new Rng(5)));
  });

  it('refuses to train without train samples or attributes, saying why', async () => {
    const empty = { ...dataset, samples: { ...dataset.samples, train: [] } };
    await expect(MultiTaskSimulator.train(empty, { text }, { epochs: 1 })).rejects.toThrow(/attribute vocabulary of 'simulator-fixture' is empty/);
    await expect(MultiTaskSimulator.train(dataset, { text }, { epochs: 0 })).rejects.toThrow(/multi-task simulator config: epochs/);
  });

  it('an accept names an item of the list', async () => {
    const sample = dataset.samples.test.find((s) => s.target === '1')!;
    for (let seed = 0; seed < 50; seed++) {
      const input = buildSimulatorInput(sample, dataset, ['1', '5']);
      const fb = await sim.feedback(input, new Rng(seed));
      if (fb.kind !== 'accept') continue;
      expect(fb.text).toMatch(/Joker|Hangover/);
    }
  });
});
