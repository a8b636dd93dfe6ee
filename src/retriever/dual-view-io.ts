// On-disk format of a trained dual-view retriever, one folder:
//   weights.f32  every parameter, float32 little-endian, concatenated in the order model.json lists them
//   items.f32    the item matrix [count x outputDim] (rows by Item.index), so loading needs no item encoding
//   model.json   format tag, spec, encoder ids, catalogue fingerprint, parameter table, byte size and CRC-32 of
//                both binary files, training summary
// Each file is written to a temp name and renamed; model.json goes last, so a folder is either complete or
// fails its checksums. Every read error names the file.
import { mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../core/atomic-write.js';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { crc32 } from '../encoders/embedding-cache.js';
import type { FeaturizerSettings } from './features.js';
import { DUAL_VIEW_VARIANTS, outputDim, paramShapes, type DualViewParams, type DualViewSpec } from './dual-view-model.js';
import { errorMessage } from '../core/errors.js';

export const DUAL_VIEW_FORMAT = 'crs-gym/dual-view-retriever@1';
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.f32';
export const ITEMS_FILE = 'items.f32';

/** Everything about a saved model except its arrays. */
export interface DualViewMeta {
  name: string;
  spec: DualViewSpec;
  features: FeaturizerSettings;
  textEncoderId: string;
  collaborativeEncoderId: string | null;
  /** sha1 prefix of E_C over the catalogue: a different E_C fails loading. */
  collaborativeFingerprint: string;
  catalogue: { count: number; fingerprint: string };
  training: Record<string, unknown>;
}

const fileEntry = z.object({ bytes: z.number().int().nonnegative(), crc32: z.number().int().nonnegative() });

const modelSchema = z.object({
  format: z.literal(DUAL_VIEW_FORMAT),
  name: z.string().min(1),
  spec: z.object({
    variant: z.enum(DUAL_VIEW_VARIANTS as unknown as [string, ...string[]]),
    textDim: z.number().int().positive(),
    collabDim: z.number().int().positive(),
    hiddenDim: z.number().int().positive(),
    residual: z.boolean(),
    prior: z.boolean(),
    // Absent in models saved before these options existed.
    itemBias: z.boolean().default(false),
    itemCount: z.number().int().nonnegative().default(0),
    lexicalSkip: z.number().int().nonnegative().default(0),
  }),
  features: z.object({
    contextUtterances: z.number().int().positive().nullable(),
    splitMentions: z.boolean(),
    normalizeCollaborative: z.boolean(),
    lexicalDim: z.number().int().positive().nullable().default(null),
  }),
  textEncoderId: z.string().min(1),
  collaborativeEncoderId: z.string().nullable(),
  collaborativeFingerprint: z.string(),
  catalogue: z.object({ count: z.number().int().nonnegative(), fingerprint: z.string() }),
  params: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().positive()) })),
  files: z.object({ [WEIGHTS_FILE]: fileEntry, [ITEMS_FILE]: fileEntry }),
  training: z.record(z.string(), z.unknown()),
});

/** A saved model's contents. */
export interface DualViewFiles {
  meta: DualViewMeta;
  params: DualViewParams;
  itemMatrix: Float32Array;
}

/** Thrown for a missing, unreadable, inconsistent or corrupt model file; the message names the file. */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

function bytesOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

async function writeAtomic(file: string, data: Uint8Array | string): Promise<void> {
  await writeFileAtomic(file, data);
}

function checkLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('dual-view model files are little-endian; this host is big-endian');
}

export async function saveDualView(dir: string, meta: DualViewMeta, params: DualViewParams, itemMatrix: Float32Array): Promise<void> {
  checkLittleEndian();
  await mkdir(dir, { recursive: true });
  const shapes = paramShapes(meta.spec);
  const table = Object.entries(shapes).map(([name, shape]) => ({ name, shape }));
  const total = table.reduce((sum, p) => sum + (params[p.name]?.length ?? 0), 0);
  const weights = new Float32Array(total);
  let at = 0;
  for (const { name, shape } of table) {
    const data = params[name];
    const size = shape.reduce((a, b) => a * b, 1);
    if (data === undefined || data.length !== size) throw new RangeError(`saveDualView: parameter '${name}' missing or not ${shape.join(' x ')}`);
    weights.set(data, at);
    at += size;
  }
  const weightBytes = bytesOf(weights);
  const itemBytes = bytesOf(itemMatrix);
  await writeAtomic(join(dir, WEIGHTS_FILE), weightBytes);
  await writeAtomic(join(dir, ITEMS_FILE), itemBytes);
  const model = {
    format: DUAL_VIEW_FORMAT,
    ...meta,
    params: table,
    files: {
      [WEIGHTS_FILE]: { bytes: weightBytes.byteLength, crc32: crc32(weightBytes) },
      [ITEMS_FILE]: { bytes: itemBytes.byteLength, crc32: crc32(itemBytes) },
    },
  };
  await writeAtomic(join(dir, MODEL_FILE), `${JSON.stringify(model, null, 2)}\n`);
}

async function readBinary(file: string, expected: { bytes: number; crc32: number }): Promise<Float32Array> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (err) {
    throw new ModelFileError(file, `cannot read (${errorMessage(err)})`);
  }
  if (raw.byteLength !== expected.bytes) throw new ModelFileError(file, `has ${raw.byteLength} bytes, model.json says ${expected.bytes} (truncated or replaced)`);
  if (crc32(raw) !== expected.crc32) throw new ModelFileError(file, 'checksum mismatch (the file is corrupt)');
  const out = new Float32Array(raw.byteLength / 4);
  bytesOf(out).set(raw);
  return out;
}

/** Reads and checks a saved model folder. */
export async function readDualView(dir: string): Promise<DualViewFiles> {
  checkLittleEndian();
  const modelFile = join(dir, MODEL_FILE);
  let text: string;
  try {
    text = await readFile(modelFile, 'utf8');
  } catch (err) {
    throw new ModelFileError(modelFile, `cannot read (${errorMessage(err)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelFileError(modelFile, `not valid JSON (${errorMessage(err)})`);
  }
  const parsed = modelSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    throw new ModelFileError(modelFile, `not a dual-view model: ${path}: ${issue?.message ?? 'invalid'}`);
  }
  const model = parsed.data;
  const spec = model.spec as DualViewSpec;
  let shapes: Record<string, number[]>;
  try {
    shapes = paramShapes(spec);
  } catch (err) {
    throw new ModelFileError(modelFile, errorMessage(err));
  }
  const expectedNames = Object.keys(shapes);
  if (model.params.length !== expectedNames.length || model.params.some((p, i) => p.name !== expectedNames[i] || p.shape.join('x') !== (shapes[p.name] ?? []).join('x'))) {
    throw new ModelFileError(modelFile, `parameter table does not match a '${spec.variant}' model of these dimensions`);
  }
  const weights = await readBinary(join(dir, WEIGHTS_FILE), model.files[WEIGHTS_FILE]);
  const itemMatrix = await readBinary(join(dir, ITEMS_FILE), model.files[ITEMS_FILE]);
  const total = model.params.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
  if (weights.length !== total) throw new ModelFileError(join(dir, WEIGHTS_FILE), `holds ${weights.length} floats, the parameter table needs ${total}`);
  if (itemMatrix.length !== model.catalogue.count * outputDim(spec)) {
    throw new ModelFileError(join(dir, ITEMS_FILE), `holds ${itemMatrix.length} floats, expected ${model.catalogue.count} x ${outputDim(spec)}`);
  }
  const params: DualViewParams = {};
  let at = 0;
  for (const p of model.params) {
    const size = p.shape.reduce((a, b) => a * b, 1);
    params[p.name] = weights.slice(at, at + size);
    at += size;
  }
  const meta: DualViewMeta = {
    name: model.name,
    spec,
    features: model.features,
    textEncoderId: model.textEncoderId,
    collaborativeEncoderId: model.collaborativeEncoderId,
    collaborativeFingerprint: model.collaborativeFingerprint,
    catalogue: model.catalogue,
    training: model.training,
  };
  return { meta, params, itemMatrix };
}
