// Reading the source files (plain or gzipped JSON / JSONL) and reporting problems as `file:line: message`.
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { DataFormatError, DataNotFoundError } from './errors.js';
import type { LoadWarning } from './types.js';
import { errorMessage } from '../core/errors.js';

/** Collects problems found while loading: strict mode throws on the first, otherwise they are counted. */
export class LoadReport {
  readonly warnings: LoadWarning[] = [];
  constructor(readonly strict: boolean) {}

  /** A malformed line or dangling id. Throws DataFormatError in strict mode, else records a warning. */
  problem(file: string, line: number, message: string): void {
    if (this.strict) throw new DataFormatError(`${file}:${line}: ${message}`, file, line);
    this.warnings.push({ file, line, message });
  }
}

/** `rel` under `root`, trying `rel`, then `rel.gz` / `rel` without `.gz`; null when none exists. */
export function findFile(root: string, rel: string): string | null {
  const alternatives = rel.endsWith('.gz') ? [rel, rel.slice(0, -3)] : [rel, `${rel}.gz`];
  for (const alt of alternatives) {
    const path = join(root, alt);
    if (existsSync(path)) return path;
  }
  return null;
}

/** Like findFile, but a missing file is an error naming the path. */
export function requireFile(root: string, rel: string): string {
  const path = findFile(root, rel);
  if (path === null) throw new DataNotFoundError(`missing data file: ${join(root, rel)} (see docs/data.md)`);
  return path;
}

/**
 * A data file's text, gunzipped when it is gzip (by its magic number, so a renamed file still reads). A truncated or
 * corrupt gzip, and an empty file, are DataFormatErrors naming the file; with a `report`, an empty file and invalid
 * UTF-8 (read as U+FFFD) are problems instead: errors in strict mode, warnings with a count otherwise.
 */
export function readText(path: string, report?: LoadReport): string {
  const raw = readFileSync(path);
  const gz = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
  let bytes: Buffer = raw;
  if (gz) {
    try {
      bytes = gunzipSync(raw);
    } catch (err) {
      throw new DataFormatError(`${path}: not a readable gzip file, truncated or corrupt (${errorMessage(err)}); restore it from the dataset's download`, path, 0);
    }
  }
  const text = bytes.toString('utf8');
  if (text.trim() === '') {
    if (report === undefined) throw new DataFormatError(`${path}:1: the file is empty${gz ? ' (once gunzipped)' : ''}`, path, 1);
    report.problem(path, 1, `the file is empty${gz ? ' (once gunzipped)' : ''}: nothing read from it`);
    return text;
  }
  const invalid = invalidUtf8(bytes, text);
  if (invalid > 0) {
    const line = text.slice(0, text.indexOf('\ufffd')).split('\n').length;
    const message = `${invalid} invalid UTF-8 byte sequence(s), read as U+FFFD (the first on this line); is the file in another encoding?`;
    if (report === undefined) throw new DataFormatError(`${path}:${line}: ${message}`, path, line);
    report.problem(path, line, message);
  }
  return text;
}

/** Byte sequences that decoding replaced by U+FFFD (those that were a real U+FFFD in the file not counted). */
function invalidUtf8(bytes: Buffer, text: string): number {
  let replaced = 0;
  for (let i = text.indexOf('\ufffd'); i >= 0; i = text.indexOf('\ufffd', i + 1)) replaced++;
  if (replaced === 0) return 0;
  let genuine = 0;
  for (let i = bytes.indexOf(REPLACEMENT_CHAR); i >= 0; i = bytes.indexOf(REPLACEMENT_CHAR, i + 3)) genuine++;
  return replaced - genuine;
}

const REPLACEMENT_CHAR = Buffer.from('\ufffd', 'utf8');

/** A whole-file JSON document. A broken one cannot be skipped, so it always throws. */
export function readJson(path: string): unknown {
  const text = readText(path);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new DataFormatError(`${path}:1: invalid JSON (${errorMessage(err)})`, path, 1);
  }
}

export interface JsonLine {
  /** 1-based line number in the file. */
  line: number;
  value: unknown;
}

/** The parsed lines of a JSONL file; blank lines are skipped, unparsable ones are reported. */
export function readJsonl(path: string, report: LoadReport): JsonLine[] {
  const text = readText(path, report);
  const out: JsonLine[] = [];
  let start = 0;
  let line = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    line++;
    const raw = text.slice(start, end).trim();
    start = end + 1;
    if (raw === '') continue;
    try {
      out.push({ line, value: JSON.parse(raw) as unknown });
    } catch (err) {
      report.problem(path, line, `invalid JSON (${errorMessage(err)})`);
    }
  }
  return out;
}

// Small shape checks, so a wrong-shaped line gives a message rather than a crash deep inside a loader.

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/** A string array field; a missing field or null reads as []. Returns null when the field has another shape. */
export function stringArrayField(record: Record<string, unknown>, key: string): string[] | null {
  const value = record[key];
  if (value === undefined || value === null) return [];
  return isStringArray(value) ? value : null;
}

/** A whole-file JSON document of the wrong shape: nothing can be loaded without it, so it always throws. */
export class WholeFileShapeError extends DataFormatError {
  constructor(file: string, message: string) {
    super(`${file}:1: ${message}`, file, 1);
  }
}

/** An `entity2id.json`: entity name or URI -> numeric id. */
export function readEntity2id(path: string): Map<string, number> {
  const json = readJson(path);
  if (!isRecord(json)) throw new WholeFileShapeError(path, 'entity2id is not an object');
  const out = new Map<string, number>();
  for (const [name, id] of Object.entries(json)) {
    if (typeof id !== 'number') throw new WholeFileShapeError(path, `entity2id[${JSON.stringify(name)}] is not a number`);
    out.set(name, id);
  }
  return out;
}

/** An `item_ids.json`: the numeric entity ids that are recommendable items. */
export function readItemIds(path: string): number[] {
  const json = readJson(path);
  if (!Array.isArray(json) || !json.every((v): v is number => typeof v === 'number')) {
    throw new WholeFileShapeError(path, 'item_ids.json is not an array of numbers');
  }
  return json;
}
