// Small text helpers shared by the simulators: how titles, attribute values and the dialogue are written.
import type { AttributeKind } from '../data/types.js';
import type { ContextUtterance, ItemView } from './types.js';

/** "Joker (2019)" -> "Joker": how a person names a film in conversation. */
export function spokenTitle(title: string): string {
  const stripped = title.replace(/\s*\((?:\d{4}(?:\s*film)?|film|movie)\)\s*$/i, '').trim();
  return stripped.length > 0 ? stripped : title;
}

/** "Thriller (genre)" -> "thriller", "Drama film" -> "drama", "Grant Hill (producer)" -> "Grant Hill". */
export function spokenAttribute(kind: AttributeKind, value: string): string {
  const noParen = value.replace(/\s*\([^)]*\)\s*$/, '').trim() || value.trim();
  if (kind !== 'genre') return noParen;
  const lower = noParen.toLowerCase();
  const noSuffix = lower.replace(/\s+(?:film|films|movie|movies|fiction)$/, '').trim();
  return noSuffix.length > 0 ? noSuffix : lower;
}

/** "a", "a and b", "a, b and c". */
export function joinAnd(parts: readonly string[], conjunction = 'and'): string {
  if (parts.length === 0) return '';
  if (parts.length === 1) return parts[0] as string;
  return `${parts.slice(0, -1).join(', ')} ${conjunction} ${parts[parts.length - 1] as string}`;
}

/** "a" or "an" before a word. */
export function article(word: string): string {
  return /^[aeiou]/i.test(word) && !/^(?:uni|use|eu|one)/i.test(word) ? 'an' : 'a';
}

export function capitalize(text: string): string {
  return text.length === 0 ? text : (text[0] as string).toUpperCase() + text.slice(1);
}

/** The dialogue as the text encoder reads it: one "Role: text" line per utterance, last `maxUtterances` only. */
export function renderContext(context: readonly ContextUtterance[], maxUtterances = 0): string {
  const kept = maxUtterances > 0 ? context.slice(-maxUtterances) : context;
  return kept.map((u) => `${u.role === 'seeker' ? 'User' : 'Recommender'}: ${u.text}`).join('\n');
}

/** A short description of an item from its title and attributes (what E_T reads for an item view). */
export function itemText(view: ItemView): string {
  const parts: string[] = [spokenTitle(view.title)];
  const genres = view.attributes.genre ?? [];
  if (genres.length > 0) parts.push(genres.map((g) => spokenAttribute('genre', g)).join(', '));
  const directors = view.attributes.director ?? [];
  if (directors.length > 0) parts.push(`directed by ${joinAnd(directors.slice(0, 2))}`);
  const actors = view.attributes.actor ?? [];
  if (actors.length > 0) parts.push(`starring ${joinAnd(actors.slice(0, 3))}`);
  return parts.join('. ');
}
