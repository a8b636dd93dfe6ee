// The text encoder E_T contract shared by every sentence encoder (USE lite, Hugging Face ONNX, hashing)
// and by the embedding cache that wraps them.

/**
 * Maps texts to fixed-size vectors.
 *
 * Contract:
 * - `encode` returns one vector per input text, in input order, each of length `dim`.
 * - Every vector is L2-normalized (unit length), so the dot product of two outputs is their cosine.
 * - The same text under the same `id` always gives the same vector (up to float rounding), so `id`
 *   is a valid cache key: it must change whenever the model, its weights or its settings change.
 * - Constructing an encoder loads nothing heavy; the first `encode` loads the model.
 * - Callers must treat returned arrays as their own (implementations never hand out shared buffers).
 */
export interface TextEncoder {
  /** Stable name of the model and its settings, e.g. `use-lite-512`, `hash-256`. */
  readonly id: string;
  /** Length of every output vector. */
  readonly dim: number;
  encode(texts: string[]): Promise<Float32Array[]>;
}

/** Cosine similarity of two vectors of equal length; 0 when either is all zeros. */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) {
    throw new Error(`cosine: vectors differ in length (${a.length} vs ${b.length})`);
  }
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return 0;
  return dot / Math.sqrt(na * nb);
}

/** Scales `v` to unit L2 length in place and returns it; an all-zero vector is left as is. */
export function l2NormalizeInPlace(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  if (sum === 0) return v;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) v[i] = v[i]! * inv;
  return v;
}

/** Encodes one text: a convenience over `encoder.encode([text])`. */
export async function encodeOne(encoder: TextEncoder, text: string): Promise<Float32Array> {
  const [vec] = await encoder.encode([text]);
  if (!vec) throw new Error(`encoder '${encoder.id}' returned no vector`);
  return vec;
}

/** Checks a batch size option: a positive integer. */
export function checkBatchSize(batchSize: number, who: string): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`${who}: batchSize must be a positive integer, got ${batchSize}`);
  }
  return batchSize;
}
