// The texts retrievers read: the query's semantic view (recent dialogue, feedback, preference) and items.
import { ATTRIBUTE_KINDS } from '../data/types.js';
import type { AttributeKind, Item, Role, Utterance } from '../data/types.js';
import type { RetrievalQuery } from './types.js';

export interface QueryTextOptions {
  /** Keep only the last N utterances of the context (all when absent). */
  maxUtterances?: number;
}

export const ROLE_LABELS: Readonly<Record<Role, string>> = { seeker: 'User', recommender: 'Recommender' };

/** One utterance as a line: `User: ...` or `Recommender: ...`. */
export function utteranceLine(utterance: Utterance): string {
  return `${ROLE_LABELS[utterance.role]}: ${utterance.text.trim()}`;
}

/**
 * The last N utterances as `User: ...` / `Recommender: ...` lines, then `Feedback: ...` and
 * `Preference: ...` lines when present (and non-blank), joined with newlines.
 */
export function queryText(query: RetrievalQuery, options: QueryTextOptions = {}): string {
  const { maxUtterances } = options;
  if (maxUtterances !== undefined && (!Number.isInteger(maxUtterances) || maxUtterances < 0)) {
    throw new RangeError(`queryText: maxUtterances must be a non-negative integer, got ${maxUtterances}`);
  }
  const recent =
    maxUtterances === undefined ? query.context : maxUtterances === 0 ? [] : query.context.slice(-maxUtterances);
  const lines = recent.map(utteranceLine);
  const feedback = query.feedback?.trim();
  if (feedback) lines.push(`Feedback: ${feedback}`);
  const preference = query.preference?.trim();
  if (preference) lines.push(`Preference: ${preference}`);
  return lines.join('\n');
}

const ATTRIBUTE_LABELS: Readonly<Record<AttributeKind, string>> = {
  genre: 'Genre',
  director: 'Director',
  actor: 'Actor',
  writer: 'Writer',
  producer: 'Producer',
};

/** An item's attributes as `Genre: a, b. Director: c.` (kinds in ATTRIBUTE_KINDS order, empty kinds left out). */
export function attributesText(item: Item): string {
  return ATTRIBUTE_KINDS.flatMap((kind) => {
    const values = item.attributes[kind];
    return values !== undefined && values.length > 0 ? [`${ATTRIBUTE_LABELS[kind]}: ${values.join(', ')}.`] : [];
  }).join(' ');
}

/** The text an item is matched on: `Title (Year). Genre: ... Director: ... <description>`. */
export function itemText(item: Item): string {
  return [`${item.title}.`, attributesText(item), item.description.trim()].filter((part) => part.length > 0).join(' ');
}
