// `crs-gym sweep CONFIG`: every run of the config x every seed, each step a `crs-gym` child process (so a crash or
// an out-of-memory ends one run, not the sweep), N at a time. Resumable: a step that finished leaves a marker and
// is skipped next time; a training step that was cut short resumes from its checkpoint (train grpo|rloo|reinforce
// resume by default).
//
// Layout: <out>/<run>/seed-<n>/{train/, eval/, train.log, eval.log, train.done, eval.done}, read by `crs-gym compare`.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { loadConfigFile } from '../config/load.js';
import { findPackageRoot } from '../data/paths.js';
import { crsGymHome, HOME_ENV_VAR } from '../core/home.js';
import { stageProgress } from '../core/progress.js';
import { writeFileAtomic } from '../eval/files.js';

const RUN_ID = /^[A-Za-z0-9._-]+$/;

export const SweepRunSchema = z
  .object({
    /** crs-gym arguments of the training step, without --out and --seed, e.g. ["train", "grpo", "--dataset", "inspired"]. */
    train: z.array(z.string()).min(1).optional(),
    /** crs-gym arguments of the evaluation step, without --out and --seed; --agent defaults to the trained policy. */
    eval: z.array(z.string()).min(1).optional(),
  })
  .strict()
  .refine((r) => r.train !== undefined || r.eval !== undefined, { message: 'a run needs a train or an eval step' })
  .refine((r) => r.train !== undefined || r.eval!.includes('--agent'), { message: 'an eval step without a train step needs --agent' });

export const SweepConfigSchema = z
  .object({
    /** Every run is repeated with each seed (passed as --seed). */
    seeds: z.array(z.number().int().nonnegative()).min(1),
    /** Runs at once (each one child process; --parallel overrides). */
    parallel: z.number().int().min(1).default(1),
    /** The grid: one entry per configuration, by a name used as its folder. */
    runs: z.record(z.string().regex(RUN_ID, 'run names may hold letters, digits, . _ - only'), SweepRunSchema).refine((r) => Object.keys(r).length > 0, { message: 'no runs' }),
  })
  .strict();
export type SweepConfig = z.output<typeof SweepConfigSchema>;

export interface SweepStep {
  run: string;
  seed: number;
  step: 'train' | 'eval';
  dir: string;
  argv: string[];
  log: string;
  marker: string;
}

export interface SweepOptions {
  configFile: string;
  out?: string;
  parallel?: number;
  /** List the steps and whether each would run, without running them. */
  dryRun?: boolean;
  log?: (message: string) => void;
}

export interface SweepResult {
  out: string;
  steps: Array<SweepStep & { status: 'done' | 'skipped' | 'failed' | 'planned' | 'blocked'; exitCode?: number | null }>;
}

export function loadSweepConfig(file: string): SweepConfig {
  return loadConfigFile(SweepConfigSchema, file);
}

/** Every step, in order: run by run, seed by seed, train before eval. */
export function planSweep(config: SweepConfig, out: string): SweepStep[][] {
  const chains: SweepStep[][] = [];
  for (const [run, spec] of Object.entries(config.runs)) {
    for (const seed of config.seeds) {
      const dir = join(out, run, `seed-${seed}`);
      const chain: SweepStep[] = [];
      if (spec.train) {
        chain.push({ run, seed, step: 'train', dir, argv: [...spec.train, '--out', join(dir, 'train'), '--seed', String(seed)], log: join(dir, 'train.log'), marker: join(dir, 'train.done') });
      }
      if (spec.eval) {
        const agent = spec.eval.includes('--agent') ? [] : ['--agent', `neural:${join(dir, 'train', 'policy')}`];
        chain.push({ run, seed, step: 'eval', dir, argv: [...spec.eval, ...agent, '--out', join(dir, 'eval'), '--seed', String(seed)], log: join(dir, 'eval.log'), marker: join(dir, 'eval.done') });
      }
      chains.push(chain);
    }
  }
  return chains;
}

/** A step's marker holds its arguments: a step whose arguments changed since is run again. */
function finished(step: SweepStep): boolean {
  if (!existsSync(step.marker)) return false;
  try {
    return JSON.stringify((JSON.parse(readFileSync(step.marker, 'utf8')) as { argv?: unknown }).argv) === JSON.stringify(step.argv);
  } catch {
    return false;
  }
}

function binPath(): string {
  const root = findPackageRoot();
  if (root === null) throw new Error('crs-gym sweep: cannot find the crs-gym package (for its bin)');
  return join(root, 'bin', 'crs-gym.mjs');
}

/** Runs one step as a child process, its output in the step's log file; resolves to the exit code. */
function runStep(step: SweepStep, cwd: string, env: NodeJS.ProcessEnv, running: Set<ChildProcess>): Promise<number | null> {
  return new Promise((resolvePromise, reject) => {
    const fd = openSync(step.log, 'a');
    const child = spawn(process.execPath, [binPath(), ...step.argv], { cwd, env, stdio: ['ignore', fd, fd] });
    running.add(child);
    child.on('exit', () => running.delete(child));
    child.on('error', (err) => {
      closeSync(fd);
      reject(err);
    });
    child.on('close', (code) => {
      closeSync(fd);
      resolvePromise(code);
    });
  });
}

export async function runSweep(options: SweepOptions): Promise<SweepResult> {
  const config = loadSweepConfig(options.configFile);
  const out = resolve(options.out ?? join('runs', `sweep-${basename(options.configFile).replace(/\.json$/i, '')}`));
  const chains = planSweep(config, out);
  const parallel = options.parallel ?? config.parallel;
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const results: SweepResult['steps'] = [];
  if (options.dryRun) {
    for (const step of chains.flat()) results.push({ ...step, status: finished(step) ? 'skipped' : 'planned' });
    return { out, steps: results };
  }
  await mkdir(out, { recursive: true });
  await writeFileAtomic(join(out, 'sweep.json'), `${JSON.stringify({ config: resolve(options.configFile), ...config }, null, 2)}\n`);
  // Children see the same home whatever their working directory (paths in the config are relative to its folder).
  const env = { ...process.env, [HOME_ENV_VAR]: crsGymHome().dir };
  const cwd = dirname(resolve(options.configFile));
  const total = chains.flat().length;
  const progress = stageProgress(`sweep ${basename(out)}`);
  let completed = 0;
  const queue = [...chains];
  // A signal to the sweep stops its running steps too (they checkpoint on SIGINT) and starts no new ones.
  const running = new Set<ChildProcess>();
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    stopping = true;
    log(`sweep: ${signal}: stopping ${running.size} running step(s); run the sweep again to resume`);
    for (const child of running) child.kill(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const worker = async (): Promise<void> => {
    for (let chain = queue.shift(); chain !== undefined && !stopping; chain = queue.shift()) {
      let failed = false;
      for (const step of chain) {
        if (failed || stopping) {
          results.push({ ...step, status: 'blocked' });
        } else if (finished(step)) {
          results.push({ ...step, status: 'skipped' });
        } else {
          await mkdir(step.dir, { recursive: true });
          log(`sweep: ${step.run} seed ${step.seed} ${step.step} (log: ${step.log})`);
          const code = await runStep(step, cwd, env, running);
          if (code === 0) {
            await writeFileAtomic(step.marker, `${JSON.stringify({ argv: step.argv, finishedAt: new Date().toISOString() })}\n`);
            results.push({ ...step, status: 'done', exitCode: code });
          } else {
            failed = true;
            results.push({ ...step, status: 'failed', exitCode: code });
            log(`sweep: ${step.run} seed ${step.seed} ${step.step} failed (exit ${code}); see ${step.log}`);
          }
        }
        progress.update(++completed, total, `${step.run} seed ${step.seed} ${step.step}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(parallel, chains.length) }, worker));
  } finally {
    progress.end();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return { out, steps: results };
}
