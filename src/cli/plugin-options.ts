// `--plugin FILE` (repeatable, on every command) and `--agent FILE` (an agent module): loaded before the program is
// built, so what they register shows in the choices and `--help` and an unknown name is caught like a built-in.
import type { Command } from 'commander';
import { isModuleSpec, loadAgentModule, loadPlugin } from '../plugins/load.js';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function addPluginOption(command: Command): Command {
  return command.option('--plugin <file>', 'an ES module whose default export registers datasets, agents, rewards, ... (repeatable; see docs/extending.md)', collect, []);
}

/** The values of `--NAME v` / `--NAME=v` in argv, in order (before `--`). */
export function flagValues(argv: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') break;
    if (arg === `--${name}` && i + 1 < argv.length) out.push(argv[++i] as string);
    else if (arg.startsWith(`--${name}=`)) out.push(arg.slice(name.length + 3));
  }
  return out;
}

/** Loads every `--plugin` file, then every `--agent` that is a module file. */
export async function loadCliPlugins(argv: readonly string[]): Promise<void> {
  for (const file of flagValues(argv, 'plugin')) await loadPlugin(file);
  for (const spec of flagValues(argv, 'agent')) if (isModuleSpec(spec)) await loadAgentModule(spec);
}
