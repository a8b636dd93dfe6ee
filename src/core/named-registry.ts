// One registry mechanism for everything a user can add by name: datasets, simulators, retrievers, agents, reward
// components, learners, trainable policies (envs keep their versioned ids in registry.ts, Gymnasium's shape).
// Each layer owns one `NamedRegistry` of its kind and registers its built-ins there; a plugin registers more with
// one call. CLI choices, `--help` and docs read `names()` / `describe()`, so nothing lists the names twice, and an
// unknown name is an error that lists the known ones (and the closest, for a typo).
import { z } from 'zod';
import { RegistryError } from './registry.js';
import { preview } from './deep-equal.js';
import { editDistance } from './edit-distance.js';

export interface NamedEntry<T> {
  readonly name: string;
  readonly value: T;
  /** One line for listings and `--help`. */
  readonly description: string;
  /** 'builtin' for what crs-gym registers itself; else where it came from (a plugin's path), for messages. */
  readonly source: string;
}

export interface NamedRegisterOptions {
  description?: string;
  /** Replace an entry already registered under this name instead of failing. */
  override?: boolean;
  /** Where the entry comes from (default 'builtin'); plugins are registered with their file. */
  source?: string;
}

// Names: a letter, then letters, digits, '_', '-', '.'; as CLI arguments they need no quoting.
const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]*$/;


export class NamedRegistry<T> {
  private readonly entries = new Map<string, NamedEntry<T>>();
  private readonly listeners: ((entry: NamedEntry<T>) => void)[] = [];

  /**
   * @param kind what the entries are, singular ('dataset', 'reward component'): used in every message.
   * @param check validates a value at registration (throw with a message saying what is wrong).
   */
  constructor(
    readonly kind: string,
    private readonly check?: (value: T, name: string) => void,
  ) {}

  register(name: string, value: T, options: NamedRegisterOptions = {}): NamedEntry<T> {
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
      throw new RegistryError('bad-argument', `register ${this.kind} ${preview(name)}: a name starts with a letter and holds letters, digits, '_', '-' or '.'`);
    }
    const existing = this.entries.get(name);
    if (existing !== undefined && options.override !== true) {
      throw new RegistryError(
        'duplicate-id',
        `register ${this.kind} '${name}': already registered (${existing.source}); pass { override: true } to replace it`,
      );
    }
    try {
      this.check?.(value, name);
    } catch (err) {
      throw new RegistryError('bad-argument', `register ${this.kind} '${name}': ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const entry: NamedEntry<T> = Object.freeze({ name, value, description: options.description ?? '', source: options.source ?? 'builtin' });
    this.entries.set(name, entry);
    for (const listener of this.listeners) listener(entry);
    return entry;
  }

  /**
   * Calls `listener` for every entry registered from now on (a higher layer follows a lower one's registry: each
   * registered dataset gets its env id without the data layer knowing about envs).
   */
  onRegister(listener: (entry: NamedEntry<T>) => void): void {
    this.listeners.push(listener);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The value registered as `name`; an unknown name fails listing the known ones. */
  get(name: string): T {
    return this.entry(name).value;
  }

  entry(name: string): NamedEntry<T> {
    const found = typeof name === 'string' ? this.entries.get(name) : undefined;
    if (found !== undefined) return found;
    throw this.unknown(name);
  }

  /** Names in registration order (built-ins first, as listed in `--help`). */
  names(): string[] {
    return [...this.entries.keys()];
  }

  list(): NamedEntry<T>[] {
    return [...this.entries.values()];
  }

  /** Removes a name; returns whether it was registered (tests and plugin reloads). */
  unregister(name: string): boolean {
    return this.entries.delete(name);
  }

  /**
   * A zod string that must name an entry, checked when parsed (so names a plugin registers later count); the
   * issue lists the known names.
   */
  schema(): z.ZodString {
    return z.string().superRefine((name, ctx) => {
      if (!this.has(name)) ctx.addIssue({ code: 'custom', message: this.unknown(name).message });
    }) as unknown as z.ZodString;
  }

  /** "a | b | c" for a CLI option's help text. */
  choices(): string {
    return this.names().join(' | ');
  }

  /** One line per entry, `name  description`, for `--help` and docs. */
  describe(): string {
    const width = Math.max(0, ...this.names().map((n) => n.length));
    return this.list()
      .map((e) => `${e.name.padEnd(width)}  ${e.description}${e.source === 'builtin' ? '' : ` (${e.source})`}`)
      .join('\n');
  }

  private unknown(name: string): RegistryError {
    const known = this.names();
    const listing = known.length === 0 ? 'none registered' : `known: ${known.join(', ')}`;
    if (typeof name === 'string') {
      const lower = name.toLowerCase();
      const close = known
        .map((k) => ({ k, d: editDistance(lower, k.toLowerCase()) }))
        .filter((c) => c.d <= Math.max(2, Math.floor(c.k.length / 3)))
        .sort((a, b) => a.d - b.d)
        .slice(0, 2)
        .map((c) => `'${c.k}'`);
      if (close.length > 0) return new RegistryError('unknown-id', `unknown ${this.kind} '${name}'. Did you mean ${close.join(' or ')}? (${listing})`);
    }
    const shown = typeof name === 'string' ? `'${name}'` : preview(name);
    return new RegistryError('unknown-id', `unknown ${this.kind} ${shown} (${listing})`);
  }
}
