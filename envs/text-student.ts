// The env's E_T when the configured text encoder is slow (USE lite): a PieceBagEncoder distilled from it on the
// texts the env reads (src/encoders/student.ts). Novel env steps encode a new feedback text each; USE lite takes
// ~3-4 ms per text on one thread, the student ~0.05 ms. The retriever (both sides: items and queries), the
// preference reward and the neural agent all read the student's vectors, so they stay consistent.
import { z } from 'zod';
import type { Dataset, RecSample } from '../src/data/types.js';
import { Rng } from '../src/core/rng.js';
import { distillStudent, type DistillReport } from '../src/encoders/distill.js';
import type { PieceBagEncoder } from '../src/encoders/student.js';
import type { TextEncoder } from '../src/encoders/text-encoder.js';
import { Bm25Retriever } from '../src/retriever/bm25.js';
import { queryFromSample } from '../src/retriever/evaluate.js';
import { semanticTexts } from '../src/retriever/features.js';
import { itemText } from '../src/retriever/query-text.js';
import { itemsByIndex } from '../src/retriever/types.js';
import type { UserSimulator } from '../src/simulator/types.js';
import { buildSimulatorInput } from '../src/simulator/types.js';
import { referencePreference } from '../src/data/reference-preference.js';

export const StudentConfigSchema = z
  .object({
    /** Distil a student from the text encoder and use it as E_T (skipped for 'hash', which is fast already). */
    enabled: z.boolean().default(true),
    bigramBuckets: z.number().int().nonnegative().default(16_384),
    epochs: z.number().int().positive().default(12),
    learningRate: z.number().positive().default(0.1),
    /** Simulated feedback texts per train sample in the distillation corpus. */
    feedbackPerSample: z.number().int().nonnegative().default(2),
    /** Caps on the corpus (a seeded sample beyond them), which bound the teacher's encoding time on big datasets. */
    maxItems: z.number().int().positive().default(3000),
    maxContexts: z.number().int().positive().default(4000),
    maxFeedback: z.number().int().nonnegative().default(6000),
  })
  .strict();
export type StudentConfig = z.output<typeof StudentConfigSchema>;
export type StudentConfigInput = z.input<typeof StudentConfigSchema>;

/** Whether a student is distilled from the text encoder named by `spec`. */
export function wantsStudent(spec: unknown, config: StudentConfig): boolean {
  return config.enabled && spec !== 'hash';
}

/**
 * What the student learns from: item texts (as the retriever and the neural agent read them) and reference
 * preferences (the wording of P_t and P*) of up to `maxItems` items; train dialogue contexts as the retriever reads
 * them; and the simulator's feedback on plausible lists (BM25's top 20, 10 drawn) for train samples. Only train
 * samples: valid and test texts are for measuring. Deterministic given the dataset, simulator and seed.
 */
export async function studentCorpus(
  dataset: Dataset,
  simulator: UserSimulator,
  config: StudentConfig,
  seed: number,
  contextUtterances: number | null,
): Promise<string[]> {
  const rng = new Rng(seed).split('student-corpus');
  const texts = new Set<string>();
  for (const item of capped(itemsByIndex(dataset), config.maxItems, rng.split('items'))) {
    texts.add(itemText(item));
    texts.add(item.description || item.title);
    texts.add(referencePreference(item.attributes));
    texts.add(referencePreference(item.attributes, 1));
  }
  const train = dataset.samples.train;
  for (const s of capped(train, config.maxContexts, rng.split('contexts'))) texts.add(semanticTexts(queryFromSample(s), contextUtterances ?? undefined).context);
  const lexical = new Bm25Retriever(dataset);
  const feedbackSamples: RecSample[] = [];
  for (let k = 0; k < config.feedbackPerSample; k++) feedbackSamples.push(...train);
  const feedbackRng = rng.split('feedback');
  let index = 0;
  for (const sample of capped(feedbackSamples, config.maxFeedback, rng.split('feedback-samples'))) {
    const draw = feedbackRng.split(`feedback-${index++}`);
    const candidates = await lexical.retrieve(queryFromSample(sample), 20);
    const previousList = draw.sample(candidates.map((c) => c.id), 10);
    const feedback = await simulator.feedback(buildSimulatorInput(sample, dataset, previousList), draw.split('simulator'));
    texts.add(feedback.text);
  }
  texts.delete('');
  return [...texts];
}

function capped<T>(list: readonly T[], max: number, rng: Rng): readonly T[] {
  return list.length <= max ? list : rng.sample(list, max);
}

/** Encodes the corpus with the teacher (through its cache) and distils the student. */
export async function trainTextStudent(
  corpus: readonly string[],
  teacher: TextEncoder,
  config: StudentConfig,
  seed: number,
  log: (message: string) => void,
  onProgress?: (phase: 'teacher' | 'distil', done: number, total: number, label?: string) => void,
): Promise<{ encoder: PieceBagEncoder; report: DistillReport & { teacherSeconds: number } }> {
  const t0 = performance.now();
  // Teacher vectors in chunks so a first run shows its pace (the cache makes a repeat run fast either way).
  const targets: Float32Array[] = [];
  const chunk = 2048;
  for (let i = 0; i < corpus.length; i += chunk) {
    targets.push(...(await teacher.encode(corpus.slice(i, i + chunk))));
    onProgress?.('teacher', Math.min(i + chunk, corpus.length), corpus.length, teacher.id);
  }
  const teacherSeconds = (performance.now() - t0) / 1000;
  log(`student corpus: ${corpus.length} texts encoded by ${teacher.id} in ${teacherSeconds.toFixed(1)} s`);
  const { encoder, report } = distillStudent(corpus, targets, teacher.id, {
    seed,
    epochs: config.epochs,
    learningRate: config.learningRate,
    bigramBuckets: config.bigramBuckets,
    ...(onProgress ? { onEpoch: (epoch: number, epochs: number, cosine: number) => onProgress('distil', epoch, epochs, `cosine ${cosine.toFixed(3)}`) } : {}),
  });
  log(`student ${encoder.id}: cosine to ${teacher.id} ${report.trainCosine.toFixed(3)} (train), ${report.heldOutCosine.toFixed(3)} (held out), ${report.seconds.toFixed(1)} s`);
  return { encoder, report: { ...report, teacherSeconds } };
}
