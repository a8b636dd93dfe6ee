// Named, versioned envs (Gymnasium's register / make). Ids are `Name-vN` or `Namespace/Name-vN`:
// a new behaviour gets a new version, so results stay tied to the env that produced them.
//
// `make` builds the env with the factory (async: factories may load models), then wraps it like
// Gymnasium: OrderEnforcing (unless disabled) and, outermost, TimeLimit when a step limit is set.
import { preview } from './deep-equal.js';
import type { Env } from './env.js';
import { OrderEnforcing, TimeLimit } from './wrappers.js';
import { errorMessage, OneLineError } from './errors.js';
import { editDistance } from './edit-distance.js';

/** Builds an env from merged options. Options are untyped here: validate them (e.g. with zod). */
export type EnvFactory = (options: Record<string, unknown>) => Env<unknown, unknown> | Promise<Env<unknown, unknown>>;

export interface RegisterOptions {
  /** Options every make() starts from; make's own options override them key by key (shallow). */
  defaultOptions?: Record<string, unknown>;
  /** Wrap in TimeLimit with this many steps. */
  maxEpisodeSteps?: number;
  /** Wrap in OrderEnforcing (default true). */
  orderEnforcing?: boolean;
  /** Replace an env already registered under this id instead of failing. */
  override?: boolean;
  /** One line for listings. */
  description?: string;
}

export interface EnvSpec {
  readonly id: string;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly version: number;
  readonly factory: EnvFactory;
  readonly defaultOptions: Readonly<Record<string, unknown>>;
  readonly maxEpisodeSteps: number | undefined;
  readonly orderEnforcing: boolean;
  readonly description: string | undefined;
}

export interface MakeOptions {
  /** Overrides the spec's step limit; null removes it. */
  maxEpisodeSteps?: number | null;
  /** Overrides the spec's OrderEnforcing choice (false: return the env unwrapped by it). */
  orderEnforcing?: boolean;
}

export type RegistryErrorKind = 'malformed-id' | 'unknown-id' | 'duplicate-id' | 'bad-argument' | 'factory-failed';

export class RegistryError extends OneLineError {
  override name = 'RegistryError';

  constructor(
    readonly kind: RegistryErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface ParsedEnvId {
  namespace: string | undefined;
  name: string;
  version: number;
}

// Segments: a letter, then letters/digits/_ ; '.' and '-' only between segments. Version: no leading zeros.
const PART = '[A-Za-z][A-Za-z0-9_]*(?:[.-][A-Za-z0-9_]+)*';
const ID_PATTERN = new RegExp(`^(?:(${PART})/)?(${PART})-v(0|[1-9][0-9]*)$`);
const ID_RULE = "expected 'Name-vN' or 'Namespace/Name-vN' (Name starts with a letter; letters, digits, '_', '.', '-'; N a version like 0 or 12)";

/** Splits an id into namespace, name and version; throws a RegistryError naming the id if malformed. */
export function parseEnvId(id: string): ParsedEnvId {
  const match = typeof id === 'string' ? ID_PATTERN.exec(id) : null;
  if (match === null) throw new RegistryError('malformed-id', `Malformed env id ${preview(id)}: ${ID_RULE}`);
  return { namespace: match[1], name: match[2] as string, version: Number(match[3]) };
}

function familyKey(namespace: string | undefined, name: string): string {
  return namespace === undefined ? name : `${namespace}/${name}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Names of the Env members `v` lacks (empty when it looks like an Env). */
function missingEnvMembers(v: unknown): string[] {
  if (!isPlainObject(v)) return ['(not an object)'];
  const missing = ['reset', 'step', 'render', 'close'].filter((k) => typeof v[k] !== 'function');
  for (const k of ['observationSpace', 'actionSpace']) {
    const space = v[k];
    if (!isPlainObject(space) || typeof space.contains !== 'function' || typeof space.sample !== 'function') missing.push(k);
  }
  return missing;
}


export class EnvRegistry {
  private readonly specs = new Map<string, EnvSpec>();

  register(id: string, factory: EnvFactory, options: RegisterOptions = {}): EnvSpec {
    const parsed = parseEnvId(id);
    if (typeof factory !== 'function') {
      throw new RegistryError('bad-argument', `register('${id}'): factory must be a function, got ${preview(factory)}`);
    }
    if (this.specs.has(id) && options.override !== true) {
      throw new RegistryError('duplicate-id', `register('${id}'): an env is already registered under this id; pass { override: true } to replace it`);
    }
    const { maxEpisodeSteps, defaultOptions = {} } = options;
    if (maxEpisodeSteps !== undefined && (!Number.isSafeInteger(maxEpisodeSteps) || maxEpisodeSteps < 1)) {
      throw new RegistryError('bad-argument', `register('${id}'): maxEpisodeSteps must be a positive integer, got ${preview(maxEpisodeSteps)}`);
    }
    if (!isPlainObject(defaultOptions)) {
      throw new RegistryError('bad-argument', `register('${id}'): defaultOptions must be an object, got ${preview(defaultOptions)}`);
    }
    const spec: EnvSpec = Object.freeze({
      id,
      ...parsed,
      factory,
      defaultOptions: Object.freeze({ ...defaultOptions }),
      maxEpisodeSteps,
      orderEnforcing: options.orderEnforcing ?? true,
      description: options.description,
    });
    this.specs.set(id, spec);
    return spec;
  }

  /** Removes an id; returns whether it was registered. */
  unregister(id: string): boolean {
    return this.specs.delete(id);
  }

  has(id: string): boolean {
    return this.specs.has(id);
  }

  /** The spec for `id`; an unknown id fails with the registered versions or the closest ids. */
  spec(id: string): EnvSpec {
    const found = typeof id === 'string' ? this.specs.get(id) : undefined;
    if (found !== undefined) return found;
    throw this.unknownIdError(id);
  }

  /** All specs, sorted by id. */
  list(): EnvSpec[] {
    return [...this.specs.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  ids(): string[] {
    return this.list().map((s) => s.id);
  }

  /**
   * Builds the env registered as `id` with `{ ...defaultOptions, ...options }`, then wraps it in
   * OrderEnforcing and TimeLimit as the spec (or `wrapping`) says. The type parameters are the
   * caller's claim about what `id` builds; they are not checked.
   */
  async make<Obs = unknown, Act = unknown>(
    id: string,
    options: Record<string, unknown> = {},
    wrapping: MakeOptions = {},
  ): Promise<Env<Obs, Act>> {
    const spec = this.spec(id);
    if (!isPlainObject(options)) {
      throw new RegistryError('bad-argument', `make('${id}'): options must be an object, got ${preview(options)}`);
    }
    const limit = wrapping.maxEpisodeSteps === null ? undefined : (wrapping.maxEpisodeSteps ?? spec.maxEpisodeSteps);
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) {
      throw new RegistryError('bad-argument', `make('${id}'): maxEpisodeSteps must be a positive integer or null, got ${preview(limit)}`);
    }

    let env: Env<unknown, unknown>;
    try {
      env = await spec.factory({ ...spec.defaultOptions, ...options });
    } catch (err) {
      const reason = errorMessage(err);
      throw new RegistryError('factory-failed', `make('${id}'): the factory failed: ${reason}`, { cause: err });
    }
    const missing = missingEnvMembers(env);
    if (missing.length > 0) {
      throw new RegistryError('factory-failed', `make('${id}'): the factory returned ${preview(env)}, which is not an Env (missing ${missing.join(', ')})`);
    }

    if (wrapping.orderEnforcing ?? spec.orderEnforcing) env = new OrderEnforcing(env);
    if (limit !== undefined) env = new TimeLimit(env, limit);
    return env as Env<Obs, Act>;
  }

  private unknownIdError(id: string): RegistryError {
    let parsed: ParsedEnvId | undefined;
    try {
      parsed = parseEnvId(id);
    } catch (err) {
      // A bare name that is registered under some version deserves a pointer, not just the rule.
      const versions = typeof id === 'string' ? this.list().filter((s) => familyKey(s.namespace, s.name) === id) : [];
      if (versions.length === 0 || !(err instanceof RegistryError)) return err as RegistryError;
      return new RegistryError('malformed-id', `${err.message}. Registered versions: ${versions.map((s) => s.id).join(', ')}`);
    }

    const family = familyKey(parsed.namespace, parsed.name);
    const siblings = this.list().filter((s) => familyKey(s.namespace, s.name) === family);
    if (siblings.length > 0) {
      const latest = siblings.reduce((a, b) => (b.version > a.version ? b : a));
      return new RegistryError(
        'unknown-id',
        `No env registered as '${id}': ${family} has versions ${siblings.map((s) => `v${s.version}`).join(', ')} (latest: '${latest.id}')`,
      );
    }

    const lower = id.toLowerCase();
    const close = this.list()
      .map((s) => ({ id: s.id, d: Math.min(editDistance(lower, s.id.toLowerCase()), editDistance(parsed.name.toLowerCase(), s.name.toLowerCase())) }))
      .filter((c) => c.d <= Math.max(2, Math.floor(c.id.length / 3)))
      .sort((a, b) => a.d - b.d || a.id.localeCompare(b.id))
      .slice(0, 3)
      .map((c) => `'${c.id}'`);
    if (close.length > 0) return new RegistryError('unknown-id', `No env registered as '${id}'. Did you mean ${close.join(' or ')}?`);
    const all = this.ids();
    const listing = all.length === 0 ? 'none' : all.slice(0, 10).join(', ') + (all.length > 10 ? `, ... (${all.length} in all)` : '');
    return new RegistryError('unknown-id', `No env registered as '${id}'. Registered ids: ${listing}`);
  }
}

/** The process-wide registry that `register`, `make` and `spec` use. */
export const registry = new EnvRegistry();

export function register(id: string, factory: EnvFactory, options?: RegisterOptions): EnvSpec {
  return registry.register(id, factory, options);
}

export function make<Obs = unknown, Act = unknown>(
  id: string,
  options?: Record<string, unknown>,
  wrapping?: MakeOptions,
): Promise<Env<Obs, Act>> {
  return registry.make<Obs, Act>(id, options, wrapping);
}

export function spec(id: string): EnvSpec {
  return registry.spec(id);
}
