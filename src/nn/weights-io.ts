// Weights on disk: a folder with `weights.bin` (float32, little-endian, parameters back to back) and
// `weights.json` (the manifest: names, shapes, byte offsets, sha256 of weights.bin, free-form meta).
// Each file is written to a temporary name, flushed and renamed, so a reader never sees half a file;
// the checksum catches a weights.bin that does not belong to its manifest (crash between renames, damage).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../core/atomic-write.js';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { type ParamBuffer, shapeSize } from './params.js';
import { errorMessage } from '../core/errors.js';

export const WEIGHTS_BIN = 'weights.bin';
export const WEIGHTS_JSON = 'weights.json';
const FORMAT = 'crs-gym-weights';

export class WeightsFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'WeightsFileError';
  }
}

const manifestSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(1),
  dtype: z.literal('float32'),
  byteLength: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  params: z.array(
    z.object({
      name: z.string().min(1),
      shape: z.array(z.number().int().nonnegative()),
      offset: z.number().int().nonnegative(),
    }),
  ),
  meta: z.record(z.string(), z.unknown()),
});

export type WeightsManifest = z.infer<typeof manifestSchema>;

export interface LoadedWeights {
  buffers: ParamBuffer[];
  meta: Record<string, unknown>;
}

function writeAtomic(file: string, chunks: readonly Uint8Array[]): void {
  writeFileAtomicSync(file, chunks, { fsync: true });
}

// The file is the raw memory of Float32Arrays, which is little-endian on every platform Node ships for.
function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('weights files are little-endian; this host is big-endian');
}

function bytesOf(data: Float32Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Writes the buffers (and JSON-serializable meta) into `dir`, creating it if needed. */
export function saveWeights(dir: string, buffers: readonly ParamBuffer[], meta: Record<string, unknown> = {}): void {
  assertLittleEndian();
  const names = new Set<string>();
  const hash = createHash('sha256');
  const params: WeightsManifest['params'] = [];
  let offset = 0;
  for (const b of buffers) {
    if (names.has(b.name)) throw new Error(`saveWeights: duplicate parameter '${b.name}'`);
    names.add(b.name);
    if (b.data.length !== shapeSize(b.shape)) {
      throw new RangeError(`saveWeights: parameter '${b.name}' has ${b.data.length} values for shape [${b.shape.join(', ')}]`);
    }
    params.push({ name: b.name, shape: [...b.shape], offset });
    hash.update(bytesOf(b.data));
    offset += b.data.byteLength;
  }
  const manifest: WeightsManifest = {
    format: FORMAT,
    version: 1,
    dtype: 'float32',
    byteLength: offset,
    sha256: hash.digest('hex'),
    params,
    meta,
  };
  mkdirSync(dir, { recursive: true });
  writeAtomic(
    join(dir, WEIGHTS_BIN),
    buffers.map((b) => bytesOf(b.data)),
  );
  writeAtomic(join(dir, WEIGHTS_JSON), [new TextEncoder().encode(JSON.stringify(manifest, null, 1) + '\n')]);
}

/** Reads a folder written by saveWeights; every problem is a WeightsFileError naming the file. */
export function loadWeights(dir: string): LoadedWeights {
  assertLittleEndian();
  const jsonFile = join(dir, WEIGHTS_JSON);
  const binFile = join(dir, WEIGHTS_BIN);
  if (!existsSync(jsonFile)) throw new WeightsFileError(jsonFile, 'not found (no saved weights in this folder)');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(jsonFile, 'utf8'));
  } catch (err) {
    throw new WeightsFileError(jsonFile, `not valid JSON (${errorMessage(err)})`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    throw new WeightsFileError(jsonFile, `not a ${FORMAT} manifest: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  const manifest = parsed.data;
  if (!existsSync(binFile)) throw new WeightsFileError(binFile, 'not found (weights.json has no data file beside it)');
  const bytes = readFileSync(binFile);
  if (bytes.byteLength !== manifest.byteLength) {
    const how = bytes.byteLength < manifest.byteLength ? 'truncated' : 'longer than expected';
    throw new WeightsFileError(binFile, `${how}: ${bytes.byteLength} bytes, ${WEIGHTS_JSON} says ${manifest.byteLength}`);
  }
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== manifest.sha256) {
    throw new WeightsFileError(binFile, `corrupt: sha256 ${digest.slice(0, 12)}… does not match ${WEIGHTS_JSON} (${manifest.sha256.slice(0, 12)}…)`);
  }
  const buffers = manifest.params.map((p) => {
    const byteLength = shapeSize(p.shape) * 4;
    if (p.offset % 4 !== 0 || p.offset + byteLength > bytes.byteLength) {
      throw new WeightsFileError(jsonFile, `parameter '${p.name}' (offset ${p.offset}, ${byteLength} bytes) lies outside ${WEIGHTS_BIN}`);
    }
    // A copy per parameter: aligned, and each its own transferable ArrayBuffer.
    const start = bytes.byteOffset + p.offset;
    const data = new Float32Array(bytes.buffer.slice(start, start + byteLength));
    return { name: p.name, shape: p.shape, data };
  });
  return { buffers, meta: manifest.meta };
}
