// Dialogue-level train signals: which items each train dialogue mentions and which the seeker liked. One
// source for the co-mention graph of E_C and for item popularity, so both see the same train dialogues.
import type { Dataset, Dialogue, ItemId, TrainSignal } from './types.js';

/** A train dialogue reduced to its distinct catalog items (first-mention order); it carries no likes. */
export function signalOfDialogue(dialogue: Dialogue, dataset: Pick<Dataset, 'itemById'>): TrainSignal {
  const items = new Set<ItemId>();
  for (const u of dialogue.utterances) for (const id of u.items) if (dataset.itemById.has(id)) items.add(id);
  return { dialogueId: dialogue.id, items: [...items], likedItems: [], source: 'dialogue' };
}

/**
 * The dataset's train signals: `dataset.trainSignals` when the loader filled it (ReDial: every train-portion
 * dialogue), else one per `dialogues.train` dialogue.
 */
export function trainSignals(dataset: Dataset): readonly TrainSignal[] {
  return dataset.trainSignals ?? dataset.dialogues.train.map((d) => signalOfDialogue(d, dataset));
}

export type TrainCountKind = 'mentioned' | 'liked';

/**
 * Item popularity over the train signals: in how many train dialogues each item is mentioned (by either
 * speaker), or, with `'liked'`, liked by the seeker. Items never counted are absent.
 */
export function trainItemCounts(dataset: Dataset, kind: TrainCountKind = 'mentioned'): Map<ItemId, number> {
  const counts = new Map<ItemId, number>();
  for (const signal of trainSignals(dataset)) {
    for (const id of kind === 'liked' ? signal.likedItems : signal.items) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}
