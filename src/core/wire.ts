// How an env's values travel as JSON, for envs served over the network (src/remote). An observation or info on
// the wire is plain JSON: typed arrays become number arrays, getters are read, symbol-keyed and function-valued
// members are left out, non-finite numbers become null (as JSON.stringify does). An action arrives as JSON and is
// decoded and checked before the env sees it.
//
// An env says how its values travel with a `wireFormat()` method (CrsEnv does: envs/wire.ts); otherwise the
// format is derived from its spaces (built-in spaces give exact JSON Schemas; a Custom space accepts any JSON and
// lets the env judge). Wrappers that keep the env's types (Wrapper and its subclasses) keep its wire format.
import type { Env } from './env.js';
import type { Space, SpaceJSON } from './spaces.js';
import { Wrapper } from './wrappers.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
/** A JSON Schema (draft 2020-12) as a plain object. */
export type JsonSchema = { [key: string]: unknown };

export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** A value that has no JSON form (a cycle, a bigint). */
export class WireError extends Error {
  override name = 'WireError';
}

/** The result of reading a JSON action: the value, or what is wrong with it. */
export type WireDecoded<T> = { ok: true; value: T } | { ok: false; problems: string[] };

export interface EnvWireFormat<Obs = unknown, Act = unknown> {
  /** JSON Schema of the action JSON that `decodeAction` accepts. */
  readonly actionSchema: JsonSchema;
  /** JSON Schema of what `encodeObservation` gives. */
  readonly observationSchema: JsonSchema;
  /** Reads an action sent as JSON; a wrong shape gives problems, and the env is not stepped. */
  decodeAction(json: unknown): WireDecoded<Act>;
  encodeObservation(observation: Obs): JsonValue;
}

/** An env that says how its values travel (see EnvWireFormat). */
export interface HasWireFormat {
  wireFormat(): EnvWireFormat;
}

function hasWireFormat(env: unknown): env is HasWireFormat {
  return typeof env === 'object' && env !== null && typeof (env as Partial<HasWireFormat>).wireFormat === 'function';
}

function isTypedArray(value: object): value is ArrayLike<number | bigint> & ArrayBufferView {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

/**
 * The plain JSON form of `value`: what `JSON.parse(JSON.stringify(value))` gives for plain data, plus typed arrays as
 * number arrays, Maps as objects, Sets as arrays. Members whose value is undefined, a function or a symbol are left
 * out (null inside arrays). Throws a WireError naming the path for a cycle or a bigint.
 */
export function toJsonValue(value: unknown, path = '$'): JsonValue {
  return convert(value, path, new Set());
}

function convert(value: unknown, path: string, ancestors: Set<object>): JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      throw new WireError(`${path}: a bigint has no JSON form`);
    case 'undefined':
    case 'function':
    case 'symbol':
      return null;
  }
  if (value === null) return null;
  const object = value as object;
  if (ancestors.has(object)) throw new WireError(`${path}: a cycle has no JSON form`);
  ancestors.add(object);
  try {
    if (isTypedArray(object)) {
      return Array.from(object, (x, i) => convert(x, `${path}[${i}]`, ancestors));
    }
    if (Array.isArray(object)) return object.map((x, i) => convert(x, `${path}[${i}]`, ancestors));
    if (object instanceof Date) return Number.isNaN(object.getTime()) ? null : object.toISOString();
    if (object instanceof Set) return [...object].map((x, i) => convert(x, `${path}[${i}]`, ancestors));
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return convert(toJSON.call(object), path, ancestors);
    const entries: Array<[string, unknown]> = object instanceof Map ? [...object].map(([k, v]) => [String(k), v]) : Object.entries(object);
    const out: { [key: string]: JsonValue } = {};
    for (const [key, member] of entries) {
      if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
      out[key] = convert(member, `${path}.${key}`, ancestors);
    }
    return out;
  } finally {
    ancestors.delete(object);
  }
}

// ---------------------------------------------------------------------------------------------------
// The format derived from spaces

function boundOf(bound: number | string): number | undefined {
  const n = Number(bound);
  return Number.isFinite(n) ? n : undefined;
}

/** The JSON Schema of a space's values in their JSON form (a Box as a flat number array, row-major). */
export function spaceJsonSchema(space: SpaceJSON): JsonSchema {
  switch (space.type) {
    case 'Discrete':
      return { type: 'integer', minimum: space.start, maximum: space.start + space.n - 1 };
    case 'Box': {
      const size = space.shape.reduce((a, b) => a * b, 1);
      const scalar = (b: SpaceJSON & { type: 'Box' }) => (Array.isArray(b.low) || Array.isArray(b.high) ? {} : { ...bounds(b.low, b.high) });
      const element = { type: 'number', ...scalar(space) };
      if (space.shape.length === 0) return element;
      return { type: 'array', items: element, minItems: size, maxItems: size, description: `a Box of shape [${space.shape.join(', ')}], flat and row-major` };
    }
    case 'MultiDiscrete':
      return {
        type: 'array',
        prefixItems: space.nvec.map((n, i) => ({ type: 'integer', minimum: space.start[i], maximum: (space.start[i] ?? 0) + n - 1 })),
        minItems: space.nvec.length,
        maxItems: space.nvec.length,
      };
    case 'Text':
      return { type: 'string', minLength: space.minLength, maxLength: space.maxLength, ...(space.charset === null ? {} : { description: `characters from ${JSON.stringify(space.charset)}` }) };
    case 'Sequence':
      return { type: 'array', items: spaceJsonSchema(space.space), ...(space.maxLength === null ? {} : { maxItems: space.maxLength }) };
    case 'Dict':
      return {
        type: 'object',
        properties: Object.fromEntries(Object.entries(space.spaces).map(([k, s]) => [k, spaceJsonSchema(s)])),
        required: Object.keys(space.spaces),
        additionalProperties: false,
      };
    case 'Tuple':
      return { type: 'array', prefixItems: space.spaces.map(spaceJsonSchema), minItems: space.spaces.length, maxItems: space.spaces.length };
    case 'Custom':
      return { description: `values of the custom space '${space.name}' (any JSON; the env checks them)` };
  }
}

function bounds(low: number | string, high: number | string): { minimum?: number; maximum?: number } {
  const [lo, hi] = [boundOf(low), boundOf(high)];
  return { ...(lo === undefined ? {} : { minimum: lo }), ...(hi === undefined ? {} : { maximum: hi }) };
}

/** A space value back from its JSON form (Box number arrays become Float32Arrays); anything else is returned as is. */
export function spaceValueFromJson(space: SpaceJSON, json: unknown): unknown {
  switch (space.type) {
    case 'Box':
      if (space.shape.length === 0 && typeof json === 'number') return Float32Array.of(json);
      return Array.isArray(json) && json.every((x) => typeof x === 'number') ? Float32Array.from(json as number[]) : json;
    case 'Sequence':
      return Array.isArray(json) ? json.map((x) => spaceValueFromJson(space.space, x)) : json;
    case 'Tuple':
      return Array.isArray(json) ? json.map((x, i) => (i < space.spaces.length ? spaceValueFromJson(space.spaces[i] as SpaceJSON, x) : x)) : json;
    case 'Dict': {
      if (typeof json !== 'object' || json === null || Array.isArray(json)) return json;
      const record = json as Record<string, unknown>;
      return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, space.spaces[k] ? spaceValueFromJson(space.spaces[k] as SpaceJSON, v) : v]));
    }
    default:
      return json;
  }
}

/** The wire format an env without its own gets: schemas from its spaces, actions checked with `contains`. */
export function spaceWireFormat<Obs, Act>(observationSpace: Space<Obs>, actionSpace: Space<Act>): EnvWireFormat<Obs, Act> {
  const actionJson = actionSpace.toJSON();
  return {
    actionSchema: { $schema: JSON_SCHEMA_DIALECT, ...spaceJsonSchema(actionJson) },
    observationSchema: { $schema: JSON_SCHEMA_DIALECT, ...spaceJsonSchema(observationSpace.toJSON()) },
    decodeAction(json: unknown): WireDecoded<Act> {
      const value = spaceValueFromJson(actionJson, json);
      if (actionSpace.contains(value)) return { ok: true, value };
      return { ok: false, problems: [`the action is not in the action space ${JSON.stringify(actionJson)}`] };
    },
    encodeObservation: (observation: Obs) => toJsonValue(observation),
  };
}

/**
 * The wire format of `env`: its own `wireFormat()`, or that of the env below a wrapper that keeps its types and
 * spaces, else the one derived from its spaces.
 */
export function wireFormatOf<Obs, Act>(env: Env<Obs, Act>): EnvWireFormat<Obs, Act> {
  let current: unknown = env;
  for (;;) {
    if (hasWireFormat(current)) return current.wireFormat() as EnvWireFormat<Obs, Act>;
    if (!(current instanceof Wrapper)) break;
    const inner: Env<unknown, unknown> = current.env;
    if (current.observationSpace !== inner.observationSpace || current.actionSpace !== inner.actionSpace) break;
    current = inner;
  }
  return spaceWireFormat(env.observationSpace, env.actionSpace);
}
