// Configs are data: JSON files in configs/, validated by zod schemas with documented defaults.
// A bad config fails with the path of the bad field and what was expected.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { errorMessage } from '../core/errors.js';

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly source: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Formats zod issues as `source: field.path: message` lines. */
export function formatIssues(source: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
      return `${source}: ${path}: ${issue.message}`;
    })
    .join('\n');
}

/** Validates a plain object against a schema, filling defaults. */
export function parseConfig<S extends z.ZodType>(schema: S, value: unknown, source = 'config'): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ConfigError(formatIssues(source, result.error), source);
  return result.data;
}

/** Reads a JSON config file, merges `overrides` on top (deeply), and validates it. */
export function loadConfigFile<S extends z.ZodType>(schema: S, file: string, overrides: object = {}): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const reason = errorMessage(err);
    throw new ConfigError(`${file}: cannot read config as JSON: ${reason}`, file);
  }
  // `null`, an array or a string would merge into the defaults and be ignored without a word.
  if (!isPlainObject(raw)) throw new ConfigError(`${file}: a config must be a JSON object ({ ... }), got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}`, file);
  return parseConfig(schema, deepMerge(raw, overrides), file);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merges `b` into `a`: objects recursively, anything else replaced. Neither input is changed. */
export function deepMerge(a: unknown, b: unknown): unknown {
  if (!isPlainObject(a) || !isPlainObject(b)) return b === undefined ? a : b;
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) out[key] = deepMerge(a[key], value);
  return out;
}
