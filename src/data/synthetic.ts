// A tiny generated dataset with the shape of the real ones, for fast tests and smoke runs. Deterministic for
// a seed. Each synthetic user likes one genre; the items they mention and are recommended share that genre
// and the genre's directors and actors, so a model can learn something from it.
import { Rng, type Seed } from '../core/rng.js';
import { samplesOfDialogues } from './samples.js';
import { describeFromAttributes } from './text.js';
import { SPLITS, type Dataset, type Dialogue, type Item, type Split, type Utterance } from './types.js';

export interface SyntheticOptions {
  seed: Seed;
  /** Number of items (default 60, at least 6: one genre needs three items per dialogue). */
  items?: number;
  /** Number of dialogues (default 40, at least 3 so every split gets one). */
  dialogues?: number;
}

const GENRES = ['action', 'comedy', 'drama', 'horror', 'romance', 'sci-fi'] as const;
const FIRST = ['Ada', 'Ben', 'Cleo', 'Dev', 'Eli', 'Fay', 'Gus', 'Hana', 'Ivo', 'June', 'Kai', 'Lena', 'Milo', 'Nia', 'Otto', 'Pia'];
const LAST = ['Archer', 'Brook', 'Castell', 'Dune', 'Ember', 'Frost', 'Grove', 'Holt', 'Irving', 'Jade', 'Knox', 'Lark', 'Marsh', 'Noble'];
const ADJECTIVES = ['Silent', 'Golden', 'Broken', 'Hidden', 'Last', 'Crimson', 'Distant', 'Electric', 'Frozen', 'Lonely', 'Midnight', 'Restless'];
const NOUNS = ['River', 'Empire', 'Promise', 'Signal', 'Harbor', 'Garden', 'Machine', 'Winter', 'Stranger', 'Kingdom', 'Echo', 'Orbit'];

interface GenrePool {
  genre: string;
  directors: string[];
  actors: string[];
}

function makeNames(rng: Rng, count: number, taken: Set<string>): string[] {
  const out: string[] = [];
  while (out.length < count) {
    let name = `${rng.choice(FIRST)} ${rng.choice(LAST)}`;
    if (taken.has(name)) name = `${name} ${taken.size}`;
    taken.add(name);
    out.push(name);
  }
  return out;
}

function makeItems(rng: Rng, count: number, pools: GenrePool[]): Item[] {
  const titles = new Set<string>();
  const items: Item[] = [];
  for (let i = 0; i < count; i++) {
    const pool = pools[i % pools.length] as GenrePool;
    const genre = [pool.genre];
    if (rng.bernoulli(0.3)) {
      const other = rng.choice(pools).genre;
      if (other !== pool.genre) genre.push(other);
    }
    const director = [rng.choice(pool.directors)];
    const actor = rng.sample(pool.actors, 2);
    if (rng.bernoulli(0.2)) {
      const guest = rng.choice(rng.choice(pools).actors);
      if (!actor.includes(guest)) actor.push(guest);
    }
    let base = `The ${rng.choice(ADJECTIVES)} ${rng.choice(NOUNS)}`;
    if (titles.has(base)) base = `${base} ${i}`;
    titles.add(base);
    const year = 1970 + rng.int(0, 51);
    const title = `${base} (${year})`;
    const attributes = { genre, director, actor };
    items.push({ id: String(1000 + i), index: i, title, year, aliases: [base], attributes, description: describeFromAttributes(title, attributes) });
  }
  return items;
}

function utterance(role: Utterance['role'], text: string, items: Item[] = [], entities: string[] = []): Utterance {
  return { role, text, items: items.map((i) => i.id), entities };
}

function makeDialogue(rng: Rng, id: string, split: Split, items: Item[], pools: GenrePool[]): Dialogue {
  const pool = rng.choice(pools);
  const ofGenre = items.filter((item) => item.attributes.genre?.[0] === pool.genre);
  const [liked, first, second] = rng.sample(ofGenre, 3) as [Item, Item, Item];
  const actor = rng.choice(second.attributes.actor ?? pool.actors);
  const utterances: Utterance[] = [
    utterance('recommender', 'Hi! What kind of movies do you like?'),
    utterance('seeker', `I love ${pool.genre} movies. I really enjoyed ${liked.title}.`, [liked], [pool.genre]),
    utterance('recommender', `You might like ${first.title}.`, [first]),
    rng.bernoulli(0.5)
      ? utterance('seeker', `I have seen it. Anything with ${actor}?`, [], [actor])
      : utterance('seeker', `Not bad, but do you have another ${pool.genre} one, maybe with ${actor}?`, [], [pool.genre, actor]),
    utterance('recommender', `Then try ${second.title}, it stars ${actor}.`, [second], [actor]),
    utterance('seeker', 'Sounds great, thanks!'),
  ];
  return { id, split, utterances };
}

/** Split sizes 70/15/15, with at least one dialogue in each split. */
function splitOf(position: number, total: number): Split {
  const valid = Math.max(1, Math.round(total * 0.15));
  const test = Math.max(1, Math.round(total * 0.15));
  if (position < total - valid - test) return 'train';
  return position < total - test ? 'valid' : 'test';
}

export function makeSyntheticDataset(options: SyntheticOptions): Dataset {
  const itemCount = options.items ?? 60;
  const dialogueCount = options.dialogues ?? 40;
  if (!Number.isInteger(itemCount) || itemCount < 6) throw new RangeError(`makeSyntheticDataset: items must be an integer >= 6 (got ${itemCount})`);
  if (!Number.isInteger(dialogueCount) || dialogueCount < 3) {
    throw new RangeError(`makeSyntheticDataset: dialogues must be an integer >= 3 (got ${dialogueCount})`);
  }
  const rng = new Rng(options.seed);
  // Enough genres that each has at least three items.
  const genreCount = Math.max(1, Math.min(GENRES.length, Math.floor(itemCount / 3)));
  const names = new Set<string>();
  const peopleRng = rng.split('people');
  const pools: GenrePool[] = GENRES.slice(0, genreCount).map((genre) => ({
    genre,
    directors: makeNames(peopleRng, 2, names),
    actors: makeNames(peopleRng, 5, names),
  }));
  const items = makeItems(rng.split('items'), itemCount, pools);

  const dialogues: Record<Split, Dialogue[]> = { train: [], valid: [], test: [] };
  const order = rng.split('splits').shuffle([...Array(dialogueCount).keys()]);
  const dialogueRng = rng.split('dialogues');
  order.forEach((d, position) => {
    const split = splitOf(position, dialogueCount);
    dialogues[split].push(makeDialogue(dialogueRng.split(String(d)), `syn-${d}`, split, items, pools));
  });
  for (const split of SPLITS) dialogues[split].sort((a, b) => Number(a.id.slice(4)) - Number(b.id.slice(4)));

  const mentions = new Map<string, number>();
  for (const split of SPLITS) {
    for (const dialogue of dialogues[split]) {
      for (const u of dialogue.utterances) for (const id of u.items) mentions.set(id, (mentions.get(id) ?? 0) + 1);
    }
  }
  for (const item of items) item.mentions = mentions.get(item.id) ?? 0;

  const samples = {} as Dataset['samples'];
  for (const split of SPLITS) samples[split] = samplesOfDialogues(dialogues[split]);
  return {
    name: 'synthetic',
    root: '(synthetic)',
    items,
    itemById: new Map(items.map((item) => [item.id, item])),
    dialogues,
    samples,
    warnings: [],
    sources: {
      items: [],
      train: [],
      valid: [],
      test: [],
      trainIsPartial: false,
      notes: [`generated: seed ${String(options.seed)}, ${itemCount} items, ${dialogueCount} dialogues, ${genreCount} genres`],
    },
  };
}
