// Placeholder: `crs-gym data stats` is being written (src/data loaders).
import type { Command } from 'commander';
export function registerDataCommands(program: Command): void {
  program.command('data').description('dataset tools');
}
