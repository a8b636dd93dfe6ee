// A crs-gym program with the export, train-simulator, train-retriever, eval, reproduce and cache commands, mapping errors to exit codes as
// src/cli/main.ts does (the lead wires the commands into main; these tests must not depend on that).
import { Command, CommanderError } from 'commander';
import { vi } from 'vitest';
import { ConfigError } from '../../src/config/load.js';
import { registerExportCommands } from '../../src/cli/commands/export-sft.js';
import { registerTrainSimulatorCommand } from '../../src/cli/commands/train-simulator.js';
import { registerTrainRetrieverCommands } from '../../src/cli/commands/train-retriever.js';
import { registerEvalCommand } from '../../src/cli/commands/eval.js';
import { registerCacheCommands } from '../../src/cli/commands/cache.js';
import { registerReproduceCommand } from '../../src/cli/commands/reproduce.js';
import { UsageError, UserFacingError } from '../../src/cli/errors.js';

export function buildTestProgram(): Command {
  const program = new Command().name('crs-gym').exitOverride();
  registerExportCommands(program);
  const train = program.command('train').description('training');
  registerTrainSimulatorCommand(train);
  registerTrainRetrieverCommands(train);
  registerEvalCommand(program);
  registerCacheCommands(program);
  registerReproduceCommand(program);
  return program;
}

export interface CliRun {
  code: number;
  out: string;
  err: string;
  error?: unknown;
}

/** Runs `argv` with stdout and stderr captured; the exit code as runCli would give it. */
export async function runTestCli(argv: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  try {
    await buildTestProgram().parseAsync(argv, { from: 'user' });
    return { code: 0, out, err };
  } catch (error) {
    let code: number;
    if (error instanceof CommanderError) code = error.exitCode === 0 ? 0 : 2;
    else if (error instanceof UsageError || error instanceof ConfigError) code = 2;
    else if (error instanceof UserFacingError) code = 1;
    else throw error;
    return { code, out, err, error };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
