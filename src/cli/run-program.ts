// Runs a commander program and turns its failures into the CLI's exit codes: 0 for --help/--version,
// 2 for usage errors (bad arguments, invalid config), 1 for failures the user can act on (one line, no stack).
// Anything else is a bug and is rethrown; `runAsMain` prints it with its stack.
import { CommanderError, type Command } from 'commander';
import { ConfigError } from '../config/load.js';
import { escapeControlChars, OneLineError } from '../core/errors.js';
import { UsageError, UserFacingError } from './errors.js';

/** Prints `crs-gym: message` with control characters escaped (messages may quote files or servers). */
export function printError(message: string): void {
  process.stderr.write(`crs-gym: ${escapeControlChars(message)}\n`);
}

/** Runs `program` on `argv` (or `run` instead, when given: a step before the program with the same error handling). */
export async function runProgram(program: Command | null, argv: string[], run?: () => Promise<void>): Promise<number> {
  try {
    if (run) await run();
    else await program?.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    const code = exitCodeOf(err);
    if (code === undefined) throw err;
    if (!(err instanceof CommanderError)) printError((err as Error).message);
    return code;
  }
}

/** The exit code of an error the CLI reports on one line; undefined for a bug (printed with its stack). */
export function exitCodeOf(err: unknown): number | undefined {
  if (err instanceof CommanderError) {
    // --help and --version exit through here with code 0; commander already printed the message.
    return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof UsageError || err instanceof ConfigError) return 2;
  if (err instanceof UserFacingError || err instanceof OneLineError) return 1;
  return undefined;
}

/** Sets the process exit code from `run`; an unexpected error is printed with its stack (exit 1). */
export function runAsMain(run: Promise<number>): void {
  run.then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`crs-gym: unexpected error: ${escapeControlChars(err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`);
      process.exitCode = 1;
    },
  );
}
