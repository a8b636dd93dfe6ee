// The conversation's reference preference P* (teacher side): a text built from the target's attributes,
// compared with the agent's P_t by the preference reward (eq. 19). Never shown to the agent or simulator.
import type { Attributes } from './types.js';

const KIND_PHRASES: Record<string, (values: string) => string> = {
  genre: (v) => `${v} movies`,
  director: (v) => `directed by ${v}`,
  actor: (v) => `starring ${v}`,
  writer: (v) => `written by ${v}`,
  producer: (v) => `produced by ${v}`,
};

function joinList(values: readonly string[]): string {
  if (values.length <= 1) return values[0] ?? '';
  return `${values.slice(0, -1).join(', ')} and ${values[values.length - 1]}`;
}

/** P* of a target without attributes, and the preference that says nothing (the preference lift's baseline). */
export const NO_INFORMATION_PREFERENCE = 'The user prefers movies like the ones mentioned.';

/** "The user prefers drama and crime movies, directed by Todd Phillips, starring Joaquin Phoenix." */
export function referencePreference(attributes: Attributes, maxPerKind = 3): string {
  const parts: string[] = [];
  for (const kind of ['genre', 'director', 'actor', 'writer'] as const) {
    const values = attributes[kind];
    if (values && values.length > 0) parts.push(KIND_PHRASES[kind]!(joinList(values.slice(0, maxPerKind))));
  }
  if (parts.length === 0) return NO_INFORMATION_PREFERENCE;
  // Without a genre the phrase needs a noun to hang on: "movies directed by ...".
  const first = attributes.genre && attributes.genre.length > 0 ? parts.join(', ') : `movies ${parts.join(', ')}`;
  return `The user prefers ${first}.`;
}
