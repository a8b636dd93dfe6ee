// A persistent embedding cache keyed by (encoder id, sha1 of the text), and `CachedEncoder`, a
// TextEncoder that encodes only what the cache lacks.
//
// On disk: one append-only file per encoder, `<dir>/<encoder-id>-<sha1(id)[0:8]>.f32`:
//   header  = "CRSEMB01" | u32 dim | u32 idBytes | id (utf-8) | zero padding to a multiple of 4
//   records = sha1(text) (20 bytes) | dim float32 | u32 crc32(sha1 + floats)     (all little-endian)
// Records have a fixed size, so a torn append (a crash mid-write) leaves a short tail, and any
// flipped byte fails its checksum. Either is skipped with a warning, re-encoded on demand, and the
// file is rewritten (temp file + rename) at the next flush. Loading indexes the keys and, on the main thread,
// checks every record's checksum (counting the damaged ones in one warning), but keeps no vector: a record is read
// from the file, and checked again, the first time it is asked for, so a process or worker thread that uses a few
// thousand of a big cache's vectors holds only those (a 316 MB file: ~730 MB resident when every record was kept).
// Worker threads skip the check at load (the main thread made it) and check records as they read them.
// Several processes (and threads) may write the same file: every write holds `<file>.lock` (src/core/run-lock.ts;
// a writer that died leaves a stale lock that the next one takes over), an append first cuts a torn tail that a
// killed writer left, and a rewrite merges what others appended since. Duplicate keys are harmless.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, read, readdirSync, readFileSync, readSync } from 'node:fs';
import { promisify } from 'node:util';
import { appendFile, link, mkdir, rename, truncate, unlink, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import * as zlib from 'node:zlib';
import { withFileLock } from '../core/run-lock.js';
import { embeddingsDir } from '../core/home.js';
import { join, resolve } from 'node:path';
import { checkBatchSize, type TextEncoder } from './text-encoder.js';
import { errorMessage } from '../core/errors.js';

const MAGIC = 'CRSEMB01';
const KEY_BYTES = 20;
/** Corrupt records reported one by one; later ones are dropped quietly (the file is rewritten anyway). */
const MAX_CORRUPT_WARNINGS = 5;
const readAt = promisify(read);
/** Bytes read at a time while indexing a cache file's keys. */
const INDEX_CHUNK_BYTES = 8 * 2 ** 20;

export type EmbeddingCacheOptions = {
  /** Cache folder; default the crs-gym home's cache/embeddings (src/core/home.ts) at construction. */
  dir?: string;
  /** Where warnings about damaged files go; default `console.warn`. */
  warn?: (message: string) => void;
  /** Check every record's checksum when a file loads, and warn with the count of damaged ones (default: on the main thread). */
  verify?: boolean;
};

/** Holds one EncoderStore per encoder id; each loads its file on first use. */
export class EmbeddingCache {
  readonly dir: string;
  readonly warn: (message: string) => void;
  readonly verify: boolean;
  private readonly stores = new Map<string, Promise<EncoderStore>>();

  constructor(options: EmbeddingCacheOptions = {}) {
    this.dir = resolve(options.dir ?? embeddingsDir());
    this.warn = options.warn ?? ((m) => console.warn(m));
    this.verify = options.verify ?? isMainThread;
  }

  /** The store for `encoderId`, loading its file the first time; `dim` must match across calls. */
  async open(encoderId: string, dim: number): Promise<EncoderStore> {
    if (!encoderId) throw new Error('EmbeddingCache.open: empty encoder id');
    if (!Number.isInteger(dim) || dim < 1) throw new Error(`EmbeddingCache.open: bad dim ${dim} for '${encoderId}'`);
    let store = this.stores.get(encoderId);
    if (!store) {
      store = EncoderStore.load(this.dir, encoderId, dim, this.warn, this.verify);
      this.stores.set(encoderId, store);
      store.catch(() => this.stores.delete(encoderId));
    }
    const opened = await store;
    if (opened.dim !== dim) {
      throw new Error(`EmbeddingCache: encoder '${encoderId}' opened with dim ${dim}, but earlier with dim ${opened.dim}`);
    }
    return opened;
  }

  /** Writes every store's new entries to disk. */
  async flush(): Promise<void> {
    const stores = await Promise.all(this.stores.values());
    for (const store of stores) await store.flush();
  }
}

/** The cached vectors of one encoder: in memory, plus the file they persist to. */
export class EncoderStore {
  private readonly byText = new Map<string, Float32Array>();
  /** By sha1 (latin1): a vector (new, or loaded and checked), or the number of a loaded record not checked yet. */
  private readonly byKey = new Map<string, Float32Array | number>();
  /**
   * The file as loaded, open for reading records on first use (only their keys were read at load). Appends by other
   * processes leave indexed records where they are; a rewrite renames a new file over it, and this descriptor keeps
   * the old one readable.
   */
  private fd: number | undefined;
  private recordsStart = 0;
  private corruptFound = 0;
  private pending: Array<{ key: Buffer; vec: Float32Array }> = [];
  private rewrite = false;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly encoderId: string,
    readonly dim: number,
    readonly file: string,
    private readonly warn: (message: string) => void,
    private readonly verify: boolean,
  ) {}

  static async load(dir: string, encoderId: string, dim: number, warn: (m: string) => void, verify = isMainThread): Promise<EncoderStore> {
    const store = new EncoderStore(encoderId, dim, join(dir, fileName(encoderId)), warn, verify);
    await store.readFile();
    return store;
  }

  /** Entries in memory (loaded and new). */
  get size(): number {
    return this.byKey.size;
  }

  /** Entries not yet written to disk. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /** The cached vector of `text` (a shared array: copy before handing it out), or undefined. */
  get(text: string): Float32Array | undefined {
    const hit = this.byText.get(text);
    if (hit) return hit;
    const vec = this.vectorOf(sha1(text).toString('latin1'));
    if (vec) this.byText.set(text, vec);
    return vec;
  }

  /** The vector under a key; a loaded record is checked now, the first time (a corrupt one is dropped). */
  private vectorOf(id: string): Float32Array | undefined {
    const entry = this.byKey.get(id);
    if (typeof entry !== 'number') return entry;
    const vec = this.checkedRecord(entry, id);
    if (vec === undefined) {
      this.byKey.delete(id);
      this.rewrite = true;
      this.corruptFound++;
      if (this.corruptFound <= MAX_CORRUPT_WARNINGS) {
        const more = this.corruptFound === MAX_CORRUPT_WARNINGS ? ' (further ones are not reported)' : '';
        this.warn(`embedding cache ${this.file}: ignored 1 corrupt record (record ${entry}); its text will be re-encoded and the file rewritten on flush${more}`);
      }
      return undefined;
    }
    this.byKey.set(id, vec);
    return vec;
  }

  /** Record `r` of the loaded file, read now, if it is whole, holds key `id`, its checksum holds and its floats are finite. */
  private checkedRecord(r: number, id: string): Float32Array | undefined {
    if (this.fd === undefined) return undefined;
    const bytes = recordSize(this.dim);
    const record = Buffer.alloc(bytes);
    let read: number;
    try {
      read = readSync(this.fd, record, 0, bytes, this.recordsStart + r * bytes);
    } catch {
      return undefined;
    }
    const payloadBytes = KEY_BYTES + 4 * this.dim;
    if (read < bytes || record.toString('latin1', 0, KEY_BYTES) !== id) return undefined;
    if (crc32(record.subarray(0, payloadBytes)) !== record.readUInt32LE(payloadBytes)) return undefined;
    // Buffer.alloc never uses the shared pool, so the record starts the buffer and the floats (at byte 20) are aligned.
    const vec = new Float32Array(record.buffer, record.byteOffset + KEY_BYTES, this.dim);
    return allFinite(vec) ? vec : undefined;
  }

  /** Stores a copy of `vec` as the vector of `text` (written at the next flush). */
  set(text: string, vec: Float32Array): void {
    if (vec.length !== this.dim) {
      throw new Error(`embedding cache '${this.encoderId}': vector of length ${vec.length}, expected ${this.dim}`);
    }
    const key = sha1(text);
    const id = key.toString('latin1');
    if (this.byKey.has(id)) return;
    const copy = Float32Array.from(vec);
    this.byKey.set(id, copy);
    this.byText.set(text, copy);
    this.pending.push({ key, vec: copy });
  }

  /** Appends new entries to the file (or rewrites it after damage was found). Safe to call concurrently. */
  flush(): Promise<void> {
    this.writing = this.writing.then(() => this.writePending());
    return this.writing;
  }

  private async writePending(): Promise<void> {
    if (!this.rewrite && this.pending.length === 0) return;
    if (endianness() !== 'LE') throw new Error('embedding cache files are little-endian; this host is big-endian');
    const batch = this.pending;
    this.pending = [];
    try {
      await mkdir(resolve(this.file, '..'), { recursive: true });
      // One writer at a time, across processes and threads: appends of several KB do not interleave.
      await withFileLock(`${this.file}.lock`, async () => {
        if (!this.rewrite && !(await this.createFile(batch)) && !(await this.appendRecords(batch))) this.rewrite = true;
        if (this.rewrite) await this.rewriteFile();
      });
    } catch (err) {
      this.pending = batch.concat(this.pending);
      throw new Error(`${this.file}: cannot write embedding cache (${errorMessage(err)})`);
    }
  }

  /**
   * Appends `records` after the file's last whole record (a torn tail that a killed writer left is cut first, so the
   * new records stay aligned). False when the file's header is not this encoder's: it must be rewritten.
   */
  private async appendRecords(records: Array<{ key: Buffer; vec: Float32Array }>): Promise<boolean> {
    const header = encodeHeader(this.encoderId, this.dim);
    const fd = openSync(this.file, 'r');
    let size: number;
    try {
      size = fstatSync(fd).size;
      const found = Buffer.alloc(header.length);
      if (size < header.length || readSync(fd, found, 0, header.length, 0) < header.length || !found.equals(header)) return false;
    } finally {
      closeSync(fd);
    }
    const whole = header.length + Math.floor((size - header.length) / recordSize(this.dim)) * recordSize(this.dim);
    if (whole < size) await truncate(this.file, whole);
    await appendFile(this.file, encodeRecords(records, this.dim));
    return true;
  }

  /**
   * Replaces the file with every sound record: those now in the file (other writers' appends since this store loaded
   * included) and this store's, loaded and new. Called with the file lock held.
   */
  private async rewriteFile(): Promise<void> {
    const all = new Map<string, { key: Buffer; vec: Float32Array }>();
    for (const record of soundRecords(this.file, this.encoderId, this.dim)) all.set(record.key.toString('latin1'), record);
    for (const id of [...this.byKey.keys()]) {
      const vec = this.vectorOf(id);
      if (vec !== undefined && !all.has(id)) all.set(id, { key: Buffer.from(id, 'latin1'), vec });
    }
    // Every loaded record is read now: the old file is no longer needed.
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    await this.replaceFile([...all.values()]);
    this.rewrite = false;
  }

  /** Creates the file with `records` if it does not exist yet (atomically: temp file + link); false if it exists. */
  private async createFile(records: Array<{ key: Buffer; vec: Float32Array }>): Promise<boolean> {
    const tmp = tempName(this.file);
    await writeFile(tmp, Buffer.concat([encodeHeader(this.encoderId, this.dim), encodeRecords(records, this.dim)]));
    try {
      await link(tmp, this.file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  private async replaceFile(records: Array<{ key: Buffer; vec: Float32Array }>): Promise<void> {
    const tmp = tempName(this.file);
    await writeFile(tmp, Buffer.concat([encodeHeader(this.encoderId, this.dim), encodeRecords(records, this.dim)]));
    await rename(tmp, this.file);
  }

  private async readFile(): Promise<void> {
    let fd: number | undefined;
    try {
      fd = openSync(this.file, 'r');
      await this.index(fd);
    } catch (err) {
      if (fd !== undefined) closeSync(fd);
      this.fd = undefined;
      this.byKey.clear();
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      this.warn(`embedding cache ${this.file}: unreadable (${errorMessage(err)}); starting empty`);
    }
  }

  /** Reads the header and every record's key of the open cache file; keeps `fd` to read the records later. */
  private async index(fd: number): Promise<void> {
    const size = fstatSync(fd).size;
    const header = encodeHeader(this.encoderId, this.dim);
    const found = Buffer.alloc(header.length);
    const headerRead = size >= header.length ? readSync(fd, found, 0, header.length, 0) : 0;
    if (headerRead < header.length || !found.equals(header) || endianness() !== 'LE') {
      closeSync(fd);
      this.warn(`embedding cache ${this.file}: header does not match encoder '${this.encoderId}' (dim ${this.dim}); ignoring the file, it will be replaced on flush`);
      this.rewrite = true;
      return;
    }
    const recordBytes = recordSize(this.dim);
    const count = Math.floor((size - header.length) / recordBytes);
    const tail = size - header.length - count * recordBytes;
    // Index the keys, reading the file in chunks of whole records; the vectors are read when first asked for.
    const perChunk = Math.max(1, Math.floor(INDEX_CHUNK_BYTES / recordBytes));
    const chunk = Buffer.alloc(perChunk * recordBytes);
    let damaged = 0;
    for (let first = 0; first < count; first += perChunk) {
      const records = Math.min(perChunk, count - first);
      const { bytesRead: got } = await readAt(fd, chunk, 0, records * recordBytes, header.length + first * recordBytes);
      for (let k = 0; k < records && (k + 1) * recordBytes <= got; k++) {
        if (this.verify && !recordSound(chunk.subarray(k * recordBytes, (k + 1) * recordBytes), this.dim)) {
          damaged++;
          continue;
        }
        const id = chunk.toString('latin1', k * recordBytes, k * recordBytes + KEY_BYTES);
        // Duplicate keys (several processes appended the same text): the first one counts.
        if (!this.byKey.has(id)) this.byKey.set(id, first + k);
      }
    }
    this.fd = fd;
    this.recordsStart = header.length;
    if (damaged > 0) {
      this.corruptFound += damaged;
      this.rewrite = true;
      this.warn(`embedding cache ${this.file}: ignored ${damaged} corrupt record(s) of ${count} (bad checksum: a disk error, or writers without a lock); their texts will be re-encoded and the file rewritten on flush`);
    }
    if (tail > 0) {
      this.warn(`embedding cache ${this.file}: ignored a truncated tail of ${tail} bytes; those texts will be re-encoded and the file rewritten on flush`);
      this.rewrite = true;
    }
  }
}

export type CachedEncoderOptions = {
  /** Misses are sent to the wrapped encoder this many at a time (default 256). */
  batchSize?: number;
  /** Flush automatically once this many new entries wait (default 0: only on `flush()`). */
  autoFlushEvery?: number;
  /**
   * Batches of misses sent to the wrapped encoder at once (default 2), so a multi-threaded encoder
   * (ParallelUseLiteEncoder) always has the next batch queued; 1 sends them one after the other.
   */
  concurrency?: number;
};

/**
 * A TextEncoder that answers from an EmbeddingCache and encodes only the misses (each distinct text
 * once, in batches), then remembers them. Same `id` and `dim` as the wrapped encoder. Call `flush()`
 * (or set `autoFlushEvery`) to persist new entries.
 */
export class CachedEncoder implements TextEncoder {
  readonly id: string;
  readonly dim: number;
  private hits = 0;
  private misses = 0;
  private store: EncoderStore | undefined;
  private readonly batchSize: number;
  private readonly autoFlushEvery: number;
  private readonly concurrency: number;

  constructor(
    readonly encoder: TextEncoder,
    readonly cache: EmbeddingCache,
    options: CachedEncoderOptions = {},
  ) {
    this.id = encoder.id;
    this.dim = encoder.dim;
    this.batchSize = checkBatchSize(options.batchSize ?? 256, 'CachedEncoder');
    this.autoFlushEvery = options.autoFlushEvery ?? 0;
    this.concurrency = options.concurrency ?? 2;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new Error(`CachedEncoder: concurrency must be a positive integer, got ${options.concurrency}`);
    }
  }

  async encode(texts: string[]): Promise<Float32Array[]> {
    const store = this.store ?? (this.store = await this.cache.open(this.id, this.dim));
    const out = new Array<Float32Array>(texts.length);
    const missing = new Map<string, number[]>();
    for (let i = 0; i < texts.length; i++) {
      const text = texts[i]!;
      const hit = store.get(text);
      if (hit) {
        out[i] = hit.slice();
        this.hits++;
      } else {
        const slots = missing.get(text);
        if (slots) slots.push(i);
        else missing.set(text, [i]);
      }
    }
    if (missing.size === 0) return out;
    const unique = [...missing.keys()];
    this.misses += unique.length;
    const chunks: string[][] = [];
    for (let from = 0; from < unique.length; from += this.batchSize) chunks.push(unique.slice(from, from + this.batchSize));
    // Up to `concurrency` chunks in flight, so a multi-threaded encoder has the next chunk queued when one
    // ends; the chunks (and so the vectors) are the same as one at a time.
    let next = 0;
    let failed = false;
    const lane = async (): Promise<void> => {
      while (!failed && next < chunks.length) {
        const chunk = chunks[next++]!;
        let vectors: Float32Array[];
        try {
          vectors = await this.encoder.encode(chunk);
          if (vectors.length !== chunk.length) {
            throw new Error(`encoder '${this.id}' returned ${vectors.length} vectors for ${chunk.length} texts`);
          }
          chunk.forEach((text, k) => {
            const vec = vectors[k]!;
            if (vec.length !== this.dim || !allFinite(vec)) {
              throw new Error(`encoder '${this.id}' returned a bad vector (length ${vec.length}, expected ${this.dim}, or non-finite values) for text ${JSON.stringify(text.slice(0, 80))}`);
            }
          });
        } catch (err) {
          failed = true;
          throw err;
        }
        chunk.forEach((text, k) => {
          const vec = vectors[k]!;
          store.set(text, vec);
          for (const slot of missing.get(text)!) out[slot] = vec.slice();
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, chunks.length) }, lane));
    if (this.autoFlushEvery > 0 && store.pendingCount >= this.autoFlushEvery) {
      await store.flush().catch((err: unknown) => this.cache.warn(errorMessage(err)));
    }
    return out;
  }

  /** Texts answered from the cache, distinct texts sent to the wrapped encoder, entries in memory. */
  stats(): { hits: number; misses: number; size: number } {
    return { hits: this.hits, misses: this.misses, size: this.store?.size ?? 0 };
  }

  /** Persists new entries of this encoder. */
  async flush(): Promise<void> {
    if (this.store) await this.store.flush();
  }
}

function fileName(encoderId: string): string {
  const safe = encoderId.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
  return `${safe}-${sha1(encoderId).toString('hex').slice(0, 8)}.f32`;
}

function recordSize(dim: number): number {
  return KEY_BYTES + 4 * dim + 4;
}

function encodeHeader(encoderId: string, dim: number): Buffer {
  const id = Buffer.from(encoderId, 'utf8');
  const unpadded = MAGIC.length + 8 + id.length;
  const header = Buffer.alloc(Math.ceil(unpadded / 4) * 4);
  header.write(MAGIC, 0, 'latin1');
  header.writeUInt32LE(dim, 8);
  header.writeUInt32LE(id.length, 12);
  id.copy(header, 16);
  return header;
}

function encodeRecords(records: Array<{ key: Buffer; vec: Float32Array }>, dim: number): Buffer {
  const size = recordSize(dim);
  const out = Buffer.alloc(records.length * size);
  records.forEach(({ key, vec }, r) => {
    const at = r * size;
    key.copy(out, at);
    Buffer.from(vec.buffer, vec.byteOffset, vec.byteLength).copy(out, at + KEY_BYTES);
    out.writeUInt32LE(crc32(out.subarray(at, at + KEY_BYTES + 4 * dim)), at + KEY_BYTES + 4 * dim);
  });
  return out;
}

/** Whether one encoded record's checksum holds. */
function recordSound(record: Uint8Array, dim: number): boolean {
  const payload = KEY_BYTES + 4 * dim;
  const view = Buffer.from(record.buffer, record.byteOffset, record.byteLength);
  return crc32(view.subarray(0, payload)) === view.readUInt32LE(payload);
}

/** Every record of a cache file whose checksum holds and floats are finite; none when it is missing or not this encoder's. */
function soundRecords(file: string, encoderId: string, dim: number): Array<{ key: Buffer; vec: Float32Array }> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return [];
  }
  const header = encodeHeader(encoderId, dim);
  if (bytes.length < header.length || !bytes.subarray(0, header.length).equals(header)) return [];
  const size = recordSize(dim);
  const out: Array<{ key: Buffer; vec: Float32Array }> = [];
  for (let at = header.length; at + size <= bytes.length; at += size) {
    const record = bytes.subarray(at, at + size);
    if (!recordSound(record, dim)) continue;
    const vec = new Float32Array(dim);
    new Uint8Array(vec.buffer).set(record.subarray(KEY_BYTES, KEY_BYTES + 4 * dim));
    if (allFinite(vec)) out.push({ key: Buffer.from(record.subarray(0, KEY_BYTES)), vec });
  }
  return out;
}

let tempCounter = 0;
function tempName(file: string): string {
  return `${file}.tmp-${process.pid}-${process.hrtime.bigint()}-${tempCounter++}`;
}

function sha1(text: string): Buffer {
  return createHash('sha1').update(text, 'utf8').digest();
}

function allFinite(vec: Float32Array): boolean {
  for (let i = 0; i < vec.length; i++) if (!Number.isFinite(vec[i]!)) return false;
  return true;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** zlib's native CRC-32 (Node >= 20.15); the table below otherwise. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 (IEEE), as in zip and PNG. */
export function crc32(bytes: Uint8Array): number {
  if (nativeCrc32 !== undefined) return nativeCrc32(bytes);
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** What one cache file holds, from its header and size (no record is read or checked). */
export interface CacheFileInfo {
  file: string;
  bytes: number;
  /** Undefined when the header is not a cache header. */
  encoderId?: string;
  dim?: number;
  /** Whole records (duplicates, appended by several processes, included). */
  records: number;
  /** Records whose checksum fails (counted when listed with `check`). */
  damaged?: number;
  /** Bytes after the last whole record (a torn append), damaged records, or what is wrong with the header. */
  problem?: string;
}

/** The cache files (`*.f32`) of a folder, by name; an absent folder has none. `check` reads every record's checksum. */
export function listCacheFiles(dir: string, options: { check?: boolean } = {}): CacheFileInfo[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.f32')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.map((n) => describeCacheFile(join(dir, n), options));
}

export function describeCacheFile(file: string, options: { check?: boolean } = {}): CacheFileInfo {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const info = readCacheHeader(file, fd);
    return options.check && info.dim !== undefined && info.records > 0 ? withDamage({ ...info, dim: info.dim }, fd) : info;
  } catch (err) {
    return { file, bytes: 0, records: 0, problem: `unreadable: ${errorMessage(err)}` };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** `info` with its damaged records counted (every record read, a chunk at a time). */
function withDamage(info: CacheFileInfo & { dim: number }, fd: number): CacheFileInfo {
  const size = recordSize(info.dim);
  const start = headerBytesOf(fd);
  const perChunk = Math.max(1, Math.floor(INDEX_CHUNK_BYTES / size));
  const chunk = Buffer.alloc(perChunk * size);
  let damaged = 0;
  for (let first = 0; first < info.records; first += perChunk) {
    const n = Math.min(perChunk, info.records - first);
    const got = readSync(fd, chunk, 0, n * size, start + first * size);
    for (let k = 0; k < n; k++) if ((k + 1) * size > got || !recordSound(chunk.subarray(k * size, (k + 1) * size), info.dim)) damaged++;
  }
  if (damaged === 0) return { ...info, damaged };
  const problem = `${damaged} damaged record(s) (bad checksum), re-encoded and dropped at the next flush`;
  return { ...info, damaged, problem: info.problem ? `${info.problem}; ${problem}` : problem };
}

function headerBytesOf(fd: number): number {
  const head = Buffer.alloc(16);
  readSync(fd, head, 0, 16, 0);
  return Math.ceil((16 + head.readUInt32LE(12)) / 4) * 4;
}

function readCacheHeader(file: string, fd: number): CacheFileInfo {
  const bytes = fstatSync(fd).size;
  const head = Buffer.alloc(Math.min(bytes, 16));
  readSync(fd, head, 0, head.length, 0);
  if (head.length < 16 || head.toString('latin1', 0, MAGIC.length) !== MAGIC) return { file, bytes, records: 0, problem: 'not an embedding cache file' };
  const dim = head.readUInt32LE(8);
  const idBytes = head.readUInt32LE(12);
  const headerBytes = Math.ceil((16 + idBytes) / 4) * 4;
  if (dim < 1 || headerBytes > bytes) return { file, bytes, records: 0, problem: 'damaged header' };
  const id = Buffer.alloc(idBytes);
  readSync(fd, id, 0, idBytes, 16);
  const size = recordSize(dim);
  const records = Math.floor((bytes - headerBytes) / size);
  const tail = bytes - headerBytes - records * size;
  return { file, bytes, encoderId: id.toString('utf8'), dim, records, ...(tail > 0 ? { problem: `truncated tail of ${tail} bytes` } : {}) };
}
