// Structural equality for observations and trajectories. Handles what observations are made of:
// primitives, arrays, plain objects, typed arrays (Float32Array embeddings), Map, Set, Date, and cycles.
// NaN equals NaN (a deterministic env that emits NaN twice is still deterministic); +0 equals -0.

/** True when `a` and `b` have the same structure and values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  return findDifference(a, b) === undefined;
}

/**
 * The first difference between `a` and `b` as `path: left != right`, or undefined when they are equal.
 * `root` names the top value in the path (e.g. `observation`).
 */
export function findDifference(a: unknown, b: unknown, root = '$'): string | undefined {
  return diff(a, b, root, new Map());
}

function sameNumber(x: unknown, y: unknown): boolean {
  return x === y || (typeof x === 'number' && typeof y === 'number' && Number.isNaN(x) && Number.isNaN(y));
}

function diff(a: unknown, b: unknown, path: string, seen: Map<object, object>): string | undefined {
  if (sameNumber(a, b)) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return `${path}: ${preview(a)} != ${preview(b)}`;
  }
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) {
    return `${path}: ${typeName(a)} != ${typeName(b)}`;
  }
  // A pair already under comparison higher up: assume equal, the other branches decide.
  if (seen.get(a) === b) return undefined;
  seen.set(a, b);

  if (ArrayBuffer.isView(a) || a instanceof ArrayBuffer) return diffBinary(a, b as typeof a, path);
  if (Array.isArray(a)) return diffArray(a, b as unknown[], path, seen);
  if (a instanceof Date) {
    const [x, y] = [a.getTime(), (b as Date).getTime()];
    return sameNumber(x, y) ? undefined : `${path}: Date(${x}) != Date(${y})`;
  }
  if (a instanceof RegExp) return String(a) === String(b) ? undefined : `${path}: ${String(a)} != ${String(b)}`;
  if (a instanceof Map) return diffMap(a, b as Map<unknown, unknown>, path, seen);
  if (a instanceof Set) return diffSet(a, b as Set<unknown>, path);
  return diffObject(a as Record<string, unknown>, b as Record<string, unknown>, path, seen);
}

function diffBinary(a: ArrayBufferView | ArrayBuffer, b: ArrayBufferView | ArrayBuffer, path: string): string | undefined {
  // DataView and ArrayBuffer compare bytes; typed arrays compare elements (so NaN == NaN in Float32Array).
  const elements = (v: ArrayBufferView | ArrayBuffer): ArrayLike<unknown> =>
    v instanceof ArrayBuffer
      ? new Uint8Array(v)
      : v instanceof DataView
        ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
        : (v as unknown as ArrayLike<unknown>);
  const [x, y] = [elements(a), elements(b)];
  if (x.length !== y.length) return `${path}: length ${x.length} != ${y.length}`;
  for (let i = 0; i < x.length; i++) {
    if (!sameNumber(x[i], y[i])) return `${path}[${i}]: ${preview(x[i])} != ${preview(y[i])}`;
  }
  return undefined;
}

function diffArray(a: unknown[], b: unknown[], path: string, seen: Map<object, object>): string | undefined {
  if (a.length !== b.length) return `${path}: length ${a.length} != ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    const d = diff(a[i], b[i], `${path}[${i}]`, seen);
    if (d !== undefined) return d;
  }
  return undefined;
}

function diffMap(a: Map<unknown, unknown>, b: Map<unknown, unknown>, path: string, seen: Map<object, object>): string | undefined {
  if (a.size !== b.size) return `${path}: Map size ${a.size} != ${b.size}`;
  // Keys compare by identity (SameValueZero), as Map itself does.
  for (const [key, value] of a) {
    if (!b.has(key)) return `${path}: key ${preview(key)} missing on the right`;
    const d = diff(value, b.get(key), `${path}.get(${preview(key)})`, seen);
    if (d !== undefined) return d;
  }
  return undefined;
}

function diffSet(a: Set<unknown>, b: Set<unknown>, path: string): string | undefined {
  if (a.size !== b.size) return `${path}: Set size ${a.size} != ${b.size}`;
  // Members compare by identity (SameValueZero), as Set itself does.
  for (const value of a) if (!b.has(value)) return `${path}: member ${preview(value)} missing on the right`;
  return undefined;
}

function diffObject(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  path: string,
  seen: Map<object, object>,
): string | undefined {
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  for (const key of aKeys) if (!Object.hasOwn(b, key)) return `${path}.${key}: present on the left only`;
  for (const key of bKeys) if (!Object.hasOwn(a, key)) return `${path}.${key}: present on the right only`;
  for (const key of aKeys) {
    const d = diff(a[key], b[key], `${path}.${key}`, seen);
    if (d !== undefined) return d;
  }
  return undefined;
}

function typeName(v: object): string {
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === null) return 'Object(null prototype)';
  return (v.constructor as { name?: string } | undefined)?.name ?? 'Object';
}

/** A short, single-line rendering of a value for messages. */
export function preview(v: unknown, max = 60): string {
  let s: string;
  if (typeof v === 'string') s = JSON.stringify(v);
  else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v === undefined || v === null) {
    s = String(v);
  } else if (typeof v === 'function') s = `[function ${v.name || 'anonymous'}]`;
  else if (typeof v === 'symbol') s = v.toString();
  else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const arr = Array.from(v as unknown as ArrayLike<number>).slice(0, 8);
    s = `${typeName(v)}[${arr.join(', ')}${(v as unknown as ArrayLike<number>).length > 8 ? ', ...' : ''}]`;
  } else {
    try {
      s = JSON.stringify(v) ?? String(v);
    } catch {
      s = `[${typeName(v)}]`;
    }
  }
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}
