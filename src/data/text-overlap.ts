// Is this dialogue (a copy of) a held-out one? Judged by text, for train-portion sources whose ids are
// missing or were recovered by matching: a dialogue copies a held-out one when at least `minShare` of its
// distinct word 6-grams (taken within messages, so merged or split messages still match) occur in that one
// held-out dialogue, and it has at least `minShingles` 6-grams (shorter dialogues cannot be judged).

const SHINGLE_WORDS = 6;

export interface TextMatchOptions {
  /** Fraction of the dialogue's 6-grams that must occur in one held-out dialogue. Default 0.5. */
  minShare?: number;
  /** Dialogues with fewer distinct 6-grams are not judged (never a copy). Default 10. */
  minShingles?: number;
}

export interface TextMatch {
  /** The held-out dialogue sharing the most 6-grams, or null when none shares any. */
  id: string | null;
  /** Share of the dialogue's distinct 6-grams found in `id`. */
  share: number;
  /** Distinct 6-grams of the dialogue. */
  shingles: number;
}

/** FNV-1a of a word with two seeds (two 32-bit lanes). */
function wordHashes(word: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return [a, b];
}

/** Distinct word 6-grams of the messages (lower case, letters and digits only), hashed to 53-bit numbers. */
export function shingles(messages: readonly string[]): Set<number> {
  const out = new Set<number>();
  for (const message of messages) {
    const words = message.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w !== '');
    const hashes = words.map(wordHashes);
    for (let i = 0; i + SHINGLE_WORDS <= hashes.length; i++) {
      let a = 0x811c9dc5;
      let b = 0x050c5d1f;
      for (let k = i; k < i + SHINGLE_WORDS; k++) {
        a = Math.imul(a ^ hashes[k]![0], 0x01000193);
        b = Math.imul(b ^ hashes[k]![1], 0x5bd1e995);
      }
      // Collisions among ~10^6 shingles in a 2^53 space are negligible.
      out.add((a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff));
    }
  }
  return out;
}

export class HeldOutTextIndex {
  private readonly ids: string[] = [];
  private readonly byShingle = new Map<number, number[]>();
  private readonly minShare: number;
  private readonly minShingles: number;

  constructor(dialogues: Iterable<{ id: string; messages: readonly string[] }>, options: TextMatchOptions = {}) {
    this.minShare = options.minShare ?? 0.5;
    this.minShingles = options.minShingles ?? 10;
    for (const dialogue of dialogues) {
      const index = this.ids.length;
      this.ids.push(dialogue.id);
      for (const s of shingles(dialogue.messages)) {
        const list = this.byShingle.get(s);
        if (list === undefined) this.byShingle.set(s, [index]);
        else list.push(index);
      }
    }
  }

  /** The held-out dialogue sharing the most 6-grams with `messages`. */
  bestMatch(messages: readonly string[]): TextMatch {
    const own = shingles(messages);
    const counts = new Map<number, number>();
    for (const s of own) for (const index of this.byShingle.get(s) ?? []) counts.set(index, (counts.get(index) ?? 0) + 1);
    let best = -1;
    let bestCount = 0;
    for (const [index, count] of counts) {
      if (count > bestCount || (count === bestCount && index < best)) {
        best = index;
        bestCount = count;
      }
    }
    return { id: best < 0 ? null : this.ids[best]!, share: own.size === 0 ? 0 : bestCount / own.size, shingles: own.size };
  }

  /** The id of the held-out dialogue `messages` copies, or null. */
  copyOf(messages: readonly string[]): TextMatch | null {
    const match = this.bestMatch(messages);
    return match.shingles >= this.minShingles && match.share >= this.minShare ? match : null;
  }
}
