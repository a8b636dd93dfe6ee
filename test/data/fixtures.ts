// Small data folders in the INSPIRED and ReDial file formats, written to a temp dir, for malformed-input tests.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach } from 'vitest';

export function tempRoot(prefix = 'crs-gym-data-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A maker of fresh temp data roots for one test file; every root it made is removed after each test. */
export function tempRoots(): () => string {
  const roots: string[] = [];
  afterEach(() => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });
  return () => {
    const root = tempRoot();
    roots.push(root);
    return root;
  };
}

/** Write `lines` (objects are JSON-encoded, strings written as they are) to root/rel, gzipped if rel ends in .gz. */
export function writeLines(root: string, rel: string, lines: Array<unknown>): string {
  const path = join(root, rel);
  mkdirSync(dirname(path), { recursive: true });
  const text = lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
  writeFileSync(path, rel.endsWith('.gz') ? gzipSync(text) : text);
  return path;
}

export function writeJson(root: string, rel: string, value: unknown): string {
  const path = join(root, rel);
  mkdirSync(dirname(path), { recursive: true });
  const text = JSON.stringify(value);
  writeFileSync(path, rel.endsWith('.gz') ? gzipSync(text) : text);
  return path;
}

const uri = (name: string): string => `<http://dbpedia.org/resource/${name}>`;

function inspiredUtterance(role: string, text: string, movies: Array<[string, string, string]> = [], entities: Array<[string, string]> = []) {
  return {
    text,
    role,
    movie: movies.map((m) => m[2]),
    entity_link: entities.map((e) => uri(e[0])),
    entity_name: entities.map((e) => e[1]),
    movie_link: movies.map((m) => uri(m[0])),
    movie_name: movies.map((m) => m[1]),
  };
}

export const INSPIRED_DIALOGUE = [
  inspiredUtterance('RECOMMENDER', 'Hi! What do you like?'),
  inspiredUtterance('SEEKER', 'I like action movies like Heat', [['Heat_(1995_film)', 'Heat', 'Heat (1995)']], [['Action_film', 'action movies']]),
  inspiredUtterance('RECOMMENDER', 'Try Ronin, or Ronin again!', [
    ['Ronin_(film)', 'Ronin', 'Ronin (1998)'],
    ['Ronin_(film)', 'Ronin', 'Ronin (1998)'],
  ]),
];

/** An INSPIRED folder with three items (ids 10, 11, 12) and one dialogue per split. Returns the root. */
export function writeInspiredFixture(root: string, splits: Partial<Record<'train' | 'valid' | 'test', unknown[]>> = {}): string {
  writeJson(root, 'inspired/unicrs_dbpedia/entity2id.json.gz', {
    [uri('Heat_(1995_film)')]: 10,
    [uri('Ronin_(film)')]: 11,
    [uri('Collateral_(film)')]: 12,
    [uri('Action_film')]: 20,
  });
  writeJson(root, 'inspired/unicrs_dbpedia/item_ids.json', [10, 11, 12]);
  writeLines(root, 'inspired/derived/items_unicrs.jsonl.gz', [
    { unicrs_entity_id: 10, dbpedia_uri: uri('Heat_(1995_film)'), label: 'Heat (1995 film)', surface_names: ['Heat'], n_mentions: 1, director: ['Michael Mann'], starring: ['Al Pacino'], genre: [], writer: [], producer: [] },
    { unicrs_entity_id: 11, dbpedia_uri: uri('Ronin_(film)'), label: 'Ronin (film)', surface_names: ['Ronin'], n_mentions: 2, director: ['John Frankenheimer'], starring: ['Robert De Niro (actor)'], genre: [], writer: [], producer: [] },
    { unicrs_entity_id: 12, dbpedia_uri: uri('Collateral_(film)'), label: 'Collateral (film)', surface_names: ['Collateral'], n_mentions: 0, director: ['Michael Mann'], starring: [], genre: [], writer: [], producer: [] },
  ]);
  writeLines(root, 'inspired/derived/items_cfcrs.jsonl.gz', [
    { cfcrs_entity_id: 0, name: 'Ronin (1998)', genre: ['action', 'thriller'], director: ['John Frankenheimer'], star: ['Robert De Niro', 'Jean Reno'] },
  ]);
  for (const split of ['train', 'valid', 'test'] as const) {
    writeLines(root, `inspired/unicrs/${split}_data_dbpedia.jsonl.gz`, splits[split] ?? [INSPIRED_DIALOGUE]);
  }
  return root;
}

export function redialDialogue(id: string, messages: Array<[number, string]>, extra: Record<string, unknown> = {}) {
  return {
    conversationId: id,
    initiatorWorkerId: 1,
    respondentWorkerId: 2,
    movieMentions: { '100': 'Heat (1995)', '101': 'Ronin  (1998)' },
    initiatorQuestions: [],
    respondentQuestions: {},
    messages: messages.map(([sender, text], k) => ({ timeOffset: k, text, senderWorkerId: sender, messageId: k })),
    ...extra,
  };
}

/** A ReDial folder with three movies (100, 101, 102). Returns the root. */
export function writeRedialFixture(
  root: string,
  files: Partial<Record<'test' | 'valid' | 'partial', unknown[]>> = {},
): string {
  writeLines(root, 'redial/derived/items.jsonl.gz', [
    { movieId: 100, movieName: 'Heat  (1995)', nbMentions: 3, genre: ['action', 'crime'], director: ['Michael Mann'], writer: [], star: ['Al Pacino'], plot: 'A cop chases a thief.', ievalm_name: 'Heat (1995)' },
    { movieId: 101, movieName: 'Ronin  (1998)', nbMentions: 2, genre: ['action'], director: ['John Frankenheimer'], writer: [], star: ['Robert De Niro'], plot: null, ievalm_name: 'Ronin (1998)' },
    { movieId: 102, movieName: 'Collateral ', nbMentions: 1, genre: [], director: [], writer: [], star: [], plot: null, ievalm_name: null },
  ]);
  writeLines(root, 'redial/official/test_data.jsonl.gz', files.test ?? [redialDialogue('t1', [[1, 'I love action like @100'], [2, 'Try @101']])]);
  writeLines(root, 'redial/unicrs_ievalm/valid_data.jsonl.gz', files.valid ?? [redialDialogue('v1', [[1, 'Any crime movie?'], [2, 'Sure: @100']])]);
  writeLines(root, 'redial/derived/train_portion_partial.jsonl.gz', files.partial ?? [
    redialDialogue('p1', [[1, 'Hello'], [2, 'Have you seen @100 ?'], [2, 'Or @101 with Robert De Niro?']]),
    redialDialogue('v1', [[1, 'Any crime movie?'], [2, 'Sure: @100']]),
  ]);
  return root;
}

export function opendialkgRow(dialogId: number, context: string[], entity: string[], rec: string[], resp: string) {
  return { dialog_id: dialogId, turn_id: context.length, context, entity, rec, resp };
}

/**
 * An OpenDialKG folder: items Heat (id 0), Ronin (2), the book Dune (4); Al Pacino (1) and Drama (3) are
 * entities, not items. Dialogue 7 has turns in train (1) and test (3); dialogue 8 only in valid. Returns the root.
 */
export function writeOpenDialKGFixture(root: string, rows: Partial<Record<'train' | 'valid' | 'test', unknown[]>> = {}): string {
  writeJson(root, 'opendialkg/ievalm/entity2id.json.gz', { Heat: 0, 'Al Pacino': 1, 'Ronin (Action Film)': 2, Drama: 3, Dune: 4 });
  writeJson(root, 'opendialkg/ievalm/item_ids.json', [0, 2, 4]);
  writeJson(root, 'opendialkg/ievalm/id2info.json.gz', {
    '0': { name: 'Heat', year: '1995', actor: ['Al Pacino', 'Al Pacino'], director: ['Michael Mann'], genre: ['Crime Fiction', 'Drama'], language: ['English Language'] },
    '1': { name: 'Ronin (Action Film)', year: '1998', actor: ['Robert De Niro'], genre: ['Action Film'] },
    '2': { name: 'Dune', year: null, writer: ['Frank Herbert'], genre: ['Speculative fiction'] },
    '3': { name: 'The Neon Bible', year: '1989', writer: ['John Kennedy Toole'] },
  });
  const c7 = ['Do you know any Al Pacino movies?', 'He was great in Heat. Do you like crime films?', 'Yes! Something like Heat please.'];
  writeLines(root, 'opendialkg/ievalm/eval_train_data_processed.jsonl.gz', rows.train ?? [opendialkgRow(7, c7.slice(0, 1), ['Al Pacino'], ['Heat'], c7[1]!)]);
  writeLines(root, 'opendialkg/ievalm/eval_test_data_processed.jsonl.gz', rows.test ?? [
    opendialkgRow(7, c7, ['Al Pacino', 'Al Pacino', 'Heat', 'Drama', 'Heat'], ['Ronin (Action Film)', 'Heat', 'Ronin (Action Film)'], 'Try Ronin, or Heat again.'),
  ]);
  writeLines(root, 'opendialkg/ievalm/eval_valid_data_processed.jsonl.gz', rows.valid ?? [
    opendialkgRow(8, ['Any good science fiction books?'], [], ['Dune'], 'Dune is a classic.'),
    opendialkgRow(8, ['Any good science fiction books?', 'Dune is a classic.', 'Anything else?'], ['Dune'], ['The Neon Bible'], 'The Neon Bible is not sci-fi, but good.'),
  ]);
  return root;
}
