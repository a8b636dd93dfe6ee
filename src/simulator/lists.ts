// The constructed recommendation lists the paper trains the simulator on (3.2.1): hard negatives with and
// without the target (H+, H-) and simple (random) negatives with and without it (S+, S-). Hardness is the
// overlap of an item's attributes with the target's, each shared value weighted by its rarity (idf).
import type { Rng } from '../core/rng.js';
import type { Attributes, ItemId } from '../data/types.js';

export type ListKind = 'H+' | 'H-' | 'S+' | 'S-';

export interface ConstructedLists {
  target: ItemId;
  lists: Record<ListKind, ItemId[]>;
}

/** One Yes/No instance of the target-prediction task, flattened from the four lists. */
export interface JudgmentInstance {
  itemId: ItemId;
  label: 0 | 1;
  /** Whether the item came from a hard or a simple list (the target is 'target'). */
  source: 'target' | 'hard' | 'simple';
}

interface CatalogItem {
  id: ItemId;
  attributes: Attributes;
}

export class NegativeSampler {
  private readonly ids: ItemId[];
  private readonly postings = new Map<string, ItemId[]>();
  private readonly valuesOf = new Map<ItemId, string[]>();
  private readonly hardCache = new Map<ItemId, ItemId[]>();

  /** `pool` = how many of the most-overlapping items are kept as the hard pool of each target. */
  constructor(
    items: readonly CatalogItem[],
    private readonly pool = 30,
  ) {
    this.ids = items.map((i) => i.id);
    for (const item of items) {
      const values: string[] = [];
      for (const [kind, list] of Object.entries(item.attributes)) {
        for (const value of new Set(list ?? [])) values.push(`${kind}:${value}`);
      }
      this.valuesOf.set(item.id, values);
      for (const v of values) {
        const posting = this.postings.get(v);
        if (posting) posting.push(item.id);
        else this.postings.set(v, [item.id]);
      }
    }
  }

  /** Items sharing attributes with `target`, most overlapping first (at most `pool`). */
  hardCandidates(target: ItemId): ItemId[] {
    const cached = this.hardCache.get(target);
    if (cached) return cached;
    const n = this.ids.length;
    const scores = new Map<ItemId, number>();
    for (const v of this.valuesOf.get(target) ?? []) {
      const posting = this.postings.get(v) ?? [];
      const idf = Math.log((n + 1) / posting.length);
      for (const id of posting) if (id !== target) scores.set(id, (scores.get(id) ?? 0) + idf);
    }
    const ranked = [...scores.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, this.pool)
      .map(([id]) => id);
    this.hardCache.set(target, ranked);
    return ranked;
  }

  /** `k` random items other than the target and `exclude`. */
  simpleNegatives(target: ItemId, k: number, rng: Rng, exclude: ReadonlySet<ItemId> = new Set()): ItemId[] {
    const out: ItemId[] = [];
    const taken = new Set<ItemId>();
    let attempts = 0;
    while (out.length < k && attempts < k * 20 && this.ids.length > 1) {
      attempts++;
      const id = rng.choice(this.ids);
      if (id === target || taken.has(id) || exclude.has(id)) continue;
      taken.add(id);
      out.push(id);
    }
    return out;
  }

  /**
   * The four lists of the paper for one target, each of `size` items: H- = `size` hard negatives drawn
   * from the hard pool, H+ = the target in a random position among `size - 1` of them; S-/S+ likewise
   * with random items. A target with too few overlapping items fills its hard lists with random ones.
   */
  build(target: ItemId, size: number, rng: Rng): ConstructedLists {
    const hardPool = this.hardCandidates(target);
    const hard = rng.sample(hardPool, size);
    if (hard.length < size) hard.push(...this.simpleNegatives(target, size - hard.length, rng, new Set(hard)));
    const simple = this.simpleNegatives(target, size, rng, new Set(hard));
    const withTarget = (negatives: ItemId[]): ItemId[] => {
      const list = negatives.slice(0, Math.max(0, size - 1));
      list.splice(rng.int(0, list.length + 1), 0, target);
      return list;
    };
    return {
      target,
      lists: { 'H+': withTarget(hard), 'H-': hard, 'S+': withTarget(simple), 'S-': simple },
    };
  }
}

/** The distinct Yes/No instances in the four lists: the target once, then the hard and simple negatives. */
export function judgmentInstances(lists: ConstructedLists): JudgmentInstance[] {
  const out: JudgmentInstance[] = [{ itemId: lists.target, label: 1, source: 'target' }];
  const seen = new Set<ItemId>([lists.target]);
  for (const kind of ['H-', 'H+', 'S-', 'S+'] as const) {
    for (const id of lists.lists[kind]) {
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ itemId: id, label: 0, source: kind.startsWith('H') ? 'hard' : 'simple' });
    }
  }
  return out;
}
