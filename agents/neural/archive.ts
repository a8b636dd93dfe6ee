// A single-file archive of named float32 tensors plus a JSON header, for policies and training
// checkpoints. One file, written to a temp name, fsynced and renamed over the target, so a reader sees
// either the old file or the new one, never half of each. A CRC32 over everything after the checksum
// field turns any flipped or missing byte into a clear error instead of silently wrong weights.
//
// Layout (little-endian): "CRSARC01" | u32 crc32(rest) | u32 headerBytes | header JSON (utf-8) |
// zero padding to a multiple of 4 | float32 data of every tensor, in header order.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic as writeAtomic } from '../../src/core/atomic-write.js';
import { endianness } from 'node:os';
import { crc32 } from 'node:zlib';
import { errorMessage } from '../../src/core/errors.js';

const MAGIC = 'CRSARC01';
const LITTLE_ENDIAN = endianness() === 'LE';

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

interface HeaderTensor {
  name: string;
  shape: number[];
  length: number;
}

interface Header {
  kind: string;
  meta: unknown;
  tensors: HeaderTensor[];
}

export interface Archive {
  kind: string;
  meta: unknown;
  tensors: Map<string, NamedTensor>;
}

/** A file that is not a readable archive of the expected kind; names the file and what is wrong. */
export class ArchiveError extends Error {
  override name = 'ArchiveError';
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Serializes an archive to bytes (exported for tests that corrupt them). */
export function encodeArchive(kind: string, meta: unknown, tensors: readonly NamedTensor[]): Buffer {
  const header: Header = {
    kind,
    meta,
    tensors: tensors.map((t) => {
      if (sizeOf(t.shape) !== t.data.length) {
        throw new RangeError(`archive tensor '${t.name}': shape [${t.shape.join(', ')}] does not match ${t.data.length} values`);
      }
      return { name: t.name, shape: [...t.shape], length: t.data.length };
    }),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (4 - ((16 + headerBytes.length) % 4)) % 4;
  const dataBytes = tensors.reduce((n, t) => n + t.data.length * 4, 0);
  const out = Buffer.alloc(16 + headerBytes.length + pad + dataBytes);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(headerBytes.length, 12);
  headerBytes.copy(out, 16);
  let offset = 16 + headerBytes.length + pad;
  for (const t of tensors) {
    if (LITTLE_ENDIAN) Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, offset);
    else for (let i = 0; i < t.data.length; i++) out.writeFloatLE(t.data[i] as number, offset + 4 * i);
    offset += t.data.length * 4;
  }
  out.writeUInt32LE(crc32(out.subarray(12)), 8);
  return out;
}

/** Parses archive bytes; every problem is an ArchiveError naming `file`. */
export function decodeArchive(bytes: Buffer, file: string, expectedKind?: string): Archive {
  if (bytes.length < 16 || bytes.toString('latin1', 0, 8) !== MAGIC) {
    throw new ArchiveError(file, `not a crs-gym archive (expected magic ${MAGIC}${bytes.length < 16 ? `, file has only ${bytes.length} bytes` : ''})`);
  }
  const stored = bytes.readUInt32LE(8);
  const actual = crc32(bytes.subarray(12));
  if (stored !== actual) throw new ArchiveError(file, 'checksum mismatch: the file is corrupt or was cut short');
  const headerLength = bytes.readUInt32LE(12);
  let header: Header;
  try {
    header = JSON.parse(bytes.toString('utf8', 16, 16 + headerLength)) as Header;
  } catch (err) {
    throw new ArchiveError(file, `unreadable header: ${errorMessage(err)}`);
  }
  if (expectedKind !== undefined && header.kind !== expectedKind) {
    throw new ArchiveError(file, `holds a '${header.kind}', expected a '${expectedKind}'`);
  }
  const pad = (4 - ((16 + headerLength) % 4)) % 4;
  let offset = 16 + headerLength + pad;
  const tensors = new Map<string, NamedTensor>();
  for (const t of header.tensors) {
    const end = offset + t.length * 4;
    if (end > bytes.length) throw new ArchiveError(file, `tensor '${t.name}' runs past the end of the file`);
    const data = new Float32Array(t.length);
    if (LITTLE_ENDIAN) new Uint8Array(data.buffer).set(bytes.subarray(offset, end));
    else for (let i = 0; i < t.length; i++) data[i] = bytes.readFloatLE(offset + 4 * i);
    tensors.set(t.name, { name: t.name, shape: t.shape, data });
    offset = end;
  }
  return { kind: header.kind, meta: header.meta, tensors };
}

/** Writes atomically: temp file in the same folder, fsync, rename over `file`. */
export async function writeArchive(file: string, kind: string, meta: unknown, tensors: readonly NamedTensor[]): Promise<void> {
  await writeFileAtomic(file, encodeArchive(kind, meta, tensors));
}

export async function readArchive(file: string, expectedKind?: string): Promise<Archive> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ArchiveError(file, code === 'ENOENT' ? 'no such file' : `cannot read: ${errorMessage(err)}`);
  }
  return decodeArchive(bytes, file, expectedKind);
}

/** temp + fsync + rename, so a crash leaves either the old or the new content. */
export async function writeFileAtomic(file: string, bytes: Buffer | string): Promise<void> {
  await writeAtomic(file, bytes, { fsync: true, mkdir: true });
}
