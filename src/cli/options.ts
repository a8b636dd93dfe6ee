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

/** A comma-separated list of distinct integers >= `min`, e.g. `--seeds 0,1,2`. */
export function intListOption(value: unknown, name: string, min = 0): number[] {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`${name} needs a comma-separated list of integers, e.g. 0,1,2`);
  const parts = value.split(',').map((p) => p.trim());
  const out = parts.map((p) => {
    const n = Number(p);
    if (p === '' || !Number.isInteger(n) || n < min) throw new UsageError(`${name} must be a comma-separated list of integers >= ${min}, got '${value}'`);
    return n;
  });
  if (new Set(out).size !== out.length) throw new UsageError(`${name} lists a value twice: '${value}'`);
  return out;
}
