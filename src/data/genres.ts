// The shared genre vocabulary (IMDb-style names used by the iEvaLM and CFCRS metadata) and two ways into it:
// mapping a source's genre label, and spotting genre words in dialogue text.
import { stripDisambiguator } from './text.js';

export const GENRE_VOCAB: readonly string[] = [
  'action', 'adventure', 'animation', 'biography', 'comedy', 'crime', 'documentary', 'drama', 'family',
  'fantasy', 'film-noir', 'history', 'horror', 'music', 'musical', 'mystery', 'romance', 'sci-fi', 'sport',
  'thriller', 'war', 'western',
];
const VOCAB = new Set(GENRE_VOCAB);

// Words that name a genre in chat. Ambiguous words (family, war, music, history, sport) only count before
// "movie"/"film"/"flick", so "my family" is not a genre mention.
const MOVIE_WORD = String.raw`(?:movies?|films?|flicks?|shows?)`;
const GENRE_PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  ['action', /\baction\b/i],
  ['adventure', /\badventures?\b/i],
  ['animation', /\b(?:animated|animation|cartoons?|anime)\b/i],
  ['biography', /\b(?:biograph(?:y|ies|ical)|biopics?)\b/i],
  ['comedy', /\b(?:comed(?:y|ies)|comedic|rom-?coms?)\b/i],
  ['crime', /\bcrime\b/i],
  ['documentary', /\bdocumentar(?:y|ies)\b/i],
  ['drama', /\b(?:dramas?|dramatic)\b/i],
  ['family', new RegExp(String.raw`\bfamily[- ](?:friendly|${MOVIE_WORD})\b`, 'i')],
  ['fantasy', /\bfantas(?:y|ies)\b/i],
  ['film-noir', /\bnoir\b/i],
  ['history', new RegExp(String.raw`\b(?:historical|history ${MOVIE_WORD})\b`, 'i')],
  ['horror', /\b(?:horrors?|scary)\b/i],
  ['music', new RegExp(String.raw`\bmusic ${MOVIE_WORD}\b`, 'i')],
  ['musical', /\bmusicals?\b/i],
  ['mystery', /\bmyster(?:y|ies|ious)\b/i],
  ['romance', /\b(?:romance|romances|romantic|rom-?coms?)\b/i],
  ['sci-fi', /\b(?:sci[- ]?fi|science[- ]fiction)\b/i],
  ['sport', new RegExp(String.raw`\bsports? ${MOVIE_WORD}\b`, 'i')],
  ['thriller', /\bthrill(?:ers?|ing)\b/i],
  ['war', new RegExp(String.raw`\bwar ${MOVIE_WORD}\b`, 'i')],
  ['western', /\bwesterns?\b/i],
];

/** Genres of the vocabulary named in `text`, in vocabulary order. */
export function matchGenres(text: string): string[] {
  const out: string[] = [];
  for (const [genre, pattern] of GENRE_PATTERNS) if (pattern.test(text)) out.push(genre);
  return out;
}

// Source labels (DBpedia, CFCRS) that are a combination or a synonym of vocabulary genres.
const LABEL_MAP: Record<string, string[]> = {
  'science fiction': ['sci-fi'],
  'sci fi': ['sci-fi'],
  'comedy drama': ['comedy', 'drama'],
  'comedy-drama': ['comedy', 'drama'],
  'black comedy': ['comedy'],
  'dark comedy': ['comedy'],
  'romantic comedy': ['romance', 'comedy'],
  'comedy horror': ['comedy', 'horror'],
  'action-adventure': ['action', 'adventure'],
  'action comedy': ['action', 'comedy'],
  'sitcom': ['comedy'],
  'biographical': ['biography'],
  'historical drama': ['history', 'drama'],
  'historical': ['history'],
  'musical theatre': ['musical'],
  'war': ['war'],
  'animated': ['animation'],
  'romance novel': ['romance'],
  'romantic': ['romance'],
  'crime drama': ['crime', 'drama'],
  'crime thriller': ['crime', 'thriller'],
};

/**
 * Vocabulary genres for a source genre label ("Action film", "Drama (film and television)", "sci-fi").
 * Returns [] when the label is not a known genre (the caller decides whether to keep the raw label).
 */
export function genresOfLabel(label: string): string[] {
  let key = label
    .toLowerCase()
    .replace(/\s*\([^()]*\)\s*$/, '')
    .replace(/_/g, ' ')
    .trim();
  if (VOCAB.has(key)) return [key];
  key = key.replace(/\s+(?:film|films|fiction|movie|movies|genre)$/, '').trim();
  if (VOCAB.has(key)) return [key];
  return LABEL_MAP[key] ?? [];
}

/**
 * A source's genre labels as genre values: vocabulary genres where the label maps to some ("Action film" ->
 * action), else the label itself in lower case without a disambiguator ("Children's literature").
 */
export function sourceGenres(labels: readonly string[]): string[] {
  return labels.flatMap((label) => {
    const mapped = genresOfLabel(label);
    return mapped.length > 0 ? mapped : [stripDisambiguator(label).toLowerCase()];
  });
}
