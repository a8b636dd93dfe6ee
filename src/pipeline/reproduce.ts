// The full reproduction, from data to report: trained components (E_C, simulator, retriever) once, then SFT,
// GRPO and the ablation trainings once per seed, then every experiment of the paper evaluated with its protocol
// (both blocks, cumulative and per turn), each in its own eval folder, and one report beside the paper's numbers
// with mean +/- sd over seeds and 95% intervals. Every stage is cached by a hash of its config and inputs.
import type { DatasetName } from '../data/paths.js';
import { join, resolve } from 'node:path';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, deepMerge, parseConfig } from '../config/load.js';
import { errorMessage } from '../core/errors.js';
import { findPackageRoot } from '../data/paths.js';
import type { Dataset } from '../data/types.js';
import { SAMPLE_ID_SCHEME } from '../data/samples.js';
import { evaluateRetriever } from '../retriever/evaluate.js';
import { Bm25Retriever } from '../retriever/bm25.js';
import { PopularityRetriever } from '../retriever/popularity.js';
import { readEvalRun } from '../eval/files.js';
import type { EvalRun } from '../eval/protocol.js';
import { trainSft } from '../learners/sft.js';
import { trainRl } from '../learners/rl.js';
import { SIMULATOR_FORMAT_VERSION } from '../simulator/multi-task.js';
import { DEFAULT_REWARD_WEIGHTS, resolveRlConfig, SftConfigSchema } from '../learners/config.js';
import { cachedStage, STAGE_FILE, stageHash } from './stage-cache.js';
import { runEvaluation } from './run-eval.js';
import { CRS_SETUP_MODULE, type CrsSetupArgs } from './crs-setup.js';
import { sharedComponents, sharedDataset, type CrsEnvOptions } from '../../envs/register.js';
import { ComponentsConfigSchema, type EnvComponents } from '../../envs/components.js';
import { writeReproductionReport, type ExperimentResult, type ReproductionSummary, type StageTime } from './reproduce-report.js';

export const ProfileSchema = z.object({
  /** Components (encoders, simulator, retriever) config. */
  components: z.record(z.string(), z.unknown()).default({}),
  sft: z.record(z.string(), z.unknown()).default({}),
  grpo: z.record(z.string(), z.unknown()).default({}),
  /** GRPO settings for the ablation runs (w/o SFT, single-task simulator, w/o rank / preference reward). */
  ablationGrpo: z.record(z.string(), z.unknown()).default({}),
  /** Evaluate only the first N samples of the split (null: all, as the paper). */
  evalLimit: z.number().int().positive().nullable().default(null),
  /** Evaluate the model-selection rows (valid split) on only the first N valid samples (null: all). */
  validLimit: z.number().int().positive().nullable().default(null),
  /** Train on only the first N train samples (null: all). */
  trainLimit: z.number().int().positive().nullable().default(null),
  rounds: z.number().int().positive().default(5),
  /**
   * Seeds of the policy stages (SFT, GRPO, the ablation trainings) and of their evaluations; the components are
   * trained once, and the baselines evaluated once, with the first seed.
   */
  seeds: z
    .array(z.number().int().nonnegative())
    .min(1)
    .default([0, 1, 2])
    .refine((seeds) => new Set(seeds).size === seeds.length, { message: 'seeds must be distinct' }),
  /** How many of `seeds` (the first ones) the ablation, robustness and reward-ablation experiments use (null: all). */
  ablationSeeds: z.number().int().positive().nullable().default(null),
  /** Rollout worker threads for the learners. */
  workers: z.number().int().nonnegative().default(2),
  /** Run the ablation and robustness experiments (Tables 2 and 3, Figure 3). */
  ablations: z.boolean().default(true),
}).strict();
export type Profile = z.output<typeof ProfileSchema>;

/**
 * Changes of what a stage computes that its config does not show, in its cache key: policies trained or
 * evaluated before the change are not reused. Evaluations: every sample plays all rounds, both protocols.
 */
const EVAL_STAGE_VERSION = 2;

/**
 * Defaults tuned for this 2-core machine. The full profile is then overridden by the package's
 * configs/reproduce.<dataset>.json (per-dataset time budgets), a --config file, and the CLI flags.
 */
export const PROFILES: Readonly<Record<'full' | 'quick', z.input<typeof ProfileSchema>>> = {
  full: {
    // The main run keeps its best valid evaluation (the SFT policy at iteration 0 included), as the SFT
    // epoch and the retriever are chosen; the ablation runs train a fixed, shorter budget with no selection.
    grpo: { num_train_epochs: 1, eval_steps: 11, eval_samples: 0, load_best_model_at_end: true },
    ablationGrpo: { max_steps: 12 },
    // SFT and GRPO with every seed; the ablation trainings (Tables 2-3, Figure 3) with the first only, which keeps
    // `npm start` near its time goal on 2 cores (--ablation-seeds 3 runs them with all three).
    ablationSeeds: 1,
  },
  quick: {
    components: { textEncoder: 'hash', lightgcn: { epochs: 2 }, retriever: { maxEpochs: 2, patience: 1 }, simulator: {} },
    sft: { num_train_epochs: 1, max_samples: 48, eval_samples: 8, early_stopping_patience: 0 },
    grpo: { max_steps: 2, per_device_train_batch_size: 4, gradient_accumulation_steps: 2, num_iterations: 1, eval_steps: 0 },
    ablationGrpo: { max_steps: 1, per_device_train_batch_size: 4, gradient_accumulation_steps: 1, num_iterations: 1, eval_steps: 0 },
    evalLimit: 24,
    trainLimit: 48,
    workers: 0,
    // Two seeds exercise the multi-seed report; the ablations run with the first only.
    seeds: [0, 1],
    ablationSeeds: 1,
  },
};

export interface ReproduceOptions {
  dataset: DatasetName;
  out?: string;
  profile?: 'full' | 'quick';
  /** A JSON file of profile fields, on top of the profile and the dataset's configs/reproduce.<dataset>.json. */
  configFile?: string;
  /** Overrides on top of everything else. */
  overrides?: z.input<typeof ProfileSchema>;
  fresh?: boolean;
  dataRoot?: string;
  artifactsDir?: string;
  log?: (message: string) => void;
  progress?: (stage: string, done: number, total: number) => void;
}

interface Experiment {
  id: string;
  label: string;
  /** 'validation' rows are evaluated on the valid split (the model-selection ordering), all others on test. */
  table: ExperimentResult['table'];
  /** Agent SPEC, resolved after the trainings ('@sft' / '@grpo' / '@<run>' name a trained policy). */
  agent: string;
  envOptions?: Partial<CrsEnvOptions>;
  note?: string;
}

interface RlRun {
  id: string;
  init: 'sft' | null;
  envOptions: Partial<CrsEnvOptions>;
  config: Record<string, unknown>;
  /** An ablation training: run with the ablation seeds only. */
  ablation: boolean;
}

function experiments(ablations: boolean, llm: boolean): Experiment[] {
  const base: Experiment[] = [
    { id: 'popularity', label: 'Popularity', table: 'baselines', agent: 'popularity' },
    { id: 'repeat', label: 'Repeat (mentioned items, then popularity)', table: 'baselines', agent: 'repeat' },
    { id: 'bm25', label: 'BM25 (text only)', table: 'baselines', agent: 'bm25' },
    { id: 'retriever', label: 'Dual-view retriever order', table: 'baselines', agent: 'retriever' },
    { id: 'sft', label: 'SFT only (w/o RL)', table: 'main', agent: '@sft' },
    { id: 'grpo', label: 'SFT + GRPO (SMTPO)', table: 'main', agent: '@grpo' },
  ];
  if (llm) base.push({ id: 'llm', label: 'LLM agent (configured server)', table: 'baselines', agent: 'llm' });
  // The ordering every stage was selected on (retriever, SFT epoch and GRPO iteration all on valid).
  base.push(
    { id: 'valid-retriever', label: 'Dual-view retriever order', table: 'validation', agent: 'retriever' },
    { id: 'valid-sft', label: 'SFT only (w/o RL)', table: 'validation', agent: '@sft' },
    { id: 'valid-grpo', label: 'SFT + GRPO (SMTPO)', table: 'validation', agent: '@grpo' },
  );
  if (!ablations) return base;
  return [
    ...base,
    { id: 'wo-sft', label: 'w/o SFT (GRPO from scratch)', table: 'ablation', agent: '@grpo-wo-sft' },
    { id: 'wo-pref', label: 'w/o Pref (retriever ignores P_t)', table: 'ablation', agent: '@grpo', envOptions: { env: { retrieverInputs: { usePreference: false } } } },
    { id: 'wo-rec', label: 'w/o Rec (retriever ignores R_{t-1})', table: 'ablation', agent: '@grpo', envOptions: { env: { retrieverInputs: { usePreviousList: false } } } },
    { id: 'single-task', label: 'Single-task simulator', table: 'ablation', agent: '@grpo-single-task', envOptions: { simulator: 'single-task' } },
    { id: 'wo-feedback', label: 'w/o feedback', table: 'ablation', agent: '@grpo', envOptions: { env: { useFeedback: false } } },
    { id: 'blind', label: 'Blind simulator', table: 'robustness', agent: '@grpo', envOptions: { simulator: 'blind' } },
    { id: 'noisy', label: 'Noisy feedback (p = 0.5)', table: 'robustness', agent: '@grpo', envOptions: { simulator: 'noisy', noiseProbability: 0.5 } },
    { id: 'wo-rank-reward', label: 'GRPO w/o rank reward', table: 'rewards', agent: '@grpo-wo-rank' },
    { id: 'wo-pref-reward', label: 'GRPO w/o preference reward', table: 'rewards', agent: '@grpo-wo-pref-reward' },
    { id: 'grpo-exclude', label: 'SFT + GRPO', table: 'exclusion', agent: '@grpo', envOptions: { env: { excludeContextItems: true } } },
    { id: 'popularity-exclude', label: 'Popularity', table: 'exclusion', agent: 'popularity', envOptions: { env: { excludeContextItems: true } } },
    { id: 'retriever-exclude', label: 'Dual-view retriever order', table: 'exclusion', agent: 'retriever', envOptions: { env: { excludeContextItems: true } } },
  ];
}

function rlRuns(ablations: boolean, profile: Profile): RlRun[] {
  const main: RlRun = { id: 'grpo', init: 'sft', envOptions: {}, config: profile.grpo, ablation: false };
  if (!ablations) return [main];
  const weights = (over: Record<string, number>) => ({ reward_weights: { ...DEFAULT_REWARD_WEIGHTS, ...over } });
  return [
    main,
    { id: 'grpo-wo-sft', init: null, envOptions: {}, config: profile.ablationGrpo, ablation: true },
    { id: 'grpo-single-task', init: 'sft', envOptions: { simulator: 'single-task' }, config: profile.ablationGrpo, ablation: true },
    { id: 'grpo-wo-rank', init: 'sft', envOptions: {}, config: { ...profile.ablationGrpo, ...weights({ rank: 0 }) }, ablation: true },
    { id: 'grpo-wo-pref-reward', init: 'sft', envOptions: {}, config: { ...profile.ablationGrpo, ...weights({ preference: 0 }) }, ablation: true },
  ];
}

/** The seeds the ablation trainings and the ablation, robustness and reward tables use. */
export function ablationSeedsOf(profile: Pick<Profile, 'seeds' | 'ablationSeeds'>): number[] {
  return profile.ablationSeeds === null ? [...profile.seeds] : profile.seeds.slice(0, profile.ablationSeeds);
}

/** Where a seed's trainings and policy evaluations go. */
export function seedFolder(seed: number): string {
  return `seed-${seed}`;
}

function datasetKey(dataset: Dataset) {
  return { name: dataset.name, items: dataset.items.length, samples: Object.values(dataset.samples).map((s) => s.length) };
}

export async function reproduce(options: ReproduceOptions): Promise<ReproductionSummary> {
  const profileName = options.profile ?? 'full';
  const profile = resolveProfile(profileName, options.dataset, options.configFile, options.overrides);
  const out = resolve(options.out ?? join('runs', profileName === 'quick' ? `${options.dataset}-quick` : options.dataset));
  mkdirSync(out, { recursive: true });
  const log = options.log ?? ((m: string) => process.stderr.write(`[reproduce] ${m}\n`));
  const started = performance.now();
  const timings: Record<string, StageTime> = {};
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    try {
      return await fn();
    } finally {
      const cpu = process.cpuUsage(cpu0);
      timings[name] = { seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
    }
  };
  const artifactsDir = options.artifactsDir ?? join(out, 'artifacts');
  const common = { ...(options.dataRoot ? { dataRoot: options.dataRoot } : {}), artifactsDir };

  // 1. Data and the trained components.
  const dataset = sharedDataset(options.dataset, options.dataRoot);
  log(`dataset ${dataset.name}: ${dataset.items.length} items, samples ${dataset.samples.train.length}/${dataset.samples.valid.length}/${dataset.samples.test.length}`);
  const components: EnvComponents = await timed('components', () =>
    sharedComponents(dataset, { artifactsDir, components: profile.components }),
  );
  if (options.fresh) log('--fresh: every stage below is rebuilt');

  // The resolved config (defaults filled), so a changed default retrains everything downstream.
  // The simulator's format too: a change of what the simulator computes retrains the policies trained against it.
  const componentsHash = stageHash({
    components: parseConfig(ComponentsConfigSchema, profile.components, 'components config'),
    dataset: datasetKey(dataset),
    samples: SAMPLE_ID_SCHEME,
    simulator: SIMULATOR_FORMAT_VERSION,
  });

  // 2. Retrieval table (cold start, test split).
  const retrieval = await timed('retrieval', async () =>
    (
      await cachedStage({
        stage: 'retrieval',
        dir: join(out, 'retrieval'),
        key: { componentsHash, evalLimit: profile.evalLimit },
        fresh: options.fresh,
        log,
        load: async (dir) => readFileSync(join(dir, 'metrics.json'), 'utf8'),
        build: async (dir) => {
          const test = profile.evalLimit ? dataset.samples.test.slice(0, profile.evalLimit) : dataset.samples.test;
          const metrics = {
            dualView: await evaluateRetriever(components.retriever, test, dataset),
            popularity: await evaluateRetriever(new PopularityRetriever(dataset), test, dataset),
            bm25: await evaluateRetriever(new Bm25Retriever(dataset), test, dataset),
          };
          const text = JSON.stringify(metrics, null, 2);
          writeFileSync(join(dir, 'metrics.json'), `${text}\n`);
          return { value: text };
        },
      })
    ).value,
  );
  const retrievalMetrics = JSON.parse(retrieval) as Record<string, Record<string, number>>;

  // 3. Per seed: SFT, then the GRPO runs (the ablation trainings with the ablation seeds only).
  const setupArgs = (envOptions: Partial<CrsEnvOptions>): CrsSetupArgs => ({
    dataset: options.dataset,
    ...(options.dataRoot ? { dataRoot: options.dataRoot } : {}),
    artifactsDir,
    envOptions: { ...envOptions, components: profile.components, env: { ...((envOptions.env as object | undefined) ?? {}), rounds: profile.rounds } },
    ...(profile.trainLimit ? { limit: profile.trainLimit } : {}),
  });
  const ablationSeeds = ablationSeedsOf(profile);
  /** Policy folders by `<run>@<seed>`. */
  const policies = new Map<string, string>();
  const training: NonNullable<ReproductionSummary['training']> = {};
  const trainDir = (seed: number, run: string) => join(out, 'train', seedFolder(seed), run);
  for (const seed of profile.seeds) {
    const sftDir = trainDir(seed, 'sft');
    await timed(`sft@${seed}`, () =>
      cachedStage({
        stage: `sft@${seed}`,
        dir: sftDir,
        key: { componentsHash, sft: profile.sft, trainLimit: profile.trainLimit, rounds: profile.rounds, seed, samples: SAMPLE_ID_SCHEME },
        fresh: options.fresh,
        log,
        load: async (dir) => join(dir, 'policy'),
        build: async (dir) => {
          log(`SFT on teacher trajectories (seed ${seed})`);
          const result = await trainSft({
            setup: { module: CRS_SETUP_MODULE, args: setupArgs({}) },
            outDir: dir,
            config: { seed, ...profile.sft },
            workers: profile.workers,
            onProgress: (p) => options.progress?.(`sft (seed ${seed})`, p.epoch, p.total),
          });
          return { value: result.policyDir, summary: { before: result.before, after: result.after, bestEpoch: result.bestEpoch } };
        },
      }),
    );
    policies.set(`sft@${seed}`, join(sftDir, 'policy'));

    for (const run of rlRuns(profile.ablations, profile)) {
      if (run.ablation && !ablationSeeds.includes(seed)) continue;
      const dir = trainDir(seed, run.id);
      await timed(`${run.id}@${seed}`, () =>
        cachedStage({
          stage: `${run.id}@${seed}`,
          dir,
          key: { componentsHash, init: run.init ? trainedStageHash(trainDir(seed, run.init)) : null, env: run.envOptions, config: run.config, rounds: profile.rounds, seed, trainLimit: profile.trainLimit, samples: SAMPLE_ID_SCHEME },
          fresh: options.fresh,
          log,
          load: async (d) => join(d, 'policy'),
          build: async (d) => {
            log(`${run.id}: multi-turn GRPO${run.init ? ' from the SFT policy' : ' from scratch'} (seed ${seed})`);
            // Rollout workers load the components without training: a stage trained on first use (the
            // single-task simulator) is trained here, in this thread, before they start.
            if (run.envOptions.simulator === 'single-task') await components.singleTaskSimulator();
            const result = await trainRl('grpo', {
              setup: { module: CRS_SETUP_MODULE, args: setupArgs(run.envOptions) },
              outDir: d,
              config: { seed, ...run.config },
              ...(run.init ? { initPolicy: policies.get(`${run.init}@${seed}`)! } : {}),
              workers: profile.workers,
              resume: !options.fresh,
              onProgress: (p) => options.progress?.(`${run.id} (seed ${seed})`, p.iteration, p.total),
            });
            return { value: result.policyDir, summary: { iterations: result.iterations, lastRollouts: result.lastRollouts } };
          },
        }),
      );
      policies.set(`${run.id}@${seed}`, join(dir, 'policy'));
      training[`${run.id}@${seed}`] = readTrainingSummary(dir);
    }
  }

  // 4. Evaluations: one folder per experiment (and per seed for the trained policies).
  const llm = Boolean(process.env.CRS_GYM_LLM_BASE_URL);
  const results: ExperimentResult[] = [];
  /** The strongest test baseline so far (by cumulative Recall@10 at the last round): the SFT+GRPO reports test against it. */
  let strongest: EvalRun | undefined;
  for (const exp of experiments(profile.ablations, llm)) {
    const trained = exp.agent.startsWith('@') ? exp.agent.slice(1) : undefined;
    // Baselines need no seed: evaluated once, with the first seed.
    const seeds = trained === undefined ? [profile.seeds[0] as number] : exp.table === 'main' || exp.table === 'validation' ? profile.seeds : ablationSeeds;
    for (const seed of seeds) {
      const agent = trained !== undefined ? `neural:${policies.get(`${trained}@${seed}`)}` : exp.agent;
      const dir = trained !== undefined ? join(out, 'eval', seedFolder(seed), exp.id) : join(out, 'eval', exp.id);
      const split = exp.table === 'validation' ? 'valid' : 'test';
      const limit = split === 'valid' ? (profile.validLimit ?? profile.evalLimit) : profile.evalLimit;
      const evalKey = {
        componentsHash,
        split,
        agent: exp.agent,
        trained: trained !== undefined ? trainedStageHash(trainDir(seed, trained)) : null,
        env: exp.envOptions ?? {},
        rounds: profile.rounds,
        evalLimit: limit,
        seed,
        version: EVAL_STAGE_VERSION,
        samples: SAMPLE_ID_SCHEME,
      };
      const name = trained !== undefined ? `eval:${exp.id}@${seed}` : `eval:${exp.id}`;
      const baseline = exp.id === 'grpo' ? strongest : undefined;
      const stage = await timed(name, () =>
        cachedStage({
          stage: name,
          dir,
          key: evalKey,
          fresh: options.fresh,
          log,
          load: async (d) => (await readEvalRun(d)).run,
          build: async (d) => {
            const run = await runEvaluation({
              dataset: options.dataset,
              split,
              agent,
              rounds: profile.rounds,
              seed,
              out: d,
              ...common,
              envOptions: { ...(exp.envOptions ?? {}), components: profile.components },
              ...(limit ? { limit } : {}),
              label: exp.label,
              ...(baseline ? { baseline, baselineLabel: baseline.agent } : {}),
              onProgress: (done, total) => options.progress?.(`eval ${exp.id}${trained !== undefined ? ` (seed ${seed})` : ''}`, done, total),
              log,
            });
            return { value: run };
          },
        }),
      );
      results.push({ id: exp.id, label: exp.label, table: exp.table, dir, run: stage.value, cached: stage.cached, ...(trained !== undefined ? { seed } : {}) });
      if (exp.table === 'baselines' && exp.id !== 'llm') {
        const last = (r: EvalRun) => r.rounds[r.rounds.length - 1]?.['recall@10'] ?? 0;
        if (!strongest || last(stage.value) > last(strongest)) strongest = stage.value;
      }
    }
  }
  await components.flush();

  const summary: ReproductionSummary = {
    dataset: options.dataset,
    profile: profileName,
    out,
    seconds: (performance.now() - started) / 1000,
    timings,
    retrieval: retrievalMetrics,
    experiments: results,
    simulatorMetrics: components.simulator.metrics,
    textEncoder: components.textEncoder.id,
    training,
    settings: { profile, samples: { train: dataset.samples.train.length, valid: dataset.samples.valid.length, test: dataset.samples.test.length }, trainIsPartial: dataset.sources?.trainIsPartial ?? false },
  };
  await writeReproductionReport(summary);
  return summary;
}

/** Iterations and the kept evaluation of a finished RL run (its summary.json), for the report. */
function readTrainingSummary(dir: string): NonNullable<ReproductionSummary['training']>[string] {
  try {
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { iterations?: number; best?: { iteration: number; metric: number } | null };
    return { iterations: summary.iterations ?? null, best: summary.best ?? null };
  } catch {
    return { iterations: null, best: null };
  }
}

/**
 * The profile a reproduction runs with: the built-in profile, then (full profile only) the package's
 * configs/reproduce.<dataset>.json, then `configFile`, then `overrides`, merged deeply in that order.
 */
export function resolveProfile(name: 'full' | 'quick', dataset: string, configFile?: string, overrides?: z.input<typeof ProfileSchema>): Profile {
  const layers: Array<{ source: string; value: unknown }> = [{ source: `profile '${name}'`, value: PROFILES[name] }];
  if (name === 'full') {
    const file = datasetProfileFile(dataset);
    if (file) layers.push({ source: file, value: readJson(file) });
  }
  if (configFile) layers.push({ source: configFile, value: readJson(configFile) });
  if (overrides) layers.push({ source: 'command-line flags', value: overrides });
  const source = `reproduce profile (${layers.map((l) => l.source).join(' + ')})`;
  const profile = parseConfig(ProfileSchema, layers.reduce<unknown>((acc, layer) => deepMerge(acc, layer.value), {}), source);
  // The learners' configs too, so a bad field fails now and not after the components have trained.
  const seed = profile.seeds[0] as number;
  parseConfig(SftConfigSchema, { seed, ...profile.sft }, `${source}: sft`);
  resolveRlConfig('grpo', { seed, ...profile.grpo }, `${source}: grpo`);
  resolveRlConfig('grpo', { seed, ...profile.ablationGrpo }, `${source}: ablationGrpo`);
  if (profile.ablationSeeds !== null && profile.ablationSeeds > profile.seeds.length) {
    throw new ConfigError(`${source}: ablationSeeds is ${profile.ablationSeeds} but only ${profile.seeds.length} seeds are given`, source);
  }
  return profile;
}

/** configs/reproduce.<dataset>.json of the package, when present. */
function datasetProfileFile(dataset: string): string | undefined {
  const file = join(findPackageRoot() ?? process.cwd(), 'configs', `reproduce.${dataset}.json`);
  return existsSync(file) ? file : undefined;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file}: cannot read the reproduction config as JSON: ${errorMessage(err)}`, file);
  }
}

/** The hash a finished training stage (in `dir`) was built with, so evaluations rerun when their policy was retrained. */
function trainedStageHash(dir: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(dir, STAGE_FILE), 'utf8')) as { hash?: string }).hash ?? null;
  } catch {
    return null;
  }
}
