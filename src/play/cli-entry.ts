// Runs `crs-gym play` on its own (`npx tsx src/play/cli-entry.ts play --dataset inspired ...`), with the
// exit codes of src/cli/main.ts: 2 for usage errors, 1 for failures the user can act on.
import { Command } from 'commander';
import { registerPlayCommand } from '../cli/commands/play.js';
import { runAsMain, runProgram } from '../cli/run-program.js';

export function runPlayCli(argv: string[]): Promise<number> {
  const program = new Command().name('crs-gym').exitOverride();
  registerPlayCommand(program);
  for (const command of program.commands) command.exitOverride();
  return runProgram(program, argv);
}

runAsMain(runPlayCli(process.argv.slice(2)));
