// `crs-gym golden record|check`: golden trajectories of an env (src/eval/golden.ts) for a test suite or CI: record
// once, commit the file, and `check` exits 1 with a readable diff when the env no longer plays them.
import type { Command } from 'commander';
import { checkTrajectories, recordTrajectories, type GoldenPolicy } from '../../eval/golden.js';
import { RandomAgent, RetrieverOrderAgent } from '../../../agents/baselines.js';
import type { CrsObservation } from '../../../envs/types.js';
import { UsageError, UserFacingError } from '../errors.js';
import { intListOption, intOption } from '../options.js';

const POLICIES: Record<string, () => GoldenPolicy<CrsObservation, unknown>> = {
  'retriever-order': () => new RetrieverOrderAgent(),
  random: () => new RandomAgent(),
};

function policyOf(name: string): GoldenPolicy<CrsObservation, unknown> {
  const make = POLICIES[name];
  if (!make) throw new UsageError(`--policy must be one of ${Object.keys(POLICIES).join(', ')}, got '${name}'`);
  return make();
}

function jsonOption(value: string | undefined, name: string): Record<string, unknown> {
  if (value === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`${name} must be a JSON object, e.g. '{"retriever":"bm25"}' (${err instanceof Error ? err.message : String(err)})`);
  }
}

export function registerGoldenCommands(program: Command): void {
  const golden = program.command('golden').description('golden trajectories: record an env played by a fixed policy and seeds, check it still plays the same');
  golden
    .command('record')
    .description('play the env and write the trajectories with what pins them (env options, seeds, policy, crs-gym version, trained-stage hashes)')
    .argument('<file>', 'golden JSON file to write')
    .option('--env <id>', 'registered env id', 'CrsEnv/inspired-v0')
    .option('--options <json>', "make() options as JSON, e.g. '{\"retriever\":\"bm25\",\"simulator\":\"oracle\"}'")
    .option('--policy <name>', `${Object.keys(POLICIES).join(' | ')}`, 'retriever-order')
    .option('--seeds <list>', 'comma-separated reset seeds', '0,1,2')
    .option('--episodes <n>', 'episodes per seed', '1')
    .option('--max-steps <n>', 'steps at most per episode', '100')
    .action(async (file: string, o: { env: string; options?: string; policy: string; seeds: string; episodes: string; maxSteps: string }) => {
      const policy = policyOf(o.policy);
      const written = await recordTrajectories(file, {
        id: o.env,
        options: jsonOption(o.options, '--options'),
        policy,
        seeds: intListOption(o.seeds, '--seeds'),
        episodesPerSeed: intOption(o.episodes, '--episodes', 1),
        maxSteps: intOption(o.maxSteps, '--max-steps', 1),
      });
      const steps = written.episodes.reduce((n, e) => n + e.steps.length, 0);
      process.stdout.write(`recorded ${written.episodes.length} episode(s), ${steps} steps of ${o.env} in ${file}\n`);
    });
  golden
    .command('check')
    .description('play the recorded setting again: exit 0 when every step matches, 1 with the pins that changed or the first differing step of each episode')
    .argument('<file>', 'golden JSON file')
    .option('--policy <name>', 'the policy it was recorded with', 'retriever-order')
    .action(async (file: string, o: { policy: string }) => {
      const result = await checkTrajectories(file, { policy: policyOf(o.policy) });
      if (!result.ok) throw new UserFacingError(result.report);
      process.stdout.write(`${file}: every step matches\n`);
    });
}
