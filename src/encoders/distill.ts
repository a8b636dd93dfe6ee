// Distils a PieceBagEncoder (src/encoders/student.ts) from a teacher's vectors: each text's rows are summed, and the
// cosine to the teacher's vector is maximized by row-wise Adagrad (each row keeps one accumulator; a text touches
// only its own rows, so an epoch costs the sum of the texts' lengths x dim). Plain JS, seeded, deterministic.
import { Rng } from '../core/rng.js';
import { featureRows, PieceBagEncoder, studentTokens, sumRows, useLiteTokenizer, type StudentShape } from './student.js';

export interface DistillOptions {
  seed?: number;
  /** Passes over the texts (default 12). */
  epochs?: number;
  /** Adagrad step (default 0.1). */
  learningRate?: number;
  /** Hashed piece-bigram rows (default 16,384; 0 = unigrams only). */
  bigramBuckets?: number;
  /** Standard deviation of the initial rows (default 0.02). */
  initScale?: number;
  /** Share of the texts held out to report the student's cosine to the teacher (default 0.05). */
  holdout?: number;
  onEpoch?: (epoch: number, epochs: number, meanCosine: number) => void;
}

export interface DistillReport {
  texts: number;
  epochs: number;
  /** Mean cosine to the teacher on the training texts (last epoch) and on the held-out texts. */
  trainCosine: number;
  heldOutCosine: number;
  seconds: number;
}

/** Trains a student on `texts` and the teacher's unit vectors of them (`targets[i]` for `texts[i]`). */
export function distillStudent(
  texts: readonly string[],
  targets: readonly Float32Array[],
  teacherId: string,
  options: DistillOptions = {},
): { encoder: PieceBagEncoder; report: DistillReport } {
  if (texts.length !== targets.length) throw new RangeError(`distillStudent: ${texts.length} texts but ${targets.length} targets`);
  if (texts.length === 0) throw new RangeError('distillStudent: no texts to learn from');
  const dim = targets[0]!.length;
  const epochs = options.epochs ?? 12;
  const lr = options.learningRate ?? 0.1;
  const shape: StudentShape = { dim, vocabSize: useLiteTokenizer().tokenizer.size, bigramBuckets: options.bigramBuckets ?? 16_384 };
  const rng = new Rng(options.seed ?? 0);
  const started = performance.now();

  const rows = texts.map((t) => featureRows(studentTokens(t), shape));
  const order = rng.split('holdout').shuffle(texts.map((_, i) => i));
  const heldOut = order.slice(0, Math.floor((options.holdout ?? 0.05) * texts.length));
  const train = order.slice(heldOut.length);

  const rowCount = shape.vocabSize + shape.bigramBuckets;
  const table = new Float32Array(rowCount * dim);
  const init = rng.split('init');
  const scale = options.initScale ?? 0.02;
  for (let i = 0; i < table.length; i++) table[i] = init.normal(0, scale);
  const accumulator = new Float64Array(rowCount).fill(1e-8);
  const v = new Float32Array(dim);
  const grad = new Float32Array(dim);

  const cosineOf = (i: number): number => normAndCosine(sumRows(table, rows[i]!, dim, v), targets[i]!)[1];

  let trainCosine = 0;
  const shuffler = rng.split('order');
  for (let epoch = 0; epoch < epochs; epoch++) {
    let sum = 0;
    for (const i of shuffler.shuffle(train)) {
      const r = rows[i]!;
      const t = targets[i]!;
      const [n, c] = normAndCosine(sumRows(table, r, dim, v), t);
      if (n === 0) continue;
      sum += c;
      // d(1 - cos)/dv = -(t - c v/|v|) / |v|
      let g2 = 0;
      for (let d = 0; d < dim; d++) {
        const g = -(t[d]! - (c * v[d]!) / n) / n;
        grad[d] = g;
        g2 += g * g;
      }
      g2 /= dim;
      for (let k = 0; k < r.length; k++) {
        const row = r[k]!;
        accumulator[row] = accumulator[row]! + g2;
        const step = lr / Math.sqrt(accumulator[row]!);
        const at = row * dim;
        for (let d = 0; d < dim; d++) table[at + d] = table[at + d]! - step * grad[d]!;
      }
    }
    trainCosine = sum / Math.max(1, train.length);
    options.onEpoch?.(epoch + 1, epochs, trainCosine);
  }
  const heldOutCosine = heldOut.length === 0 ? Number.NaN : heldOut.reduce((s, i) => s + cosineOf(i), 0) / heldOut.length;
  const report: DistillReport = { texts: texts.length, epochs, trainCosine, heldOutCosine, seconds: (performance.now() - started) / 1000 };
  const encoder = new PieceBagEncoder(shape, table, teacherId, { ...report, seed: options.seed ?? 0, learningRate: lr, initScale: scale });
  return { encoder, report };
}

/** |v| and the cosine of v to the unit vector t (0 when v is zero). */
function normAndCosine(v: Float32Array, t: Float32Array): [number, number] {
  let vv = 0;
  let vt = 0;
  for (let d = 0; d < v.length; d++) {
    vv += v[d]! * v[d]!;
    vt += v[d]! * t[d]!;
  }
  const n = Math.sqrt(vv);
  return [n, n > 0 ? vt / n : 0];
}
