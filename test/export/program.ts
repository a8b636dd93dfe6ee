// A crs-gym program with the export, train-simulator, train-retriever, eval, reproduce and cache commands, mapping errors to exit codes as
// src/cli/main.ts does (the lead wires the commands into main; these tests must not depend on that).
import { Command } from 'commander';
import { vi } from 'vitest';
import { registerExportCommands } from '../../src/cli/commands/export-sft.js';
import { registerTrainSimulatorCommand } from '../../src/cli/commands/train-simulator.js';
import { registerTrainRetrieverCommands } from '../../src/cli/commands/train-retriever.js';
import { registerEvalCommand } from '../../src/cli/commands/eval.js';
import { registerCacheCommands } from '../../src/cli/commands/cache.js';
import { registerReproduceCommand } from '../../src/cli/commands/reproduce.js';
import { exitCodeOf } from '../../src/cli/run-program.js';

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

/** What the user would read: stderr, then the message of the error the CLI prints on one line. */
export function said(run: CliRun): string {
  return run.err + (run.error instanceof Error ? `crs-gym: ${run.error.message}\n` : '');
}

/** Runs `argv` (on the test program, or on `program`) with stdout and stderr captured; the exit code as runCli would give it. */
export async function runTestCli(argv: string[], program: Command = buildTestProgram()): Promise<CliRun> {
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
    await program.parseAsync(argv, { from: 'user' });
    return { code: 0, out, err };
  } catch (error) {
    const code = exitCodeOf(error);
    if (code === undefined) throw error;
    return { code, out, err, error };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
