// SVG line charts of an evaluation by round: the paper's Figure 4 (recommender R@10/N@10 and retriever
// R@20/N@20 by round) and run comparisons (Table 3 / Figure 3 style). Charts are Vega-Lite specs rendered
// headless by Vega's SVG renderer (no canvas, no native code, no network: the data is inline). Vega is loaded
// on the first chart, so importing the evaluation API stays cheap.
import type { TopLevelSpec } from 'vega-lite';
import type { EvalRun } from './protocol.js';
import type { EvalBlock, EvalMetricKey } from './subsets.js';

/** One line: a value per round (index 0 = round 1); null where the series has no value. */
export interface ChartSeries {
  name: string;
  values: readonly (number | null)[];
  /** Drawn dashed, e.g. numbers quoted from the paper rather than measured. */
  reference?: boolean;
}

export interface ChartPanel {
  /** Panel heading, e.g. '(a) Recommender'. */
  title: string;
  series: readonly ChartSeries[];
}

export interface LineChartOptions {
  title: string;
  subtitle?: string;
  /** Axis titles; say the unit. Keep the y title under ~30 characters: without a canvas, Vega over-estimates
   * text widths, and a long vertical title pushes the plot down. */
  xTitle?: string;
  yTitle: string;
  /** Plot-area size of one panel, in pixels (default 440 x 300). */
  width?: number;
  height?: number;
  /** d3 format of the value labels at the last round (default '.3f'). */
  labelFormat?: string;
  /** Title of the series legend (default 'Series'). */
  legendTitle?: string;
}

const FONT = 'Helvetica, Arial, sans-serif';
// Okabe-Ito: distinct for colour-blind readers, and in greyscale the markers still tell lines apart.
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];
const SHAPES = ['circle', 'square', 'triangle-up', 'diamond', 'triangle-down', 'cross', 'triangle-right', 'triangle-left'];
const MEASURED = 'measured (this run)';
const REFERENCE = 'reported in the paper';
const LABEL_PX = 15;

export const ROUND_AXIS_TITLE = 'Round t (recommendation turn)';

interface Row {
  series: string;
  round: number;
  value: number;
  source: string;
  last: boolean;
  labelY: number;
  label: string;
}

function checkSeries(panels: readonly ChartPanel[]): void {
  if (panels.length === 0 || panels.every((p) => p.series.length === 0)) throw new RangeError('line chart: no series to plot');
  for (const panel of panels) {
    const names = new Set<string>();
    for (const s of panel.series) {
      if (names.has(s.name)) throw new RangeError(`line chart '${panel.title}': series name '${s.name}' is used twice`);
      names.add(s.name);
      s.values.forEach((v, i) => {
        if (v !== null && !Number.isFinite(v)) throw new RangeError(`line chart: series '${s.name}' round ${i + 1} is not a finite number (${v})`);
      });
    }
  }
}

/** Upper end of the y axis: a round step above the largest value, so metric axes read 0 .. 0.3 and the like. */
function yMax(values: readonly number[]): number {
  const max = Math.max(0, ...values);
  if (max === 0) return 0.1;
  const step = max <= 0.2 ? 0.05 : max <= 0.5 ? 0.1 : 0.2;
  return Math.min(Math.max(step, Math.ceil((max * 1.08) / step) * step), max > 1 ? Infinity : 1);
}

/** Label positions at the last round, pushed apart so that no two labels overlap. */
function spreadLabels(values: readonly number[], minGap: number, top: number): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const placed = new Array<number>(values.length);
  let prev = -Infinity;
  for (const { v, i } of order) {
    prev = Math.max(v, prev + minGap);
    placed[i] = prev;
  }
  // If the highest label went over the top, shift the stack down.
  const overflow = prev - top;
  if (overflow > 0) for (const { i } of order) placed[i] = (placed[i] as number) - overflow;
  return placed;
}

function rowsOf(panel: ChartPanel, labelFormat: (v: number) => string, minGap: number, top: number): Row[] {
  const rows: Row[] = [];
  const lastRows: Row[] = [];
  for (const s of panel.series) {
    const points = s.values.flatMap((v, i) => (v === null ? [] : [{ round: i + 1, value: v }]));
    points.forEach((p, k) => {
      const row: Row = { series: s.name, round: p.round, value: p.value, source: s.reference ? REFERENCE : MEASURED, last: k === points.length - 1, labelY: p.value, label: labelFormat(p.value) };
      rows.push(row);
      if (row.last) lastRows.push(row);
    });
  }
  const placed = spreadLabels(lastRows.map((r) => r.value), minGap, top);
  lastRows.forEach((r, i) => (r.labelY = placed[i] as number));
  return rows;
}

function formatter(spec: string): (v: number) => string {
  const m = /^\.(\d+)([f%])$/.exec(spec);
  if (!m) throw new RangeError(`line chart: label format must look like '.3f' or '.1%', got '${spec}'`);
  const digits = Number(m[1]);
  return m[2] === '%' ? (v) => `${(v * 100).toFixed(digits)}%` : (v) => v.toFixed(digits);
}

function panelSpec(panel: ChartPanel, rows: Row[], rounds: number, domainTop: number, options: LineChartOptions, dashed: boolean, seriesNames: string[]): Record<string, unknown> {
  const width = options.width ?? 440;
  const height = options.height ?? 300;
  const x = {
    field: 'round',
    type: 'ordinal',
    title: options.xTitle ?? ROUND_AXIS_TITLE,
    scale: { domain: Array.from({ length: rounds }, (_, i) => i + 1), type: 'point', padding: 0.35 },
    axis: { labelAngle: 0, grid: false },
  };
  const y = { field: 'value', type: 'quantitative', title: options.yTitle, scale: { domain: [0, domainTop], nice: false }, axis: { format: options.labelFormat?.endsWith('%') ? '.0%' : '.2f', tickCount: 6 } };
  const legendTitle = options.legendTitle ?? 'Series';
  const colour = { field: 'series', type: 'nominal', title: legendTitle, scale: { domain: seriesNames, range: COLOURS.slice(0, Math.max(1, seriesNames.length)) } };
  const shape = { field: 'series', type: 'nominal', title: legendTitle, scale: { domain: seriesNames, range: SHAPES.slice(0, Math.max(1, seriesNames.length)) } };
  const strokeDash = dashed
    ? { strokeDash: { field: 'source', type: 'nominal', title: 'Source', scale: { domain: [MEASURED, REFERENCE], range: [[1, 0], [7, 4]] } } }
    : {};
  return {
    ...(panel.title ? { title: { text: panel.title, fontSize: 15, anchor: 'start', offset: 6 } } : {}),
    width,
    height,
    data: { values: rows },
    layer: [
      { mark: { type: 'line', strokeWidth: 2.5 }, encoding: { x, y, color: colour, detail: { field: 'series' }, ...strokeDash } },
      { mark: { type: 'point', filled: true, size: 90, opacity: 1 }, encoding: { x, y, color: colour, shape } },
      {
        transform: [{ filter: 'datum.last' }],
        mark: { type: 'text', align: 'left', baseline: 'middle', dx: 10, fontSize: 13, fontWeight: 'bold' },
        encoding: { x, y: { field: 'labelY', type: 'quantitative', scale: { domain: [0, domainTop], nice: false } }, text: { field: 'label' }, color: colour },
      },
    ],
  };
}

/** One or more side-by-side line-chart panels sharing the y axis, as an SVG string. */
export async function lineChartSvg(panels: readonly ChartPanel[], options: LineChartOptions): Promise<string> {
  checkSeries(panels);
  const height = options.height ?? 300;
  const rounds = Math.max(1, ...panels.flatMap((p) => p.series.map((s) => s.values.length)));
  const all = panels.flatMap((p) => p.series.flatMap((s) => s.values.filter((v): v is number => v !== null)));
  const top = yMax(all);
  const format = formatter(options.labelFormat ?? '.3f');
  const minGap = (LABEL_PX / height) * top;
  const dashed = panels.some((p) => p.series.some((s) => s.reference));
  const seriesNames = [...new Set(panels.flatMap((p) => p.series.map((s) => s.name)))];
  const specs = panels.map((panel) => panelSpec(panel, rowsOf(panel, format, minGap, top), rounds, top, options, dashed, seriesNames));
  const body = specs.length === 1 ? specs[0] : { hconcat: specs, spacing: 48, resolve: { scale: { y: 'shared' } } };
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: options.title, ...(options.subtitle ? { subtitle: options.subtitle } : {}), fontSize: 18, subtitleFontSize: 13, subtitleColor: '#444', anchor: 'start', offset: 12 },
    background: 'white',
    padding: 16,
    ...body,
    config: {
      font: FONT,
      view: { stroke: '#bbb' },
      axis: { labelFontSize: 13, titleFontSize: 14, titleFontWeight: 'normal', titlePadding: 10, gridColor: '#e6e6e6' },
      legend: { labelFontSize: 13, titleFontSize: 13, symbolSize: 130, symbolStrokeWidth: 2.5, labelLimit: 320, orient: 'right', offset: 64, rowPadding: 6 },
    },
  } as unknown as TopLevelSpec;
  const [{ parse, View }, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function byRound(run: EvalRun, key: EvalMetricKey, block: EvalBlock): number[] {
  return (block === 'cumulative' ? run.rounds : run.perTurnRounds).map((r) => r[key]);
}

const BLOCK_TITLE: Record<EvalBlock, string> = { cumulative: 'cumulative (success by turn t)', perTurn: "per turn (each round's own list)" };

/**
 * The paper's Figure 4 for one run: (a) recommender Recall@10 and NDCG@10 by round, (b) retriever Recall@20
 * and NDCG@20 by round, on one shared y axis so the reranking gain (N@10 vs N@20) is visible.
 */
export async function roundsChartSvg(run: EvalRun, options: { title?: string; subtitle?: string; block?: EvalBlock } = {}): Promise<string> {
  const n = run.samples.length;
  const block = options.block ?? 'cumulative';
  return lineChartSvg(
    [
      { title: '(a) Recommender list R_t (top-10)', series: [{ name: 'Recall@10', values: byRound(run, 'recall@10', block) }, { name: 'NDCG@10', values: byRound(run, 'ndcg@10', block) }] },
      {
        title: '(b) Retriever candidates (top-20)',
        series: [{ name: 'Recall@20', values: byRound(run, 'retrieverRecall@20', block) }, { name: 'NDCG@20', values: byRound(run, 'retrieverNdcg@20', block) }],
      },
    ],
    {
      title: options.title ?? `${run.agent}: recommendation quality by round, ${BLOCK_TITLE[block]}`,
      subtitle: options.subtitle ?? `${n} samples, every sample counted in every round (protocol: ${run.protocol})`,
      yTitle: 'Mean over samples (0–1)',
      legendTitle: 'Metric',
      width: 380,
    },
  );
}

/** A named run for comparison charts. */
export interface LabelledRun {
  label: string;
  run: EvalRun;
}

export const METRIC_LABELS: Record<EvalMetricKey, string> = {
  'recall@1': 'Recall@1',
  'recall@10': 'Recall@10',
  'ndcg@10': 'NDCG@10',
  'mrr@10': 'MRR@10',
  'retrieverRecall@20': 'Retriever Recall@20',
  'retrieverNdcg@20': 'Retriever NDCG@20',
};

/**
 * Several runs' metric by round on one chart (Table 3 style) in one block (default cumulative), optionally
 * beside reference lines (e.g. the paper's Table 3 rows), which are drawn dashed.
 */
export async function compareRunsSvg(
  runs: readonly LabelledRun[],
  options: CompareOptions = {},
): Promise<string> {
  const metric = options.metric ?? 'recall@10';
  const block = options.block ?? 'cumulative';
  return compareSeriesSvg(
    runs.map((r) => ({ name: r.label, values: byRound(r.run, metric, block) })),
    options,
  );
}

export interface CompareOptions {
  metric?: EvalMetricKey;
  title?: string;
  subtitle?: string;
  /** Drawn dashed beside the measured lines. */
  reference?: readonly ChartSeries[];
  block?: EvalBlock;
}

/** Measured series of one metric by round (e.g. means over seeds) on one chart, beside dashed reference lines. */
export async function compareSeriesSvg(measured: readonly ChartSeries[], options: CompareOptions = {}): Promise<string> {
  const metric = options.metric ?? 'recall@10';
  const block = options.block ?? 'cumulative';
  const label = METRIC_LABELS[metric];
  const series: ChartSeries[] = [...measured, ...(options.reference ?? []).map((s) => ({ ...s, reference: true }))];
  return lineChartSvg([{ title: '', series }], {
    title: options.title ?? `${label} by round, ${BLOCK_TITLE[block]}`,
    subtitle: options.subtitle ?? 'Each round averages over the complete sample set',
    yTitle: `${label} (mean, 0–1)`,
    legendTitle: 'Run',
  });
}
