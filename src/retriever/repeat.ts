// The repeat baseline (an honest-evaluation check): the items already mentioned in the dialogue, most
// recent first, then the most popular training targets. It exposes how much of a score comes from
// targets that were mentioned before they were "recommended".
import type { ItemId } from '../data/types.js';
import type { RetrievalQuery, Retriever, ScoredItem } from './types.js';
import { checkRetrieveK } from './types.js';

export class RepeatRetriever implements Retriever {
  readonly name = 'repeat';

  constructor(private readonly fallback: Retriever) {}

  async retrieve(query: RetrievalQuery, k: number, exclude?: ReadonlySet<ItemId>): Promise<ScoredItem[]> {
    checkRetrieveK(k, this.name);
    const out: ScoredItem[] = [];
    const taken = new Set<ItemId>(exclude ?? []);
    // contextItems are in order of first mention; the last utterances' items are the most recent.
    const recent: ItemId[] = [];
    for (let i = query.context.length - 1; i >= 0; i--) {
      const items = query.context[i]?.items ?? [];
      for (let j = items.length - 1; j >= 0; j--) recent.push(items[j] as ItemId);
    }
    for (const id of [...recent, ...query.contextItems]) {
      if (out.length >= k) break;
      if (taken.has(id)) continue;
      taken.add(id);
      out.push({ id, score: 1000 - out.length });
    }
    if (out.length < k) {
      for (const entry of await this.fallback.retrieve(query, k + taken.size, exclude)) {
        if (out.length >= k) break;
        if (taken.has(entry.id)) continue;
        taken.add(entry.id);
        out.push({ id: entry.id, score: Math.min(entry.score, 999 - out.length) });
      }
    }
    return out;
  }
}
