// Worker side of ParallelUseLiteEncoder (parallel-encoder.ts): one piscina thread runs USE lite model
// calls on token-id batches planned by the calling thread. Each thread loads its own copy of the model
// (tfjs keeps one engine per thread) on its first task and keeps it for the life of the thread.
import { move } from 'piscina';
import type { TfBackend } from '../nn/tf.js';
import { UseLiteEncoder } from './use-lite.js';

/** One model call: `lengths[r]` token ids of row r, all rows' ids concatenated in `ids`. */
export interface UseLiteBatchTask {
  modelDir: string;
  backend: TfBackend;
  lengths: Int32Array;
  ids: Int32Array;
}

const encoders = new Map<string, UseLiteEncoder>();

/** Runs one batch; the result is the rows' unit vectors back to back (rows x 512), moved to the caller. */
export default async function encodeBatch(task: UseLiteBatchTask): Promise<Float32Array> {
  const key = `${task.backend}\u0000${task.modelDir}`;
  let encoder = encoders.get(key);
  if (!encoder) {
    encoder = new UseLiteEncoder({ modelDir: task.modelDir, backend: task.backend });
    encoders.set(key, encoder);
  }
  const rows: number[][] = [];
  let at = 0;
  for (const length of task.lengths) {
    rows.push(Array.from(task.ids.subarray(at, at + length)));
    at += length;
  }
  if (at !== task.ids.length) throw new Error(`USE lite worker: lengths add up to ${at} ids, got ${task.ids.length}`);
  const vectors = await encoder.encodeTokens(rows);
  const flat = new Float32Array(rows.length * encoder.dim);
  vectors.forEach((v, r) => flat.set(v, r * encoder.dim));
  return move(flat) as Float32Array;
}
