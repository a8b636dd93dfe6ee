// Text helpers shared by the loaders: titles with years, name keys for joins, item descriptions.
import { ATTRIBUTE_KINDS, type AttributeKind, type Attributes } from './types.js';

/** Collapse runs of whitespace and trim ("Scarface  (1983)" -> "Scarface (1983)"). */
export function cleanSpaces(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Split "Title (1999)" into its title and year; a title without a trailing year keeps year undefined. */
export function splitTitleYear(name: string): { title: string; year?: number } {
  const cleaned = cleanSpaces(name);
  const match = /^(.*?)\s*\((\d{4})\)$/.exec(cleaned);
  if (match === null || match[1] === undefined || match[1] === '') return { title: cleaned };
  return { title: match[1], year: Number(match[2]) };
}

export function titleWithYear(title: string, year: number | undefined): string {
  return year === undefined ? title : `${title} (${year})`;
}

/** A key for joining titles from different sources: lower case, ASCII, no punctuation, no leading article. */
export function titleKey(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .replace(/^(the|a|an) /, '');
}

/** Drop a Wikipedia-style disambiguator: "Chris Evans (actor)" -> "Chris Evans". */
export function stripDisambiguator(label: string): string {
  return cleanSpaces(label.replace(/\s*\([^()]*\)\s*$/, '')) || cleanSpaces(label);
}

/** A readable label from a DBpedia URI like `<http://dbpedia.org/resource/Tom_Hanks>`. */
export function dbpediaLabel(uri: string): string {
  const match = /resource\/(.*?)>?$/.exec(uri);
  const raw = match?.[1] ?? uri.replace(/^<|>$/g, '');
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // A malformed %-escape: keep the raw text.
  }
  return cleanSpaces(decoded.replace(/_/g, ' '));
}

/** Distinct values in first-seen order, compared by a normalized key. */
export function distinctBy<T>(values: Iterable<T>, key: (value: T) => string): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const value of values) {
    const k = key(value);
    if (k === '' || seen.has(k)) continue;
    seen.add(k);
    out.push(value);
  }
  return out;
}

/** A person or genre name key: lower case, ASCII, no dots, single spaces. */
export function nameKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\./g, '')
    .replace(/[^a-z0-9']+/g, ' ')
    .trim();
}

/** Merge attribute lists, keeping first-seen order and dropping duplicates and empty names. */
export function mergeAttributes(...sources: Attributes[]): Attributes {
  const out: Attributes = {};
  for (const kind of ATTRIBUTE_KINDS) {
    // "J. T. Walsh" and "J.T. Walsh" are one person: compare without spaces and dots.
    const values = distinctBy(
      sources.flatMap((s) => s[kind] ?? []).map(cleanSpaces),
      (name) => nameKey(name).replace(/[\s']/g, ''),
    );
    if (values.length > 0) out[kind] = values;
  }
  return out;
}

const DESCRIPTION_LABELS: Record<AttributeKind, string> = {
  genre: 'Genre',
  director: 'Directed by',
  actor: 'Starring',
  writer: 'Written by',
  producer: 'Produced by',
};

/** "Title (Year). Genre: a, b. Directed by X. Starring Y, Z." — for items without a plot. */
export function describeFromAttributes(title: string, attributes: Attributes, maxPerKind = 5): string {
  const parts = [`${title}.`];
  for (const kind of ATTRIBUTE_KINDS) {
    const values = attributes[kind];
    if (values === undefined || values.length === 0) continue;
    const label = DESCRIPTION_LABELS[kind];
    const list = values.slice(0, maxPerKind).join(', ');
    parts.push(kind === 'genre' ? `${label}: ${list}.` : `${label} ${list}.`);
  }
  return parts.join(' ');
}
