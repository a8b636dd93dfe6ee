// Spotting known person names (directors, actors, writers of the catalog) in dialogue text, for datasets
// whose raw form carries no entity annotations (ReDial). Only names of two or more words are matched, so
// single common words ("Madonna" aside) never count as a person.
import { nameKey } from './text.js';

const MAX_WORDS = 5;

export class NameMatcher {
  /** name key ("tom hanks") -> display name ("Tom Hanks"). */
  private readonly names = new Map<string, string>();
  /** first word -> the word counts of the names starting with it, longest first (most words are no name's start). */
  private readonly lengthsByFirstWord = new Map<string, number[]>();

  constructor(names: Iterable<string>) {
    for (const name of names) {
      const key = nameKey(name);
      const words = key.split(' ').length;
      if (words < 2 || words > MAX_WORDS || this.names.has(key)) continue;
      this.names.set(key, name);
      const first = key.slice(0, key.indexOf(' '));
      const lengths = this.lengthsByFirstWord.get(first) ?? [];
      if (!lengths.includes(words)) lengths.push(words);
      lengths.sort((a, b) => b - a);
      this.lengthsByFirstWord.set(first, lengths);
    }
  }

  get size(): number {
    return this.names.size;
  }

  /** Distinct names found in `text`, longest match first at each position, in order of appearance. */
  match(text: string): string[] {
    const words = nameKey(text).split(' ');
    const found: string[] = [];
    for (let i = 0; i < words.length; ) {
      let matched = 0;
      const lengths = this.lengthsByFirstWord.get(words[i] as string) ?? [];
      for (const n of lengths) {
        if (i + n > words.length) continue;
        const name = this.names.get(words.slice(i, i + n).join(' '));
        if (name !== undefined) {
          if (!found.includes(name)) found.push(name);
          matched = n;
          break;
        }
      }
      i += matched > 0 ? matched : 1;
    }
    return found;
  }
}
