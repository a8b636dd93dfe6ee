// `crs-gym eval`: the paper's evaluation protocol for one agent, written to a folder.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { readEvalRun } from '../../eval/files.js';
import { datasets } from '../../data/registry.js';
import { choicesHelp, registryChoice } from '../registry-options.js';
import { simulators } from '../../simulator/registry.js';
import { rewardComponents } from '../../../rewards/registry.js';
import { rewardWeightsOption } from '../options.js';
import { runEvaluation } from '../../pipeline/run-eval.js';
import { EvalPool } from '../../pipeline/eval-pool.js';
import { withRunLock } from '../../core/run-lock.js';
import { printError } from '../run-program.js';
import { AgentSpecError, agentChoices, describeAgentSpec } from '../../pipeline/agent-spec.js';
import { policyFile } from '../../../agents/neural/recommender.js';
import { UsageError } from '../errors.js';
import { progressBar } from '../progress.js';
import { addLlmOptions, envIdOption, intOption, llmOptions, workersOption } from '../options.js';

export function registerEvalCommand(program: Command): void {
  const command = program
    .command('eval')
    .description('Evaluate an agent with the paper protocol: every sample plays all rounds; metrics per round over the whole split, cumulative and per turn')
    .requiredOption('--dataset <name>', `dataset: ${choicesHelp(datasets)}`)
    .option('--split <split>', 'train, valid or test', 'test')
    .requiredOption('--agent <spec>', `agent: ${agentChoices().replaceAll(', ', ' | ')}, or a module path (./my-agent.js) whose default export is an Agent`)
    .option('--rounds <n>', 'rounds per sample (T)', '5')
    .requiredOption('--out <dir>', 'folder for summary.json, rankings.jsonl, report.md and plots')
    .option('--seed <n>', 'base seed', '0')
    .option('--simulator <variant>', choicesHelp(simulators), 'multi-task')
    .option('--reward-weights <json>', `reward weights by component, merged over the defaults (null leaves one out), e.g. '{"novelty":0.5}'; components: ${choicesHelp(rewardComponents)}`)
    .option('--exclude-context-items', 'drop items mentioned in the dialogue from the candidates (a separate protocol)')
    .option('--limit <n>', 'only the first N samples of the split')
    .option('--concurrency <n>', 'samples played at once, each on its own env copy (default: the LLM maxConcurrency for an llm agent or simulator, else 1); results do not depend on it')
    .option('--baseline <dir>', 'an earlier eval folder to test against (paired t-test in the report)')
    .option('--workers <n>', "worker threads to play the samples on (0: this thread; each loads the --plugin files); results do not depend on it", '0')
    .option('--env <id>', 'env id to make the envs with (default CrsEnv/<dataset>-v0; e.g. one a --plugin registers with its own options and wrappers)')
    .option('--data <dir>', 'data folder')
    .option('--artifacts <dir>', 'artifacts folder (trained encoder, simulator, retriever)');
  addLlmOptions(command).action(async (o: Record<string, string | boolean | undefined>) => {
    // Every argument is checked before anything loads.
    const dataset = String(o.dataset);
    registryChoice(datasets, dataset, '--dataset');
    const split = String(o.split);
    if (!['train', 'valid', 'test'].includes(split)) throw new UsageError(`--split must be train, valid or test, got '${split}'`);
    const simulator = { data: registryChoice(simulators, o.simulator, '--simulator') };
    const workers = workersOption(o.workers);
    const envId = envIdOption(o.env);
    const rounds = intOption(o.rounds, '--rounds', 1);
    const seed = intOption(o.seed, '--seed', 0);
    const limit = o.limit !== undefined ? intOption(o.limit, '--limit', 1) : undefined;
    const concurrency = o.concurrency !== undefined ? intOption(o.concurrency, '--concurrency', 1) : undefined;
    const llm = llmOptions(o);
    const rewardWeights = o.rewardWeights !== undefined ? rewardWeightsOption(o.rewardWeights) : undefined;
    checkAgentSpec(String(o.agent));
    const baseline = typeof o.baseline === 'string' ? (await readEvalRun(o.baseline)).run : undefined;
    const out = String(o.out);
    await withRunLock(out, async () => {
      const bar = progressBar(`eval ${String(o.agent)}`);
      const pool = workers > 0 ? new EvalPool(workers) : undefined;
      const run = await runEvaluation({
        ...(pool ? { pool } : {}),
        dataset,
        ...(envId !== undefined ? { envId } : {}),
        split: split as 'train' | 'valid' | 'test',
        agent: String(o.agent),
        rounds,
        seed,
        out,
        ...(typeof o.data === 'string' ? { dataRoot: o.data } : {}),
        ...(typeof o.artifacts === 'string' ? { artifactsDir: o.artifacts } : {}),
        envOptions: { simulator: simulator.data, env: { excludeContextItems: o.excludeContextItems === true, ...(rewardWeights ? { rewardWeights } : {}) } },
        ...(limit !== undefined ? { limit } : {}),
        ...(concurrency !== undefined ? { concurrency } : {}),
        ...(Object.keys(llm).length > 0 ? { llm } : {}),
        ...(baseline ? { baseline } : {}),
        onProgress: (done, total) => bar.update(done, total),
        log: (message) => printError(message),
      }).finally(() => {
        bar.stop();
        return pool?.close();
      });
      const last = run.rounds[run.rounds.length - 1];
      const lastTurn = run.perTurnRounds[run.perTurnRounds.length - 1];
      if (last && lastTurn) {
        const line = (r: typeof last) => `R@1 ${r['recall@1'].toFixed(3)}  R@10 ${r['recall@10'].toFixed(3)}  N@10 ${r['ndcg@10'].toFixed(3)}  MRR@10 ${r['mrr@10'].toFixed(3)}`;
        process.stdout.write(
          `${run.agent} on ${dataset} ${split} (${run.samples.length} samples), round ${last.round}:\n` +
            `  cumulative (success by turn ${last.round}): ${line(last)}\n` +
            `  per turn (round ${last.round}'s own list):  ${line(lastTurn)}\n` +
            `results in ${out}\n`,
        );
      }
    });
  });
}

/** A bad --agent is a usage error, found before anything loads (and before worker threads would each hit it). */
function checkAgentSpec(spec: string): void {
  try {
    const described = describeAgentSpec(spec);
    if (described.policyDir !== undefined && !existsSync(policyFile(described.policyDir))) {
      throw new AgentSpecError(`agent '${spec}': no trained policy at ${policyFile(described.policyDir)}`);
    }
  } catch (err) {
    if (err instanceof AgentSpecError) throw new UsageError(`--agent: ${err.message}`);
    throw err;
  }
}
