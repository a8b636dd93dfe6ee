// `crs-gym train sft|grpo|rloo|reinforce`: the recommender policy on the real CrsEnv (trained components
// are loaded from the artifacts folder, or trained there first).
import type { Command } from 'commander';
import { datasets } from '../../data/registry.js';
import { choicesHelp, registryChoice } from '../registry-options.js';
import { existsSync } from 'node:fs';
import { ConfigError, loadConfigFile } from '../../config/load.js';
import { learners } from '../../learners/registry.js';
import { GrpoConfigSchema, resolveRlConfig, SftConfigSchema, type GrpoConfigInput, type RlAlgorithm } from '../../learners/config.js';
import { withRunLock } from '../../core/run-lock.js';
import { rewardComponents } from '../../../rewards/registry.js';
import { policyFile } from '../../../agents/neural/recommender.js';
import { trainSft } from '../../learners/sft.js';
import { trainRl } from '../../learners/rl.js';
import { CRS_SETUP_MODULE } from '../../pipeline/crs-setup.js';
import { STANDARD_SETUP_MODULE } from '../../learners/standard-setup.js';
import { loadPolicyPlugins, moduleUrl, type PolicySpec } from '../../learners/setup.js';
import { policies } from '../../../agents/policies.js';
import { errorMessage } from '../../core/errors.js';
import { sharedComponents, sharedDataset } from '../../../envs/register.js';
import { UsageError } from '../errors.js';
import { envIdOption, intOption, rewardWeightsOption, workersOption } from '../options.js';

const SYNTHETIC = 'synthetic';

/**
 * --plugin and --policy, checked before anything trains: the plugins load here (and again in every rollout worker),
 * and the policy must be registered. The default, 'neural', is the setup's own policy (no spec needed).
 */
async function checkPolicy(o: Record<string, unknown>): Promise<PolicySpec | undefined> {
  const plugins = ((o.plugin as string[] | undefined) ?? []).map((file) => {
    if (!existsSync(file)) throw new UsageError(`--plugin: no file ${file}`);
    return moduleUrl(file);
  });
  try {
    await loadPolicyPlugins(plugins);
  } catch (err) {
    throw new UsageError(`--plugin: ${errorMessage(err)}`, { cause: err });
  }
  const name = typeof o.policy === 'string' ? o.policy : 'neural';
  if (!policies.has(name)) {
    try {
      policies.get(name);
    } catch (err) {
      throw new UsageError(`--policy: ${errorMessage(err)}`, { cause: err });
    }
  }
  return name === 'neural' && plugins.length === 0 ? undefined : { name, plugins };
}

function common(cmd: Command): Command {
  return cmd
    .requiredOption('--dataset <name>', `dataset: ${choicesHelp(datasets)}, or ${SYNTHETIC} (a small generated one: no trained components, for tries and tests)`)
    .requiredOption('--out <dir>', 'run folder (config.json, log.jsonl, checkpoints, policy/)')
    .option('--config <file>', 'JSON config (fields as documented in docs/learners.md)')
    .option('--workers <n>', 'rollout worker threads (0 = main thread; each loads the --plugin files)', '2')
    .option('--env <id>', `env id the rollouts are made with (default CrsEnv/<dataset>-v0; e.g. one a --plugin registers); not with ${SYNTHETIC}`)
    .option('--limit <n>', 'use only the first N samples of each split')
    .option('--data <dir>', 'data folder')
    .option('--artifacts <dir>', 'artifacts folder (trained encoder, simulator, retriever)')
    .option('--reward-weights <json>', "the env's reward weights by component, merged over the defaults (null leaves one out), e.g. '{\"novelty\":0.5}' (a --plugin's components work on the workers too)")
    .option('--seed <n>', 'overrides the config seed (policy init, sampling, sample order)');
}

/** The config with --seed over its seed. */
function withSeed<T extends object>(config: T, o: Record<string, string | boolean | undefined>): T {
  return o.seed === undefined ? config : { ...config, seed: intOption(o.seed, '--seed', 0) };
}

/** Every flag and the config, checked before anything loads or trains. */
function checkArguments(o: Record<string, string | boolean | undefined>) {
  const dataset = String(o.dataset);
  if (dataset !== SYNTHETIC) registryChoice(datasets, dataset, '--dataset');
  const workers = workersOption(o.workers);
  const envId = envIdOption(o.env);
  if (dataset === SYNTHETIC && envId !== undefined) throw new UsageError(`--env: the ${SYNTHETIC} dataset builds its own env (no env id); drop --env`);
  const limit = o.limit !== undefined ? intOption(o.limit, '--limit', 1) : undefined;
  if (dataset === SYNTHETIC && limit !== undefined) throw new UsageError(`--limit: the ${SYNTHETIC} dataset is small already (40 dialogues); drop --limit`);
  if (typeof o.init === 'string' && !existsSync(policyFile(o.init))) throw new UsageError(`--init: no trained policy at ${policyFile(o.init)}`);
  const rewardWeights = o.rewardWeights !== undefined ? rewardWeightsOption(o.rewardWeights) : undefined;
  return { dataset, envId, workers, limit, rewardWeights, dataRoot: typeof o.data === 'string' ? o.data : undefined, artifactsDir: typeof o.artifacts === 'string' ? o.artifacts : undefined };
}

/** reward_weights may only name the env's reward components (a typo would otherwise fail at the first rollout). */
function checkRewardWeights(weights: Readonly<Record<string, number | null>> | null, source: string): void {
  if (weights === null) return;
  const unknown = Object.keys(weights).filter((name) => !rewardComponents.has(name));
  if (unknown.length > 0) throw new ConfigError(`${source}: reward_weights: unknown reward component(s) ${unknown.map((n) => `'${n}'`).join(', ')} (known: ${rewardComponents.names().join(', ')})`, source);
}

/** Trains the components in this process (workers only load them), under the run folder's lock. */
async function prepare(args: ReturnType<typeof checkArguments>) {
  const { dataset, envId, dataRoot, artifactsDir, limit, rewardWeights } = args;
  // synthetic, the one name checkArguments lets through that is not a registered dataset: nothing to train.
  if (dataset === SYNTHETIC) return { module: STANDARD_SETUP_MODULE, args: rewardWeights ? { env: { rewardWeights } } : {} };
  await sharedComponents(sharedDataset(dataset, dataRoot), { ...(artifactsDir ? { artifactsDir } : {}) });
  return {
    module: CRS_SETUP_MODULE,
    args: {
      dataset,
      ...(envId !== undefined ? { envId } : {}),
      ...(dataRoot ? { dataRoot } : {}),
      ...(artifactsDir ? { artifactsDir } : {}),
      ...(limit !== undefined ? { limit } : {}),
      ...(rewardWeights ? { envOptions: { env: { rewardWeights } } } : {}),
    },
  };
}

export function registerTrainPolicyCommands(train: Command): void {
  common(train.command('sft').description('Supervised fine-tuning on teacher trajectories (train split, target known)'))
    .option('--init <dir>', 'start from a saved policy folder')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const args = checkArguments(o);
      const loaded = typeof o.config === 'string' ? loadConfigFile(SftConfigSchema, o.config) : undefined;
      if (loaded !== undefined) checkRewardWeights(loaded.reward_weights, String(o.config));
      const config = withSeed(loaded ?? {}, o);
      await withRunLock(String(o.out), async () => {
        const setup = await prepare(args);
        const result = await trainSft({ setup, outDir: String(o.out), config, workers: args.workers, progress: true, ...(typeof o.init === 'string' ? { initPolicy: o.init } : {}) });
        process.stdout.write(`SFT done: policy in ${result.policyDir}; teacher NLL ${result.before.teacher_nll.toFixed(3)} -> ${result.after.teacher_nll.toFixed(3)}\n`);
      });
    });
  // One command per registered learner (plugins loaded before the program is built count).
  for (const { name: algorithm, description } of learners.list()) {
    common(train.command(algorithm).description(`Multi-turn ${description || algorithm.toUpperCase()} on CrsEnv rollouts (piscina workers)`))
      .option('--init <dir>', 'start from (and keep as KL reference) a saved policy, e.g. the SFT output')
      .option('--resume', 'continue from the run folder\'s last checkpoint (the default when one exists)')
      .option('--no-resume', 'start over even when a checkpoint exists')
      .option('--policy <name>', `the trainable policy (${policies.choices()}, or one a --plugin registers)`, 'neural')
      .action(async (o: Record<string, string | boolean | undefined>) => {
        const args = checkArguments(o);
        const policy = await checkPolicy(o);
        const source = typeof o.config === 'string' ? o.config : `${algorithm} config`;
        const config = withSeed(typeof o.config === 'string' ? loadConfigFile(GrpoConfigSchema, o.config) : {}, o);
        // The checks trainRl makes (cross-field ones too), now rather than after the components are trained.
        checkRewardWeights(resolveRlConfig(algorithm, config, source).reward_weights, source);
        await withRunLock(String(o.out), () => trainPolicy(algorithm, o, args, config, policy));
      });
  }
}

async function trainPolicy(algorithm: RlAlgorithm, o: Record<string, string | boolean | undefined>, args: ReturnType<typeof checkArguments>, config: GrpoConfigInput, policy: PolicySpec | undefined): Promise<void> {
  const setup = { ...(await prepare(args)), ...(policy ? { policy } : {}) };
  const controller = new AbortController();
  // Ctrl-C: finish the iteration, checkpoint, stop. A second Ctrl-C kills at once.
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nstopping after this iteration (checkpoint kept); Ctrl-C again to kill\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const result = await trainRl(algorithm, {
      setup,
      outDir: String(o.out),
      config,
      workers: args.workers,
      progress: true,
      resume: o.resume !== false,
      signal: controller.signal,
      ...(typeof o.init === 'string' ? { initPolicy: o.init } : {}),
    });
    process.stdout.write(`${algorithm} ${result.completed ? 'done' : 'stopped'} after ${result.iterations} iterations: policy in ${result.policyDir}\n`);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
