// A tiny hand-written dataset for retriever unit tests, and the synthetic set-up the training tests share.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSyntheticDataset } from '../../src/data/synthetic.js';
import type { Dataset, Item, RecSample, Utterance } from '../../src/data/types.js';
import { HashingEncoder } from '../../src/encoders/hash-encoder.js';
import { AttributeGraphEncoder, type RetrieverEncoders } from '../../src/retriever/features.js';

/** The synthetic catalogue and encoders the dual-view training tests use, and a fresh temp folder (the caller removes it). */
export function syntheticRetrieverSetup(tempPrefix: string): { dataset: Dataset; encoders: RetrieverEncoders; dir: string } {
  const dataset = makeSyntheticDataset({ seed: 3, items: 60, dialogues: 60 });
  const encoders = { text: new HashingEncoder({ dim: 32 }), collaborative: new AttributeGraphEncoder(dataset, { dim: 16, seed: 1 }) };
  return { dataset, encoders, dir: mkdtempSync(join(tmpdir(), tempPrefix)) };
}

function item(index: number, id: string, title: string, attributes: Item['attributes'], description: string, mentions?: number): Item {
  return { id, index, title, aliases: [], attributes, description, ...(mentions === undefined ? {} : { mentions }) };
}

export const ITEMS: Item[] = [
  item(0, 'm0', 'Alien (1979)', { genre: ['Horror', 'Science Fiction'], director: ['Ridley Scott'] }, 'A crew on a spaceship is hunted by a creature.', 5),
  item(1, 'm1', 'Toy Story (1995)', { genre: ['Animation', 'Comedy'], director: ['John Lasseter'] }, 'Toys come alive when people leave the room.', 9),
  item(2, 'm2', 'The Shining (1980)', { genre: ['Horror'], director: ['Stanley Kubrick'], actor: ['Jack Nicholson'] }, 'A writer goes mad in an empty hotel.', 5),
  item(3, 'm3', 'Blade Runner (1982)', { genre: ['Science Fiction'], director: ['Ridley Scott'], actor: ['Harrison Ford'] }, 'A detective hunts replicants in a rainy city.', 2),
  item(4, 'm4', 'Finding Nemo (2003)', { genre: ['Animation', 'Family'] }, 'A clownfish searches the ocean for his son.', 9),
  item(5, 'm5', 'Heat (1995)', { genre: ['Crime', 'Thriller'], director: ['Michael Mann'] }, 'A detective chases a crew of bank robbers.'),
  item(6, 'm6', 'Amélie (2001)', { genre: ['Comedy', 'Romance'] }, 'A shy waitress in Paris helps the people around her.', 1),
  item(7, 'm7', 'Up (2009)', { genre: ['Animation', 'Adventure'] }, 'An old man ties balloons to his house.', 0),
];

function utter(role: Utterance['role'], text: string, items: string[] = [], entities: string[] = []): Utterance {
  return { role, text, items, entities };
}

function sample(split: RecSample['split'], n: number, context: Utterance[], target: string): RecSample {
  const contextItems = [...new Set(context.flatMap((u) => u.items))];
  const contextEntities = [...new Set(context.flatMap((u) => u.entities))];
  return {
    id: `${split}${n}#${context.length}#${target}`,
    dialogueId: `${split}${n}`,
    split,
    turnIndex: context.length,
    context,
    contextItems,
    contextEntities,
    target,
    response: '',
  };
}

const horror = [utter('seeker', 'I love scary horror movies like The Shining', ['m2'], ['Horror'])];
const cartoon = [
  utter('recommender', 'Hi! What do you like to watch?'),
  utter('seeker', 'Animated films for my kids, something with toys or a clownfish', [], ['Animation']),
];
const scifi = [utter('seeker', 'Anything directed by Ridley Scott? I liked Alien', ['m0'], ['Ridley Scott'])];
const crime = [utter('seeker', 'A tense crime thriller with bank robbers please', [], ['Crime'])];

const train: RecSample[] = [
  sample('train', 0, horror, 'm0'),
  sample('train', 1, cartoon, 'm1'),
  sample('train', 2, cartoon, 'm4'),
  sample('train', 3, cartoon, 'm4'),
  sample('train', 4, scifi, 'm3'),
  sample('train', 5, crime, 'm5'),
  sample('train', 6, horror, 'm5'),
];
const test: RecSample[] = [
  sample('test', 0, horror, 'm0'),
  sample('test', 1, cartoon, 'm4'),
  sample('test', 2, scifi, 'm3'),
  sample('test', 3, crime, 'm5'),
  sample('test', 4, scifi, 'm0'),
];

/** Counts of targets in train: m4 2, m5 2, m0 1, m1 1, m3 1, others 0. */
export function tinyDataset(): Dataset {
  return {
    name: 'tiny',
    root: '(fixture)',
    items: ITEMS,
    itemById: new Map(ITEMS.map((i) => [i.id, i])),
    dialogues: { train: [], valid: [], test: [] },
    samples: { train, valid: [], test },
    warnings: [],
  };
}

/** A catalogue of `n` generated items, for speed tests; item i's text names genre `g${i % 20}`. */
export function largeDataset(n: number): Dataset {
  const items: Item[] = Array.from({ length: n }, (_, i) =>
    item(i, `x${i}`, `Film number ${i} (${1950 + (i % 70)})`, { genre: [`g${i % 20}`], actor: [`actor${i % 500}`] },
      `A story about topic${i % 300} and place${i % 97}, with word${i % 1000}.`, i % 13),
  );
  const train = Array.from({ length: 3000 }, (_, i) => sample('train', i, horror, `x${(i * 7919) % n}`));
  return {
    name: 'large',
    root: '(fixture)',
    items,
    itemById: new Map(items.map((i) => [i.id, i])),
    dialogues: { train: [], valid: [], test: [] },
    samples: { train, valid: [], test: [] },
    warnings: [],
  };
}
