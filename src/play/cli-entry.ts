// Runs `crs-gym play` on its own (`npx tsx src/play/cli-entry.ts play --dataset inspired ...`), with the
// exit codes of src/cli/main.ts: 2 for usage errors, 1 for failures the user can act on.
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/load.js';
import { UsageError, UserFacingError } from '../cli/errors.js';
import { registerPlayCommand } from '../cli/commands/play.js';

export async function runPlayCli(argv: string[]): Promise<number> {
  const program = new Command().name('crs-gym').exitOverride();
  registerPlayCommand(program);
  for (const command of program.commands) command.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 || err.code === 'commander.helpDisplayed' ? 0 : 2;
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`crs-gym: ${err.message}\n`);
      return 2;
    }
    if (err instanceof UserFacingError) {
      process.stderr.write(`crs-gym: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

runPlayCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`crs-gym: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
