// An evaluation run on disk: summary.json (metrics by round, what was run and with which versions),
// rankings.jsonl (every sample's list and candidates at every round, for re-scoring and significance tests),
// report.md and SVG plots. Every file is written to a temp name and renamed, so a reader never sees half a file.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic as writeAtomic } from '../core/atomic-write.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { EVAL_PROTOCOLS, type EvalProtocol, type EvalRun, type SampleRound, type SampleTrace } from './protocol.js';
import { compareRunsSvg, roundsChartSvg } from './plots.js';
import { renderEvalReport, type EvalMeta, type EvalReportOptions } from './report.js';
import { EVAL_METRIC_KEYS, summarizeRounds, type RoundSummary } from './subsets.js';
import { errorMessage, OneLineError } from '../core/errors.js';

export const SUMMARY_FILE = 'summary.json';
export const RANKINGS_FILE = 'rankings.jsonl';
export const REPORT_FILE = 'report.md';
export const ROUNDS_PLOT_FILE = 'by-round.svg';
export const COMPARISON_PLOT_FILE = 'recall10-vs-baseline.svg';

/** summary.json. */
export interface EvalSummary {
  agent: string;
  dataset: string;
  split: string;
  /** Number of samples evaluated. */
  samples: number;
  seed: number;
  config: Record<string, unknown>;
  versions: { node: string; 'crs-gym': string };
  protocol: EvalProtocol;
  rounds: RoundSummary[];
}

/** One line of rankings.jsonl. */
export interface RankingLine {
  sampleId: string;
  round: number;
  target: string;
  ranking: string[];
  candidates: string[];
  targetInContext: boolean;
  /** True when the episode had ended and this round repeats the last played one. */
  carried: boolean;
  rewards: Record<string, number>;
}

let cachedVersion: string | undefined;

/** crs-gym's version from the nearest package.json named crs-gym above this module (works from src/ and dist/). */
export function packageVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
        if (pkg.name === 'crs-gym' && typeof pkg.version === 'string') return (cachedVersion = pkg.version);
      } catch {
        // Not ours or unreadable: keep walking up.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return (cachedVersion = 'unknown');
    dir = parent;
  }
}

/** Writes `text` to `file` through a temp file and a rename (atomic on one file system; the temp file removed on failure). */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await writeAtomic(file, text, { mkdir: true });
}

export function buildSummary(run: EvalRun, meta: EvalMeta): EvalSummary {
  return {
    agent: run.agent,
    dataset: meta.dataset,
    split: meta.split,
    samples: run.samples.length,
    seed: run.seed,
    config: meta.config ?? {},
    versions: { node: process.version, 'crs-gym': packageVersion() },
    protocol: run.protocol,
    rounds: run.rounds,
  };
}

export function rankingLines(run: EvalRun): RankingLine[] {
  return run.samples.flatMap((s) =>
    s.rounds.map((r) => ({
      sampleId: s.sampleId,
      round: r.round,
      target: s.target,
      ranking: r.ranking,
      candidates: r.candidates,
      targetInContext: s.targetInContext,
      carried: r.carried,
      rewards: r.rewards,
    })),
  );
}

export interface WriteEvalRunOptions extends Omit<EvalReportOptions, 'plots'> {
  /** Skip the SVG plots (e.g. in tight loops); the report then links none. */
  plots?: boolean;
}

/**
 * Writes summary.json, rankings.jsonl, the plots (by-round.svg, and recall10-vs-baseline.svg when a baseline
 * is given) and report.md into `dir` (created if missing). Returns the paths written.
 */
export async function writeEvalRun(dir: string, run: EvalRun, meta: EvalMeta, options: WriteEvalRunOptions = {}): Promise<string[]> {
  const written: string[] = [];
  const put = async (name: string, text: string): Promise<void> => {
    const file = join(dir, name);
    await writeFileAtomic(file, text);
    written.push(file);
  };
  await put(SUMMARY_FILE, `${JSON.stringify(buildSummary(run, meta), null, 2)}\n`);
  await put(RANKINGS_FILE, rankingLines(run).map((line) => JSON.stringify(line)).join('\n') + '\n');
  const plots: EvalReportOptions['plots'] = {};
  if (options.plots !== false) {
    await put(ROUNDS_PLOT_FILE, await roundsChartSvg(run, { subtitle: `${meta.dataset} (${meta.split}), ${run.samples.length} samples, every sample counted in every round (protocol: ${run.protocol})` }));
    plots.rounds = ROUNDS_PLOT_FILE;
    if (options.baseline) {
      const baselineLabel = options.baselineLabel ?? options.baseline.agent;
      const runs = [{ label: run.agent, run }, { label: baselineLabel === run.agent ? `${baselineLabel} (baseline)` : baselineLabel, run: options.baseline }];
      await put(COMPARISON_PLOT_FILE, await compareRunsSvg(runs, { subtitle: `${meta.dataset} (${meta.split}); each round averages over the complete sample set` }));
      plots.comparison = COMPARISON_PLOT_FILE;
    }
  }
  const { plots: _skip, ...reportOptions } = options;
  await put(REPORT_FILE, renderEvalReport(run, meta, { ...reportOptions, plots }));
  return written;
}

// ---------------------------------------------------------------------------------------------------
// Reading back

const metricsShape = Object.fromEntries(EVAL_METRIC_KEYS.map((k) => [k, z.number().finite()])) as Record<(typeof EVAL_METRIC_KEYS)[number], z.ZodNumber>;
const SubsetSchema = z.object({ ...metricsShape, samples: z.number().int().nonnegative() });
const RoundSchema = z.object({
  round: z.number().int().positive(),
  ...metricsShape,
  newItem: SubsetSchema,
  repeated: SubsetSchema,
  rewards: z.record(z.string(), z.number()),
});
const SummarySchema = z.object({
  agent: z.string(),
  dataset: z.string(),
  split: z.string(),
  samples: z.number().int().nonnegative(),
  seed: z.number().int().nonnegative(),
  config: z.record(z.string(), z.unknown()),
  versions: z.object({ node: z.string(), 'crs-gym': z.string() }),
  protocol: z.enum(EVAL_PROTOCOLS as [EvalProtocol, ...EvalProtocol[]]),
  rounds: z.array(RoundSchema).min(1),
});
const LineSchema = z.object({
  sampleId: z.string(),
  round: z.number().int().positive(),
  target: z.string(),
  ranking: z.array(z.string()),
  candidates: z.array(z.string()),
  targetInContext: z.boolean(),
  carried: z.boolean().default(false),
  rewards: z.record(z.string(), z.number()).default({}),
});

/** A file of an eval run that is missing, not JSON, or not the expected shape. */
export class EvalFileError extends OneLineError {
  override name = 'EvalFileError';
}

function issuesText(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new EvalFileError(code === 'ENOENT' ? `${file}: not found (is this an eval run directory?)` : `${file}: cannot read (${String(error)})`);
  }
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new EvalFileError(`${where}: not valid JSON (${errorMessage(error)})`);
  }
}

async function readSummary(dir: string): Promise<EvalSummary> {
  const file = join(dir, SUMMARY_FILE);
  const parsed = SummarySchema.safeParse(parseJson(await readText(file), file));
  if (!parsed.success) throw new EvalFileError(`${file}: ${issuesText(parsed.error)}`);
  return parsed.data as EvalSummary;
}

async function readTraces(dir: string, rounds: number): Promise<SampleTrace[]> {
  const file = join(dir, RANKINGS_FILE);
  const traces = new Map<string, SampleTrace>();
  const lines = (await readText(file)).split('\n');
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    const where = `${file}:${i + 1}`;
    const parsed = LineSchema.safeParse(parseJson(raw, where));
    if (!parsed.success) throw new EvalFileError(`${where}: ${issuesText(parsed.error)}`);
    const line = parsed.data;
    let trace = traces.get(line.sampleId);
    if (!trace) {
      trace = { sampleId: line.sampleId, target: line.target, targetInContext: line.targetInContext, playedRounds: 0, rounds: [] };
      traces.set(line.sampleId, trace);
    }
    if (line.target !== trace.target || line.targetInContext !== trace.targetInContext) {
      throw new EvalFileError(`${where}: sample '${line.sampleId}' changes its target or targetInContext between rounds`);
    }
    if (line.round !== trace.rounds.length + 1) {
      throw new EvalFileError(`${where}: sample '${line.sampleId}' round ${line.round} out of order (expected round ${trace.rounds.length + 1})`);
    }
    const round: SampleRound = { round: line.round, ranking: line.ranking, candidates: line.candidates, rewards: line.rewards, carried: line.carried };
    trace.rounds.push(round);
    if (!line.carried) trace.playedRounds = line.round;
  });
  for (const trace of traces.values()) {
    if (trace.rounds.length !== rounds) {
      throw new EvalFileError(`${file}: sample '${trace.sampleId}' has ${trace.rounds.length} rounds, summary.json says ${rounds}`);
    }
  }
  return [...traces.values()];
}

/** Throws when rankings.jsonl does not reproduce the metrics stored in summary.json. */
function checkConsistent(dir: string, summary: EvalSummary, traces: SampleTrace[]): void {
  if (traces.length !== summary.samples) {
    throw new EvalFileError(`${join(dir, RANKINGS_FILE)}: ${traces.length} samples, but ${SUMMARY_FILE} says ${summary.samples}`);
  }
  const recomputed = summarizeRounds(traces, summary.rounds.length);
  summary.rounds.forEach((stored, i) => {
    const again = recomputed[i] as RoundSummary;
    if (stored.round !== i + 1) throw new EvalFileError(`${join(dir, SUMMARY_FILE)}: rounds[${i}].round is ${stored.round}, expected ${i + 1}`);
    for (const key of EVAL_METRIC_KEYS) {
      for (const [label, a, b] of [
        ['', stored[key], again[key]],
        ['newItem.', stored.newItem[key], again.newItem[key]],
        ['repeated.', stored.repeated[key], again.repeated[key]],
      ] as const) {
        if (Math.abs(a - b) > 1e-9) {
          throw new EvalFileError(`${dir}: ${SUMMARY_FILE} round ${i + 1} ${label}${key} is ${a}, but ${RANKINGS_FILE} gives ${b}`);
        }
      }
    }
  });
}

/** An eval run loaded from disk: the summary as stored and the run rebuilt from rankings.jsonl. */
export interface LoadedEvalRun {
  summary: EvalSummary;
  run: EvalRun;
}

/**
 * Loads an eval run directory written by `writeEvalRun`. Throws `EvalFileError` naming the file (and line)
 * when a file is missing, malformed, or when the rankings do not reproduce the stored metrics.
 */
export async function readEvalRun(dir: string): Promise<LoadedEvalRun> {
  const summary = await readSummary(dir);
  const traces = await readTraces(dir, summary.rounds.length);
  checkConsistent(dir, summary, traces);
  return {
    summary,
    run: { agent: summary.agent, seed: summary.seed, protocol: summary.protocol, samples: traces, rounds: summary.rounds },
  };
}
