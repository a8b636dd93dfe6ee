// `crs-gym list [KIND]`: what is registered (built-ins and what --plugin files add), one line per name, from the
// registries themselves; docs/extending.md shows its output.
import type { Command } from 'commander';
import { registries, type Registries } from '../../plugins/registries.js';
import { UsageError } from '../errors.js';

const KINDS = Object.keys(registries) as (keyof Registries)[];

export function registerListCommand(program: Command): void {
  program
    .command('list')
    .argument('[kind]', `one of ${KINDS.join(', ')} (default: all)`)
    .description('list the registered datasets, simulators, retrievers, agents, reward components and learners (with --plugin: theirs too)')
    .action((kind: string | undefined) => {
      if (kind !== undefined && !(KINDS as string[]).includes(kind)) throw new UsageError(`list: unknown kind '${kind}' (known: ${KINDS.join(', ')})`);
      const kinds = kind === undefined ? KINDS : [kind as keyof Registries];
      const out = kinds.map((k) => `${k}:\n${registries[k].describe().replace(/^/gm, '  ')}`);
      process.stdout.write(`${out.join('\n\n')}\n`);
    });
}
