// `crs-gym reproduce`: the whole paper on one dataset, from data to report (the main job: `npm start`).
import type { Command } from 'commander';
import { datasets } from '../../data/registry.js';
import { choicesHelp, registryChoice } from '../registry-options.js';
import { reproduce } from '../../pipeline/reproduce.js';
import { terminalTable, headline } from '../../pipeline/reproduce-report.js';
import { UsageError } from '../errors.js';
import { lockRunFolder } from '../../core/run-lock.js';
import { progressBar, type Progress } from '../progress.js';
import { intListOption, intOption } from '../options.js';
import { join } from 'node:path';

export function registerReproduceCommand(program: Command): void {
  program
    .command('reproduce')
    .description('Train every stage (E_C, simulator, retriever, SFT, GRPO) and run the paper\'s experiments; writes report.md')
    .requiredOption('--dataset <name>', `dataset: ${choicesHelp(datasets)}`)
    .option('--out <dir>', 'output folder (default runs/<dataset>)')
    .option('--quick', 'a small profile that exercises every stage on a subset (CI)')
    .option('--fresh', 'redo every stage even when a cached one matches')
    .option('--no-ablations', 'only the baselines and the main SFT / SFT+GRPO runs')
    .option('--seeds <list>', 'seeds of the policy stages (SFT, GRPO, ablation trainings) and their evaluations, e.g. 0,1,2 (default: 3 seeds in the full profile, 2 in --quick)')
    .option('--ablation-seeds <n>', 'how many of the seeds the ablation trainings and tables use (default: 1, the first seed)')
    .option('--config <file>', 'JSON of profile fields (components, sft, grpo, ablationGrpo, evalLimit, ...) over the profile and configs/reproduce.<dataset>.json')
    .option('--data <dir>', 'data folder')
    .option('--artifacts <dir>', 'artifacts folder (default <out>/artifacts)')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const dataset = String(o.dataset);
      registryChoice(datasets, dataset, '--dataset');
      const seeds = o.seeds !== undefined ? intListOption(o.seeds, '--seeds', 0) : undefined;
      const ablationSeeds = o.ablationSeeds !== undefined ? intOption(o.ablationSeeds, '--ablation-seeds', 1) : undefined;
      const bars = new Map<string, Progress>();
      const profile = o.quick === true ? 'quick' : 'full';
      // reproduce()'s default folder, named here so that it is locked for the run.
      const out = typeof o.out === 'string' ? o.out : join('runs', profile === 'quick' ? `${dataset}-quick` : dataset);
      const lock = lockRunFolder(out);
      const summary = await reproduce({
        dataset,
        profile,
        out,
        fresh: o.fresh === true,
        ...(typeof o.config === 'string' ? { configFile: o.config } : {}),
        overrides: { ...(o.ablations === false ? { ablations: false } : {}), ...(seeds ? { seeds } : {}), ...(ablationSeeds !== undefined ? { ablationSeeds } : {}) },
        ...(typeof o.data === 'string' ? { dataRoot: o.data } : {}),
        ...(typeof o.artifacts === 'string' ? { artifactsDir: o.artifacts } : {}),
        progress: (stage, done, total) => {
          let bar = bars.get(stage);
          if (!bar) {
            for (const other of bars.values()) other.stop();
            bar = progressBar(stage);
            bars.set(stage, bar);
          }
          bar.update(done, total);
        },
      }).finally(() => lock.release());
      for (const bar of bars.values()) bar.stop();
      process.stdout.write(`\n${terminalTable(summary)}\n\n${headline(summary)}\n`);
      process.stdout.write(`report: ${join(summary.out, 'report.md')} (${(summary.seconds / 60).toFixed(1)} min)\n`);
    });
}
