// The crs-gym command line. Each subcommand lives in src/cli/commands/ and registers itself here.
import { Command } from 'commander';
import { runAsMain, runProgram } from './run-program.js';
import { registerDataCommands } from './commands/data.js';
import { registerEvalCommand } from './commands/eval.js';
import { registerReproduceCommand } from './commands/reproduce.js';
import { registerTrainPolicyCommands } from './commands/train-policy.js';
import { registerTrainRetrieverCommands } from './commands/train-retriever.js';
import { registerTrainSimulatorCommand } from './commands/train-simulator.js';
import { registerExportCommands } from './commands/export-sft.js';
import { registerPlayCommand } from './commands/play.js';
import { registerCacheCommands } from './commands/cache.js';
import { registerServeCommand } from './commands/serve.js';
import { addHomeOption } from './home-option.js';
import { registerSweepCommands } from './commands/sweep.js';
import { registerGoldenCommands } from './commands/golden.js';
import { addProgressOption } from './progress-option.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('crs-gym')
    .description('Gymnasium-style environments, simulators and learners for conversational recommendation (SMTPO)')
    .version('0.1.0')
    .exitOverride();
  addHomeOption(program);
  addProgressOption(program);
  registerDataCommands(program);
  const train = program.command('train').description('train a component: encoder, retriever, simulator, sft, grpo, rloo, reinforce');
  registerTrainRetrieverCommands(train);
  registerTrainSimulatorCommand(train);
  registerTrainPolicyCommands(train);
  registerEvalCommand(program);
  registerReproduceCommand(program);
  registerExportCommands(program);
  registerPlayCommand(program);
  registerCacheCommands(program);
  registerServeCommand(program);
  registerSweepCommands(program);
  registerGoldenCommands(program);
  const override = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  override(program);
  return program;
}

export { runAsMain };

export async function runCli(argv: string[]): Promise<number> {
  return runProgram(buildProgram(), argv);
}

const invokedDirectly = process.argv[1] !== undefined && /src[\\/]cli[\\/]main\.ts$/.test(process.argv[1]);
if (invokedDirectly) runAsMain(runCli(process.argv.slice(2)));
