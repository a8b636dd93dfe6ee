// Markdown reports of evaluation runs: one run (headline in both protocols with 95% intervals, per-round tables,
// subsets, the simulator's answers, plots, significance against a baseline) and a comparison table of several
// runs beside the paper's numbers.
import type { EvalRun, SampleTrace } from './protocol.js';
import { pairedTTest, type PairedTTestResult } from './stats-tests.js';
import { EVAL_METRIC_KEYS, perSampleValues, subsetTraces, type EvalBlock, type EvalMetricKey, type EvalSubset, type MetricIntervals, type RoundSummary, type RoundMetrics } from './subsets.js';
import type { Interval } from './bootstrap.js';
import type { FeedbackStats } from './feedback-stats.js';
import type { LabelledRun } from './plots.js';

/** What the run was evaluated on; stored in summary.json and shown in the report. */
export interface EvalMeta {
  dataset: string;
  split: string;
  /** The configs of the run (env, agent, retriever, simulator), JSON-serializable. */
  config?: Record<string, unknown>;
  /** One sentence each: anything a reader must know (partial data, a stand-in model, ...). */
  notes?: readonly string[];
}

/** The paper's recommender metrics for one model. */
export interface PaperRow {
  model: string;
  'recall@1': number;
  'recall@10': number;
  'ndcg@10': number;
  'mrr@10': number;
}

export const PAPER_METRIC_KEYS = ['recall@1', 'recall@10', 'ndcg@10', 'mrr@10'] as const satisfies readonly EvalMetricKey[];

function row(model: string, r1: number, r10: number, n10: number, mrr: number): PaperRow {
  return { model, 'recall@1': r1, 'recall@10': r10, 'ndcg@10': n10, 'mrr@10': mrr };
}

/** The paper's Table 1 (R@1 / R@10 / N@10 / MRR@10), by dataset; the paper reports no other dataset. */
export const PAPER_TABLE1: Readonly<Record<'redial' | 'inspired', readonly PaperRow[]>> & Readonly<Partial<Record<string, readonly PaperRow[]>>> = {
  redial: [
    row('Popularity', 0.011, 0.053, 0.029, 0.021),
    row('BERT', 0.027, 0.142, 0.075, 0.055),
    row('GPT-4o zero-shot', 0.047, 0.189, 0.106, 0.077),
    row('KBRD', 0.033, 0.15, 0.083, 0.062),
    row('UniCRS', 0.065, 0.241, 0.143, 0.113),
    row('MSCRS', 0.081, 0.264, 0.161, 0.128),
    row('SMTPO', 0.092, 0.27, 0.165, 0.13),
  ],
  inspired: [
    row('Popularity', 0.031, 0.155, 0.085, 0.064),
    row('BERT', 0.049, 0.189, 0.112, 0.088),
    row('GPT-4o zero-shot', 0.079, 0.196, 0.121, 0.098),
    row('KBRD', 0.042, 0.135, 0.088, 0.073),
    row('UniCRS', 0.085, 0.23, 0.149, 0.125),
    row('MSCRS', 0.096, 0.257, 0.168, 0.14),
    row('SMTPO', 0.099, 0.273, 0.174, 0.142),
  ],
};

/** The paper's Table 3: INSPIRED Recall@10 by round 1..5 (falling for the blind simulator, so per turn, not cumulative). */
export const PAPER_TABLE3_INSPIRED_RECALL10: Readonly<Record<'blindSimulator' | 'noisyFeedback' | 'smtpo', readonly number[]>> = {
  blindSimulator: [0.161, 0.194, 0.171, 0.164, 0.167],
  noisyFeedback: [0.161, 0.182, 0.185, 0.178, 0.181],
  smtpo: [0.161, 0.21, 0.256, 0.266, 0.273],
};

export interface EvalReportOptions {
  /** A run to test against with paired per-sample t-tests (samples matched by id). */
  baseline?: EvalRun;
  /** The baseline's name in the report (default: its agent name). */
  baselineLabel?: string;
  /** The paper's numbers for the same setting, shown beside the final round. */
  paper?: PaperRow;
  /** Plot files next to the report, linked from it. */
  plots?: { rounds?: string; perTurn?: string; comparison?: string };
  /** Significance level marked with * (default 0.05). */
  alpha?: number;
}

export const METRIC_HEADERS: Record<EvalMetricKey, string> = {
  'recall@1': 'R@1',
  'recall@10': 'R@10',
  'ndcg@10': 'N@10',
  'mrr@10': 'MRR@10',
  'retrieverRecall@20': 'Ret. R@20',
  'retrieverNdcg@20': 'Ret. N@20',
};

const PROTOCOL_TEXT: Record<EvalRun['protocol'], string> = {
  default: 'default (paper 4.1: every sample plays every round, each round scored over the complete set)',
  'exclude-context-items': 'exclude-context-items (items mentioned in the dialogue are never candidates; otherwise as the paper)',
};

/** What each block of metrics means, for reports and docs. */
export const BLOCK_TEXT: Record<EvalBlock, string> = {
  cumulative: 'cumulative (success by turn t: a sample keeps the list of the first round the user accepted)',
  perTurn: "per turn (round t's own list, whatever happened before; the paper's Table 3 shape)",
};

export const BLOCK_NAMES: Record<EvalBlock, string> = { cumulative: 'cumulative', perTurn: 'per turn' };

export function formatMetric(value: number | undefined | null, digits = 3): string {
  return value === undefined || value === null || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

/** `[.123, .456]`-style 95% interval. */
export function formatInterval(interval: Interval | undefined | null, digits = 3): string {
  return interval ? `[${formatMetric(interval[0], digits)}, ${formatMetric(interval[1], digits)}]` : '—';
}

/** A value with its interval, `0.277 [0.221, 0.332]`. */
export function formatWithInterval(value: number | undefined | null, interval: Interval | undefined | null): string {
  return interval ? `${formatMetric(value)} ${formatInterval(interval)}` : formatMetric(value);
}

/** The summaries of one block of a run. */
export function blockRounds(run: Pick<EvalRun, 'rounds' | 'perTurnRounds'>, block: EvalBlock): RoundSummary[] {
  return block === 'cumulative' ? run.rounds : run.perTurnRounds;
}

/** A p-value for a table: 4 decimals, or scientific notation below 0.001. */
export function formatPValue(p: number): string {
  if (!Number.isFinite(p)) return '—';
  if (p === 0) return '< 1e-300';
  return p < 0.001 ? p.toExponential(1) : p.toFixed(4);
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function lastRound(run: EvalRun, block: EvalBlock = 'cumulative'): RoundSummary {
  const rounds = blockRounds(run, block);
  const last = rounds[rounds.length - 1];
  if (!last) throw new RangeError(`eval run of ${run.agent} has no rounds`);
  return last;
}

/** Samples whose list the user accepted in an earlier round (the cumulative protocol keeps it). */
function acceptedBefore(samples: readonly SampleTrace[], round: number): number {
  return samples.filter((s) => s.acceptedRound > 0 && s.acceptedRound < round).length;
}

/** One row of a paired comparison between a run and a baseline on the same samples. */
export interface PairedComparison {
  metric: EvalMetricKey;
  subset: EvalSubset;
  block: EvalBlock;
  round: number;
  mean: number;
  baselineMean: number;
  test: PairedTTestResult | undefined;
  /** Why no test was run (fewer than 2 shared samples). */
  skipped?: string;
}

function pairedTraces(run: EvalRun, baseline: EvalRun, subset: EvalSubset): [SampleTrace[], SampleTrace[]] {
  const byId = new Map(baseline.samples.map((s) => [s.sampleId, s]));
  const ours: SampleTrace[] = [];
  const theirs: SampleTrace[] = [];
  for (const s of subsetTraces(run.samples, subset)) {
    const other = byId.get(s.sampleId);
    if (other) {
      ours.push(s);
      theirs.push(other);
    }
  }
  return [ours, theirs];
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Paired t-tests of `run` against `baseline` on per-sample metric values at `round` (default: the last
 * round both runs have), over the samples both runs share (by id) within `subset`, in each of `blocks`
 * (default: cumulative).
 */
export function pairedComparisons(
  run: EvalRun,
  baseline: EvalRun,
  options: { round?: number; metrics?: readonly EvalMetricKey[]; subsets?: readonly EvalSubset[]; blocks?: readonly EvalBlock[] } = {},
): PairedComparison[] {
  const round = options.round ?? Math.min(run.rounds.length, baseline.rounds.length);
  if (round < 1 || round > run.rounds.length || round > baseline.rounds.length) {
    throw new RangeError(`paired comparison: round ${round} is not in both runs (${run.rounds.length} and ${baseline.rounds.length} rounds)`);
  }
  const out: PairedComparison[] = [];
  for (const block of options.blocks ?? ['cumulative']) {
    for (const subset of options.subsets ?? ['all']) {
      const [ours, theirs] = pairedTraces(run, baseline, subset);
      for (const metric of options.metrics ?? PAPER_METRIC_KEYS) {
        const a = perSampleValues(ours, round, metric, block);
        const b = perSampleValues(theirs, round, metric, block);
        const base = { metric, subset, block, round, mean: mean(a), baselineMean: mean(b) };
        if (a.length < 2) out.push({ ...base, test: undefined, skipped: `${a.length} shared sample(s); a paired test needs 2` });
        else out.push({ ...base, test: pairedTTest(a, b) });
      }
    }
  }
  return out;
}

const SUBSET_NAMES: Record<EvalSubset, string> = { all: 'all samples', newItem: 'new items', repeated: 'repeated items' };

function significanceSection(run: EvalRun, baseline: EvalRun, label: string, alpha: number): string[] {
  const rows = pairedComparisons(run, baseline, { subsets: ['all', 'newItem'], blocks: ['cumulative', 'perTurn'] });
  const shared = pairedTraces(run, baseline, 'all')[0].length;
  const round = rows[0]?.round ?? 0;
  const lines = [
    `## Significance against ${label}`,
    '',
    `Paired two-sided t-test on per-sample values at round ${round}, over the ${shared} samples both runs share ` +
      `(of ${run.samples.length} here and ${baseline.samples.length} in the baseline). * marks p < ${alpha}.`,
    '',
  ];
  const body = rows.map((r) => [
    METRIC_HEADERS[r.metric],
    BLOCK_NAMES[r.block],
    SUBSET_NAMES[r.subset],
    String(r.test?.n ?? 0),
    formatMetric(r.mean),
    formatMetric(r.baselineMean),
    r.test ? `${r.mean - r.baselineMean >= 0 ? '+' : ''}${formatMetric(r.mean - r.baselineMean)}` : '—',
    r.test ? (Number.isFinite(r.test.t) ? r.test.t.toFixed(2) : String(r.test.t)) : '—',
    r.test ? `${formatPValue(r.test.pValue)}${r.test.pValue < alpha ? ' *' : ''}` : `not tested: ${r.skipped ?? ''}`,
  ]);
  lines.push(table(['Metric', 'Protocol', 'Subset', 'n', run.agent, label, 'Difference', 't', 'p-value'], body), '');
  return lines;
}

function metricCells(m: RoundMetrics, keys: readonly EvalMetricKey[] = EVAL_METRIC_KEYS): string[] {
  return keys.map((k) => formatMetric(m[k]));
}

function intervalCell(value: number, intervals: MetricIntervals | undefined, key: EvalMetricKey): string {
  return formatWithInterval(value, intervals?.[key]);
}

/** The simulator's answers over the play, as report lines (empty when it never answered). */
export function feedbackSection(stats: FeedbackStats | undefined): string[] {
  if (!stats || stats.turns === 0) return [];
  const v = stats.verdicts;
  return [
    "## The simulated user's answers",
    '',
    table(
      ['', 'value'],
      [
        ['Answered rounds (feedback turns)', String(stats.turns)],
        ['Verdicts: accept / partial / reject / not reported', `${v.accept} / ${v.partial} / ${v.reject} / ${v.unknown}`],
        ['Answered rounds whose list lacked the target', String(stats.turnsWithoutTarget)],
        ['False acceptances among them (95% CI)', `${stats.falseAcceptances} of ${stats.turnsWithoutTarget} = ${formatWithInterval(stats.falseAcceptanceRate, stats.falseAcceptanceRateCi95)}`],
        ['Episodes with >= 2 stated preferences', String(stats.multiRoundEpisodes)],
        ['Of those, preference changed between rounds (95% CI)', stats.multiRoundEpisodes === 0 ? '— (the env reports no stated preference)' : `${stats.preferenceChanged} of ${stats.multiRoundEpisodes} = ${formatWithInterval(stats.preferenceChangeShare, stats.preferenceChangeShareCi95)}`],
      ],
    ),
    '',
    'A false acceptance: the user accepted a list that did not hold the target. Answers after an acceptance count too (every sample plays all rounds).',
    '',
  ];
}

function roundsTable(run: EvalRun, block: EvalBlock): string {
  const rounds = blockRounds(run, block);
  const extra = block === 'cumulative' ? ['Accepted earlier'] : [];
  return table(
    ['Round', ...EVAL_METRIC_KEYS.map((k) => METRIC_HEADERS[k]), ...extra],
    rounds.map((r) => [String(r.round), ...metricCells(r), ...(block === 'cumulative' ? [String(acceptedBefore(run.samples, r.round))] : [])]),
  );
}

/** The Markdown report of one evaluation run. */
export function renderEvalReport(run: EvalRun, meta: EvalMeta, options: EvalReportOptions = {}): string {
  const final = lastRound(run, 'cumulative');
  const finalTurn = lastRound(run, 'perTurn');
  const n = run.samples.length;
  const alpha = options.alpha ?? 0.05;
  const lines: string[] = [
    `# Evaluation: ${run.agent} on ${meta.dataset} (${meta.split})`,
    '',
    `- Protocol: **${PROTOCOL_TEXT[run.protocol]}**; every metric in two blocks from that one play: ${BLOCK_TEXT.cumulative}, and ${BLOCK_TEXT.perTurn}.`,
    `- Samples: ${n} (new items: ${final.newItem.samples}, repeated: ${final.repeated.samples}); rounds: ${run.rounds.length}; seed: ${run.seed}; intervals: 95% percentile bootstrap over samples (1,000 resamples, seeded)`,
    ...(meta.notes ?? []).map((note) => `- Note: ${note}`),
    '',
    `## Headline (round ${final.round})`,
    '',
  ];
  const paper = options.paper;
  const headHeader = ['Metric', `Cumulative, all (n=${n})`, `new items (n=${final.newItem.samples})`, `repeated (n=${final.repeated.samples})`, `Per turn, all (n=${n})`, 'new items', 'repeated'];
  if (paper) headHeader.push(`Paper: ${paper.model}`);
  const headRows = EVAL_METRIC_KEYS.map((k) => {
    const cells = [
      METRIC_HEADERS[k],
      intervalCell(final[k], final.ci95, k),
      intervalCell(final.newItem[k], final.newItem.ci95, k),
      intervalCell(final.repeated[k], final.repeated.ci95, k),
      intervalCell(finalTurn[k], finalTurn.ci95, k),
      intervalCell(finalTurn.newItem[k], finalTurn.newItem.ci95, k),
      intervalCell(finalTurn.repeated[k], finalTurn.repeated.ci95, k),
    ];
    if (paper) cells.push((PAPER_METRIC_KEYS as readonly string[]).includes(k) ? formatMetric(paper[k as keyof PaperRow] as number) : '—');
    return cells;
  });
  lines.push(table(headHeader, headRows), '');
  lines.push(
    'R@k, N@k, MRR@k: the agent\'s top-10 list R_t. Ret. R@20 / N@20: the retriever\'s 20 candidates. ' +
      'New items: the target was not mentioned earlier in the dialogue. [low, high]: 95% interval.',
    '',
  );

  lines.push(`## By round, cumulative (all samples)`, '', roundsTable(run, 'cumulative'), '');
  lines.push('"Accepted earlier": samples whose list the user accepted in an earlier round; the cumulative block keeps that list for them.', '');
  lines.push(`## By round, per turn (all samples)`, '', roundsTable(run, 'perTurn'), '');

  lines.push('## Subsets by round', '');
  const subsetRows: string[][] = [];
  for (const block of ['cumulative', 'perTurn'] as const) {
    for (const r of blockRounds(run, block)) {
      subsetRows.push([BLOCK_NAMES[block], String(r.round), 'new items', String(r.newItem.samples), ...metricCells(r.newItem)]);
      subsetRows.push([BLOCK_NAMES[block], String(r.round), 'repeated', String(r.repeated.samples), ...metricCells(r.repeated)]);
    }
  }
  lines.push(table(['Protocol', 'Round', 'Subset', 'n', ...EVAL_METRIC_KEYS.map((k) => METRIC_HEADERS[k])], subsetRows), '');

  const rewardNames = [...new Set(run.perTurnRounds.flatMap((r) => Object.keys(r.rewards)))].sort();
  if (rewardNames.length > 0) {
    lines.push('## Mean reward per component (unweighted, per turn)', '');
    lines.push(table(['Round', ...rewardNames], run.perTurnRounds.map((r) => [String(r.round), ...rewardNames.map((name) => formatMetric(r.rewards[name]))])), '');
  }

  lines.push(...feedbackSection(run.feedback));

  if (options.plots?.rounds || options.plots?.comparison) {
    lines.push('## Plots', '');
    if (options.plots.rounds) lines.push(`![Recommender and retriever metrics by round, cumulative](${options.plots.rounds})`, '');
    if (options.plots.perTurn) lines.push(`![Recommender and retriever metrics by round, per turn](${options.plots.perTurn})`, '');
    if (options.plots.comparison) lines.push(`![Recall@10 by round, compared](${options.plots.comparison})`, '');
  }

  if (options.baseline) {
    lines.push(...significanceSection(run, options.baseline, options.baselineLabel ?? options.baseline.agent, alpha));
  }

  if (meta.config) {
    lines.push('## Configuration', '', '```json', JSON.stringify(meta.config, null, 2), '```', '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/**
 * Several runs beside the paper's rows (Table 1 style), at each run's last round (or `round`) of one block
 * (default cumulative): recommender metrics on all samples, plus Recall@10 on the new-item subset.
 */
export function renderComparisonTable(
  runs: readonly LabelledRun[],
  paperRows: readonly PaperRow[] = [],
  options: { round?: number; block?: EvalBlock } = {},
): string {
  const block = options.block ?? 'cumulative';
  const header = ['Model', 'Source', 'n', ...PAPER_METRIC_KEYS.map((k) => METRIC_HEADERS[k]), 'New-item R@10 (n)'];
  const rows: string[][] = runs.map(({ label, run }) => {
    const rounds = blockRounds(run, block);
    const round = options.round ?? rounds.length;
    const r = rounds[round - 1];
    if (!r) throw new RangeError(`comparison table: run '${label}' has no round ${round} (it has ${rounds.length})`);
    return [label, `ours, ${BLOCK_NAMES[block]}, round ${round}`, String(run.samples.length), ...PAPER_METRIC_KEYS.map((k) => formatMetric(r[k])), `${formatMetric(r.newItem['recall@10'])} (${r.newItem.samples})`];
  });
  for (const p of paperRows) rows.push([p.model, 'paper', '—', ...PAPER_METRIC_KEYS.map((k) => formatMetric(p[k])), '—']);
  return table(header, rows);
}
