// A second TrainablePolicy, small on purpose: a linear softmax over hand-made candidate features. Each round it
// scores the candidates with w . f(candidate), draws a top-k list from the Plackett-Luce distribution of those
// scores (Gumbel-top-k; greedy: the k best), and records log pi(list). It states no preference and writes no
// reasoning, so the format rewards stay where they start; hit and rank are what it can learn.
// Everything it reads is in the observation: no dataset, no encoder, no trained component.
import type { Tensor, Tensor1D } from '@tensorflow/tfjs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Rng } from '../../src/core/rng.js';
import type { Tf } from '../../src/nn/tf.js';
import type { StructuredAction } from '../../envs/action.js';
import type { CrsObservation } from '../../envs/types.js';
import type { ActMode, ParameterView, PolicyStep, TrainablePolicy } from '../../agents/trainable.js';

/** The features of a candidate, in order. */
export const LINEAR_FEATURES = ['retriever_score', 'retriever_rank', 'in_previous_list', 'mentioned_in_dialogue', 'feedback_overlap', 'context_overlap'] as const;
const F = LINEAR_FEATURES.length;

/** What a step records: the candidates' features and the chosen list, enough to recompute log pi(list). */
export interface LinearStep extends PolicyStep {
  /** Candidates. */
  n: number;
  /** n x F features, row-major. */
  features: Float32Array;
  /** Chosen candidate indices, best first. */
  ranking: Int32Array;
}

export interface LinearPolicyOptions {
  /** Initial weights, one per feature (default: all 0, a uniform draw over the candidates). */
  init?: number[];
}

function values(attributes: Readonly<Record<string, readonly string[] | undefined>>): string[] {
  return Object.values(attributes).flatMap((v) => v ?? []).map((v) => v.toLowerCase());
}

/** f(candidate) for every candidate of the observation. */
export function candidateFeatures(observation: CrsObservation): Float32Array {
  const { candidates } = observation;
  const n = candidates.length;
  const out = new Float32Array(n * F);
  const scores = candidates.map((c) => c.score);
  const mean = scores.reduce((a, b) => a + b, 0) / Math.max(1, n);
  const std = Math.sqrt(scores.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, n));
  const previous = new Set(observation.previousList);
  const mentioned = new Set(observation.contextItems.map((c) => c.id));
  const contextValues = new Set(observation.contextItems.flatMap((c) => values(c.attributes)));
  const feedback = observation.feedback.toLowerCase();
  candidates.forEach((c, i) => {
    const own = values(c.attributes);
    const row = [
      std > 0 ? ((c.score - mean) / std) : 0,
      1 - i / Math.max(1, n),
      previous.has(c.id) ? 1 : 0,
      mentioned.has(c.id) ? 1 : 0,
      own.length > 0 && feedback !== '' ? own.filter((v) => feedback.includes(v)).length / own.length : 0,
      own.length > 0 ? own.filter((v) => contextValues.has(v)).length / own.length : 0,
    ];
    out.set(row, i * F);
  });
  return out;
}

function logSumExp(xs: readonly number[]): number {
  const max = Math.max(...xs);
  return max + Math.log(xs.reduce((s, x) => s + Math.exp(x - max), 0));
}

export class LinearPolicy implements TrainablePolicy<LinearStep, LinearBatch> {
  readonly name = 'linear';
  readonly parameters: ParameterView[];

  constructor(options: LinearPolicyOptions = {}, private readonly isFrozen = false) {
    const init = options.init ?? new Array<number>(F).fill(0);
    if (init.length !== F || !init.every(Number.isFinite)) throw new RangeError(`linear policy: init needs ${F} finite numbers (${LINEAR_FEATURES.join(', ')})`);
    this.parameters = [{ name: 'w', shape: [F], data: Float32Array.from(init) }];
  }

  get weights(): Float32Array {
    return (this.parameters[0] as ParameterView).data;
  }

  private logits(features: Float32Array, n: number): number[] {
    return Array.from({ length: n }, (_, i) => {
      let z = 0;
      for (let f = 0; f < F; f++) z += (features[i * F + f] as number) * (this.weights[f] as number);
      return z;
    });
  }

  async act(observation: CrsObservation, rng: Rng): Promise<StructuredAction> {
    return (await this.actWithRecord(observation, rng, { mode: 'greedy' })).action;
  }

  async actWithRecord(observation: CrsObservation, rng: Rng, opts: { mode?: ActMode } = {}): Promise<{ action: StructuredAction; record: LinearStep }> {
    const n = observation.candidates.length;
    const features = candidateFeatures(observation);
    const logits = this.logits(features, n);
    // Gumbel-top-k draws a list from the Plackett-Luce distribution; without noise it is the k best.
    const keys = opts.mode === 'sample' ? logits.map((z) => z - Math.log(-Math.log(Math.min(1 - 1e-12, Math.max(1e-12, rng.random()))))) : logits;
    const order = [...keys.keys()].sort((a, b) => (keys[b] as number) - (keys[a] as number) || a - b);
    const ranking = order.slice(0, Math.min(observation.listLength, n));
    let logProb = 0;
    const left = new Set(order);
    for (const i of ranking) {
      logProb += (logits[i] as number) - logSumExp([...left].map((j) => logits[j] as number));
      left.delete(i);
    }
    const lse = logSumExp(logits);
    const entropy = -logits.reduce((s, z) => s + Math.exp(z - lse) * (z - lse), 0);
    const record: LinearStep = { sampleId: observation.sampleId, turn: observation.turn, logProb, entropy: { ranking: entropy }, rewards: {}, reward: 0, n, features, ranking: Int32Array.from(ranking) };
    return { action: { ranking: ranking.map((i) => observation.candidates[i]!.id) }, record };
  }

  getWeights(): Float32Array[] {
    return [this.weights.slice()];
  }

  setWeights(buffers: readonly Float32Array[]): void {
    if (this.isFrozen) throw new Error('linear policy: a reference copy cannot change');
    const w = buffers[0];
    if (buffers.length !== 1 || !w || w.length !== F) throw new RangeError(`linear policy: setWeights needs one array of ${F} values`);
    this.weights.set(w);
  }

  makeBatch(tf: Tf, records: readonly LinearStep[]): LinearBatch {
    const B = records.length;
    const N = Math.max(1, ...records.map((r) => r.n));
    const K = Math.max(1, ...records.map((r) => r.ranking.length));
    const x = new Float32Array(B * N * F);
    const chosen = new Float32Array(B * K * N);
    const avail = new Float32Array(B * K * N);
    const step = new Float32Array(B * K);
    records.forEach((r, b) => {
      x.set(r.features, b * N * F);
      const used = new Set<number>();
      for (let k = 0; k < K; k++) {
        if (k >= r.ranking.length) continue;
        step[b * K + k] = 1;
        for (let i = 0; i < r.n; i++) if (!used.has(i)) avail[(b * K + k) * N + i] = 1;
        const pick = r.ranking[k] as number;
        chosen[(b * K + k) * N + pick] = 1;
        used.add(pick);
      }
    });
    return new LinearBatch(tf.tensor3d(x, [B, N, F]), tf.tensor3d(chosen, [B, K, N]), tf.tensor3d(avail, [B, K, N]), tf.tensor2d(step, [B, K]));
  }

  logProbs(tf: Tf, batch: LinearBatch, params?: readonly Tensor[]): Tensor1D {
    const own = params ? undefined : tf.tensor1d(this.weights);
    const w = (params?.[0] ?? own) as Tensor;
    const [B, N] = batch.x.shape as [number, number, number];
    const logits = tf.reshape(tf.matMul(tf.reshape(batch.x, [B * N, F]), tf.reshape(w, [F, 1])), [B, 1, N]);
    // Plackett-Luce: at each position, the chosen logit minus the log-sum-exp over the candidates still available.
    const masked = tf.add(logits, tf.mul(tf.sub(batch.avail, 1), 1e9));
    const picked = tf.sum(tf.mul(batch.chosen, logits), -1);
    const out = tf.sum(tf.mul(batch.step, tf.sub(picked, tf.logSumExp(masked, -1))), -1) as Tensor1D;
    own?.dispose();
    return out;
  }

  async save(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'linear-policy.json'), `${JSON.stringify({ kind: 'linear-policy', features: LINEAR_FEATURES, weights: Array.from(this.weights) }, null, 2)}\n`);
  }

  async load(dir: string): Promise<LinearPolicy> {
    const file = join(dir, 'linear-policy.json');
    const saved = JSON.parse(await readFile(file, 'utf8')) as { kind?: unknown; weights?: unknown };
    if (saved.kind !== 'linear-policy' || !Array.isArray(saved.weights)) throw new Error(`${file}: not a saved linear policy`);
    return new LinearPolicy({ init: saved.weights as number[] });
  }

  reference(weights?: readonly Float32Array[]): LinearPolicy {
    return new LinearPolicy({ init: Array.from(weights?.[0] ?? this.weights) }, true);
  }
}

export class LinearBatch {
  constructor(
    readonly x: Tensor,
    readonly chosen: Tensor,
    readonly avail: Tensor,
    readonly step: Tensor,
  ) {}

  dispose(): void {
    [this.x, this.chosen, this.avail, this.step].forEach((t) => t.dispose());
  }
}
