// Runs a commander program and turns its failures into the CLI's exit codes: 0 for --help/--version,
// 2 for usage errors (bad arguments, invalid config), 1 for failures the user can act on. Anything else is
// a bug and is rethrown; `runAsMain` prints it with its stack.
import { CommanderError, type Command } from 'commander';
import { ConfigError } from '../config/load.js';
import { UsageError, UserFacingError } from './errors.js';

export async function runProgram(program: Command, argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0; commander already printed the message.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return 0;
      return 2;
    }
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

/** Sets the process exit code from `run`; an unexpected error is printed with its stack (exit 1). */
export function runAsMain(run: Promise<number>): void {
  run.then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`crs-gym: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
