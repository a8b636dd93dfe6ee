// Cheap lexical reading of the dialogue, the feedback and the previous preference: which attribute values
// and titles they mention, and whether a feedback clause is negative ("no more horror", "I'd skip X").
import type { AttributeKind } from '../../src/data/types.js';
import { spokenAttribute, spokenTitle } from '../../src/simulator/text.js';

/** How a value is matched in lower-cased text: "Drama film" -> "drama", "Grant Hill (producer)" -> "grant hill". */
export function spokenForm(kind: AttributeKind, value: string): string {
  return spokenAttribute(kind, value).toLowerCase().trim();
}

export function spokenTitleForm(title: string): string {
  return spokenTitle(title).toLowerCase().trim();
}

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && /[\p{L}\p{N}]/u.test(ch);
}

/** `phrase` occurs in `text` as whole words (both already lower-cased). */
export function containsPhrase(text: string, phrase: string): boolean {
  if (phrase.length === 0) return false;
  let from = 0;
  for (;;) {
    const at = text.indexOf(phrase, from);
    if (at < 0) return false;
    if (!isWordChar(text[at - 1]) && !isWordChar(text[at + phrase.length])) return true;
    from = at + 1;
  }
}

const NEGATIVE_CUE =
  /\b(?:no|not|never|less|skip|pass|nothing|none|neither|nor|avoid|tired of|enough|isn'?t|aren'?t|don'?t|doesn'?t|didn'?t|wasn'?t|won'?t|hate|dislike)\b|n't\b/;

export interface Clause {
  text: string;
  negative: boolean;
}

/** Splits feedback into clauses at sentence ends and "but", and marks the ones with a negative cue. */
export function clauses(text: string): Clause[] {
  const lower = text.toLowerCase().replace(/[’‘]/g, "'");
  return lower
    .split(/[.!?;]+|,?\s+\bbut\b\s*/)
    .map((c) => c.trim())
    .filter((c) => c.length > 0)
    .map((c) => ({ text: c, negative: NEGATIVE_CUE.test(c) }));
}

/** Whether `phrase` is said in a positive and/or a negative clause. */
export function polarity(parts: readonly Clause[], phrase: string): { positive: boolean; negative: boolean } {
  let positive = false;
  let negative = false;
  for (const c of parts) {
    if (!containsPhrase(c.text, phrase)) continue;
    if (c.negative) negative = true;
    else positive = true;
  }
  return { positive, negative };
}
