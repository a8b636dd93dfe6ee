// ReDial: items = the 6,924 ReDial movies (derived/items.jsonl.gz joins movies_with_mentions.csv with the
// iEvaLM metadata), test = official test, valid = the CRSLab/UniCRS/iEvaLM 1,000-dialogue split, train =
// the official train file when the user has it, else the partial train pool shipped here.
import { relative } from 'node:path';
import { matchGenres } from './genres.js';
import type { LoadOptions } from './inspired.js';
import { NameMatcher } from './names.js';
import { LoadReport, findFile, isRecord, isStringArray, readJsonl, requireFile, stringArrayField } from './read.js';
import { samplesOfDialogues } from './samples.js';
import { cleanSpaces, describeFromAttributes, distinctBy, mergeAttributes, splitTitleYear, titleWithYear } from './text.js';
import { SPLITS, type Dataset, type Dialogue, type Item, type Role, type Split, type Utterance } from './types.js';

export const REDIAL_FILES = {
  items: 'redial/derived/items.jsonl.gz',
  test: 'redial/official/test_data.jsonl.gz',
  valid: 'redial/unicrs_ievalm/valid_data.jsonl.gz',
  /** The full official train (10,006 dialogues), when the user provides it; `.jsonl` or `.jsonl.gz`. */
  officialTrain: 'redial/official/train_data.jsonl',
  partialTrain: 'redial/derived/train_portion_partial.jsonl.gz',
} as const;

interface RawMessage {
  sender: number;
  text: string;
  /** iEvaLM `item` names, used only when the text carries no @ids. */
  itemNames: string[];
}

interface RawDialogue {
  line: number;
  id: string;
  initiator: number;
  mentions: Record<string, string>;
  messages: RawMessage[];
}

function parseMessage(value: unknown): RawMessage | string {
  if (!isRecord(value)) return 'message is not an object';
  if (typeof value.text !== 'string') return 'message has no string "text"';
  if (typeof value.senderWorkerId !== 'number') return 'message has no numeric "senderWorkerId"';
  const itemNames = isStringArray(value.item) ? value.item : [];
  return { sender: value.senderWorkerId, text: value.text, itemNames };
}

function parseDialogue(line: number, value: unknown): RawDialogue | string {
  if (!isRecord(value)) return 'dialogue is not a JSON object';
  const id = value.conversationId;
  if (typeof id !== 'string' && typeof id !== 'number') return 'dialogue has no "conversationId"';
  if (typeof value.initiatorWorkerId !== 'number') return `conversation ${id}: no numeric "initiatorWorkerId"`;
  if (!Array.isArray(value.messages)) return `conversation ${id}: "messages" is not an array`;
  const mentions: Record<string, string> = {};
  // Raw ReDial writes an empty movieMentions as [] and a filled one as an object.
  if (isRecord(value.movieMentions)) {
    for (const [movieId, name] of Object.entries(value.movieMentions)) if (typeof name === 'string') mentions[movieId] = name;
  } else if (!(Array.isArray(value.movieMentions) || value.movieMentions === undefined)) {
    return `conversation ${id}: "movieMentions" is neither an object nor []`;
  }
  const messages: RawMessage[] = [];
  for (let i = 0; i < value.messages.length; i++) {
    const parsed = parseMessage(value.messages[i]);
    if (typeof parsed === 'string') return `conversation ${id}, message ${i}: ${parsed}`;
    messages.push(parsed);
  }
  return { line, id: String(id), initiator: value.initiatorWorkerId, mentions, messages };
}

function readDialogues(path: string, report: LoadReport): RawDialogue[] {
  const out: RawDialogue[] = [];
  for (const { line, value } of readJsonl(path, report)) {
    const parsed = parseDialogue(line, value);
    if (typeof parsed === 'string') report.problem(path, line, parsed);
    else out.push(parsed);
  }
  return out;
}

interface Catalog {
  items: Item[];
  itemById: Map<string, Item>;
  /** iEvaLM names ("The Shining (1980)") -> movieId. */
  idByName: Map<string, string>;
  withPlot: number;
}

function readCatalog(path: string, report: LoadReport): Catalog {
  const items: Item[] = [];
  const itemById = new Map<string, Item>();
  const idByName = new Map<string, string>();
  let withPlot = 0;
  for (const { line, value } of readJsonl(path, report)) {
    if (!isRecord(value) || typeof value.movieId !== 'number' || typeof value.movieName !== 'string') {
      report.problem(path, line, 'item needs a numeric "movieId" and a string "movieName"');
      continue;
    }
    const id = String(value.movieId);
    if (itemById.has(id)) {
      report.problem(path, line, `duplicate movieId ${id}`);
      continue;
    }
    const lists = {
      genre: stringArrayField(value, 'genre'),
      director: stringArrayField(value, 'director'),
      writer: stringArrayField(value, 'writer'),
      star: stringArrayField(value, 'star'),
    };
    const bad = Object.entries(lists).find(([, v]) => v === null);
    if (bad !== undefined) {
      report.problem(path, line, `movie ${id}: field ${bad[0]} is not a string array`);
      continue;
    }
    const l = lists as Record<keyof typeof lists, string[]>;
    const { title: base, year } = splitTitleYear(value.movieName);
    const title = titleWithYear(base, year);
    const ievalmName = typeof value.ievalm_name === 'string' ? cleanSpaces(value.ievalm_name) : undefined;
    const attributes = mergeAttributes({ genre: l.genre, director: l.director, actor: l.star, writer: l.writer });
    const plot = typeof value.plot === 'string' ? cleanSpaces(value.plot) : '';
    if (plot !== '') withPlot++;
    const item: Item = {
      id,
      index: 0,
      title,
      ...(year === undefined ? {} : { year }),
      aliases: distinctBy([base, ...(ievalmName ? [ievalmName] : [])].filter((a) => a !== title), (a) => a.toLowerCase()),
      attributes,
      description: plot !== '' ? plot : describeFromAttributes(title, attributes),
      ...(typeof value.nbMentions === 'number' ? { mentions: value.nbMentions } : {}),
    };
    items.push(item);
    itemById.set(id, item);
    if (ievalmName !== undefined) idByName.set(ievalmName, id);
    idByName.set(title, id);
  }
  items.sort((a, b) => Number(a.id) - Number(b.id));
  items.forEach((item, index) => {
    item.index = index;
  });
  return { items, itemById, idByName, withPlot };
}

interface Normalizer {
  catalog: Catalog;
  names: NameMatcher;
  report: LoadReport;
}

const MOVIE_REF = /@(\d+)/g;

/**
 * One normalized dialogue. Consecutive messages of one speaker are merged into one utterance (CRSLab/UniCRS
 * convention; the iEvaLM valid file is already merged), `@id` becomes the movie title, and entities are the
 * genre words and known person names written in the text (mentioned movies' own attributes are not used).
 */
function normalizeDialogue(raw: RawDialogue, split: Split, path: string, n: Normalizer): Dialogue {
  const utterances: Utterance[] = [];
  raw.messages.forEach((message, k) => {
    const role: Role = message.sender === raw.initiator ? 'seeker' : 'recommender';
    const items: string[] = [];
    const text = message.text.replace(MOVIE_REF, (ref: string, movieId: string) => {
      const item = n.catalog.itemById.get(movieId);
      if (item !== undefined) {
        items.push(movieId);
        return item.title;
      }
      n.report.problem(path, raw.line, `conversation ${raw.id}, message ${k}: dangling movie id @${movieId} (not a ReDial movie)`);
      return raw.mentions[movieId] !== undefined ? cleanSpaces(raw.mentions[movieId]) : ref;
    });
    if (items.length === 0 && message.itemNames.length > 0 && !/@\d/.test(message.text)) {
      // iEvaLM-style record whose text lost its @ids: fall back to the annotated item names.
      for (const name of message.itemNames) {
        const id = n.catalog.idByName.get(cleanSpaces(name));
        if (id !== undefined) items.push(id);
        else n.report.problem(path, raw.line, `conversation ${raw.id}, message ${k}: unknown item name ${JSON.stringify(name)}`);
      }
    }
    const plain = message.text.replace(MOVIE_REF, ' ');
    const entities = [...matchGenres(plain), ...n.names.match(plain)];
    const last = utterances[utterances.length - 1];
    if (last !== undefined && last.role === role) {
      last.text = `${last.text} ${cleanSpaces(text)}`.trim();
      last.items = [...new Set([...last.items, ...items])];
      last.entities = [...new Set([...last.entities, ...entities])];
    } else {
      utterances.push({ role, text: cleanSpaces(text), items: [...new Set(items)], entities: [...new Set(entities)] });
    }
  });
  return { id: raw.id, split, utterances };
}

export function loadRedial(root: string, options: LoadOptions = {}): Dataset {
  const report = new LoadReport(options.strict === true);
  const rel = (path: string): string => relative(root, path);
  const notes: string[] = [];

  const itemsPath = requireFile(root, REDIAL_FILES.items);
  const testPath = requireFile(root, REDIAL_FILES.test);
  const validPath = requireFile(root, REDIAL_FILES.valid);
  const officialTrainPath = findFile(root, REDIAL_FILES.officialTrain);
  const trainPath = officialTrainPath ?? requireFile(root, REDIAL_FILES.partialTrain);

  const catalog = readCatalog(itemsPath, report);
  const people = catalog.items.flatMap((item) => [
    ...(item.attributes.director ?? []),
    ...(item.attributes.actor ?? []),
    ...(item.attributes.writer ?? []),
  ]);
  const normalizer: Normalizer = { catalog, names: new NameMatcher(people), report };
  notes.push(`${catalog.withPlot}/${catalog.items.length} items have a plot (the description); the rest get a description built from attributes.`);

  const raw: Record<Split, RawDialogue[]> = {
    test: readDialogues(testPath, report),
    valid: readDialogues(validPath, report),
    train: readDialogues(trainPath, report),
  };
  // No dialogue may sit in two splits: valid loses test ids, train loses valid and test ids.
  const testIds = new Set(raw.test.map((d) => d.id));
  const validBefore = raw.valid.length;
  raw.valid = raw.valid.filter((d) => !testIds.has(d.id));
  if (raw.valid.length < validBefore) notes.push(`${validBefore - raw.valid.length} valid dialogues that are also in test were left out of valid.`);
  const heldOut = new Set([...testIds, ...raw.valid.map((d) => d.id)]);
  const trainBefore = raw.train.length;
  const seen = new Set<string>();
  raw.train = raw.train.filter((d) => {
    if (heldOut.has(d.id)) return false;
    if (seen.has(d.id)) {
      report.problem(trainPath, d.line, `duplicate conversationId ${d.id}`);
      return false;
    }
    seen.add(d.id);
    return true;
  });
  const trainIsPartial = officialTrainPath === null;
  notes.push(
    trainIsPartial
      ? `train: the partial pool ${rel(trainPath)} (${trainBefore} dialogues) minus ${trainBefore - raw.train.length} that ` +
          `are valid/test dialogues = ${raw.train.length}; the official train has 9,006 after the valid split (see docs/data.md).`
      : `train: the official ${rel(trainPath)} (${trainBefore} dialogues) minus ${trainBefore - raw.train.length} valid/test dialogues = ${raw.train.length}.`,
    'Utterances: consecutive messages of one speaker merged (CRSLab/UniCRS); @movieId replaced by the title.',
    'Samples: one per (recommender utterance, distinct movie it mentions) (CRSLab/UniCRS targets); no suggested/liked filter.',
    `Entities: genre words (shared vocabulary) and catalog person names of 2+ words (${normalizer.names.size} names) ` +
      'found in the text, the same rule for every split (the iEvaLM valid "entity" field is not used).',
  );

  const paths: Record<Split, string> = { train: trainPath, valid: validPath, test: testPath };
  const dialogues = {} as Record<Split, Dialogue[]>;
  const samples = {} as Dataset['samples'];
  for (const split of SPLITS) {
    dialogues[split] = raw[split].map((d) => normalizeDialogue(d, split, paths[split], normalizer));
    samples[split] = samplesOfDialogues(dialogues[split]);
  }

  return {
    name: 'redial',
    root,
    items: catalog.items,
    itemById: catalog.itemById,
    dialogues,
    samples,
    warnings: report.warnings,
    sources: {
      items: [rel(itemsPath)],
      train: [rel(trainPath)],
      valid: [rel(validPath)],
      test: [rel(testPath)],
      trainIsPartial,
      notes,
    },
  };
}
