// ReDial: items = the 6,924 ReDial movies (derived/items.jsonl.gz joins movies_with_mentions.csv with the
// iEvaLM metadata), test = official test, valid = the CRSLab/UniCRS/iEvaLM 1,000-dialogue split, train =
// the official train file when the user has it, else every raw train-portion dialogue shipped here (the
// partial pool and the extra raw file). Train signals (co-mentions, likes) also cover the train-portion
// dialogues known only as text. No valid or test dialogue enters train or the signals, by id or by text.
import { relative } from 'node:path';
import type { DatasetDescriptor, LoadOptions } from './descriptor.js';
import { matchGenres } from './genres.js';
import { NameMatcher } from './names.js';
import { LoadReport, findFile, isRecord, isStringArray, readJsonl, requireFile, stringArrayField } from './read.js';
import { parseTextDialogue, type TextDialogue } from './redial-text.js';
import { samplesOfDialogues } from './samples.js';
import { signalOfDialogue } from './signals.js';
import { cleanSpaces, describeFromAttributes, distinctBy, mergeAttributes, splitTitleYear, titleKey, titleWithYear } from './text.js';
import { HeldOutTextIndex } from './text-overlap.js';
import { SPLITS, type Dataset, type Dialogue, type Item, type Role, type Split, type TrainSignal, type Utterance } from './types.js';

export const REDIAL_FILES = {
  items: 'redial/derived/items.jsonl.gz',
  test: 'redial/official/test_data.jsonl.gz',
  valid: 'redial/unicrs_ievalm/valid_data.jsonl.gz',
  /** The full official train (10,006 dialogues), when the user provides it; `.jsonl` or `.jsonl.gz`. */
  officialTrain: 'redial/official/train_data.jsonl',
  partialTrain: 'redial/derived/train_portion_partial.jsonl.gz',
  /** More raw train-portion dialogues (optional: without it train is the partial pool alone). */
  extraTrain: 'redial/derived/train_portion_extra_raw.jsonl.gz',
  /** All 10,006 official-train dialogues as de-interleaved text, for train signals only (optional). */
  trainText: 'redial/derived/train_qa_10006.jsonl.gz',
} as const;

interface RawMessage {
  sender: number;
  text: string;
  /** iEvaLM `item` names, used only when the text carries no @ids. */
  itemNames: string[];
}

interface RawDialogue {
  file: string;
  line: number;
  id: string;
  initiator: number;
  mentions: Record<string, string>;
  messages: RawMessage[];
  /** movieIds the seeker liked (questionnaire `liked` = 1). */
  likedIds: string[];
}

/**
 * The seeker's likes: `initiatorQuestions` when filled, else `respondentQuestions` (the recommender's answers
 * about the seeker), as the data README says. Malformed answers are ignored (the questionnaire is optional).
 */
function likedIdsOf(value: Record<string, unknown>): string[] {
  const answered = (q: unknown): q is Record<string, unknown> => isRecord(q) && Object.keys(q).length > 0;
  const questions = answered(value.initiatorQuestions) ? value.initiatorQuestions : value.respondentQuestions;
  if (!isRecord(questions)) return [];
  return Object.entries(questions).flatMap(([movieId, answer]) => (isRecord(answer) && answer.liked === 1 ? [movieId] : []));
}

function parseMessage(value: unknown): RawMessage | string {
  if (!isRecord(value)) return 'message is not an object';
  if (typeof value.text !== 'string') return 'message has no string "text"';
  if (typeof value.senderWorkerId !== 'number') return 'message has no numeric "senderWorkerId"';
  const itemNames = isStringArray(value.item) ? value.item : [];
  return { sender: value.senderWorkerId, text: value.text, itemNames };
}

function parseDialogue(file: string, line: number, value: unknown): RawDialogue | string {
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
  return { file, line, id: String(id), initiator: value.initiatorWorkerId, mentions, messages, likedIds: likedIdsOf(value) };
}

function readDialogues(path: string, report: LoadReport): RawDialogue[] {
  const out: RawDialogue[] = [];
  for (const { line, value } of readJsonl(path, report)) {
    const parsed = parseDialogue(path, line, value);
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
function normalizeDialogue(raw: RawDialogue, split: Split, n: Normalizer): Dialogue {
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
      n.report.problem(raw.file, raw.line, `conversation ${raw.id}, message ${k}: dangling movie id @${movieId} (not a ReDial movie)`);
      return raw.mentions[movieId] !== undefined ? cleanSpaces(raw.mentions[movieId]) : ref;
    });
    if (items.length === 0 && message.itemNames.length > 0 && !/@\d/.test(message.text)) {
      // iEvaLM-style record whose text lost its @ids: fall back to the annotated item names.
      for (const name of message.itemNames) {
        const id = n.catalog.idByName.get(cleanSpaces(name));
        if (id !== undefined) items.push(id);
        else n.report.problem(raw.file, raw.line, `conversation ${raw.id}, message ${k}: unknown item name ${JSON.stringify(name)}`);
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

/** Movie ids of a text: every `@id`, in order, distinct. */
function movieRefs(text: string): string[] {
  return [...text.matchAll(MOVIE_REF)].map((m) => m[1]!);
}

/** The text file mangles some non-ASCII characters into `u2013`-style escapes; undo that before matching. */
function unmangle(title: string): string {
  return title.replace(/\bu([0-9a-f]{4})\b/g, (all, hex: string) => {
    const code = parseInt(hex, 16);
    return code >= 0x80 ? String.fromCharCode(code) : all;
  });
}

interface HeldOut {
  validIds: Set<string>;
  testIds: Set<string>;
  /** Numeric held-out ids (for the order check of records without an id). */
  numericIds: number[];
  text: HeldOutTextIndex;
}

interface TextSignals {
  signals: TrainSignal[];
  notes: string[];
}

/**
 * Train signals of the train-portion dialogues known only as text. Left out: valid and test dialogues (by
 * conversationId), dialogues already read in raw form (`rawIds`), and any record whose text copies a valid or
 * test dialogue. A record without a conversationId is kept only when no valid or test id missing from the file
 * fits between its neighbours' ids (the file follows the official order) and its text copies none.
 */
function textSignals(
  path: string,
  relPath: string,
  records: TextDialogue[],
  rawIds: ReadonlySet<string>,
  heldOut: HeldOut,
  catalog: Catalog,
  report: LoadReport,
): TextSignals {
  const signals: TrainSignal[] = [];
  let byValidId = 0;
  let byTestId = 0;
  let inRaw = 0;
  const byText: string[] = [];
  let nullTotal = 0;
  let nullByOrder = 0;
  let unresolvedLikes = 0;
  const seen = new Set<string>();
  const numeric = records.map((r) => (r.conversationId !== null && /^\d+$/.test(r.conversationId) ? Number(r.conversationId) : null));
  // Held-out ids the file holds elsewhere cannot be a record without an id (each dialogue appears once).
  const present = new Set(numeric);
  const missingHeldOut = heldOut.numericIds.filter((h) => !present.has(h));
  const neighbour = (from: number, step: number): number | null => {
    for (let j = from + step; j >= 0 && j < records.length; j += step) if (numeric[j] !== null) return numeric[j]!;
    return null;
  };
  records.forEach((record, i) => {
    const id = record.conversationId;
    if (id === null) {
      nullTotal++;
      const lo = neighbour(i, -1) ?? -Infinity;
      const hi = neighbour(i, +1) ?? Infinity;
      if (missingHeldOut.some((h) => h > lo && h < hi)) {
        nullByOrder++;
        return;
      }
    } else {
      if (heldOut.validIds.has(id)) {
        byValidId++;
        return;
      }
      if (heldOut.testIds.has(id)) {
        byTestId++;
        return;
      }
      if (seen.has(id)) {
        report.problem(path, record.line, `duplicate conversationId ${id}`);
        return;
      }
      seen.add(id);
      if (rawIds.has(id)) {
        inRaw++;
        return;
      }
    }
    const copy = heldOut.text.copyOf(record.messages);
    if (copy !== null) {
      byText.push(`${id ?? `pos ${record.pos}`} (~${copy.id})`);
      return;
    }
    const items: string[] = [];
    for (const ref of record.messages.flatMap(movieRefs)) {
      if (!catalog.itemById.has(ref)) report.problem(path, record.line, `dangling movie id @${ref} (not a ReDial movie)`);
      else if (!items.includes(ref)) items.push(ref);
    }
    const likedItems: string[] = [];
    for (const title of record.likedTitles) {
      const wanted = cleanSpaces(unmangle(title));
      const match =
        items.find((ref) => catalog.itemById.get(ref)!.title === wanted) ??
        items.find((ref) => titleKey(catalog.itemById.get(ref)!.title) === titleKey(wanted));
      if (match === undefined) unresolvedLikes++;
      else if (!likedItems.includes(match)) likedItems.push(match);
    }
    signals.push({ dialogueId: id ?? `text-pos-${record.pos}`, items, likedItems, source: 'text' });
  });
  const nullKept = signals.filter((s) => s.dialogueId.startsWith('text-pos-')).length;
  return {
    signals,
    notes: [
      `train signals, text-only dialogues: ${signals.length} of the ${records.length} records of ${relPath}; left out ` +
        `${byValidId} valid and ${byTestId} test dialogues (by conversationId), ${inRaw} train dialogues read in raw form (kept or left out there), ` +
        `${byText.length} whose text copies a valid/test dialogue${byText.length > 0 ? ` (${byText.join(', ')})` : ''} ` +
        `and, of the ${nullTotal} records without a conversationId, ${nullByOrder} because a valid/test id missing from the ` +
        `file fits between their neighbours' ids and ${nullTotal - nullKept - nullByOrder} by text (${nullKept} kept).`,
      ...(unresolvedLikes > 0 ? [`${unresolvedLikes} liked titles of text-only dialogues name no movie the dialogue mentions (left out).`] : []),
    ],
  };
}

function readTextDialogues(path: string, report: LoadReport): TextDialogue[] {
  const out: TextDialogue[] = [];
  for (const { line, value } of readJsonl(path, report)) {
    const parsed = parseTextDialogue(line, value);
    if (typeof parsed === 'string') report.problem(path, line, parsed);
    else out.push(parsed);
  }
  return out;
}

export function loadRedial(root: string, options: LoadOptions = {}): Dataset {
  const report = new LoadReport(options.strict === true);
  const rel = (path: string): string => relative(root, path);
  const notes: string[] = [];

  const itemsPath = requireFile(root, REDIAL_FILES.items);
  const testPath = requireFile(root, REDIAL_FILES.test);
  const validPath = requireFile(root, REDIAL_FILES.valid);
  const officialTrainPath = findFile(root, REDIAL_FILES.officialTrain);
  const extraTrainPath = officialTrainPath === null ? findFile(root, REDIAL_FILES.extraTrain) : null;
  const trainPaths =
    officialTrainPath !== null ? [officialTrainPath] : [requireFile(root, REDIAL_FILES.partialTrain), ...(extraTrainPath === null ? [] : [extraTrainPath])];
  // The official train holds every train-portion dialogue in raw form: the text-only file adds nothing then.
  const textPath = officialTrainPath === null ? findFile(root, REDIAL_FILES.trainText) : null;

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
    train: trainPaths.flatMap((path) => readDialogues(path, report)),
  };
  // No dialogue may sit in two splits: valid loses test ids, train loses valid and test ids, and any train
  // dialogue whose text copies a valid or test dialogue (a recovered or missing id could be wrong).
  const testIds = new Set(raw.test.map((d) => d.id));
  const validBefore = raw.valid.length;
  raw.valid = raw.valid.filter((d) => !testIds.has(d.id));
  if (raw.valid.length < validBefore) notes.push(`${validBefore - raw.valid.length} valid dialogues that are also in test were left out of valid.`);
  const validIds = new Set(raw.valid.map((d) => d.id));
  const heldOutIds = new Set([...testIds, ...validIds]);
  const heldOut: HeldOut = {
    validIds,
    testIds,
    numericIds: [...heldOutIds].filter((id) => /^\d+$/.test(id)).map(Number),
    text: new HeldOutTextIndex([...raw.valid, ...raw.test].map((d) => ({ id: d.id, messages: d.messages.map((m) => m.text) }))),
  };
  const trainBefore = raw.train.length;
  const rawTrainIds = new Set<string>();
  let trainById = 0;
  const trainByText: string[] = [];
  raw.train = raw.train.filter((d) => {
    if (heldOutIds.has(d.id)) {
      trainById++;
      return false;
    }
    if (rawTrainIds.has(d.id)) {
      report.problem(d.file, d.line, `duplicate conversationId ${d.id}`);
      return false;
    }
    rawTrainIds.add(d.id);
    const copy = heldOut.text.copyOf(d.messages.map((m) => m.text));
    if (copy !== null) {
      trainByText.push(`${d.id} (~${copy.id})`);
      return false;
    }
    return true;
  });
  const trainIsPartial = officialTrainPath === null;
  const trainFiles = trainPaths.map(rel).join(' + ');
  const minus =
    `minus ${trainById} valid/test dialogues (by conversationId) minus ${trainByText.length} whose text copies a valid/test ` +
    `dialogue${trainByText.length > 0 ? ` (${trainByText.join(', ')})` : ''} = ${raw.train.length}`;
  notes.push(
    trainIsPartial
      ? `train: the raw train-portion dialogues ${trainFiles} (${trainBefore}) ${minus}; the official train has 9,006 after the valid split (see docs/data.md).`
      : `train: the official ${trainFiles} (${trainBefore} dialogues) ${minus}.`,
    ...(trainIsPartial && extraTrainPath === null ? [`${REDIAL_FILES.extraTrain} is absent: train is the partial pool alone.`] : []),
    'Utterances: consecutive messages of one speaker merged (CRSLab/UniCRS); @movieId replaced by the title.',
    'Samples: one per (recommender utterance, distinct movie it mentions) (CRSLab/UniCRS targets); no suggested/liked filter.',
    `Entities: genre words (shared vocabulary) and catalog person names of 2+ words (${normalizer.names.size} names) ` +
      'found in the text, the same rule for every split (the iEvaLM valid "entity" field is not used).',
  );

  const dialogues = {} as Record<Split, Dialogue[]>;
  const samples = {} as Dataset['samples'];
  for (const split of SPLITS) {
    dialogues[split] = raw[split].map((d) => normalizeDialogue(d, split, normalizer));
    samples[split] = samplesOfDialogues(dialogues[split]);
  }

  // Train signals: every raw train dialogue (likes from its questionnaire), then the text-only ones.
  const trainSignals: TrainSignal[] = dialogues.train.map((d, i) => {
    const signal = signalOfDialogue(d, catalog);
    const liked = new Set(raw.train[i]!.likedIds);
    return { ...signal, likedItems: signal.items.filter((id) => liked.has(id)) };
  });
  const signalFiles = trainPaths.map(rel);
  if (textPath !== null) {
    const text = textSignals(textPath, rel(textPath), readTextDialogues(textPath, report), rawTrainIds, heldOut, catalog, report);
    trainSignals.push(...text.signals);
    signalFiles.push(rel(textPath));
    notes.push(...text.notes);
  } else if (trainIsPartial) {
    notes.push(`${REDIAL_FILES.trainText} is absent: train signals cover the raw train dialogues only.`);
  }
  const fromText = trainSignals.filter((s) => s.source === 'text').length;
  notes.push(
    `train signals (co-mentions, popularity, likes): ${trainSignals.length} train-portion dialogues = ${trainSignals.length - fromText} ` +
      `train dialogues + ${fromText} known only as text; ${trainSignals.filter((s) => s.likedItems.length > 0).length} with a liked item.`,
  );

  return {
    name: 'redial',
    root,
    items: catalog.items,
    itemById: catalog.itemById,
    dialogues,
    samples,
    trainSignals,
    warnings: report.warnings,
    sources: {
      items: [rel(itemsPath)],
      train: trainPaths.map(rel),
      valid: [rel(validPath)],
      test: [rel(testPath)],
      trainIsPartial,
      trainSignals: signalFiles,
      notes,
    },
  };
}

/** The descriptor a dataset registry takes as is (the official train and the extra train-portion files are optional). */
export const REDIAL_DATASET: DatasetDescriptor = {
  name: 'redial',
  title: 'ReDial',
  description: 'ReDial movie dialogues (CRSLab form, optional official train)',
  folder: 'redial',
  files: Object.values(REDIAL_FILES),
  load: loadRedial,
};
