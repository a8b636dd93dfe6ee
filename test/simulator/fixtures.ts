// A tiny hand-written dataset for the simulator tests, with the traps the simulators must avoid: an actor
// whose name contains an item's title ("Selena Gomez" vs "Selena (1997)"), two items sharing a spoken
// title ("Dune"), and the paper's case-study dialogue (superhero talk, target Joker).
import type { Attributes, Dataset, Dialogue, Item, ItemId, Split, Utterance } from '../../src/data/types.js';
import { samplesOfDialogues } from '../../src/data/samples.js';
import type { CollaborativeView } from '../../src/simulator/features.js';

function item(id: string, title: string, attributes: Attributes, aliases: string[] = []): Item {
  const base = title.replace(/\s*\(\d{4}\)$/, '');
  return { id, index: Number(id) - 1, title, aliases: [base, ...aliases], attributes, description: `${title}.` };
}

export const FIXTURE_ITEMS: Item[] = [
  item('1', 'Joker (2019)', { genre: ['crime', 'drama', 'thriller'], director: ['Todd Phillips'], actor: ['Joaquin Phoenix', 'Robert De Niro'], writer: ['Todd Phillips', 'Scott Silver'] }),
  item('2', 'The Avengers (2012)', { genre: ['action', 'adventure', 'sci-fi'], director: ['Joss Whedon'], actor: ['Robert Downey Jr.', 'Chris Evans', 'Scarlett Johansson'], writer: ['Joss Whedon'] }, ['Avengers']),
  item('3', 'Guardians of the Galaxy (2014)', { genre: ['action', 'adventure', 'comedy'], director: ['James Gunn'], actor: ['Chris Pratt', 'Zoe Saldana'], writer: ['James Gunn'] }),
  item('4', 'Iron Man (2008)', { genre: ['action', 'sci-fi'], director: ['Jon Favreau'], actor: ['Robert Downey Jr.', 'Gwyneth Paltrow'] }),
  item('5', 'The Hangover (2009)', { genre: ['comedy'], director: ['Todd Phillips'], actor: ['Bradley Cooper', 'Zach Galifianakis'] }),
  item('6', 'Blade Runner 2049 (2017)', { genre: ['sci-fi', 'drama', 'thriller'], director: ['Denis Villeneuve'], actor: ['Ryan Gosling', 'Harrison Ford'] }),
  item('7', 'Taxi Driver (1976)', { genre: ['crime', 'drama'], director: ['Martin Scorsese'], actor: ['Robert De Niro', 'Jodie Foster'], writer: ['Paul Schrader'] }),
  item('8', 'Selena (1997)', { genre: ['biography', 'drama', 'music'], director: ['Gregory Nava'], actor: ['Jennifer Lopez'] }),
  item('9', 'Spring Breakers (2012)', { genre: ['crime', 'drama'], director: ['Harmony Korine'], actor: ['Selena Gomez', 'James Franco'] }),
  item('10', 'Up (2009)', { genre: ['animation', 'adventure', 'comedy'], director: ['Pete Docter'], actor: ['Ed Asner'] }),
  item('11', 'Avengers: Endgame (2019)', { genre: ['action', 'adventure', 'sci-fi'], director: ['Anthony Russo'], actor: ['Robert Downey Jr.', 'Chris Evans'] }),
  item('12', 'The Irishman (2019)', { genre: ['crime', 'drama'], director: ['Martin Scorsese'], actor: ['Robert De Niro', 'Al Pacino'], writer: ['Steven Zaillian'] }),
  item('13', 'Suicide Squad (2016)', { genre: ['action', 'adventure', 'fantasy'], director: ['David Ayer'], actor: ['Will Smith', 'Margot Robbie'] }),
  item('14', 'Dune (1984)', { genre: ['sci-fi', 'adventure'], director: ['David Lynch'], actor: ['Kyle MacLachlan'] }),
  item('15', 'Dune (2021)', { genre: ['sci-fi', 'adventure'], director: ['Denis Villeneuve'], actor: ['Timothee Chalamet'] }),
  item('16', 'The Dark Knight (2008)', { genre: ['action', 'crime', 'drama'], director: ['Christopher Nolan'], actor: ['Christian Bale', 'Heath Ledger'], writer: ['Jonathan Nolan'] }),
];

const byId = new Map(FIXTURE_ITEMS.map((i) => [i.id, i]));

function u(role: Utterance['role'], text: string, items: ItemId[] = [], entities: string[] = []): Utterance {
  return { role, text, items, entities };
}

function dialogue(id: string, split: Split, utterances: Utterance[]): Dialogue {
  return { id, split, utterances };
}

/** The case study of the paper (Table 4): superhero talk whose target is Joker. */
export const CASE_STUDY = dialogue('case', 'test', [
  u('seeker', "I'm looking for something superhero-related, like Guardians of the Galaxy.", ['3'], ['superhero']),
  u('recommender', 'Are you interested in comic-book characters?'),
  u('seeker', 'Yes, I love characters like Iron Man and Captain America.', ['4']),
  u('recommender', 'Would you like to watch the trailer for The Avengers?', ['2']),
  u('seeker', 'Yes, that sounds great. Thanos is in it, right? I love dark crime stories too.', [], ['crime']),
  u('recommender', 'Then you might love Joker, it is a dark crime drama.', ['1'], ['crime', 'drama']),
]);

const DIALOGUES: Dialogue[] = [
  dialogue('d1', 'train', [
    u('recommender', 'Hi! What do you like to watch?'),
    u('seeker', 'I love crime dramas, like Taxi Driver.', ['7'], ['crime', 'drama']),
    u('recommender', 'Have you seen The Irishman? Also by Martin Scorsese.', ['12'], ['Martin Scorsese']),
    u('seeker', 'Yes! Robert De Niro is great. Something darker?', [], ['Robert De Niro']),
    u('recommender', 'Then Joker is for you.', ['1']),
  ]),
  dialogue('d2', 'train', [
    u('recommender', 'Hello, what kind of movies are you into?'),
    u('seeker', "I'm into big action movies with superheroes, like Iron Man.", ['4'], ['action']),
    u('recommender', 'You should watch The Avengers and Avengers: Endgame.', ['2', '11']),
    u('seeker', 'Seen them. Anything funnier?', [], ['comedy']),
    u('recommender', 'Guardians of the Galaxy is action and comedy.', ['3'], ['action', 'comedy']),
  ]),
  dialogue('d3', 'train', [
    u('recommender', 'What are you in the mood for?'),
    u('seeker', 'Something funny. I loved The Hangover.', ['5'], ['comedy']),
    u('recommender', 'Up is a sweet animated comedy.', ['10'], ['comedy']),
    u('seeker', 'I prefer sci-fi adventures honestly.', [], ['sci-fi', 'adventure']),
    u('recommender', 'Try Dune (2021) by Denis Villeneuve, or Blade Runner 2049.', ['15', '6'], ['Denis Villeneuve']),
  ]),
  dialogue('d4', 'train', [
    u('recommender', 'Hi there, any favourite genres?'),
    u('seeker', 'I like crime movies with a young cast. I liked Suicide Squad.', ['13'], ['crime']),
    u('recommender', 'Spring Breakers stars Selena Gomez and James Franco.', ['9'], ['Selena Gomez', 'James Franco']),
    u('seeker', 'Cool. Anything with music?', [], ['music']),
    u('recommender', 'Selena is a biopic with Jennifer Lopez.', ['8'], ['Jennifer Lopez']),
  ]),
  dialogue('v1', 'valid', [
    u('recommender', 'What can I find for you today?'),
    u('seeker', 'A dark crime drama, I loved The Dark Knight.', ['16'], ['crime', 'drama']),
    u('recommender', 'Taxi Driver is a classic crime drama.', ['7'], ['crime', 'drama']),
    u('seeker', 'Anything with Joaquin Phoenix?', [], ['Joaquin Phoenix']),
    u('recommender', 'Joker, definitely.', ['1']),
  ]),
  dialogue('v2', 'valid', [
    u('recommender', 'Hey! What do you feel like watching?'),
    u('seeker', 'Some sci-fi with a great director.', [], ['sci-fi']),
    u('recommender', 'Dune (1984) by David Lynch is a cult classic.', ['14'], ['David Lynch']),
  ]),
  CASE_STUDY,
];

export function fixtureDataset(): Dataset {
  const dialogues: Record<Split, Dialogue[]> = { train: [], valid: [], test: [] };
  for (const d of DIALOGUES) dialogues[d.split].push(d);
  return {
    name: 'simulator-fixture',
    root: '(fixture)',
    items: FIXTURE_ITEMS,
    itemById: new Map(byId),
    dialogues,
    samples: {
      train: samplesOfDialogues(dialogues.train),
      valid: samplesOfDialogues(dialogues.valid),
      test: samplesOfDialogues(dialogues.test),
    },
    warnings: [],
  };
}

/** A deterministic collaborative view: each item and entity gets a fixed pseudo-random vector. */
export class FakeCollaborative implements CollaborativeView {
  constructor(readonly dim = 8) {}

  private vector(key: string): Float32Array {
    const v = new Float32Array(this.dim);
    let h = 2166136261;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619) >>> 0;
    for (let k = 0; k < this.dim; k++) {
      h = Math.imul(h ^ (h >>> 13), 2654435761) >>> 0;
      v[k] = (h / 2 ** 32) * 2 - 1;
    }
    return v;
  }

  meanPool(itemIds: readonly ItemId[], entities: readonly string[]): Float32Array {
    const out = new Float32Array(this.dim);
    const keys = [...itemIds.map((id) => `i:${id}`), ...entities.map((e) => `e:${e}`)];
    for (const key of keys) {
      const v = this.vector(key);
      for (let k = 0; k < this.dim; k++) out[k] = (out[k] as number) + (v[k] as number) / keys.length;
    }
    return out;
  }
}

/** Whether `text` names `item` the way a reader would notice: its full title, or its spoken title as a word. */
export function namesItem(text: string, title: string): boolean {
  if (text.toLowerCase().includes(title.toLowerCase())) return true;
  const spoken = title.replace(/\s*\(\d{4}\)$/, '');
  if (spoken.length < 5 && !spoken.includes(' ')) return false;
  const escaped = spoken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\p{L}\\p{N}])${escaped}($|[^\\p{L}\\p{N}])`, 'u').test(text);
}
