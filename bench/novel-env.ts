// Novel episodes for the env bench: every timed episode starts on a sample this thread has not played before, and
// the text encoder's persistent cache holds only what training leaves there (dialogue contexts, item texts,
// reference preferences), never a feedback text. That is what GRPO rollouts and evaluations meet: the simulator's
// feedback is new text, so E_T runs on it, and the sample's cold start, dialogue memo and token cache are cold.
//
// `createEnv(args, index)` is an AsyncVectorEnv setup module (and is called directly for the single-thread runs):
// copy `index` of `copies` plays the samples of a seeded permutation of the split whose position is `index` modulo
// `copies`, one per episode. Reset options choose the phase: `{ phase: 'warmup' }` cycles through other splits'
// samples (untimed: lets V8 compile the worker's code), `{ phase: 'timed' }` walks the timed list once; an episode
// after the list is used up repeats a sample and is flagged in its reset info (`novelRepeat`).
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CrsAction } from '../envs/action.js';
import type { CrsEnv } from '../envs/crs-env.js';
import type { CrsObservation } from '../envs/types.js';
import { defaultArtifactsRoot, type EnvComponents } from '../envs/components.js';
import { makeCrsEnv, sharedComponents, sharedDataset } from '../envs/register.js';
import { CachedEncoder, EmbeddingCache } from '../src/encoders/embedding-cache.js';
import { Rng } from '../src/core/rng.js';
import type { Dataset, RecSample, Split } from '../src/data/types.js';
import type { Env, ResetResult, StepResult } from '../src/core/env.js';
import type { Info } from '../src/core/env.js';
import { semanticTexts } from '../src/retriever/features.js';
import { queryFromSample } from '../src/retriever/evaluate.js';
import { itemText } from '../src/retriever/query-text.js';
import { itemsByIndex } from '../src/retriever/types.js';
import { referencePreference } from '../rewards/reference-preference.js';

export { createObservationCodec } from '../envs/observation-codec.js';

/** The built-in datasets the env bench can play. */
export const BENCH_DATASETS = ['inspired', 'redial', 'opendialkg'] as const;
export type BenchDataset = (typeof BENCH_DATASETS)[number];

export interface NovelArgs {
  dataset: BenchDataset;
  /** make options (the bench's ENV_OPTIONS). */
  options: Record<string, unknown>;
  /** The embedding cache folder this env reads and writes (a copy of the corpus-only cache, one per run). */
  embeddingsDir: string;
  /** Copies sharing the timed list (numEnvs of the vector env; 1 for a single env). */
  copies: number;
  /** Seed of the permutation of the timed split. */
  seed: number;
  /** Split the timed episodes come from. */
  split: Split;
  /** Splits the warm-up episodes come from (never timed). */
  warmupSplits: Split[];
}

/** The timed split's sample ids in a seeded order. */
export function novelOrder(dataset: Dataset, split: Split, seed: number): string[] {
  return new Rng(seed).shuffle(dataset.samples[split].map((s) => s.id));
}

/** A CrsEnv that picks its own samples: never the same one twice in the timed phase. */
class NovelEpisodes implements Env<CrsObservation, CrsAction> {
  private phase: 'warmup' | 'timed' = 'timed';
  private timedAt = 0;
  private warmupAt = 0;
  readonly metadata: CrsEnv['metadata'];
  readonly observationSpace: CrsEnv['observationSpace'];
  readonly actionSpace: CrsEnv['actionSpace'];

  constructor(
    private readonly env: CrsEnv,
    private readonly timed: readonly string[],
    private readonly warmup: readonly string[],
  ) {
    this.metadata = env.metadata;
    this.observationSpace = env.observationSpace;
    this.actionSpace = env.actionSpace;
  }

  async reset(opts: { seed?: number; options?: Record<string, unknown> } = {}): Promise<ResetResult<CrsObservation>> {
    const phase = opts.options?.phase;
    if (phase === 'warmup' || phase === 'timed') this.phase = phase;
    let sampleId: string;
    let repeat = false;
    if (this.phase === 'warmup' && this.warmup.length > 0) {
      sampleId = this.warmup[this.warmupAt++ % this.warmup.length]!;
    } else {
      repeat = this.timedAt >= this.timed.length;
      sampleId = this.timed[this.timedAt++ % this.timed.length]!;
    }
    const r = await this.env.reset({ ...(opts.seed !== undefined ? { seed: opts.seed } : {}), options: { sampleId } });
    return { observation: r.observation, info: { ...r.info, ...(repeat && this.phase === 'timed' ? { novelRepeat: true } : {}) } };
  }

  step(action: CrsAction): Promise<StepResult<CrsObservation>> {
    return this.env.step(action);
  }

  render(): string {
    return this.env.render();
  }

  close(): Promise<void> {
    return this.env.close();
  }
}

/**
 * Copy `index` of a novel-episode run. Its components read `args.embeddingsDir` (the components of a process are
 * shared per artifacts folder, config and embeddings folder, so naming the artifacts folder keeps them apart from the
 * warm env's in the bench's own thread).
 */
export async function createEnv(args: NovelArgs, index = 0): Promise<Env<CrsObservation, CrsAction>> {
  const saved = process.env.CRS_GYM_EMBEDDINGS;
  process.env.CRS_GYM_EMBEDDINGS = args.embeddingsDir;
  let env: CrsEnv;
  try {
    env = await makeCrsEnv(args.dataset, { ...args.options, artifactsDir: (args.options.artifactsDir as string | undefined) ?? defaultArtifactsRoot() });
  } finally {
    if (saved === undefined) delete process.env.CRS_GYM_EMBEDDINGS;
    else process.env.CRS_GYM_EMBEDDINGS = saved;
  }
  const dataset = sharedDataset(args.dataset, args.options.dataRoot as string | undefined);
  const mine = <T>(list: readonly T[]): T[] => list.filter((_, k) => k % args.copies === index);
  const timed = mine(novelOrder(dataset, args.split, args.seed));
  const warmup = mine(args.warmupSplits.flatMap((s) => dataset.samples[s].map((x) => x.id)));
  return new NovelEpisodes(env, timed, warmup);
}

/** Whether a reset's info says the sample was played before in the timed phase. */
export function isRepeat(info: Info): boolean {
  return info.novelRepeat === true;
}

/** The texts training puts in the embedding cache: every dialogue context (as the retriever reads it), item texts and reference preferences. */
export function corpusTexts(dataset: Dataset, parts: EnvComponents): string[] {
  const n = parts.retriever.featurizer.settings.contextUtterances ?? undefined;
  const samples: RecSample[] = [...dataset.samples.train, ...dataset.samples.valid, ...dataset.samples.test];
  const texts = new Set<string>();
  for (const s of samples) texts.add(semanticTexts(queryFromSample(s), n).context);
  for (const item of itemsByIndex(dataset)) {
    texts.add(itemText(item));
    texts.add(referencePreference(item.attributes));
  }
  texts.delete('');
  return [...texts];
}

/**
 * A folder holding the vectors of the corpus texts only (taken from the env's encoder, so from the real cache), or
 * undefined when the env's text encoder keeps no persistent cache (nothing to leave out then).
 */
export async function corpusOnlyCache(name: BenchDataset, options: Record<string, unknown>): Promise<string | undefined> {
  const dataset = sharedDataset(name, options.dataRoot as string | undefined);
  const parts = await sharedComponents(dataset, {
    ...(options.artifactsDir === undefined ? {} : { artifactsDir: options.artifactsDir as string }),
    components: (options.components as Record<string, unknown> | undefined) ?? {},
    loadOnly: true,
  });
  const encoder = parts.textEncoder;
  if (!(encoder instanceof CachedEncoder)) return undefined;
  const texts = corpusTexts(dataset, parts);
  const vectors = await encoder.encode(texts);
  await encoder.flush();
  const dir = mkdtempSync(join(tmpdir(), `crs-gym-bench-${name}-corpus-`));
  const store = await new EmbeddingCache({ dir }).open(encoder.id, encoder.dim);
  texts.forEach((t, i) => store.set(t, vectors[i]!));
  await store.flush();
  return dir;
}

/** A fresh copy of the corpus-only cache for one run (each run appends the feedback vectors it encodes). */
export function copyOfCache(corpus: string | undefined, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `crs-gym-bench-${name}-run-`));
  if (corpus !== undefined) cpSync(corpus, dir, { recursive: true });
  return dir;
}

export function removeDir(dir: string | undefined): void {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}
