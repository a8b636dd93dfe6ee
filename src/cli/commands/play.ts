// `crs-gym play`: a person plays the user while the recommender explains and lists ten items per round
// (or, with --watch, a simulated user answers). Ends with the env's transcript and, only then, the target.
import type { DatasetName } from '../../data/paths.js';
import type { Command } from 'commander';
import { DataFormatError, DataNotFoundError } from '../../data/errors.js';
import { datasets } from '../../data/registry.js';
import { choicesHelp, registryChoice } from '../registry-options.js';
import { simulators } from '../../simulator/registry.js';
import type { Dataset, Split } from '../../data/types.js';
import { sharedDataset } from '../../../envs/register.js';
import { ArchiveError } from '../../../agents/neural/archive.js';
import { AgentSpecError } from '../../pipeline/agent-spec.js';
import { HumanSimulator } from '../../play/human-simulator.js';
import { StreamLineSource } from '../../play/line-source.js';
import { formatResult, humanEnvConfig, runPlaySession } from '../../play/session.js';
import { agentChoices } from '../../pipeline/agent-spec.js';
import { checkAgentSpec, normalizeAgentSpec, setupPlay, type PlaySetup } from '../../play/setup.js';
import { UsageError, UserFacingError } from '../errors.js';
import { intOption } from '../options.js';

type Options = Record<string, string | boolean | undefined>;

function loadDataset(name: DatasetName, dataRoot: string | undefined): Dataset {
  try {
    return sharedDataset(name, dataRoot);
  } catch (err) {
    if (err instanceof DataNotFoundError || err instanceof DataFormatError) throw new UserFacingError(err.message);
    throw err;
  }
}

function checkSample(dataset: Dataset, id: string): void {
  for (const split of ['train', 'valid', 'test'] as const) {
    if (dataset.samples[split].some((s) => s.id === id)) return;
  }
  const example = dataset.samples.test[0]?.id ?? dataset.samples.train[0]?.id ?? '';
  throw new UsageError(`--sample '${id}' is not a sample of ${dataset.name}${example ? ` (ids look like '${example}')` : ''}`);
}

export function registerPlayCommand(program: Command): void {
  program
    .command('play')
    .description('Play the user yourself (type feedback each round) or --watch a simulated user, against a recommender')
    .requiredOption('--dataset <name>', `dataset: ${choicesHelp(datasets)}`)
    .option('--agent <spec|dir>', `agent: ${agentChoices().replaceAll(', ', ' | ')}, a trained policy folder, or a module path (./my-agent.js) whose default export is an Agent`, 'retriever')
    .option('--sample <id>', 'play this sample (default: one drawn from --split with --seed)')
    .option('--split <split>', 'train, valid or test (where a sample is drawn from)', 'test')
    .option('--seed <n>', 'seed of the sample draw and of the agent', '0')
    .option('--rounds <n>', 'rounds of recommendation (T)', '5')
    .option('--watch', 'a simulated user answers instead of you')
    .option('--simulator <variant>', `with --watch: ${choicesHelp(simulators)}`, 'multi-task')
    .option('--load-only', 'never train missing components; fail instead')
    .option('--data <dir>', 'data folder')
    .option('--artifacts <dir>', 'artifacts folder (trained encoder, simulator, retriever)')
    .action(async (o: Options) => {
      const datasetName = String(o.dataset);
      registryChoice(datasets, datasetName, '--dataset');
      const split = String(o.split);
      if (!['train', 'valid', 'test'].includes(split)) throw new UsageError(`--split must be train, valid or test, got '${split}'`);
      const rounds = intOption(o.rounds, '--rounds', 1);
      if (rounds > 49) throw new UsageError(`--rounds must be at most 49, got ${rounds}`);
      const seed = intOption(o.seed, '--seed', 0);
      const watch = o.watch === true;
      const variant = { data: registryChoice(simulators, o.simulator, '--simulator') };
      const dataRoot = typeof o.data === 'string' ? o.data : undefined;
      const artifactsDir = typeof o.artifacts === 'string' ? o.artifacts : undefined;

      try {
        checkAgentSpec(normalizeAgentSpec(String(o.agent)));
      } catch (err) {
        if (err instanceof AgentSpecError) throw new UsageError(`--agent: ${err.message}`);
        throw err;
      }
      const dataset = loadDataset(datasetName, dataRoot);
      if (typeof o.sample === 'string') checkSample(dataset, o.sample);

      const human = watch ? undefined : new HumanSimulator();
      let setup: PlaySetup;
      try {
        setup = await setupPlay({
          dataset: datasetName,
          agent: String(o.agent),
          user: human ? { kind: 'human', simulator: human } : { kind: 'simulator', variant: variant.data },
          env: { split: split as Split, ...(human ? humanEnvConfig(rounds) : { rounds }) },
          ...(dataRoot ? { dataRoot } : {}),
          ...(artifactsDir ? { artifactsDir } : {}),
          loadOnly: o.loadOnly === true,
          log: (m) => process.stderr.write(`[crs-gym] ${m}\n`),
        });
      } catch (err) {
        if (err instanceof AgentSpecError || err instanceof ArchiveError) throw new UsageError(`--agent: ${err.message}`);
        if (err instanceof Error && /not trained in .*\(loadOnly\)/.test(err.message)) throw new UserFacingError(err.message);
        throw err;
      }

      const out = (text: string) => process.stdout.write(text);
      out(`crs-gym play: ${setup.label} on ${dataset.name} (${typeof o.sample === 'string' ? 'chosen sample' : `${split} split, seed ${seed}`}), ${rounds} rounds\n\n`);
      const lines = human ? new StreamLineSource(process.stdin, process.stdout) : undefined;
      try {
        const result = await runPlaySession({
          env: setup.env,
          agent: setup.agent,
          agentLabel: setup.label,
          dataset,
          rounds,
          seed,
          split: split as Split,
          ...(typeof o.sample === 'string' ? { sampleId: o.sample } : {}),
          user: human && lines ? { kind: 'human', lines, simulator: human } : { kind: 'simulator', name: variant.data },
          write: out,
        });
        out(`\n${formatResult(result)}`);
      } finally {
        lines?.close();
        await setup.env.close();
      }
    });
}
