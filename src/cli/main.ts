// The crs-gym command line. Each subcommand lives in src/cli/commands/ and registers itself here.
import { Command } from 'commander';
import { learners } from '../learners/registry.js';
import { runAsMain, runProgram } from './run-program.js';
import { addPluginOption, loadCliPlugins } from './plugin-options.js';
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
import { registerListCommand } from './commands/list.js';
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
  const train = program.command('train').description(`train a component: encoder, retriever, simulator, sft, ${learners.names().join(', ')}`);
  registerTrainRetrieverCommands(train);
  registerTrainSimulatorCommand(train);
  registerTrainPolicyCommands(train);
  registerEvalCommand(program);
  registerReproduceCommand(program);
  registerExportCommands(program);
  registerPlayCommand(program);
  registerCacheCommands(program);
  registerServeCommand(program);
  registerListCommand(program);
  registerSweepCommands(program);
  registerGoldenCommands(program);
  const override = (command: Command): void => {
    command.exitOverride();
    // Every command takes --plugin (read before the program is built, so its names show in --help and choices).
    if (command.commands.length === 0) addPluginOption(command);
    command.commands.forEach(override);
  };
  override(program);
  return program;
}

export { runAsMain };

export async function runCli(argv: string[]): Promise<number> {
  // Plugins and agent modules register names the program's choices and help are built from: load them first.
  const loaded = await runProgram(null, argv, () => loadCliPlugins(argv));
  if (loaded !== 0) return loaded;
  return runProgram(buildProgram(), argv);
}

const invokedDirectly = process.argv[1] !== undefined && /src[\\/]cli[\\/]main\.ts$/.test(process.argv[1]);
if (invokedDirectly) runAsMain(runCli(process.argv.slice(2)));
