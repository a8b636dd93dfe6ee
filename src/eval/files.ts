// An evaluation run on disk: summary.json (metrics by round in both protocols with their bootstrap intervals,
// the simulator's answers, what was run and with which versions), rankings.jsonl (every sample's list,
// candidates and the user's answer at every round, for re-scoring and significance tests), report.md and SVG
// plots. Every file is written to a temp name and renamed, so a reader never sees half a file.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic as writeAtomic } from '../core/atomic-write.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { EVAL_PROTOCOLS, roundFeedback, type EvalProtocol, type EvalRun, type RoundFeedback, type SampleRound, type SampleTrace } from './protocol.js';
import { compareRunsSvg, roundsChartSvg } from './plots.js';
import { renderEvalReport, type EvalMeta, type EvalReportOptions } from './report.js';
import { EVAL_METRIC_KEYS, summarizeRounds, type EvalBlock, type RoundSummary } from './subsets.js';
import { feedbackStats, type FeedbackStats } from './feedback-stats.js';
import { errorMessage, OneLineError } from '../core/errors.js';

export const SUMMARY_FILE = 'summary.json';
export const RANKINGS_FILE = 'rankings.jsonl';
export const REPORT_FILE = 'report.md';
export const ROUNDS_PLOT_FILE = 'by-round.svg';
export const PER_TURN_PLOT_FILE = 'by-round-per-turn.svg';
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
  /** Cumulative protocol (success by turn t: a sample keeps the list of the first round the env accepted), by round. */
  rounds: RoundSummary[];
  /** Per-turn protocol (each round's own list), by round, with the same keys. */
  perTurnRounds: RoundSummary[];
  /** The simulator's answers over the play: verdicts, false acceptances, preference changes. */
  feedback: FeedbackStats;
}

/** One line of rankings.jsonl: one sample, one round, as played. */
export interface RankingLine {
  sampleId: string;
  round: number;
  target: string;
  ranking: string[];
  candidates: string[];
  targetInContext: boolean;
  /** Whether the env accepted this round's list (the cumulative protocol keeps the first accepted list). */
  accepted: boolean;
  rewards: Record<string, number>;
  /** The simulator's verdict on this round's list, when the env reported one. */
  verdict?: string;
  /** The user's answer to this round's list (absent in the last round and when no feedback was asked). */
  feedback?: string;
  /** The answer's kind (`feedback`, `chitchat`, `accept`). */
  feedbackKind?: string;
  /** The preference the answer stated ("kind:value"), when the env reported it. */
  preference?: string[];
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
    perTurnRounds: run.perTurnRounds,
    feedback: run.feedback,
  };
}

function feedbackFields(feedback: RoundFeedback | undefined): Pick<RankingLine, 'verdict' | 'feedback' | 'feedbackKind' | 'preference'> {
  if (feedback === undefined) return {};
  return {
    ...(feedback.verdict !== undefined ? { verdict: feedback.verdict } : {}),
    feedback: feedback.text,
    ...(feedback.kind !== undefined ? { feedbackKind: feedback.kind } : {}),
    ...(feedback.preference !== undefined ? { preference: feedback.preference } : {}),
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
      accepted: r.accepted,
      rewards: r.rewards,
      ...feedbackFields(r.feedback),
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
    const subtitle = `${meta.dataset} (${meta.split}), ${run.samples.length} samples, every sample counted in every round (protocol: ${run.protocol})`;
    await put(ROUNDS_PLOT_FILE, await roundsChartSvg(run, { subtitle, block: 'cumulative' }));
    await put(PER_TURN_PLOT_FILE, await roundsChartSvg(run, { subtitle, block: 'perTurn' }));
    plots.rounds = ROUNDS_PLOT_FILE;
    plots.perTurn = PER_TURN_PLOT_FILE;
    if (options.baseline) {
      const baselineLabel = options.baselineLabel ?? options.baseline.agent;
      const runs = [{ label: run.agent, run }, { label: baselineLabel === run.agent ? `${baselineLabel} (baseline)` : baselineLabel, run: options.baseline }];
      await put(COMPARISON_PLOT_FILE, await compareRunsSvg(runs, { subtitle: `${meta.dataset} (${meta.split}); cumulative (success by turn t); each round averages over the complete sample set` }));
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
const IntervalSchema = z.tuple([z.number().finite(), z.number().finite()]);
const IntervalsSchema = z.object(Object.fromEntries(EVAL_METRIC_KEYS.map((k) => [k, IntervalSchema])) as Record<(typeof EVAL_METRIC_KEYS)[number], typeof IntervalSchema>);
const SubsetSchema = z.object({ ...metricsShape, samples: z.number().int().nonnegative(), ci95: IntervalsSchema.optional() });
const RoundSchema = z.object({
  round: z.number().int().positive(),
  ...metricsShape,
  newItem: SubsetSchema,
  repeated: SubsetSchema,
  rewards: z.record(z.string(), z.number()),
  ci95: IntervalsSchema.optional(),
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
  perTurnRounds: z.array(RoundSchema).min(1),
});
const LineSchema = z.object({
  sampleId: z.string(),
  round: z.number().int().positive(),
  target: z.string(),
  ranking: z.array(z.string()),
  candidates: z.array(z.string()),
  targetInContext: z.boolean(),
  accepted: z.boolean(),
  rewards: z.record(z.string(), z.number()).default({}),
  verdict: z.string().optional(),
  feedback: z.string().optional(),
  feedbackKind: z.string().optional(),
  preference: z.array(z.string()).optional(),
});

/** Files written before both protocols came from one play: rounds after an acceptance were copies, not played. */
const LEGACY_HINT = 'written by an older crs-gym that stopped episodes at an acceptance (no per-turn lists); evaluate again';

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

async function readSummary(dir: string): Promise<Omit<EvalSummary, 'feedback'>> {
  const file = join(dir, SUMMARY_FILE);
  const json = parseJson(await readText(file), file);
  if (typeof json === 'object' && json !== null && 'rounds' in json && !('perTurnRounds' in json)) throw new EvalFileError(`${file}: ${LEGACY_HINT}`);
  const parsed = SummarySchema.safeParse(json);
  if (!parsed.success) throw new EvalFileError(`${file}: ${issuesText(parsed.error)}`);
  return parsed.data as Omit<EvalSummary, 'feedback'>;
}

async function readTraces(dir: string, rounds: number): Promise<SampleTrace[]> {
  const file = join(dir, RANKINGS_FILE);
  const traces = new Map<string, SampleTrace>();
  const lines = (await readText(file)).split('\n');
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    const where = `${file}:${i + 1}`;
    const json = parseJson(raw, where);
    if (typeof json === 'object' && json !== null && 'carried' in json && !('accepted' in json)) throw new EvalFileError(`${where}: ${LEGACY_HINT}`);
    const parsed = LineSchema.safeParse(json);
    if (!parsed.success) throw new EvalFileError(`${where}: ${issuesText(parsed.error)}`);
    const line = parsed.data;
    let trace = traces.get(line.sampleId);
    if (!trace) {
      trace = { sampleId: line.sampleId, target: line.target, targetInContext: line.targetInContext, acceptedRound: 0, rounds: [] };
      traces.set(line.sampleId, trace);
    }
    if (line.target !== trace.target || line.targetInContext !== trace.targetInContext) {
      throw new EvalFileError(`${where}: sample '${line.sampleId}' changes its target or targetInContext between rounds`);
    }
    if (line.round !== trace.rounds.length + 1) {
      throw new EvalFileError(`${where}: sample '${line.sampleId}' round ${line.round} out of order (expected round ${trace.rounds.length + 1})`);
    }
    const feedback = roundFeedback(line.feedback === undefined ? undefined : { text: line.feedback, kind: line.feedbackKind, verdict: line.verdict, preference: line.preference });
    const round: SampleRound = { round: line.round, ranking: line.ranking, candidates: line.candidates, rewards: line.rewards, accepted: line.accepted, ...(feedback ? { feedback } : {}) };
    trace.rounds.push(round);
    if (line.accepted && trace.acceptedRound === 0) trace.acceptedRound = line.round;
  });
  for (const trace of traces.values()) {
    if (trace.rounds.length !== rounds) {
      throw new EvalFileError(`${file}: sample '${trace.sampleId}' has ${trace.rounds.length} rounds, summary.json says ${rounds}`);
    }
  }
  return [...traces.values()];
}

function checkBlock(dir: string, block: EvalBlock, stored: readonly RoundSummary[], traces: SampleTrace[]): void {
  const field = block === 'cumulative' ? 'rounds' : 'perTurnRounds';
  const recomputed = summarizeRounds(traces, stored.length, block);
  stored.forEach((round, i) => {
    const again = recomputed[i] as RoundSummary;
    if (round.round !== i + 1) throw new EvalFileError(`${join(dir, SUMMARY_FILE)}: ${field}[${i}].round is ${round.round}, expected ${i + 1}`);
    for (const key of EVAL_METRIC_KEYS) {
      for (const [label, a, b] of [
        ['', round[key], again[key]],
        ['newItem.', round.newItem[key], again.newItem[key]],
        ['repeated.', round.repeated[key], again.repeated[key]],
      ] as const) {
        if (Math.abs(a - b) > 1e-9) {
          throw new EvalFileError(`${dir}: ${SUMMARY_FILE} ${field} round ${i + 1} ${label}${key} is ${a}, but ${RANKINGS_FILE} gives ${b}`);
        }
      }
    }
  });
}

/** Throws when rankings.jsonl does not reproduce the metrics stored in summary.json. */
function checkConsistent(dir: string, summary: Omit<EvalSummary, 'feedback'>, traces: SampleTrace[]): void {
  if (traces.length !== summary.samples) {
    throw new EvalFileError(`${join(dir, RANKINGS_FILE)}: ${traces.length} samples, but ${SUMMARY_FILE} says ${summary.samples}`);
  }
  if (summary.perTurnRounds.length !== summary.rounds.length) {
    throw new EvalFileError(`${join(dir, SUMMARY_FILE)}: ${summary.rounds.length} cumulative rounds but ${summary.perTurnRounds.length} per-turn rounds`);
  }
  checkBlock(dir, 'cumulative', summary.rounds, traces);
  checkBlock(dir, 'perTurn', summary.perTurnRounds, traces);
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
  // Recomputed from the lines rather than read, so they always agree with them.
  const feedback = feedbackStats(traces, summary.seed);
  return {
    summary: { ...summary, feedback },
    run: { agent: summary.agent, seed: summary.seed, protocol: summary.protocol, samples: traces, rounds: summary.rounds, perTurnRounds: summary.perTurnRounds, feedback },
  };
}
