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

export function readText(path: string): string {
  const bytes = readFileSync(path);
  // gzip magic number, so a renamed file still reads.
  const gz = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  return (gz ? gunzipSync(bytes) : bytes).toString('utf8');
}

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
  const text = readText(path);
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
