// A tiny Dataset literal for nn and encoder tests: four genre clusters, each with its own directors, actors
// and writers; items draw their attributes from their cluster, and train dialogues mention items of one
// cluster. Held-out item–attribute links are therefore predictable from the rest of the graph.
import { Rng } from '../../src/core/rng.js';
import type { Dataset, Dialogue, Item, RecSample, Split } from '../../src/data/types.js';

const GENRES = ['comedy', 'horror', 'western', 'romance'];

export function tinyDataset(seed = 1, itemsPerCluster = 12): Dataset {
  const rng = new Rng(seed);
  const items: Item[] = [];
  GENRES.forEach((genre, c) => {
    const directors = [`Director ${c}A`, `Director ${c}B`];
    const actors = Array.from({ length: 6 }, (_, k) => `Actor ${c}${String.fromCharCode(65 + k)}`);
    const writers = [`Writer ${c}A`, `Writer ${c}B`];
    for (let k = 0; k < itemsPerCluster; k++) {
      const index = items.length;
      const title = `${genre} movie ${k} (${2000 + k})`;
      items.push({
        id: `m${index}`,
        index,
        title,
        year: 2000 + k,
        aliases: [],
        attributes: { genre: [genre], director: [rng.choice(directors)], actor: rng.sample(actors, 3), writer: [rng.choice(writers)] },
        description: title,
      });
    }
  });
  const dialogues: Record<Split, Dialogue[]> = { train: [], valid: [], test: [] };
  for (let d = 0; d < 24; d++) {
    const split: Split = d < 16 ? 'train' : d < 20 ? 'valid' : 'test';
    const c = d % GENRES.length;
    const [a, b] = rng.sample(items.slice(c * itemsPerCluster, (c + 1) * itemsPerCluster), 2) as [Item, Item];
    dialogues[split].push({
      id: `d${d}`,
      split,
      utterances: [
        { role: 'seeker', text: `I like ${GENRES[c]} like ${a.title}`, items: [a.id], entities: [GENRES[c] as string] },
        { role: 'recommender', text: `Try ${b.title}`, items: [b.id], entities: [] },
      ],
    });
  }
  const samples: Record<Split, RecSample[]> = { train: [], valid: [], test: [] };
  return { name: 'tiny', root: '(memory)', items, itemById: new Map(items.map((i) => [i.id, i])), dialogues, samples, warnings: [] };
}
