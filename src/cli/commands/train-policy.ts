// `crs-gym train sft|grpo|rloo|reinforce`: the recommender policy on the real CrsEnv (trained components
// are loaded from the artifacts folder, or trained there first).
import type { Command } from 'commander';
import { isDatasetName } from '../../data/index.js';
import { loadConfigFile } from '../../config/load.js';
import { GrpoConfigSchema, SftConfigSchema } from '../../learners/config.js';
import { trainSft } from '../../learners/sft.js';
import { trainRl } from '../../learners/rl.js';
import { CRS_SETUP_MODULE } from '../../pipeline/crs-setup.js';
import { sharedComponents, sharedDataset } from '../../../envs/register.js';
import { UsageError } from '../errors.js';
import { intOption } from '../options.js';

function common(cmd: Command): Command {
  return cmd
    .requiredOption('--dataset <name>', 'inspired or redial')
    .requiredOption('--out <dir>', 'run folder (config.json, log.jsonl, checkpoints, policy/)')
    .option('--config <file>', 'JSON config (fields as documented in docs/learners.md)')
    .option('--workers <n>', 'rollout worker threads (0 = main thread)', '2')
    .option('--limit <n>', 'use only the first N samples of each split')
    .option('--data <dir>', 'data folder')
    .option('--artifacts <dir>', 'artifacts folder (trained encoder, simulator, retriever)');
}

async function prepare(o: Record<string, string | boolean | undefined>) {
  const dataset = String(o.dataset);
  if (!isDatasetName(dataset)) throw new UsageError(`--dataset must be inspired or redial, got '${dataset}'`);
  const dataRoot = typeof o.data === 'string' ? o.data : undefined;
  const artifactsDir = typeof o.artifacts === 'string' ? o.artifacts : undefined;
  // Train the components in this process first: workers only load them.
  await sharedComponents(sharedDataset(dataset, dataRoot), { ...(artifactsDir ? { artifactsDir } : {}) });
  return {
    setup: {
      module: CRS_SETUP_MODULE,
      args: { dataset, ...(dataRoot ? { dataRoot } : {}), ...(artifactsDir ? { artifactsDir } : {}), ...(o.limit !== undefined ? { limit: intOption(o.limit, '--limit', 1) } : {}) },
    },
    workers: intOption(o.workers, '--workers', 0),
  };
}

export function registerTrainPolicyCommands(train: Command): void {
  common(train.command('sft').description('Supervised fine-tuning on teacher trajectories (train split, target known)'))
    .option('--init <dir>', 'start from a saved policy folder')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const { setup, workers } = await prepare(o);
      const config = typeof o.config === 'string' ? loadConfigFile(SftConfigSchema, o.config) : {};
      const result = await trainSft({ setup, outDir: String(o.out), config, workers, progress: true, ...(typeof o.init === 'string' ? { initPolicy: o.init } : {}) });
      process.stdout.write(`SFT done: policy in ${result.policyDir}; teacher NLL ${result.before.teacher_nll.toFixed(3)} -> ${result.after.teacher_nll.toFixed(3)}\n`);
    });
  for (const algorithm of ['grpo', 'rloo', 'reinforce'] as const) {
    common(train.command(algorithm).description(`Multi-turn ${algorithm.toUpperCase()} on CrsEnv rollouts (piscina workers)`))
      .option('--init <dir>', 'start from (and keep as KL reference) a saved policy, e.g. the SFT output')
      .option('--resume', 'continue from the run folder\'s last checkpoint (the default when one exists)')
      .option('--no-resume', 'start over even when a checkpoint exists')
      .action(async (o: Record<string, string | boolean | undefined>) => {
        const { setup, workers } = await prepare(o);
        const config = typeof o.config === 'string' ? loadConfigFile(GrpoConfigSchema, o.config) : {};
        const controller = new AbortController();
        // Ctrl-C: finish the iteration, checkpoint, stop. A second Ctrl-C kills at once.
        const onSigint = () => {
          if (controller.signal.aborted) process.exit(130);
          process.stderr.write('\nstopping after this iteration (checkpoint kept); Ctrl-C again to kill\n');
          controller.abort();
        };
        process.on('SIGINT', onSigint);
        const result = await trainRl(algorithm, {
          setup,
          outDir: String(o.out),
          config,
          workers,
          progress: true,
          resume: o.resume !== false,
          signal: controller.signal,
          ...(typeof o.init === 'string' ? { initPolicy: o.init } : {}),
        });
        process.off('SIGINT', onSigint);
        process.stdout.write(`${algorithm} ${result.completed ? 'done' : 'stopped'} after ${result.iterations} iterations: policy in ${result.policyDir}\n`);
      });
  }
}
