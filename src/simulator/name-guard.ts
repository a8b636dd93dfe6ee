// Keeps feedback from naming an item the user has not seen (in D or R_{t-1}). Built from the catalog's
// titles and aliases (catalog knowledge, not target knowledge). How a name is matched depends on how
// ordinary its words are:
// - three words or more ("Guardians of the Galaxy"): case-insensitively, word by word;
// - one or two words ("The Irishman", "Joker"): case-sensitively, as written in the title, so ordinary
//   phrases ("the comedy vein", "the one I liked", "I love it") do not count as "The Comedy", "The One",
//   "Love"; a one-word name needs 5+ letters;
// - shorter one-word titles ("Up", "Her") only with their year ("Up (2009)").
import type { ItemId } from '../data/types.js';
import { spokenTitle } from './text.js';

export interface NamedItem {
  id: ItemId;
  title: string;
  aliases?: readonly string[];
}

interface Pattern {
  id: ItemId;
  /** Lower-cased tokens for multi-word names, original-case single token otherwise. */
  tokens: string[];
  caseSensitive: boolean;
}

interface Token {
  raw: string;
  lower: string;
  /** Character offset of the token in the text. */
  start: number;
}

const TOKEN = /[\p{L}\p{N}]+/gu;

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const normalized = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  for (const m of normalized.matchAll(TOKEN)) out.push({ raw: m[0], lower: m[0].toLowerCase(), start: m.index ?? 0 });
  return out;
}

export class NameGuard {
  private readonly byFirst = new Map<string, Pattern[]>();
  /** Name groups by text, for texts drawn from the catalogue (attribute values, spoken titles): a bounded set. */
  private readonly valueCache = new Map<string, ItemId[][]>();
  private readonly spokenCache = new Map<string, string>();
  /** Every name the guard knows, for saving: [id, name] pairs. */
  readonly entries: ReadonlyArray<readonly [ItemId, string]>;

  constructor(items: Iterable<NamedItem>) {
    const entries: [ItemId, string][] = [];
    for (const item of items) {
      const names = new Set<string>([item.title, spokenTitle(item.title), ...(item.aliases ?? [])]);
      for (const name of names) {
        if (name.trim().length === 0) continue;
        if (this.addName(item.id, name)) entries.push([item.id, name]);
      }
    }
    this.entries = entries;
  }

  static fromEntries(entries: ReadonlyArray<readonly [ItemId, string]>): NameGuard {
    const guard = new NameGuard([]);
    for (const [id, name] of entries) {
      if (guard.addName(id, name)) (guard.entries as [ItemId, string][]).push([id, name]);
    }
    return guard;
  }

  private addName(id: ItemId, name: string): boolean {
    const tokens = tokenize(name);
    let pattern: Pattern;
    if (tokens.length >= 3) {
      pattern = { id, tokens: tokens.map((t) => t.lower), caseSensitive: false };
    } else if (tokens.length === 2 || (tokens.length === 1 && (tokens[0] as Token).raw.length >= 5)) {
      pattern = { id, tokens: tokens.map((t) => t.raw), caseSensitive: true };
    } else {
      return false;
    }
    const key = (pattern.tokens[0] as string).toLowerCase();
    const list = this.byFirst.get(key);
    if (list) {
      if (list.some((p) => p.id === id && p.caseSensitive === pattern.caseSensitive && p.tokens.join(' ') === pattern.tokens.join(' '))) {
        return false;
      }
      list.push(pattern);
    } else {
      this.byFirst.set(key, [pattern]);
    }
    return true;
  }

  /**
   * The names found in `text`: one group of ids per place where a name occurs. At each place only the
   * longest matching name counts ("Dune (1984)" names the 1984 film only), and a group holds several ids
   * when items share that name ("Dune").
   */
  mentionGroups(text: string): ItemId[][] {
    const groups: ItemId[][] = [];
    const tokens = tokenize(text);
    let i = 0;
    while (i < tokens.length) {
      const patterns = this.byFirst.get((tokens[i] as Token).lower);
      let bestLength = 0;
      let best: ItemId[] = [];
      for (const p of patterns ?? []) {
        if (p.tokens.length < bestLength || i + p.tokens.length > tokens.length) continue;
        let ok = true;
        for (let k = 0; k < p.tokens.length && ok; k++) {
          const t = tokens[i + k] as Token;
          ok = p.caseSensitive ? t.raw === p.tokens[k] : t.lower === p.tokens[k];
        }
        if (!ok) continue;
        if (p.tokens.length > bestLength) {
          bestLength = p.tokens.length;
          best = [p.id];
        } else if (!best.includes(p.id)) {
          best.push(p.id);
        }
      }
      if (bestLength > 0) {
        groups.push(best);
        i += bestLength;
      } else {
        i++;
      }
    }
    return groups;
  }

  /** Ids of the catalog items `text` may name. */
  mentions(text: string): Set<ItemId> {
    return new Set(this.mentionGroups(text).flat());
  }

  /** True when every name in `text` can be read as an item in `allowed`. */
  allows(text: string, allowed: ReadonlySet<ItemId>): boolean {
    return this.mentionGroups(text).every((group) => group.some((id) => allowed.has(id)));
  }

  /** Like `allows`, cached per text: for attribute values and spoken titles, which recur at every step. */
  allowsValue(value: string, allowed: ReadonlySet<ItemId>): boolean {
    let groups = this.valueCache.get(value);
    if (!groups) {
      groups = this.mentionGroups(value);
      this.valueCache.set(value, groups);
    }
    return groups.every((group) => group.some((id) => allowed.has(id)));
  }

  /** How to say an allowed item's title: spoken ("Joker") unless that could name another item. */
  sayTitle(view: { id: ItemId; title: string }, allowed: ReadonlySet<ItemId>): string {
    let spoken = this.spokenCache.get(view.title);
    if (spoken === undefined) {
      spoken = spokenTitle(view.title);
      this.spokenCache.set(view.title, spoken);
    }
    return this.allowsValue(spoken, allowed) ? spoken : view.title;
  }

  /** Drops the sentences of `text` that name an item outside `allowed`; '' when none is left. */
  sanitize(text: string, allowed: ReadonlySet<ItemId>): string {
    const sentences = text.match(/[^.!?\n]+[.!?]*\s*/g) ?? [text];
    return sentences
      .filter((s) => this.allows(s, allowed))
      .join('')
      .trim();
  }
}
