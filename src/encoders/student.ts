// A fast student of a sentence encoder: a bag of USE lite's SentencePiece pieces and hashed piece bigrams, each with
// a learned 512-d row, summed and L2-normalized. It is distilled from USE lite (src/encoders/distill.ts) on the
// texts the env reads, so it speaks USE lite's vector space, and encodes a short feedback text in ~0.05 ms on one
// thread (USE lite: ~3-4 ms alone), which is what novel env steps (a new feedback text each) pay.
// A vector is a function of the text alone (no batches), so caches never hold batch-dependent bits.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../core/errors.js';
import { crc32 } from './embedding-cache.js';
import { l2NormalizeInPlace, type TextEncoder } from './text-encoder.js';
import { defaultUseLiteDir, SentencePieceTokenizer } from './use-lite.js';
import { RowSumKernel, sumRowsJs } from './row-sum-kernel.js';

export const STUDENT_FORMAT = 'crs-gym/piece-bag-student@1';
const MANIFEST = 'student.json';
const TABLE = 'table.f32';

/** The shape of a student: output size, piece vocabulary and bigram buckets (rows = vocab + buckets). */
export interface StudentShape {
  dim: number;
  vocabSize: number;
  bigramBuckets: number;
}

export interface StudentManifest extends StudentShape {
  format: typeof STUDENT_FORMAT;
  /** The encoder it was distilled from (e.g. use-lite-512-v2). */
  teacherId: string;
  /** The student's id: teacher, shape and a hash of the weights. */
  id: string;
  /** How it was trained and how close it came to the teacher (free-form). */
  training: Record<string, unknown>;
  table: { bytes: number; crc32: number };
}

/** Rows of piece `a` followed by piece `b` (hashed; FNV-1a over the two ids). */
function bigramRow(a: number, b: number, shape: StudentShape): number {
  let h = 0x811c9dc5;
  for (const x of [a, b]) {
    for (let k = 0; k < 4; k++) {
      h ^= (x >>> (8 * k)) & 0xff;
      h = Math.imul(h, 0x01000193);
    }
  }
  return shape.vocabSize + ((h >>> 0) % shape.bigramBuckets);
}

/** The table rows a text's pieces select (unigrams, then bigrams), with repeats. */
export function featureRows(ids: readonly number[], shape: StudentShape): Int32Array {
  const rows = new Int32Array(ids.length + Math.max(0, ids.length - 1));
  ids.forEach((id, i) => (rows[i] = id));
  if (shape.bigramBuckets > 0) for (let i = 1; i < ids.length; i++) rows[ids.length + i - 1] = bigramRow(ids[i - 1]!, ids[i]!, shape);
  return shape.bigramBuckets > 0 ? rows : rows.subarray(0, ids.length);
}

/** Sum of the selected rows of `table` ([rows x dim]) into `out` (not normalized); the kernel's JS loop. */
export const sumRows = sumRowsJs;

/** The tokenizer of USE lite (its vocab.json, shipped in npm), loaded once per thread. */
let sharedTokenizer: { tokenizer: SentencePieceTokenizer; emptyIds: number[] } | undefined;
export function useLiteTokenizer(): { tokenizer: SentencePieceTokenizer; emptyIds: number[] } {
  if (sharedTokenizer === undefined) {
    const file = join(defaultUseLiteDir(), 'vocab.json');
    let json: string;
    try {
      json = readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`${file}: cannot read USE lite vocabulary (${errorMessage(err)})`);
    }
    const tokenizer = SentencePieceTokenizer.fromJson(json, file);
    sharedTokenizer = { tokenizer, emptyIds: [tokenizer.pieceId('\u2581') ?? 0] };
  }
  return sharedTokenizer;
}

/** Piece ids of a text as the student reads it (an empty text is a lone word-start mark, as in USE lite). */
export function studentTokens(text: string): number[] {
  const { tokenizer, emptyIds } = useLiteTokenizer();
  const ids = tokenizer.encode(text);
  return ids.length > 0 ? ids : emptyIds;
}

/** The student's id: the teacher's, the shape and 8 hex of the weights' sha1 (so a retrained student is another cache key). */
export function studentId(teacherId: string, shape: StudentShape, table: Float32Array): string {
  const hash = createHash('sha1').update(new Uint8Array(table.buffer, table.byteOffset, table.byteLength)).digest('hex').slice(0, 8);
  return `student-${teacherId}-b${shape.bigramBuckets}-${hash}`;
}

export class PieceBagEncoder implements TextEncoder {
  readonly id: string;
  readonly dim: number;
  private kernel: RowSumKernel | undefined;

  constructor(
    readonly shape: StudentShape,
    /** [vocabSize + bigramBuckets, dim] row-major; never modified. */
    readonly table: Float32Array,
    readonly teacherId: string,
    readonly training: Record<string, unknown> = {},
  ) {
    const rows = shape.vocabSize + shape.bigramBuckets;
    if (table.length !== rows * shape.dim) throw new RangeError(`PieceBagEncoder: table has ${table.length} values, expected ${rows} x ${shape.dim}`);
    this.dim = shape.dim;
    this.id = studentId(teacherId, shape, table);
  }

  async encode(texts: string[]): Promise<Float32Array[]> {
    return texts.map((t) => this.encodeOne(t));
  }

  /** One text's unit vector (synchronous: no model call). */
  encodeOne(text: string): Float32Array {
    const rows = featureRows(studentTokens(text), this.shape);
    // The table goes into WebAssembly memory on the first text (not at load: training and saving never need it).
    this.kernel ??= new RowSumKernel(this.table, this.dim);
    return l2NormalizeInPlace(this.kernel.sumRows(rows, new Float32Array(this.dim)));
  }

  /** Writes student.json and table.f32 to `dir` (each via temp + rename; the manifest last). */
  async save(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const bytes = Buffer.from(this.table.buffer, this.table.byteOffset, this.table.byteLength);
    const manifest: StudentManifest = {
      format: STUDENT_FORMAT,
      ...this.shape,
      teacherId: this.teacherId,
      id: this.id,
      training: this.training,
      table: { bytes: bytes.length, crc32: crc32(bytes) },
    };
    await writeAtomic(join(dir, TABLE), bytes);
    await writeAtomic(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  }

  /** Loads a saved student; a damaged or mismatched file is an error naming it. */
  static load(dir: string): PieceBagEncoder {
    const manifestPath = join(dir, MANIFEST);
    let manifest: StudentManifest;
    try {
      manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as StudentManifest;
    } catch (err) {
      throw new Error(`${manifestPath}: cannot read the student encoder (${errorMessage(err)})`);
    }
    if (manifest.format !== STUDENT_FORMAT) throw new Error(`${manifestPath}: format ${JSON.stringify(manifest.format)}, expected ${STUDENT_FORMAT}`);
    const tablePath = join(dir, TABLE);
    let bytes: Buffer;
    try {
      bytes = readFileSync(tablePath);
    } catch (err) {
      throw new Error(`${tablePath}: cannot read the student's table (${errorMessage(err)})`);
    }
    if (bytes.length !== manifest.table.bytes || crc32(bytes) !== manifest.table.crc32) {
      throw new Error(`${tablePath}: damaged (size or checksum differs from ${MANIFEST}); remove ${dir} to retrain it`);
    }
    const table = new Float32Array(bytes.length / 4);
    new Uint8Array(table.buffer).set(bytes);
    const shape = { dim: manifest.dim, vocabSize: manifest.vocabSize, bigramBuckets: manifest.bigramBuckets };
    const encoder = new PieceBagEncoder(shape, table, manifest.teacherId, manifest.training);
    if (encoder.id !== manifest.id) throw new Error(`${tablePath}: weights give id ${encoder.id}, ${MANIFEST} says ${manifest.id}`);
    return encoder;
  }
}

async function writeAtomic(file: string, data: string | Buffer): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}
