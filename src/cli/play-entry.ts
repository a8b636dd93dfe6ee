// Runs `crs-gym play` on its own (`npx tsx src/cli/play-entry.ts play --dataset inspired ...`), with the
// exit codes of src/cli/main.ts: 2 for usage errors, 1 for failures the user can act on. (It lives with the CLI:
// play/ sits below the command line and does not import it.)
import { Command } from 'commander';
import { registerPlayCommand } from './commands/play.js';
import { addPluginOption, loadCliPlugins } from './plugin-options.js';
import { runAsMain, runProgram } from './run-program.js';

export async function runPlayCli(argv: string[]): Promise<number> {
  const loaded = await runProgram(null, argv, () => loadCliPlugins(argv));
  if (loaded !== 0) return loaded;
  const program = new Command().name('crs-gym').exitOverride();
  registerPlayCommand(program);
  for (const command of program.commands) addPluginOption(command.exitOverride());
  return runProgram(program, argv);
}

runAsMain(runPlayCli(process.argv.slice(2)));
