// Spaces describe what an env takes and gives (Gymnasium's `spaces`): a seeded `sample(rng)`, a strict
// `contains(x)` and a JSON description. `contains` is a type guard and never throws: a wrong type, NaN,
// a value out of range, a wrong length or a missing or extra Dict key all give false.
//
// Value representations:
// - Discrete -> number (an integer).
// - Box -> Float32Array, flat, row-major over `shape` (compact, and what tfjs tensors take). Bounds are
//   stored as float32 too, so `contains` compares float32 against float32. A number[] is NOT contained:
//   convert with `box.fromArray(values)`.
// - MultiDiscrete -> number[] (small index vectors; JSON-friendly).
// - Text -> string; lengths count Unicode code points, not UTF-16 units.
// - Sequence -> T[];  Dict -> a plain object with exactly the declared keys;  Tuple -> a fixed-length array.
import type { Rng } from './rng.js';

export interface Space<T> {
  /** A random element drawn from `rng` alone: the same rng state gives the same value. */
  sample(rng: Rng): T;
  /** Strict membership test; never throws. */
  contains(x: unknown): x is T;
  /** A JSON description; `spaceFromJSON` rebuilds built-in spaces from it. */
  toJSON(): SpaceJSON;
}

/** The value type of a space: `SpaceValue<Discrete>` is `number`. */
export type SpaceValue<S> = S extends Space<infer T> ? T : never;

/** JSON has no infinities, so infinite Box bounds are written as strings. */
export type JSONBound = number | 'Infinity' | '-Infinity';

export type SpaceJSON =
  | { type: 'Discrete'; n: number; start: number }
  | { type: 'Box'; shape: number[]; low: JSONBound | JSONBound[]; high: JSONBound | JSONBound[] }
  | { type: 'MultiDiscrete'; nvec: number[]; start: number[] }
  | { type: 'Text'; maxLength: number; minLength: number; charset: string | null }
  | { type: 'Sequence'; space: SpaceJSON; maxLength: number | null }
  | { type: 'Dict'; spaces: { [key: string]: SpaceJSON } }
  | { type: 'Tuple'; spaces: SpaceJSON[] }
  /** For spaces defined outside this module; `spaceFromJSON` does not rebuild these. */
  | { type: 'Custom'; name: string; params?: unknown };

export class SpaceError extends Error {
  override name = 'SpaceError';
}

function requireInteger(where: string, what: string, v: unknown, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    const bound = min === -Infinity ? 'an integer' : `an integer >= ${min}`;
    throw new SpaceError(`${where}: ${what} must be ${bound}, got ${String(v)}`);
  }
  return v;
}

function isSpace(v: unknown): v is Space<unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Space<unknown>).sample === 'function' &&
    typeof (v as Space<unknown>).contains === 'function'
  );
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

// ---------------------------------------------------------------------------------------------------

/** Integers start, start+1, ..., start+n-1. */
export class Discrete implements Space<number> {
  readonly n: number;
  readonly start: number;

  constructor(n: number, start = 0) {
    this.n = requireInteger('Discrete', 'n', n, 1);
    this.start = requireInteger('Discrete', 'start', start);
  }

  sample(rng: Rng): number {
    return rng.int(this.start, this.start + this.n);
  }

  contains(x: unknown): x is number {
    return typeof x === 'number' && Number.isInteger(x) && x >= this.start && x < this.start + this.n;
  }

  toJSON(): SpaceJSON {
    return { type: 'Discrete', n: this.n, start: this.start };
  }
}

// ---------------------------------------------------------------------------------------------------

export type BoxBound = number | ArrayLike<number>;

/**
 * Float32 vectors with per-element bounds (inclusive at both ends, as in Gymnasium). Bounds may be
 * infinite; sample() then draws a normal (unbounded) or a shifted exponential (bounded on one side).
 */
export class Box implements Space<Float32Array> {
  readonly shape: readonly number[];
  /** Number of elements: the product of `shape` (1 for shape []). */
  readonly size: number;
  private readonly lowBound: Float32Array;
  private readonly highBound: Float32Array;

  /** `shape` defaults to [length] when a bound is an array, else to [] (a single value). */
  constructor(low: BoxBound, high: BoxBound, shape?: readonly number[]) {
    const inferred = typeof low !== 'number' ? [low.length] : typeof high !== 'number' ? [high.length] : [];
    const dims = shape ?? inferred;
    if (!Array.isArray(dims)) throw new SpaceError(`Box: shape must be an array of integers, got ${String(dims)}`);
    dims.forEach((d, i) => requireInteger('Box', `shape[${i}]`, d, 0));
    this.shape = Object.freeze([...dims]);
    this.size = dims.reduce((a, b) => a * b, 1);
    this.lowBound = this.expand('low', low);
    this.highBound = this.expand('high', high);
    for (let i = 0; i < this.size; i++) {
      const [lo, hi] = [this.lowBound[i] as number, this.highBound[i] as number];
      if (lo === Infinity || hi === -Infinity || lo > hi) {
        throw new SpaceError(`Box: bounds at index ${i} are empty: low ${lo}, high ${hi}`);
      }
    }
  }

  private expand(what: string, bound: BoxBound): Float32Array {
    const out = new Float32Array(this.size);
    if (typeof bound === 'number') out.fill(bound);
    else {
      if (bound.length !== this.size) {
        throw new SpaceError(`Box: ${what} has ${bound.length} values but shape [${this.shape.join(', ')}] has ${this.size}`);
      }
      out.set(Array.from(bound));
    }
    for (let i = 0; i < out.length; i++) if (Object.is(out[i], -0)) out[i] = 0; // JSON cannot keep -0
    const nan = out.findIndex((v) => Number.isNaN(v));
    if (nan >= 0 || (typeof bound === 'number' && Number.isNaN(bound))) {
      throw new SpaceError(`Box: ${what} is NaN at index ${Math.max(nan, 0)}`);
    }
    return out;
  }

  /** A copy of the lower bounds (float32). */
  get low(): Float32Array {
    return this.lowBound.slice();
  }

  /** A copy of the upper bounds (float32). */
  get high(): Float32Array {
    return this.highBound.slice();
  }

  sample(rng: Rng): Float32Array {
    const out = new Float32Array(this.size);
    for (let i = 0; i < this.size; i++) {
      const lo = this.lowBound[i] as number;
      const hi = this.highBound[i] as number;
      let v: number;
      if (Number.isFinite(lo) && Number.isFinite(hi)) v = lo + (hi - lo) * rng.random();
      else if (Number.isFinite(lo)) v = lo - Math.log(1 - rng.random());
      else if (Number.isFinite(hi)) v = hi + Math.log(1 - rng.random());
      else v = rng.normal();
      // Rounding to float32 stays within float32 bounds, since rounding is monotone.
      out[i] = v;
    }
    return out;
  }

  contains(x: unknown): x is Float32Array {
    if (!(x instanceof Float32Array) || x.length !== this.size) return false;
    for (let i = 0; i < this.size; i++) {
      const v = x[i] as number;
      if (!(v >= (this.lowBound[i] as number) && v <= (this.highBound[i] as number))) return false; // NaN fails too
    }
    return true;
  }

  /** A Float32Array from plain numbers (values are rounded to float32; no bounds check). */
  fromArray(values: ArrayLike<number>): Float32Array {
    if (values.length !== this.size) {
      throw new SpaceError(`Box.fromArray: got ${values.length} values, shape [${this.shape.join(', ')}] needs ${this.size}`);
    }
    return Float32Array.from(values);
  }

  toJSON(): SpaceJSON {
    return { type: 'Box', shape: [...this.shape], low: boundJSON(this.lowBound), high: boundJSON(this.highBound) };
  }
}

function toJSONBound(v: number): JSONBound {
  return v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v;
}

/** A single value when all elements agree (keeps a 768-dim embedding Box readable), else an array. */
function boundJSON(values: Float32Array): JSONBound | JSONBound[] {
  const first = values[0];
  if (first !== undefined && values.every((v) => v === first)) return toJSONBound(first);
  if (first === undefined) return 0;
  return Array.from(values, toJSONBound);
}

// ---------------------------------------------------------------------------------------------------

/** Integer vectors: element i in [start[i], start[i] + nvec[i]). */
export class MultiDiscrete implements Space<number[]> {
  readonly nvec: readonly number[];
  readonly start: readonly number[];

  constructor(nvec: readonly number[], start?: readonly number[]) {
    if (!Array.isArray(nvec)) throw new SpaceError(`MultiDiscrete: nvec must be an array, got ${String(nvec)}`);
    nvec.forEach((n, i) => requireInteger('MultiDiscrete', `nvec[${i}]`, n, 1));
    const starts = start ?? nvec.map(() => 0);
    if (!Array.isArray(starts) || starts.length !== nvec.length) {
      throw new SpaceError(`MultiDiscrete: start must be an array of ${nvec.length} integers`);
    }
    starts.forEach((s, i) => requireInteger('MultiDiscrete', `start[${i}]`, s));
    this.nvec = Object.freeze([...nvec]);
    this.start = Object.freeze([...starts]);
  }

  sample(rng: Rng): number[] {
    return this.nvec.map((n, i) => {
      const s = this.start[i] as number;
      return rng.int(s, s + n);
    });
  }

  contains(x: unknown): x is number[] {
    if (!Array.isArray(x) || x.length !== this.nvec.length) return false;
    for (let i = 0; i < x.length; i++) {
      const v: unknown = x[i];
      const s = this.start[i] as number;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < s || v >= s + (this.nvec[i] as number)) return false;
    }
    return true;
  }

  toJSON(): SpaceJSON {
    return { type: 'MultiDiscrete', nvec: [...this.nvec], start: [...this.start] };
  }
}

// ---------------------------------------------------------------------------------------------------

export const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Printable ASCII (space to tilde): what Text samples from when any character is allowed. */
const PRINTABLE_ASCII = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));

export interface TextOptions {
  /** Shortest allowed string, in code points (default 1, as in Gymnasium). */
  minLength?: number;
  /** Allowed characters (default ALPHANUMERIC); null allows any character (sample() then uses printable ASCII). */
  charset?: string | null;
}

/** Strings of minLength..maxLength code points drawn from a charset. */
export class Text implements Space<string> {
  readonly maxLength: number;
  readonly minLength: number;
  /** The allowed characters, or null for any. */
  readonly charset: string | null;
  private readonly chars: readonly string[];
  private readonly allowed: ReadonlySet<string> | null;

  constructor(maxLength: number, options: TextOptions = {}) {
    this.maxLength = requireInteger('Text', 'maxLength', maxLength, 0);
    this.minLength = requireInteger('Text', 'minLength', options.minLength ?? 1, 0);
    if (this.minLength > this.maxLength) {
      throw new SpaceError(`Text: minLength ${this.minLength} is greater than maxLength ${this.maxLength}`);
    }
    const charset = options.charset === undefined ? ALPHANUMERIC : options.charset;
    if (charset !== null && typeof charset !== 'string') {
      throw new SpaceError(`Text: charset must be a string or null, got ${String(charset)}`);
    }
    if (charset === '' && this.maxLength > 0 && this.minLength > 0) {
      throw new SpaceError('Text: an empty charset only allows the empty string, but minLength > 0');
    }
    this.charset = charset;
    this.allowed = charset === null ? null : new Set(Array.from(charset));
    this.chars = charset === null ? PRINTABLE_ASCII : [...new Set(Array.from(charset))];
  }

  sample(rng: Rng): string {
    const max = this.chars.length === 0 ? 0 : this.maxLength;
    const length = rng.int(this.minLength, max + 1);
    let out = '';
    for (let i = 0; i < length; i++) out += rng.choice(this.chars);
    return out;
  }

  contains(x: unknown): x is string {
    if (typeof x !== 'string') return false;
    const points = Array.from(x);
    if (points.length < this.minLength || points.length > this.maxLength) return false;
    const allowed = this.allowed;
    return allowed === null || points.every((c) => allowed.has(c));
  }

  toJSON(): SpaceJSON {
    return { type: 'Text', maxLength: this.maxLength, minLength: this.minLength, charset: this.charset };
  }
}

// ---------------------------------------------------------------------------------------------------

/**
 * Arrays of any length (up to maxLength) whose elements belong to `space`. sample() draws the length
 * uniformly from 0..maxLength, or geometrically (mean 3) without a maxLength.
 */
export class Sequence<T> implements Space<T[]> {
  readonly space: Space<T>;
  readonly maxLength: number | undefined;

  constructor(space: Space<T>, maxLength?: number) {
    if (!isSpace(space)) throw new SpaceError(`Sequence: element space must be a Space, got ${String(space)}`);
    this.space = space;
    this.maxLength = maxLength === undefined ? undefined : requireInteger('Sequence', 'maxLength', maxLength, 0);
  }

  sample(rng: Rng): T[] {
    let length = 0;
    if (this.maxLength !== undefined) length = rng.int(0, this.maxLength + 1);
    else while (!rng.bernoulli(0.25)) length++;
    return Array.from({ length }, () => this.space.sample(rng));
  }

  contains(x: unknown): x is T[] {
    if (!Array.isArray(x)) return false;
    if (this.maxLength !== undefined && x.length > this.maxLength) return false;
    for (let i = 0; i < x.length; i++) if (!(i in x) || !this.space.contains(x[i])) return false;
    return true;
  }

  toJSON(): SpaceJSON {
    return { type: 'Sequence', space: this.space.toJSON(), maxLength: this.maxLength ?? null };
  }
}

// ---------------------------------------------------------------------------------------------------

export type SpaceRecord = { readonly [key: string]: Space<unknown> };
export type DictValue<S extends SpaceRecord> = { [K in keyof S]: SpaceValue<S[K]> };

/** Plain objects with exactly the declared keys. sample() draws keys in sorted order (as Gymnasium). */
export class Dict<S extends SpaceRecord> implements Space<DictValue<S>> {
  readonly spaces: Readonly<S>;
  /** Keys in sorted order. */
  readonly keys: readonly (keyof S & string)[];

  constructor(spaces: S) {
    if (!isPlainObject(spaces)) throw new SpaceError('Dict: expected an object of spaces');
    for (const [key, space] of Object.entries(spaces)) {
      if (!isSpace(space)) throw new SpaceError(`Dict: value for key '${key}' is not a Space`);
    }
    this.keys = Object.freeze(Object.keys(spaces).sort() as (keyof S & string)[]);
    this.spaces = Object.freeze({ ...spaces });
  }

  sample(rng: Rng): DictValue<S> {
    const out: Record<string, unknown> = {};
    for (const key of this.keys) out[key] = (this.spaces[key] as Space<unknown>).sample(rng);
    return out as DictValue<S>;
  }

  contains(x: unknown): x is DictValue<S> {
    if (!isPlainObject(x)) return false;
    const keys = Object.keys(x);
    if (keys.length !== this.keys.length) return false;
    for (const key of this.keys) {
      if (!Object.hasOwn(x, key) || !(this.spaces[key] as Space<unknown>).contains(x[key])) return false;
    }
    return true;
  }

  toJSON(): SpaceJSON {
    const spaces: { [key: string]: SpaceJSON } = {};
    for (const key of this.keys) spaces[key] = (this.spaces[key] as Space<unknown>).toJSON();
    return { type: 'Dict', spaces };
  }
}

// ---------------------------------------------------------------------------------------------------

export type TupleValue<S extends readonly Space<unknown>[]> = { -readonly [K in keyof S]: SpaceValue<S[K]> };

/** Fixed-length arrays whose i-th element belongs to the i-th space. */
export class Tuple<const S extends readonly Space<unknown>[]> implements Space<TupleValue<S>> {
  readonly spaces: S;

  constructor(spaces: S) {
    if (!Array.isArray(spaces)) throw new SpaceError('Tuple: expected an array of spaces');
    spaces.forEach((s, i) => {
      if (!isSpace(s)) throw new SpaceError(`Tuple: element ${i} is not a Space`);
    });
    this.spaces = Object.freeze([...spaces]) as unknown as S;
  }

  sample(rng: Rng): TupleValue<S> {
    return this.spaces.map((s) => s.sample(rng)) as TupleValue<S>;
  }

  contains(x: unknown): x is TupleValue<S> {
    if (!Array.isArray(x) || x.length !== this.spaces.length) return false;
    return this.spaces.every((s, i) => i in x && s.contains(x[i]));
  }

  toJSON(): SpaceJSON {
    return { type: 'Tuple', spaces: this.spaces.map((s) => s.toJSON()) };
  }
}

// ---------------------------------------------------------------------------------------------------

/** Rebuilds a built-in space from its JSON; errors name the bad field (`where.path`). */
export function spaceFromJSON(json: unknown, where = 'space'): Space<unknown> {
  if (!isPlainObject(json) || typeof json.type !== 'string') {
    throw new SpaceError(`${where}: expected an object with a string 'type'`);
  }
  const num = (key: string): number => {
    const v = json[key];
    if (typeof v !== 'number') throw new SpaceError(`${where}.${key}: expected a number, got ${String(v)}`);
    return v;
  };
  const numArray = (key: string): number[] => {
    const v = json[key];
    if (!Array.isArray(v) || !v.every((e) => typeof e === 'number')) {
      throw new SpaceError(`${where}.${key}: expected an array of numbers`);
    }
    return v as number[];
  };
  const bound = (key: string): BoxBound => {
    const parse = (v: unknown, path: string): number => {
      if (v === 'Infinity') return Infinity;
      if (v === '-Infinity') return -Infinity;
      if (typeof v === 'number') return v;
      throw new SpaceError(`${path}: expected a number, 'Infinity' or '-Infinity', got ${String(v)}`);
    };
    const v = json[key];
    return Array.isArray(v) ? v.map((e, i) => parse(e, `${where}.${key}[${i}]`)) : parse(v, `${where}.${key}`);
  };
  const wrap = <T>(build: () => T): T => {
    try {
      return build();
    } catch (err) {
      if (err instanceof SpaceError && !err.message.startsWith(where)) throw new SpaceError(`${where}: ${err.message}`);
      throw err;
    }
  };
  switch (json.type) {
    case 'Discrete':
      return wrap(() => new Discrete(num('n'), json.start === undefined ? 0 : num('start')));
    case 'Box':
      return wrap(() => new Box(bound('low'), bound('high'), numArray('shape')));
    case 'MultiDiscrete':
      return wrap(() => new MultiDiscrete(numArray('nvec'), json.start === undefined ? undefined : numArray('start')));
    case 'Text': {
      const charset = json.charset;
      if (charset !== undefined && charset !== null && typeof charset !== 'string') {
        throw new SpaceError(`${where}.charset: expected a string or null`);
      }
      return wrap(
        () =>
          new Text(num('maxLength'), {
            minLength: json.minLength === undefined ? 1 : num('minLength'),
            charset: charset === undefined ? ALPHANUMERIC : charset,
          }),
      );
    }
    case 'Sequence': {
      const inner = spaceFromJSON(json.space, `${where}.space`);
      const max = json.maxLength === undefined || json.maxLength === null ? undefined : num('maxLength');
      return wrap(() => new Sequence(inner, max));
    }
    case 'Dict': {
      if (!isPlainObject(json.spaces)) throw new SpaceError(`${where}.spaces: expected an object`);
      const spaces: Record<string, Space<unknown>> = {};
      for (const [key, sub] of Object.entries(json.spaces)) spaces[key] = spaceFromJSON(sub, `${where}.spaces.${key}`);
      return new Dict(spaces);
    }
    case 'Tuple': {
      if (!Array.isArray(json.spaces)) throw new SpaceError(`${where}.spaces: expected an array`);
      return new Tuple(json.spaces.map((sub, i) => spaceFromJSON(sub, `${where}.spaces[${i}]`)));
    }
    default:
      throw new SpaceError(`${where}.type: cannot rebuild a '${json.type}' space (built-ins only)`);
  }
}
