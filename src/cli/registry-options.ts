// CLI options whose values name registry entries: the help text lists the registered names (plugins loaded by
// `--plugin` before the program is built count), and an unknown name is a usage error listing the known ones.
import type { NamedRegistry } from '../core/named-registry.js';
import { UsageError } from './errors.js';

/** `value` when `registry` has it; else a usage error naming the flag, the known names and the closest. */
export function registryChoice<T>(registry: NamedRegistry<T>, value: unknown, flag: string): string {
  if (typeof value === 'string' && registry.has(value)) return value;
  try {
    registry.entry(value as string);
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
  return value as string;
}

/** "a | b | c" of the registered names, for an option's help text. */
export function choicesHelp<T>(registry: NamedRegistry<T>): string {
  return registry.choices();
}
