// The popularity baseline: the same list for every query, the most popular train items first.
import { trainCounts } from '../data/popularity.js';
import type { Dataset, Item, ItemId } from '../data/types.js';
import { checkRetrieveK, itemsByIndex } from './types.js';
import type { RetrievalQuery, Retriever, ScoredItem } from './types.js';

/**
 * Scores each item by how many TRAIN samples have it as the target (with train signals, ReDial: in how many
 * train-portion dialogues it is mentioned; `trainCounts` in data/popularity.ts). Ties go to the item with more
 * `mentions` (folded into the score as a fraction below 1, so the score order is the list order), then to
 * the lower index. Train targets missing from the catalogue are ignored.
 */
export class PopularityRetriever implements Retriever {
  readonly name = 'popularity';
  private readonly ranked: ScoredItem[];

  constructor(dataset: Dataset) {
    const items = itemsByIndex(dataset);
    const counts = trainCounts(dataset);
    const maxMentions = items.reduce((m, item) => Math.max(m, mentionsOf(item)), 0);
    const scored = items.map((item) => ({
      index: item.index,
      id: item.id,
      score: (counts.get(item.id) ?? 0) + mentionsOf(item) / (maxMentions + 1),
    }));
    scored.sort((a, b) => b.score - a.score || a.index - b.index);
    this.ranked = scored.map(({ id, score }) => ({ id, score }));
  }

  /** The fixed list minus `exclude`; the query is ignored. */
  async retrieve(_query: RetrievalQuery, k: number, exclude?: ReadonlySet<ItemId>): Promise<ScoredItem[]> {
    checkRetrieveK(k, this.name);
    const out: ScoredItem[] = [];
    for (const entry of this.ranked) {
      if (out.length >= k) break;
      if (exclude === undefined || !exclude.has(entry.id)) out.push({ ...entry });
    }
    return out;
  }
}

function mentionsOf(item: Item): number {
  const m = item.mentions ?? 0;
  return Number.isFinite(m) && m > 0 ? m : 0;
}
