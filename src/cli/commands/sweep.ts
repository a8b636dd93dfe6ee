// `crs-gym sweep CONFIG` (src/pipeline/sweep.ts) and `crs-gym compare RUN...` (src/pipeline/compare-runs.ts).
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { runSweep } from '../../pipeline/sweep.js';
import { compareRuns, resolveMethods } from '../../pipeline/compare-runs.js';
import { EVAL_BLOCKS, EVAL_METRIC_KEYS, type EvalBlock, type EvalMetricKey } from '../../eval/subsets.js';
import { UsageError, UserFacingError } from '../errors.js';
import { intOption } from '../options.js';

export function registerSweepCommands(program: Command): void {
  program
    .command('sweep')
    .description('run every configuration of CONFIG x every seed (train then eval, each a crs-gym child process), N at a time; resumable: finished steps are skipped')
    .argument('<config>', 'sweep JSON: { "seeds": [0,1,2], "parallel": 1, "runs": { "<name>": { "train": [crs-gym args], "eval": [crs-gym args] } } } (docs/sweeps.md)')
    .option('--out <dir>', 'sweep folder (default runs/sweep-<config name>)')
    .option('--parallel <n>', 'runs at once (default: the config\'s parallel, else 1)')
    .option('--dry-run', 'list the steps and which would run, run none')
    .action(async (configFile: string, o: { out?: string; parallel?: string; dryRun?: boolean }) => {
      if (!existsSync(configFile)) throw new UsageError(`${configFile}: no such sweep config`);
      const parallel = o.parallel !== undefined ? intOption(o.parallel, '--parallel', 1) : undefined;
      const result = await runSweep({ configFile, ...(o.out !== undefined ? { out: o.out } : {}), ...(parallel !== undefined ? { parallel } : {}), dryRun: o.dryRun === true });
      for (const s of result.steps) process.stdout.write(`${s.status.padEnd(8)} ${s.run} seed ${s.seed} ${s.step}${s.status === 'failed' ? ` (exit ${s.exitCode}; ${s.log})` : ''}\n`);
      const failed = result.steps.filter((s) => s.status === 'failed');
      process.stdout.write(`sweep folder: ${result.out}${o.dryRun ? '' : `\ncompare with: crs-gym compare ${result.out} --out ${result.out}/compare`}\n`);
      if (failed.length > 0) throw new UserFacingError(`${failed.length} step(s) failed: ${failed.map((s) => `${s.run} seed ${s.seed} ${s.step}`).join(', ')}; run the sweep again to retry them`);
    });

  program
    .command('compare')
    .description('compare runs over seeds: compare.md and compare.json (mean, sd and 95% interval per metric, IQM with stratified bootstrap intervals, paired t-tests with Holm correction) and learning-curve SVGs')
    .argument('<runs...>', 'eval folders, sweep method folders (seed-<n>/) or sweep folders')
    .requiredOption('--out <dir>', 'folder for compare.md, compare.json and the curves')
    .option('--round <n>', 'round compared (default: the last)')
    .option('--block <block>', 'cumulative | perTurn', 'cumulative')
    .option('--metrics <list>', `comma-separated, of ${EVAL_METRIC_KEYS.join(', ')} (default: all)`)
    .option('--curves <list>', 'comma-separated log.jsonl fields drawn as learning curves', 'reward_mean,hit_rate')
    .option('--seed <n>', 'seed of the bootstrap resamples', '0')
    .action(async (runs: string[], o: { out: string; round?: string; block: string; metrics?: string; curves: string; seed: string }) => {
      if (!(EVAL_BLOCKS as readonly string[]).includes(o.block)) throw new UsageError(`--block must be ${EVAL_BLOCKS.join(' or ')}, got '${o.block}'`);
      const metrics = o.metrics === undefined ? undefined : o.metrics.split(',').map((m) => m.trim());
      const unknown = metrics?.filter((m) => !(EVAL_METRIC_KEYS as readonly string[]).includes(m)) ?? [];
      if (unknown.length > 0) throw new UsageError(`--metrics: unknown ${unknown.join(', ')} (known: ${EVAL_METRIC_KEYS.join(', ')})`);
      const methods = resolveMethods(runs);
      const result = await compareRuns(methods, {
        out: o.out,
        block: o.block as EvalBlock,
        seed: intOption(o.seed, '--seed', 0),
        curves: o.curves.split(',').map((c) => c.trim()).filter((c) => c !== ''),
        ...(o.round !== undefined ? { round: intOption(o.round, '--round', 1) } : {}),
        ...(metrics !== undefined ? { metrics: metrics as EvalMetricKey[] } : {}),
      });
      process.stdout.write(`${result.methods.map((m) => `${m.name}: ${m.seeds.length} seed(s), ${m.samples} samples`).join('\n')}\nwrote ${result.files.join(', ')}\n`);
    });
}
