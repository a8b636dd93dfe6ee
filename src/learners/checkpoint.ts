// Training checkpoints: policy weights, reference weights, Adam state and the counters needed to continue
// (iterations done, optimizer steps, log length, learner state), in one archive written atomically
// (temp + fsync + rename). Randomness needs no saved state: every draw is derived from (seed, iteration, ...).
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { ArchiveError, readArchive, writeArchive, type NamedTensor } from '../../agents/neural/archive.js';
import type { AdamState } from './optimizer.js';

const KIND = 'crs-gym/training-checkpoint';

export interface CheckpointMeta {
  /** Iterations (or epochs) completed; the run resumes at this index. */
  iteration: number;
  optimizerSteps: number;
  /** Length of the JSONL log when the checkpoint was taken. */
  logBytes: number;
  /** Hash of everything that defines the run; a resume with another config is refused. */
  configHash: string;
  algorithm: string;
  /** Learner state (e.g. REINFORCE's moving baseline). */
  learner: unknown;
  /** Wall-clock seconds spent before this checkpoint (for the summary). */
  seconds: number;
}

export interface Checkpoint {
  meta: CheckpointMeta;
  names: string[];
  policy: Float32Array[];
  reference: Float32Array[];
  adam: AdamState;
  /** The best evaluation so far and its weights (load_best_model_at_end), kept so a resumed run still knows it. */
  best?: BestWeights;
}

export interface BestWeights {
  metric: number;
  iteration: number;
  weights: Float32Array[];
}

export function configHash(value: unknown): string {
  return createHash('sha1').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

export async function saveCheckpoint(file: string, ckpt: Checkpoint): Promise<void> {
  const tensors: NamedTensor[] = [];
  const add = (prefix: string, arrays: readonly Float32Array[]): void =>
    arrays.forEach((data, k) => tensors.push({ name: `${prefix}/${ckpt.names[k] as string}`, shape: [data.length], data }));
  add('policy', ckpt.policy);
  add('reference', ckpt.reference);
  add('adam.m', ckpt.adam.m);
  add('adam.v', ckpt.adam.v);
  if (ckpt.best) add('best', ckpt.best.weights);
  const best = ckpt.best ? { metric: ckpt.best.metric, iteration: ckpt.best.iteration } : null;
  await writeArchive(file, KIND, { ...ckpt.meta, names: ckpt.names, adamT: ckpt.adam.t, best }, tensors);
}

/** The checkpoint in `file`, or undefined when there is none; a damaged file is an ArchiveError. */
export async function loadCheckpoint(file: string): Promise<Checkpoint | undefined> {
  if (!existsSync(file)) return undefined;
  const archive = await readArchive(file, KIND);
  const meta = archive.meta as CheckpointMeta & { names: string[]; adamT: number; best?: { metric: number; iteration: number } | null };
  if (!meta || !Array.isArray(meta.names)) throw new ArchiveError(file, 'checkpoint header has no parameter names');
  const get = (prefix: string): Float32Array[] =>
    meta.names.map((name) => {
      const t = archive.tensors.get(`${prefix}/${name}`);
      if (!t) throw new ArchiveError(file, `checkpoint lacks ${prefix}/${name}`);
      return t.data;
    });
  const { names, adamT, best, ...rest } = meta;
  return {
    meta: rest,
    names,
    policy: get('policy'),
    reference: get('reference'),
    adam: { t: adamT, m: get('adam.m'), v: get('adam.v') },
    ...(best ? { best: { metric: best.metric, iteration: best.iteration, weights: get('best') } } : {}),
  };
}
