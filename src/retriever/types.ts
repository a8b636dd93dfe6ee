// The contract every retriever implements (baselines here; the dual-view neural retriever later).
import type { Dataset, Item, ItemId, Utterance } from '../data/types.js';

/** What a retriever sees at one turn (paper 3.3). */
export interface RetrievalQuery {
  /** Dialogue context D. */
  context: Utterance[];
  /** Items of I_D. */
  contextItems: ItemId[];
  /** Non-item entities of I_D. */
  contextEntities: string[];
  /** Simulator feedback F_t (absent at cold start). */
  feedback?: string;
  /** Previous preference inference P_{t-1}. */
  preference?: string;
  /** Previous recommendation list R_{t-1}. */
  previousList?: ItemId[];
}

export interface ScoredItem {
  id: ItemId;
  score: number;
}

/**
 * Tie-break rule, shared by every retriever: items with equal scores come in ascending `Item.index`
 * order, so the same query always gives the same list.
 */
export interface Retriever {
  readonly name: string;
  /** Top-k items by score, best first; items in `exclude` are never returned. Deterministic. */
  retrieve(query: RetrievalQuery, k: number, exclude?: ReadonlySet<ItemId>): Promise<ScoredItem[]>;
}

/** Which parts of the query a retriever may use; the ablations switch one off (w/o Pref, w/o Rec, ...). */
export interface RetrieverInputs {
  /** Dialogue utterances D. */
  useContext: boolean;
  /** Feedback F_t (off = "w/o Feedback"). */
  useFeedback: boolean;
  /** Previous preference P_{t-1} (off = "w/o Pref"). */
  usePreference: boolean;
  /** I_D: both the mentioned items and the mentioned non-item entities. */
  useContextItems: boolean;
  /** Previous list R_{t-1} (off = "w/o Rec"). */
  usePreviousList: boolean;
}

export const DEFAULT_RETRIEVER_INPUTS: Readonly<RetrieverInputs> = Object.freeze({
  useContext: true,
  useFeedback: true,
  usePreference: true,
  useContextItems: true,
  usePreviousList: true,
});

/** A copy of `query` with the switched-off parts blanked (empty arrays, absent strings). */
export function maskQuery(query: RetrievalQuery, switches: Partial<RetrieverInputs> = {}): RetrievalQuery {
  const on = { ...DEFAULT_RETRIEVER_INPUTS, ...switches };
  const out: RetrievalQuery = {
    context: on.useContext ? query.context : [],
    contextItems: on.useContextItems ? query.contextItems : [],
    contextEntities: on.useContextItems ? query.contextEntities : [],
  };
  if (on.useFeedback && query.feedback !== undefined) out.feedback = query.feedback;
  if (on.usePreference && query.preference !== undefined) out.preference = query.preference;
  if (on.usePreviousList && query.previousList !== undefined) out.previousList = query.previousList;
  return out;
}

/** Throws a clear error for a k that is not a non-negative integer. */
export function checkRetrieveK(k: number, retrieverName: string): void {
  if (!Number.isInteger(k) || k < 0) {
    throw new RangeError(`${retrieverName}.retrieve: k must be a non-negative integer, got ${k}`);
  }
}

/** Items ordered by `Item.index` (the tie-break order), with a clear error when the indices are not 0..n-1. */
export function itemsByIndex(dataset: Dataset): Item[] {
  const items = [...dataset.items].sort((a, b) => a.index - b.index);
  items.forEach((item, i) => {
    if (item.index !== i) {
      throw new RangeError(`dataset ${dataset.name}: item indices must be 0..${items.length - 1}, item ${item.id} has ${item.index}`);
    }
  });
  return items;
}

/**
 * The top `k` items of a dense score array (aligned with `items`, i.e. by `Item.index`), best first, ties by
 * ascending index, skipping `exclude`. With `candidates`, only those indices are scanned, which is exact when
 * every other entry of `scores` equals `rest` (`candidates` must be distinct): a full scan happens only when
 * fewer than `k` candidates beat `rest`. O(m log k) for m scanned indices.
 */
export function topKByScore(
  scores: ArrayLike<number>,
  items: readonly Item[],
  k: number,
  exclude?: ReadonlySet<ItemId>,
  candidates?: ArrayLike<number>,
  rest = 0,
): ScoredItem[] {
  if (k <= 0) return [];
  let heap = selectTop(scores, items, k, exclude, candidates);
  if (candidates !== undefined && (heap.length < k || (scores[heap[0] as number] as number) <= rest)) {
    heap = selectTop(scores, items, k, exclude, undefined);
  }
  const ordered = heap.sort((a, b) => (worse(scores, a, b) ? 1 : worse(scores, b, a) ? -1 : 0));
  return ordered.map((idx) => ({ id: (items[idx] as Item).id, score: scores[idx] as number }));
}

// True when item a ranks below item b: lower score, or the same score and a higher index. NaN ranks last.
function worse(scores: ArrayLike<number>, a: number, b: number): boolean {
  const ra = scores[a] as number;
  const rb = scores[b] as number;
  const sa = Number.isNaN(ra) ? -Infinity : ra;
  const sb = Number.isNaN(rb) ? -Infinity : rb;
  return sa < sb || (sa === sb && a > b);
}

// A min-heap (root = worst kept) of the best k indices among `candidates` (all indices when absent).
function selectTop(
  scores: ArrayLike<number>,
  items: readonly Item[],
  k: number,
  exclude: ReadonlySet<ItemId> | undefined,
  candidates: ArrayLike<number> | undefined,
): number[] {
  const heap: number[] = [];
  const siftDown = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(scores, heap[l] as number, heap[m] as number)) m = l;
      if (r < heap.length && worse(scores, heap[r] as number, heap[m] as number)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m] as number, heap[i] as number];
      i = m;
    }
  };
  const siftUp = (i: number): void => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!worse(scores, heap[i] as number, heap[p] as number)) return;
      [heap[i], heap[p]] = [heap[p] as number, heap[i] as number];
      i = p;
    }
  };
  const n = candidates === undefined ? items.length : candidates.length;
  for (let c = 0; c < n; c++) {
    const idx = candidates === undefined ? c : (candidates[c] as number);
    const item = items[idx];
    if (item === undefined || (exclude !== undefined && exclude.has(item.id))) continue;
    if (heap.length < k) {
      heap.push(idx);
      siftUp(heap.length - 1);
    } else if (worse(scores, heap[0] as number, idx)) {
      heap[0] = idx;
      siftDown(0);
    }
  }
  return heap;
}
