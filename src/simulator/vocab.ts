// The attribute vocabulary the attribute-alignment head predicts over: the most frequent values of each
// kind among the TRAIN targets (so the popularity baseline is "always the most frequent attributes").
import type { AttributeKind, Dataset, ItemId } from '../data/types.js';
import type { ItemView } from './types.js';

export type VocabKind = Exclude<AttributeKind, 'producer'>;
export const VOCAB_KINDS: readonly VocabKind[] = ['genre', 'director', 'actor', 'writer'];

export interface AttributeVocabEntry {
  kind: VocabKind;
  value: string;
  /** How many train targets carry it. */
  count: number;
}

function keyOf(kind: AttributeKind, value: string): string {
  return `${kind}\u0000${value}`;
}

export class AttributeVocab {
  readonly entries: readonly AttributeVocabEntry[];
  private readonly index = new Map<string, number>();
  /** Lower-cased value -> indices, for matching free-text entities ("comedy") to vocab values. */
  private readonly byLowerValue = new Map<string, number[]>();
  private readonly itemCache = new Map<ItemId, Int32Array>();

  constructor(entries: readonly AttributeVocabEntry[]) {
    this.entries = entries;
    entries.forEach((e, i) => {
      this.index.set(keyOf(e.kind, e.value), i);
      for (const form of lowerForms(e.value)) {
        const list = this.byLowerValue.get(form) ?? [];
        list.push(i);
        this.byLowerValue.set(form, list);
      }
    });
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * The `sizes[kind]` most frequent values per kind among train targets (ties broken by value, so the
   * result does not depend on item order). Values seen on fewer than `minCount` targets are dropped.
   */
  static fromTrainTargets(dataset: Dataset, sizes: Partial<Record<VocabKind, number>>, minCount = 2): AttributeVocab {
    const counts = new Map<string, AttributeVocabEntry>();
    for (const sample of dataset.samples.train) {
      const item = dataset.itemById.get(sample.target);
      if (!item) continue;
      for (const kind of VOCAB_KINDS) {
        for (const value of new Set(item.attributes[kind] ?? [])) {
          const key = keyOf(kind, value);
          const entry = counts.get(key);
          if (entry) entry.count++;
          else counts.set(key, { kind, value, count: 1 });
        }
      }
    }
    const entries: AttributeVocabEntry[] = [];
    for (const kind of VOCAB_KINDS) {
      const size = sizes[kind] ?? 0;
      if (size <= 0) continue;
      const ofKind = [...counts.values()]
        .filter((e) => e.kind === kind && e.count >= minCount)
        .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
      entries.push(...ofKind.slice(0, size));
    }
    return new AttributeVocab(entries);
  }

  indexOf(kind: AttributeKind, value: string): number | undefined {
    return this.index.get(keyOf(kind, value));
  }

  /** Vocab indices of an item's attributes, cached by item id. */
  indicesOf(view: ItemView): Int32Array {
    let cached = this.itemCache.get(view.id);
    if (!cached) {
      const out: number[] = [];
      for (const kind of VOCAB_KINDS) {
        for (const value of view.attributes[kind] ?? []) {
          const i = this.indexOf(kind, value);
          if (i !== undefined && !out.includes(i)) out.push(i);
        }
      }
      cached = Int32Array.from(out.sort((a, b) => a - b));
      this.itemCache.set(view.id, cached);
    }
    return cached;
  }

  /** Vocab indices a free-text entity ("comedy", "Tom Hanks") names. */
  matchEntity(entity: string): readonly number[] {
    for (const form of lowerForms(entity)) {
      const hit = this.byLowerValue.get(form);
      if (hit) return hit;
    }
    return [];
  }

  /** Indices of the `k` most frequent entries (the popularity baseline). */
  mostFrequent(k: number): number[] {
    return this.entries
      .map((e, i) => ({ i, c: e.count }))
      .sort((a, b) => b.c - a.c || a.i - b.i)
      .slice(0, k)
      .map((x) => x.i);
  }
}

/** Lower-cased spellings a value may appear as: as is, without "(...)", without a trailing " film". */
function lowerForms(value: string): string[] {
  const lower = value.toLowerCase().trim();
  const noParen = lower.replace(/\s*\([^)]*\)\s*$/, '').trim();
  const noFilm = noParen.replace(/\s+(?:film|films|movie|movies|fiction)$/, '').trim();
  return [...new Set([lower, noParen, noFilm].filter((s) => s.length > 0))];
}
