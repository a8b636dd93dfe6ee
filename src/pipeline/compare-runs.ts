// `crs-gym compare RUN...`: methods, each evaluated over one or more seeds, compared in compare.md and compare.json
// (src/eval/compare.ts for the statistics), with learning curves from each training run's log.jsonl as SVG.
//
// A RUN folder is one of: an eval folder (summary.json: one seed); a method folder of a sweep (seed-<n>/eval/ and
// seed-<n>/train/log.jsonl); or a sweep folder (each subfolder that is a method folder is a method).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { OneLineError } from '../core/errors.js';
import { readEvalRun, SUMMARY_FILE, writeFileAtomic } from '../eval/files.js';
import { EVAL_METRIC_KEYS, perSampleValues, type EvalBlock, type EvalMetricKey } from '../eval/subsets.js';
import type { EvalRun } from '../eval/protocol.js';
import { pairedMethodTests, summarizeScores, type MetricSummary, type MethodPairTest, type ScoreMatrix } from '../eval/compare.js';
import type { Interval } from '../eval/bootstrap.js';
import { lineChartSvg, METRIC_LABELS, type ChartSeries } from '../eval/plots.js';

export class CompareError extends OneLineError {}

export interface SeedRun {
  seed: number;
  /** Eval folder (summary.json, rankings.jsonl), when the seed was evaluated. */
  evalDir?: string;
  /** Training log (log.jsonl), when the seed was trained. */
  logFile?: string;
}

export interface MethodRuns {
  name: string;
  dir: string;
  seeds: SeedRun[];
}

const SEED_DIR = /^seed-(\d+)$/;

function isDir(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
}

/** The seeds of a sweep method folder (seed-<n>/), or [] when it is not one. */
function seedRunsOf(dir: string): SeedRun[] {
  const out: SeedRun[] = [];
  for (const name of readdirSync(dir).sort()) {
    const m = SEED_DIR.exec(name);
    if (!m || !isDir(join(dir, name))) continue;
    const evalDir = join(dir, name, 'eval');
    const logFile = join(dir, name, 'train', 'log.jsonl');
    out.push({
      seed: Number(m[1]),
      ...(existsSync(join(evalDir, SUMMARY_FILE)) ? { evalDir } : {}),
      ...(existsSync(logFile) ? { logFile } : {}),
    });
  }
  return out.sort((a, b) => a.seed - b.seed);
}

/** What each RUN argument holds, as methods; a folder that holds no run is an error naming it. */
export function resolveMethods(paths: readonly string[]): MethodRuns[] {
  const methods: MethodRuns[] = [];
  for (const raw of paths) {
    const dir = resolve(raw);
    if (!isDir(dir)) throw new CompareError(`${raw}: not a folder`);
    if (existsSync(join(dir, SUMMARY_FILE))) {
      const summary = JSON.parse(readFileSync(join(dir, SUMMARY_FILE), 'utf8')) as { seed?: unknown };
      const logFile = join(dir, '..', 'train', 'log.jsonl');
      methods.push({ name: basename(dir), dir, seeds: [{ seed: typeof summary.seed === 'number' ? summary.seed : 0, evalDir: dir, ...(existsSync(logFile) ? { logFile } : {}) }] });
      continue;
    }
    const seeds = seedRunsOf(dir);
    if (seeds.length > 0) {
      methods.push({ name: basename(dir), dir, seeds });
      continue;
    }
    const inner = readdirSync(dir)
      .sort()
      .filter((name) => isDir(join(dir, name)))
      .map((name) => ({ name, dir: join(dir, name), seeds: seedRunsOf(join(dir, name)) }))
      .filter((m) => m.seeds.length > 0);
    if (inner.length === 0) throw new CompareError(`${raw}: no run here (an eval folder with ${SUMMARY_FILE}, a method folder with seed-<n>/, or a sweep folder of those)`);
    methods.push(...inner);
  }
  const names = methods.map((m) => m.name);
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (twice.length > 0) throw new CompareError(`two runs are both named '${twice[0]}' (${methods.filter((m) => m.name === twice[0]).map((m) => m.dir).join(', ')}); compare folders with distinct names`);
  return methods;
}

export interface CompareOptions {
  out: string;
  /** Round whose metrics are compared (default: the last one). */
  round?: number;
  block?: EvalBlock;
  metrics?: readonly EvalMetricKey[];
  /** log.jsonl fields drawn as learning curves (default reward_mean and hit_rate). */
  curves?: readonly string[];
  /** Seed of the bootstrap resamples. */
  seed?: number;
}

/** A training-log field at the end of training: per seed the mean of its last `lastIterations` values. */
export interface TrainingSummary {
  field: string;
  lastIterations: number;
  methods: Array<{ name: string; seeds: number; mean: number; sd: number; interval: Interval; perSeed: number[] }>;
}

export interface CompareResult {
  round: number;
  block: EvalBlock;
  methods: Array<{ name: string; dir: string; seeds: number[]; samples: number; metrics: Partial<Record<EvalMetricKey, MetricSummary>> }>;
  comparisons: MethodPairTest[];
  training: TrainingSummary[];
  curves: string[];
  files: string[];
}

/** Scores of every seed on the samples all of the method's seeds played (in the first seed's order). */
function scoreMatrix(runs: ReadonlyArray<{ seed: number; run: EvalRun }>, round: number, metric: EvalMetricKey, block: EvalBlock): ScoreMatrix {
  const byId = runs.map(({ run }) => {
    const values = perSampleValues(run.samples, round, metric, block);
    return new Map(run.samples.map((s, i) => [s.sampleId, values[i]!]));
  });
  const sampleIds = runs[0]!.run.samples.map((s) => s.sampleId).filter((id) => byId.every((m) => m.has(id)));
  return { seeds: runs.map((r) => r.seed), sampleIds, scores: byId.map((m) => sampleIds.map((id) => m.get(id)!)) };
}

/** Iteration lines of a training log: iteration -> field values. */
function readCurve(file: string, field: string): Map<number, number> {
  const out = new Map<number, number>();
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new CompareError(`${file}:${i + 1}: not JSON`);
    }
    if (entry.event !== 'iteration' || typeof entry.iteration !== 'number') return;
    const value = entry[field];
    if (typeof value === 'number' && Number.isFinite(value)) out.set(entry.iteration, value);
  });
  return out;
}

/** One series per method: the field's mean over the seeds that logged each iteration. */
function curveSeries(methods: readonly MethodRuns[], field: string): ChartSeries[] {
  const out: ChartSeries[] = [];
  for (const m of methods) {
    const curves = m.seeds.filter((s) => s.logFile !== undefined).map((s) => readCurve(s.logFile!, field));
    if (curves.length === 0) continue;
    const last = Math.max(0, ...curves.flatMap((c) => [...c.keys()]));
    if (last === 0) continue;
    const values = Array.from({ length: last }, (_, i) => {
      const at = curves.map((c) => c.get(i + 1)).filter((v): v is number => v !== undefined);
      return at.length === 0 ? null : at.reduce((s, v) => s + v, 0) / at.length;
    });
    out.push({ name: `${m.name} (${curves.length} seed${curves.length === 1 ? '' : 's'})`, values });
  }
  return out;
}

/** Per method, each seed's mean of the field over its last `last` logged iterations, with a bootstrap over seeds. */
function trainingSummary(methods: readonly MethodRuns[], field: string, last: number, seed: number): TrainingSummary {
  const out: TrainingSummary['methods'] = [];
  for (const m of methods) {
    const perSeed = m.seeds
      .filter((s) => s.logFile !== undefined)
      .map((s) => [...readCurve(s.logFile!, field).entries()].sort((a, b) => a[0] - b[0]).slice(-last).map(([, v]) => v))
      .filter((v) => v.length > 0)
      .map((v) => v.reduce((x, y) => x + y, 0) / v.length);
    if (perSeed.length === 0) continue;
    const summary = summarizeScores({ seeds: perSeed.map((_, i) => i), sampleIds: ['final'], scores: perSeed.map((v) => [v]) }, { seed: `${seed}:${m.name}:${field}` });
    out.push({ name: m.name, seeds: perSeed.length, mean: summary.mean, sd: summary.sd, interval: summary.interval, perSeed });
  }
  return { field, lastIterations: last, methods: out };
}

function fmt(x: number): string {
  return x.toFixed(3);
}

function pFmt(p: number): string {
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}

export async function compareRuns(methodsIn: readonly MethodRuns[], options: CompareOptions): Promise<CompareResult> {
  const block = options.block ?? 'cumulative';
  const metrics = options.metrics ?? EVAL_METRIC_KEYS;
  const seed = options.seed ?? 0;
  const evaluated: Array<{ method: MethodRuns; runs: Array<{ seed: number; run: EvalRun }> }> = [];
  for (const method of methodsIn) {
    const runs: Array<{ seed: number; run: EvalRun }> = [];
    for (const s of method.seeds) if (s.evalDir !== undefined) runs.push({ seed: s.seed, run: (await readEvalRun(s.evalDir)).run });
    evaluated.push({ method, runs });
  }
  const withEval = evaluated.filter((e) => e.runs.length > 0);
  const roundsOf = withEval.flatMap((e) => e.runs.map((r) => r.run.rounds.length));
  const maxRound = roundsOf.length > 0 ? Math.min(...roundsOf) : 0;
  const round = options.round ?? maxRound;
  if (withEval.length > 0 && (round < 1 || round > maxRound)) throw new CompareError(`--round ${round}: the runs have rounds 1..${maxRound}`);
  const matrices = withEval.map((e) => ({
    name: e.method.name,
    metrics: Object.fromEntries(metrics.map((k) => [k, scoreMatrix(e.runs, round, k, block)])) as Record<string, ScoreMatrix>,
  }));
  const methods: CompareResult['methods'] = evaluated.map((e) => {
    const m = matrices.find((x) => x.name === e.method.name);
    return {
      name: e.method.name,
      dir: e.method.dir,
      seeds: e.runs.map((r) => r.seed),
      samples: m ? m.metrics[metrics[0]!]!.sampleIds.length : 0,
      metrics: m ? Object.fromEntries(metrics.map((k, j) => [k, summarizeScores(m.metrics[k]!, { seed: `${seed}:${e.method.name}:${j}` })])) : {},
    };
  });
  const comparisons = pairedMethodTests(matrices, metrics);

  await mkdir(options.out, { recursive: true });
  const files: string[] = [];
  const curves: string[] = [];
  for (const field of options.curves ?? ['reward_mean', 'hit_rate']) {
    const series = curveSeries(methodsIn, field);
    if (series.length === 0) continue;
    const file = join(options.out, `curve-${field.replace(/[^a-z0-9_-]/gi, '_')}.svg`);
    await writeFileAtomic(file, await lineChartSvg([{ title: field, series }], { title: `Learning curves: ${field}`, subtitle: 'mean over seeds, from each run\'s log.jsonl', xTitle: 'Training iteration', yTitle: field, legendTitle: 'Method', labelFormat: '.3f' }));
    curves.push(file);
  }
  const training = (options.curves ?? ['reward_mean', 'hit_rate']).map((field) => trainingSummary(methodsIn, field, 5, seed)).filter((t) => t.methods.length > 0);
  const result: CompareResult = { round, block, methods, comparisons, training, curves, files };
  const json = join(options.out, 'compare.json');
  const md = join(options.out, 'compare.md');
  await writeFileAtomic(json, `${JSON.stringify(result, null, 2)}\n`);
  await writeFileAtomic(md, compareMarkdown(result, metrics));
  result.files = [md, json, ...curves];
  return result;
}

export function compareMarkdown(result: CompareResult, metrics: readonly EvalMetricKey[]): string {
  const lines: string[] = [];
  const evaluated = result.methods.some((m) => m.seeds.length > 0);
  lines.push(evaluated ? `# Comparison (round ${result.round}, ${result.block})` : '# Comparison (training logs only: no run was evaluated)', '');
  if (evaluated) lines.push(...evalTables(result, metrics));
  for (const t of result.training) {
    lines.push('', `## Training: ${t.field} (mean of the last ${t.lastIterations} iterations of each seed's log.jsonl)`, '');
    lines.push('| method | seeds | mean | sd over seeds | 95% bootstrap interval over seeds | per seed |');
    lines.push('| --- | --- | --- | --- | --- | --- |');
    for (const m of t.methods) lines.push(`| ${m.name} | ${m.seeds} | ${fmt(m.mean)} | ${fmt(m.sd)} | [${fmt(m.interval[0])}, ${fmt(m.interval[1])}] | ${m.perSeed.map(fmt).join(', ')} |`);
  }
  if (result.curves.length > 0) {
    lines.push('', '## Learning curves', '');
    for (const file of result.curves) lines.push(`![${basename(file)}](${basename(file)})`);
  }
  return `${lines.join('\n')}\n`;
}

function evalTables(result: CompareResult, metrics: readonly EvalMetricKey[]): string[] {
  const lines: string[] = [];
  lines.push('Mean over seeds (sd over seed means) [95% bootstrap interval, seeds then samples resampled]; IQM of all seed x sample scores [95% stratified bootstrap interval, rliable convention].', '');
  lines.push(`| method | seeds | samples | ${metrics.map((k) => METRIC_LABELS[k] ?? k).join(' | ')} |`);
  lines.push(`| --- | --- | --- | ${metrics.map(() => '---').join(' | ')} |`);
  for (const m of result.methods) {
    const cells = metrics.map((k) => {
      const s = m.metrics[k];
      return s ? `${fmt(s.mean)} (${fmt(s.sd)}) [${fmt(s.interval[0])}, ${fmt(s.interval[1])}]` : '-';
    });
    lines.push(`| ${m.name} | ${m.seeds.join(',') || '-'} | ${m.samples} | ${cells.join(' | ')} |`);
  }
  lines.push('', '## Interquartile mean', '');
  lines.push(`| method | ${metrics.map((k) => METRIC_LABELS[k] ?? k).join(' | ')} |`);
  lines.push(`| --- | ${metrics.map(() => '---').join(' | ')} |`);
  for (const m of result.methods) {
    lines.push(`| ${m.name} | ${metrics.map((k) => (m.metrics[k] ? `${fmt(m.metrics[k]!.iqm)} [${fmt(m.metrics[k]!.iqmInterval[0])}, ${fmt(m.metrics[k]!.iqmInterval[1])}]` : '-')).join(' | ')} |`);
  }
  if (result.comparisons.length > 0) {
    lines.push('', '## Paired t-tests (over samples, scores averaged over seeds; Holm-corrected over all rows)', '');
    lines.push('| metric | a | b | mean(a - b) | t | p | p (Holm) | samples |');
    lines.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const c of result.comparisons) {
      const star = c.pHolm < 0.05 ? ' *' : '';
      lines.push(`| ${METRIC_LABELS[c.metric as EvalMetricKey] ?? c.metric} | ${c.a} | ${c.b} | ${c.test.meanDiff >= 0 ? '+' : ''}${fmt(c.test.meanDiff)} | ${Number.isFinite(c.test.t) ? c.test.t.toFixed(2) : String(c.test.t)} | ${pFmt(c.test.pValue)} | ${pFmt(c.pHolm)}${star} | ${c.samples} |`);
    }
    lines.push('', '\\* significant at 0.05 after Holm correction.');
  }
  return lines;
}
