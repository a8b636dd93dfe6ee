// Parsing of numeric CLI options, with the one-line usage errors the CLI exits 2 on.
import { UsageError } from './errors.js';

export function intOption(value: unknown, name: string, min = Number.MIN_SAFE_INTEGER): number {
  const n = Number(value);
  if (typeof value !== 'string' && typeof value !== 'number') throw new UsageError(`${name} needs a value`);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be an integer >= ${min}, got '${String(value)}'`);
  return n;
}

export function floatOption(value: unknown, name: string, min = -Infinity, max = Infinity): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`${name} must be a number in [${min}, ${max}], got '${String(value)}'`);
  return n;
}
