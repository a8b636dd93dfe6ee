// Item popularity with leave-one-dialogue-out counts, shared by the simulator and the neural recommender: an
// item's count is the number of train dialogues that count it. Which dialogues count an item depends on the
// dataset: with dialogue-level train signals (`Dataset.trainSignals`, ReDial: every train-portion dialogue,
// raw or text-only) an item counts in each dialogue that mentions it; without them (INSPIRED, OpenDialKG) in each
// train dialogue where it is a sample target. A feature read for a train sample must not count the sample's own
// dialogue (else its own target looks popular because of itself, which test samples never see), so
// `count(id, dialogueId)` leaves that dialogue out.
import type { Dataset, ItemId, TrainSignal } from './types.js';

/** What a count counts: train dialogues with the item as a sample target, or train-portion dialogues mentioning it. */
export type PopularitySource = 'train targets' | 'train-portion mentions';

export class TargetPopularity {
  /** Train dialogues per item (as a target, or as a mention with train signals). */
  readonly counts: ReadonlyMap<ItemId, number>;
  /** The largest count (0 without train targets). */
  readonly max: number;
  /** Counted dialogues. */
  readonly dialogues: number;
  readonly source: PopularitySource;
  private readonly itemsOf: ReadonlyMap<string, ReadonlySet<ItemId>>;

  private constructor(source: PopularitySource, itemsOf: Map<string, Set<ItemId>>) {
    const counts = new Map<ItemId, number>();
    for (const set of itemsOf.values()) for (const id of set) counts.set(id, (counts.get(id) ?? 0) + 1);
    this.source = source;
    this.counts = counts;
    this.itemsOf = itemsOf;
    this.dialogues = itemsOf.size;
    let max = 0;
    for (const c of counts.values()) max = Math.max(max, c);
    this.max = max;
  }

  /** The dataset's popularity: over its train signals when the loader filled them, else over its train targets. */
  static of(dataset: Pick<Dataset, 'samples' | 'trainSignals' | 'dialogues'>): TargetPopularity {
    return dataset.trainSignals === undefined ? TargetPopularity.fromTrain(dataset) : TargetPopularity.fromSignals(dataset.trainSignals, dataset);
  }

  /** Counts over `dataset`'s train split (targets of its samples). */
  static fromTrain(dataset: Pick<Dataset, 'samples'>): TargetPopularity {
    const targetsOf = new Map<string, Set<ItemId>>();
    for (const s of dataset.samples.train) {
      const set = targetsOf.get(s.dialogueId) ?? new Set<ItemId>();
      set.add(s.target);
      targetsOf.set(s.dialogueId, set);
    }
    return new TargetPopularity('train targets', targetsOf);
  }

  /**
   * Counts over dialogue-level train signals (the items each mentions). With `heldOut`, a signal whose dialogue
   * id is a valid or test dialogue is an error: popularity must never see them.
   */
  static fromSignals(signals: readonly TrainSignal[], heldOut?: Pick<Dataset, 'dialogues'>): TargetPopularity {
    const forbidden = new Set([...(heldOut?.dialogues.valid ?? []), ...(heldOut?.dialogues.test ?? [])].map((d) => d.id));
    const itemsOf = new Map<string, Set<ItemId>>();
    for (const signal of signals) {
      if (forbidden.has(signal.dialogueId)) {
        throw new Error(`train signal ${signal.dialogueId} is a valid/test dialogue: popularity must not count it`);
      }
      const set = itemsOf.get(signal.dialogueId) ?? new Set<ItemId>();
      for (const id of signal.items) set.add(id);
      itemsOf.set(signal.dialogueId, set);
    }
    return new TargetPopularity('train-portion mentions', itemsOf);
  }

  /** The item's count; with the dialogue a sample comes from, leaving that dialogue out (a non-train dialogue changes nothing). */
  count(id: ItemId, dialogueId?: string): number {
    const count = this.counts.get(id) ?? 0;
    return dialogueId !== undefined && this.itemsOf.get(dialogueId)?.has(id) ? count - 1 : count;
  }

  /** The items a dialogue adds to the counts (empty for a dialogue outside train). */
  itemsOfDialogue(dialogueId: string): ReadonlySet<ItemId> {
    return this.itemsOf.get(dialogueId) ?? new Set();
  }

  /** log1p(count) / log1p(max), in [0, 1]. */
  scaled(id: ItemId, dialogueId?: string): number {
    return this.max > 0 ? Math.log1p(Math.max(0, this.count(id, dialogueId))) / Math.log1p(this.max) : 0;
  }

  /** How many of `ids` have a count above 0. */
  covered(ids: Iterable<ItemId>): number {
    let n = 0;
    for (const id of ids) if ((this.counts.get(id) ?? 0) > 0) n++;
    return n;
  }
}

/** The popularity counts the simulator and recommender read: `TargetPopularity.of(dataset).counts`. */
export function targetPopularity(dataset: Pick<Dataset, 'samples' | 'trainSignals' | 'dialogues'>): Map<ItemId, number> {
  return new Map(TargetPopularity.of(dataset).counts);
}

/**
 * Per-item train counts for the recommender's popularity (the popularity baseline, the dual view's item prior):
 * mention counts over the train signals when the loader filled them (`TargetPopularity.of`), else the number of
 * TRAIN samples with the item as target (not dialogues: the recommender's counts always were per sample).
 */
export function trainCounts(dataset: Pick<Dataset, 'samples' | 'trainSignals' | 'dialogues'>): ReadonlyMap<ItemId, number> {
  if (dataset.trainSignals !== undefined) return TargetPopularity.of(dataset).counts;
  const counts = new Map<ItemId, number>();
  for (const s of dataset.samples.train) counts.set(s.target, (counts.get(s.target) ?? 0) + 1);
  return counts;
}
