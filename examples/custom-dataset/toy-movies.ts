// A custom dataset in one file: a DatasetDescriptor (its folder, files and loader) registered by a plugin.
// `crs-gym data stats --plugin examples/custom-dataset/toy-movies.ts --dataset toy-movies --data examples/custom-dataset/data`
// then `make('CrsEnv/toy-movies-v0', ...)` and `crs-gym eval --dataset toy-movies ...` work like the built-in ones.
//
// Files (under <data root>/toy-movies/): items.json, a list of { id, title, year?, genres? }; dialogues.json,
// { train, valid, test } lists of { id, turns: [{ role: 'seeker' | 'recommender', text, items: [ids] }] }.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataNotFoundError, samplesOfDialogues, SPLITS, titleWithYear } from '../../src/index.js';
import type { Dataset, DatasetDescriptor, Dialogue, Item, Registries, Split } from '../../src/index.js';

interface RawItem {
  id: string;
  title: string;
  year?: number;
  genres?: string[];
}
interface RawDialogue {
  id: string;
  turns: { role: 'seeker' | 'recommender'; text: string; items?: string[] }[];
}

function readJson<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    throw new DataNotFoundError(`toy-movies: cannot read ${path}: ${(err as Error).message}`, [{ source: 'toy-movies', path, reason: 'unreadable' }]);
  }
}

export function loadToyMovies(dataRoot: string): Dataset {
  const folder = join(dataRoot, 'toy-movies');
  const items: Item[] = readJson<RawItem[]>(join(folder, 'items.json')).map((raw, index) => ({
    id: raw.id,
    index,
    title: titleWithYear(raw.title, raw.year),
    ...(raw.year === undefined ? {} : { year: raw.year }),
    aliases: [raw.title],
    attributes: raw.genres ? { genre: raw.genres } : {},
    description: `${raw.title}${raw.genres ? `, a ${raw.genres.join(' and ')} film` : ''}`,
  }));
  const itemById = new Map(items.map((item) => [item.id, item]));
  const raw = readJson<Record<Split, RawDialogue[]>>(join(folder, 'dialogues.json'));
  const dialogues = Object.fromEntries(
    SPLITS.map((split) => [
      split,
      (raw[split] ?? []).map(
        (d): Dialogue => ({
          id: d.id,
          split,
          utterances: d.turns.map((t) => ({ role: t.role, text: t.text, items: (t.items ?? []).filter((id) => itemById.has(id)), entities: [] })),
        }),
      ),
    ]),
  ) as Record<Split, Dialogue[]>;
  const samples = Object.fromEntries(SPLITS.map((split) => [split, samplesOfDialogues(dialogues[split])])) as Dataset['samples'];
  return { name: 'toy-movies', root: dataRoot, items, itemById, dialogues, samples, warnings: [] };
}

export const TOY_MOVIES: DatasetDescriptor = {
  name: 'toy-movies',
  title: 'Toy movies',
  description: 'a dozen films and a few dialogues (examples/custom-dataset)',
  folder: 'toy-movies',
  files: ['toy-movies/items.json', 'toy-movies/dialogues.json'],
  load: (dataRoot) => loadToyMovies(dataRoot),
};

export default function register(registries: Registries): void {
  registries.datasets.register(TOY_MOVIES.name, TOY_MOVIES, { description: TOY_MOVIES.description ?? '' });
}
