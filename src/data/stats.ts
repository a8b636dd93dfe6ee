// Summary figures of a loaded dataset: sizes, attribute coverage, and how samples relate to their context.
import { TargetPopularity, type PopularitySource } from './popularity.js';
import { trainSignals } from './signals.js';
import { ATTRIBUTE_KINDS, SPLITS, type AttributeKind, type Dataset, type Split } from './types.js';

export interface SplitStats {
  dialogues: number;
  utterances: number;
  /** Recommendation samples (one per recommender turn and distinct target). */
  samples: number;
  /** Recommender turns that give samples (for ReDial and INSPIRED: every recommender utterance mentioning an item). */
  recTurns: number;
  /** Mean distinct targets (samples) per such turn. */
  targetsPerRecTurn: number;
  distinctTargets: number;
  /** Mean number of utterances before a sample's turn. */
  meanContextUtterances: number;
  /** Mean number of distinct items mentioned in a sample's context. */
  meanContextItems: number;
  /** Fraction of samples whose target was already mentioned in the context. */
  targetInContextRate: number;
  /** Fraction of samples with no item in the context. */
  noContextItemRate: number;
  /** Fraction of samples with at least one non-item entity in the context. */
  contextEntityRate: number;
}

export interface DatasetStats {
  dataset: string;
  root: string;
  items: number;
  splits: Record<Split, SplitStats>;
  /** Fraction of items with at least one value of each attribute kind. */
  attributeCoverage: Record<AttributeKind, number>;
  itemsWithYear: number;
  /** Over all splits. */
  targetsPerRecTurn: number;
  targetInContextRate: number;
  warnings: number;
  trainIsPartial: boolean;
  /** Train dialogues behind the co-mention graph and popularity (data/signals.ts): how many, how many known only as text. */
  trainSignals: { dialogues: number; textOnly: number; withLikes: number };
  /** The popularity the simulator and recommender read (data/popularity.ts): what it counts, over how many dialogues, how many catalog items it covers. */
  popularity: { source: PopularitySource; dialogues: number; itemsCounted: number };
  notes: string[];
}

const mean = (total: number, count: number): number => (count === 0 ? 0 : total / count);

function splitStats(dataset: Dataset, split: Split): SplitStats {
  const dialogues = dataset.dialogues[split];
  const samples = dataset.samples[split];
  let utterances = 0;
  for (const dialogue of dialogues) utterances += dialogue.utterances.length;
  // Counted from the samples: a dataset may mention items in recommender turns that are no samples (OpenDialKG).
  const recTurns = new Set(samples.map((s) => `${s.dialogueId}\u0000${s.turnIndex}`)).size;
  let contextUtterances = 0;
  let contextItems = 0;
  let inContext = 0;
  let noItems = 0;
  let withEntities = 0;
  for (const s of samples) {
    contextUtterances += s.context.length;
    contextItems += s.contextItems.length;
    if (s.contextItems.includes(s.target)) inContext++;
    if (s.contextItems.length === 0) noItems++;
    if (s.contextEntities.length > 0) withEntities++;
  }
  return {
    dialogues: dialogues.length,
    utterances,
    samples: samples.length,
    recTurns,
    targetsPerRecTurn: mean(samples.length, recTurns),
    distinctTargets: new Set(samples.map((s) => s.target)).size,
    meanContextUtterances: mean(contextUtterances, samples.length),
    meanContextItems: mean(contextItems, samples.length),
    targetInContextRate: mean(inContext, samples.length),
    noContextItemRate: mean(noItems, samples.length),
    contextEntityRate: mean(withEntities, samples.length),
  };
}

function signalStats(dataset: Dataset): DatasetStats['trainSignals'] {
  const signals = trainSignals(dataset);
  return {
    dialogues: signals.length,
    textOnly: signals.filter((s) => s.source === 'text').length,
    withLikes: signals.filter((s) => s.likedItems.length > 0).length,
  };
}

function popularityStats(dataset: Dataset): DatasetStats['popularity'] {
  const popularity = TargetPopularity.of(dataset);
  return { source: popularity.source, dialogues: popularity.dialogues, itemsCounted: popularity.covered(dataset.items.map((i) => i.id)) };
}

export function datasetStats(dataset: Dataset): DatasetStats {
  const splits = Object.fromEntries(SPLITS.map((s) => [s, splitStats(dataset, s)])) as Record<Split, SplitStats>;
  const attributeCoverage = Object.fromEntries(
    ATTRIBUTE_KINDS.map((kind) => [
      kind,
      mean(dataset.items.filter((item) => (item.attributes[kind]?.length ?? 0) > 0).length, dataset.items.length),
    ]),
  ) as Record<AttributeKind, number>;
  const all = SPLITS.map((s) => splits[s]);
  const recTurns = all.reduce((t, s) => t + s.recTurns, 0);
  const samples = all.reduce((t, s) => t + s.samples, 0);
  return {
    dataset: dataset.name,
    root: dataset.root,
    items: dataset.items.length,
    splits,
    attributeCoverage,
    itemsWithYear: mean(dataset.items.filter((i) => i.year !== undefined).length, dataset.items.length),
    targetsPerRecTurn: mean(all.reduce((t, s) => t + s.targetsPerRecTurn * s.recTurns, 0), recTurns),
    targetInContextRate: mean(all.reduce((t, s) => t + s.targetInContextRate * s.samples, 0), samples),
    warnings: dataset.warnings.length,
    trainIsPartial: dataset.sources?.trainIsPartial ?? false,
    trainSignals: signalStats(dataset),
    popularity: popularityStats(dataset),
    notes: dataset.sources?.notes ?? [],
  };
}

/** A readable plain-text table of the stats, for the CLI. */
export function formatStats(stats: DatasetStats): string {
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  const num = (x: number): string => x.toFixed(2);
  const rows: Array<[string, (s: SplitStats) => string]> = [
    ['dialogues', (s) => String(s.dialogues)],
    ['utterances', (s) => String(s.utterances)],
    ['rec turns with items', (s) => String(s.recTurns)],
    ['samples', (s) => String(s.samples)],
    ['distinct targets', (s) => String(s.distinctTargets)],
    ['targets per rec turn', (s) => num(s.targetsPerRecTurn)],
    ['context utterances (mean)', (s) => num(s.meanContextUtterances)],
    ['context items (mean)', (s) => num(s.meanContextItems)],
    ['target already in context', (s) => pct(s.targetInContextRate)],
    ['no item in context', (s) => pct(s.noContextItemRate)],
    ['entity in context', (s) => pct(s.contextEntityRate)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [
    `dataset ${stats.dataset} (${stats.root})`,
    `items ${stats.items}; with year ${pct(stats.itemsWithYear)}; warnings ${stats.warnings}` +
      (stats.trainIsPartial ? '; train split is PARTIAL (see docs/data.md)' : ''),
    '',
    `${''.padEnd(width)}  ${SPLITS.map((s) => s.padStart(8)).join(' ')}`,
    ...rows.map(([label, get]) => `${label.padEnd(width)}  ${SPLITS.map((s) => get(stats.splits[s]).padStart(8)).join(' ')}`),
    '',
    `train: ${stats.splits.train.samples} samples from ${stats.splits.train.dialogues} raw dialogues`,
    `train signals (co-mention graph${stats.popularity.source === 'train-portion mentions' ? ', popularity' : ''}): ${stats.trainSignals.dialogues} dialogues` +
      (stats.trainSignals.textOnly > 0 ? `, ${stats.trainSignals.textOnly} of them known only as text` : '') +
      (stats.trainSignals.withLikes > 0 ? `, ${stats.trainSignals.withLikes} with seeker likes` : ''),
    `popularity (simulator, recommender): ${stats.popularity.source} over ${stats.popularity.dialogues} train dialogues; ` +
      `${stats.popularity.itemsCounted} of ${stats.items} items counted (${pct(mean(stats.popularity.itemsCounted, stats.items))})`,
    `attribute coverage: ${Object.entries(stats.attributeCoverage)
      .map(([k, v]) => `${k} ${pct(v)}`)
      .join(', ')}`,
    ...stats.notes.map((n) => `- ${n}`),
  ];
  return `${lines.join('\n')}\n`;
}
