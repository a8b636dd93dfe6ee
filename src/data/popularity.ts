// Train-target popularity with leave-one-dialogue-out counts, shared by the simulator and the neural recommender:
// an item's count is the number of train dialogues in which it is a target. A feature read for a train sample must
// not count the sample's own dialogue (else its own target looks popular because of itself, which test samples never
// see), so `count(id, dialogueId)` leaves that dialogue out.
import type { Dataset, ItemId } from './types.js';

export class TargetPopularity {
  /** Train dialogues per item (as a target). */
  readonly counts: ReadonlyMap<ItemId, number>;
  /** The largest count (0 without train targets). */
  readonly max: number;
  private readonly targetsOf: ReadonlyMap<string, ReadonlySet<ItemId>>;

  private constructor(counts: Map<ItemId, number>, targetsOf: Map<string, Set<ItemId>>) {
    this.counts = counts;
    this.targetsOf = targetsOf;
    let max = 0;
    for (const c of counts.values()) max = Math.max(max, c);
    this.max = max;
  }

  /** Counts over `dataset`'s train split. */
  static fromTrain(dataset: Pick<Dataset, 'samples'>): TargetPopularity {
    const targetsOf = new Map<string, Set<ItemId>>();
    for (const s of dataset.samples.train) {
      const set = targetsOf.get(s.dialogueId) ?? new Set<ItemId>();
      set.add(s.target);
      targetsOf.set(s.dialogueId, set);
    }
    const counts = new Map<ItemId, number>();
    for (const set of targetsOf.values()) for (const id of set) counts.set(id, (counts.get(id) ?? 0) + 1);
    return new TargetPopularity(counts, targetsOf);
  }

  /** The item's count; with the dialogue a sample comes from, leaving that dialogue out (a non-train dialogue changes nothing). */
  count(id: ItemId, dialogueId?: string): number {
    const count = this.counts.get(id) ?? 0;
    return dialogueId !== undefined && this.targetsOf.get(dialogueId)?.has(id) ? count - 1 : count;
  }

  /** The train targets of a dialogue (empty for a dialogue outside train). */
  targetsOfDialogue(dialogueId: string): ReadonlySet<ItemId> {
    return this.targetsOf.get(dialogueId) ?? new Set();
  }

  /** log1p(count) / log1p(max), in [0, 1]. */
  scaled(id: ItemId, dialogueId?: string): number {
    return this.max > 0 ? Math.log1p(Math.max(0, this.count(id, dialogueId))) / Math.log1p(this.max) : 0;
  }
}

/** Train-target counts: in how many train dialogues each item is a target. */
export function targetPopularity(dataset: Pick<Dataset, 'samples'>): Map<ItemId, number> {
  return new Map(TargetPopularity.fromTrain(dataset).counts);
}
