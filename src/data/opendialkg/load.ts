// OpenDialKG in its iEvaLM form (movies, books, TV shows). Items: the 2,965 recommendable entities of
// item_ids.json with their id2info metadata; ids are iEvaLM entity ids (entity2id). Samples: iEvaLM's
// recommendation turns (eval_{split}_data_processed), one per distinct `rec` item; each row carries every
// message before the turn (`context`) and the entities annotated in them (`entity`, items included).
// iEvaLM splits by turn, so one dialogue can have turns in several splits (see trainView below).
import { relative } from 'node:path';
import type { DatasetDescriptor, LoadOptions } from '../descriptor.js';
import { sourceGenres } from '../genres.js';
import {
  LoadReport,
  WholeFileShapeError,
  isRecord,
  isStringArray,
  readEntity2id,
  readItemIds,
  readJson,
  readJsonl,
  requireFile,
  stringArrayField,
} from '../read.js';
import { cleanSpaces, describeFromAttributes, distinctBy, mergeAttributes, titleWithYear } from '../text.js';
import { SPLITS, type Dataset, type Dialogue, type Item, type ItemId, type RecSample, type Role, type Split, type Utterance } from '../types.js';

export const OPENDIALKG_FILES = {
  id2info: 'opendialkg/ievalm/id2info.json.gz',
  entity2id: 'opendialkg/ievalm/entity2id.json.gz',
  itemIds: 'opendialkg/ievalm/item_ids.json',
  turns: (split: Split): string => `opendialkg/ievalm/eval_${split}_data_processed.jsonl.gz`,
} as const;

/** One row of eval_{split}_data_processed: a recommendation turn with everything said before it. */
interface RecTurn {
  file: string;
  line: number;
  split: Split;
  dialogId: string;
  /** Index of the response among the dialogue's messages (= context length). */
  turn: number;
  turnIdMismatch: boolean;
  context: string[];
  entity: string[];
  rec: string[];
  resp: string;
}

function parseTurn(file: string, line: number, split: Split, value: unknown): RecTurn | string {
  if (!isRecord(value)) return 'row is not a JSON object';
  const { dialog_id: dialogId, turn_id: turnId } = value;
  if (typeof dialogId !== 'number' && typeof dialogId !== 'string') return 'row has no "dialog_id"';
  if (typeof turnId !== 'number' || !Number.isInteger(turnId)) return `dialog ${dialogId}: "turn_id" is not an integer`;
  for (const key of ['context', 'entity', 'rec'] as const) {
    if (!isStringArray(value[key])) return `dialog ${dialogId}, turn ${turnId}: "${key}" is not a string array`;
  }
  if (typeof value.resp !== 'string') return `dialog ${dialogId}, turn ${turnId}: "resp" is not a string`;
  const context = value.context as string[];
  return {
    file,
    line,
    split,
    dialogId: String(dialogId),
    turn: context.length,
    turnIdMismatch: turnId !== context.length,
    context,
    entity: value.entity as string[],
    rec: value.rec as string[],
    resp: value.resp,
  };
}

/** "The Blob (Horror Film) #28" -> "The Blob": drops a trailing "#n" and a trailing type qualifier. */
export function baseName(name: string): string {
  const noNumber = cleanSpaces(name.replace(/\s*#\d+(?:-\d+)?\s*$/, ''));
  const qualifier = /\s*\(([^()]*)\)$/.exec(noNumber);
  if (qualifier !== null && /\b(?:film|book|novel|work|tv|television|program|programme|series|show|documentary)\b/i.test(qualifier[1]!)) {
    return cleanSpaces(noNumber.slice(0, qualifier.index)) || noNumber;
  }
  return noNumber;
}

interface Catalog {
  items: Item[];
  itemById: Map<ItemId, Item>;
  /** Entity names that are catalog items -> item id. */
  itemByName: Map<string, ItemId>;
  /** id2info names that are not catalog items (not in entity2id or not in item_ids.json). */
  outsideNames: Set<string>;
  withYear: number;
  /** Items of item_ids.json without an id2info entry (named from entity2id). */
  bare: number;
}

function readCatalog(infoPath: string, entity2id: Map<string, number>, itemIds: Set<number>, report: LoadReport): Catalog {
  const json = readJson(infoPath);
  if (!isRecord(json)) throw new WholeFileShapeError(infoPath, 'id2info is not an object');
  const items: Item[] = [];
  const itemByName = new Map<string, ItemId>();
  const outsideNames = new Set<string>();
  let withYear = 0;
  for (const [key, value] of Object.entries(json)) {
    if (!isRecord(value) || typeof value.name !== 'string') {
      report.problem(infoPath, 1, `id2info[${JSON.stringify(key)}] has no string "name"`);
      continue;
    }
    const entityId = entity2id.get(value.name);
    if (entityId === undefined || !itemIds.has(entityId)) {
      outsideNames.add(value.name);
      continue;
    }
    const id = String(entityId);
    if (itemByName.has(value.name)) {
      report.problem(infoPath, 1, `id2info[${JSON.stringify(key)}]: duplicate item ${JSON.stringify(value.name)}`);
      continue;
    }
    const lists = {
      genre: stringArrayField(value, 'genre'),
      director: stringArrayField(value, 'director'),
      actor: stringArrayField(value, 'actor'),
      writer: stringArrayField(value, 'writer'),
      language: stringArrayField(value, 'language'),
    };
    const bad = Object.entries(lists).find(([, v]) => v === null);
    if (bad !== undefined) {
      report.problem(infoPath, 1, `id2info[${JSON.stringify(key)}]: field ${bad[0]} is not a string array`);
      continue;
    }
    const l = lists as Record<keyof typeof lists, string[]>;
    const year = typeof value.year === 'string' && /^\d{4}$/.test(value.year) ? Number(value.year) : undefined;
    if (year !== undefined) withYear++;
    const base = baseName(value.name);
    const title = titleWithYear(base, year);
    const attributes = mergeAttributes({
      genre: sourceGenres(l.genre.map(baseName)),
      director: l.director,
      actor: l.actor,
      writer: l.writer,
    });
    // Language is no attribute kind (no simulator head, no graph node): it only enriches the description.
    const languages = distinctBy(l.language.map((x) => cleanSpaces(x.replace(/\s+language$/i, ''))), (x) => x.toLowerCase());
    items.push({
      id,
      index: 0,
      title,
      ...(year === undefined ? {} : { year }),
      aliases: distinctBy([cleanSpaces(value.name), base].filter((a) => a !== title), (a) => a.toLowerCase()),
      attributes,
      description: describeFromAttributes(title, attributes) + (languages.length > 0 ? ` Language: ${languages.join(', ')}.` : ''),
    });
    itemByName.set(value.name, id);
  }
  // Recommendable ids without metadata still become items, named from entity2id.
  const nameById = new Map<number, string>();
  for (const [name, entityId] of entity2id) if (!nameById.has(entityId)) nameById.set(entityId, name);
  const named = new Set(itemByName.values());
  let bare = 0;
  for (const entityId of itemIds) {
    const id = String(entityId);
    if (named.has(id)) continue;
    bare++;
    const name = nameById.get(entityId) ?? `item ${id}`;
    const title = baseName(name);
    items.push({ id, index: 0, title, aliases: name === title ? [] : [name], attributes: {}, description: `${title}.` });
    itemByName.set(name, id);
  }
  items.sort((a, b) => Number(a.id) - Number(b.id));
  items.forEach((item, index) => {
    item.index = index;
  });
  return { items, itemById: new Map(items.map((item) => [item.id, item])), itemByName, outsideNames, withYear, bare };
}

const WORD_CHAR = /[\p{L}\p{N}]/u;

/** Whether `name` is written in `text` as a whole phrase (case-insensitive). */
function mentions(text: string, name: string): boolean {
  const haystack = text.toLowerCase();
  const needle = name.toLowerCase();
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    const before = haystack[at - 1];
    const after = haystack[at + needle.length];
    if ((before === undefined || !WORD_CHAR.test(before)) && (after === undefined || !WORD_CHAR.test(after))) return true;
  }
  return false;
}

/** Everything one dialogue's rows say, merged: its messages, and per message the items and entities named in it. */
interface DialogueText {
  id: string;
  utterances: Utterance[];
  /** Its rows ordered by turn (rows that contradict an earlier row are dropped). */
  rows: RecTurn[];
}

/**
 * Rebuilds one dialogue from its rows. Each row's context extends the previous row's context and response, and
 * its entity list extends the previous row's list with the annotations of the messages in between; each such
 * annotation goes to the first of those messages (from the previous annotation's on) that writes it.
 *
 * Roles: OpenDialKG stores no sender here. A response is the recommender's, and roles are taken to alternate,
 * counted back from the dialogue's last response (so the message before a recommendation is the seeker's).
 */
function rebuildDialogue(id: string, rowsOfDialogue: RecTurn[], catalog: Catalog, report: LoadReport, dropped: { rows: number }): DialogueText {
  const rows: RecTurn[] = [];
  const texts: string[] = [];
  let entities: string[] = [];
  for (const row of [...rowsOfDialogue].sort((a, b) => a.turn - b.turn)) {
    const previous = rows[rows.length - 1];
    const conflict =
      previous?.turn === row.turn
        ? `turn ${row.turn} appears twice (also ${previous.file}:${previous.line})`
        : row.context.some((text, i) => i < texts.length && texts[i] !== text)
          ? `context disagrees with an earlier turn of dialog ${id} (${previous?.file}:${previous?.line})`
          : entities.some((name, i) => row.entity[i] !== name)
            ? `entity list does not extend the one of an earlier turn of dialog ${id} (${previous?.file}:${previous?.line})`
            : '';
    if (conflict !== '') {
      report.problem(row.file, row.line, conflict);
      dropped.rows++;
      continue;
    }
    texts.push(...row.context.slice(texts.length));
    texts.push(row.resp);
    rows.push(row);
    entities = row.entity;
  }
  const last = rows[rows.length - 1];
  const lastTurn = last?.turn ?? 0;
  const utterances: Utterance[] = texts.map((text, i) => {
    const role: Role = (lastTurn - i) % 2 === 0 ? 'recommender' : 'seeker';
    return { role, text: cleanSpaces(text), items: [], entities: [] };
  });
  for (const row of rows) {
    const u = utterances[row.turn]!;
    u.role = 'recommender';
    u.items = resolveRec(row, catalog, report);
  }
  // Annotations of the messages between consecutive rows.
  let from = 0;
  let annotated = 0;
  for (const row of rows) {
    let pointer = from;
    // A name annotated twice in one range was written in two messages: the second goes after the first.
    const placed = new Map<string, number>();
    for (const raw of row.entity.slice(annotated)) {
      const name = cleanSpaces(raw);
      if (name === '') continue;
      const start = Math.max(pointer, (placed.get(name) ?? -1) + 1);
      let at = -1;
      for (let k = start; k < row.turn && at < 0; k++) if (mentions(utterances[k]!.text, name)) at = k;
      for (let k = from; k < start && at < 0; k++) if (mentions(utterances[k]!.text, name)) at = k;
      if (at < 0) at = pointer;
      else pointer = Math.max(pointer, at);
      placed.set(name, at);
      const u = utterances[Math.min(at, row.turn - 1)];
      if (u === undefined) continue;
      const item = catalog.itemByName.get(name);
      if (item !== undefined) {
        if (!u.items.includes(item)) u.items.push(item);
      } else if (!u.entities.includes(name)) {
        u.entities.push(name);
      }
    }
    from = row.turn;
    annotated = row.entity.length;
  }
  return { id, utterances, rows };
}

/** The catalog ids of a row's `rec` names, distinct, in order; names outside the catalog are reported. */
function resolveRec(row: RecTurn, catalog: Catalog, report: LoadReport): ItemId[] {
  const out: ItemId[] = [];
  for (const name of row.rec) {
    const id = catalog.itemByName.get(name);
    if (id !== undefined) {
      if (!out.includes(id)) out.push(id);
    } else if (!catalog.outsideNames.has(name)) {
      report.problem(row.file, row.line, `dialog ${row.dialogId}, turn ${row.turn}: rec item ${JSON.stringify(name)} is in neither id2info nor entity2id`);
    }
  }
  return out;
}

/** The samples of one row: one per distinct catalog `rec` item, context items and entities from `entity`. */
function samplesOfRow(dialogue: DialogueText, row: RecTurn, catalog: Catalog): RecSample[] {
  const contextItems: ItemId[] = [];
  const contextEntities: string[] = [];
  for (const raw of row.entity) {
    const name = cleanSpaces(raw);
    if (name === '') continue;
    const item = catalog.itemByName.get(name);
    if (item !== undefined) {
      if (!contextItems.includes(item)) contextItems.push(item);
    } else if (!contextEntities.some((e) => e.toLowerCase() === name.toLowerCase())) {
      contextEntities.push(name);
    }
  }
  const utterance = dialogue.utterances[row.turn]!;
  const context = dialogue.utterances.slice(0, row.turn);
  // Rec items come first in the utterance's items, so k is the target's place among them (ids stay opaque).
  return row.rec.flatMap((name) => catalog.itemByName.get(name) ?? []).filter((id, i, all) => all.indexOf(id) === i).map((target) => ({
    id: `${dialogue.id}#${row.turn}#${utterance.items.indexOf(target)}`,
    dialogueId: dialogue.id,
    split: row.split,
    turnIndex: row.turn,
    context,
    contextItems,
    contextEntities,
    target,
    response: utterance.text,
  }));
}

/**
 * What a split's dialogue holds. Valid and test: the messages up to the split's last response. Train: the
 * messages up to the last train response BEFORE the dialogue's first valid/test response, so nothing learned
 * from train dialogues (co-mention graph, popularity) sees a held-out target; [] when a held-out turn comes first.
 */
function splitView(dialogue: DialogueText, split: Split): Dialogue | null {
  const own = dialogue.rows.filter((r) => r.split === split);
  if (own.length === 0) return null;
  let end = own[own.length - 1]!.turn + 1;
  if (split === 'train') {
    const firstHeldOut = dialogue.rows.find((r) => r.split !== 'train')?.turn ?? Infinity;
    const before = own.filter((r) => r.turn < firstHeldOut);
    end = before.length === 0 ? 0 : before[before.length - 1]!.turn + 1;
  }
  return { id: dialogue.id, split, utterances: dialogue.utterances.slice(0, end) };
}

export function loadOpenDialKG(root: string, options: LoadOptions = {}): Dataset {
  const report = new LoadReport(options.strict === true);
  const rel = (path: string): string => relative(root, path);

  const infoPath = requireFile(root, OPENDIALKG_FILES.id2info);
  const entity2idPath = requireFile(root, OPENDIALKG_FILES.entity2id);
  const itemIdsPath = requireFile(root, OPENDIALKG_FILES.itemIds);
  const turnPaths = Object.fromEntries(SPLITS.map((s) => [s, requireFile(root, OPENDIALKG_FILES.turns(s))])) as Record<Split, string>;

  const catalog = readCatalog(infoPath, readEntity2id(entity2idPath), new Set(readItemIds(itemIdsPath)), report);

  const rowsByDialogue = new Map<string, RecTurn[]>();
  const rowCounts = {} as Record<Split, number>;
  for (const split of SPLITS) {
    const path = turnPaths[split];
    rowCounts[split] = 0;
    for (const { line, value } of readJsonl(path, report)) {
      const row = parseTurn(path, line, split, value);
      if (typeof row === 'string') {
        report.problem(path, line, row);
        continue;
      }
      rowCounts[split]++;
      const list = rowsByDialogue.get(row.dialogId) ?? [];
      list.push(row);
      rowsByDialogue.set(row.dialogId, list);
    }
  }

  const dropped = { rows: 0 };
  const rebuilt = [...rowsByDialogue.entries()]
    .sort(([a], [b]) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, rows]) => rebuildDialogue(id, rows, catalog, report, dropped));
  const dialogues = {} as Record<Split, Dialogue[]>;
  const samples = {} as Record<Split, RecSample[]>;
  for (const split of SPLITS) {
    dialogues[split] = rebuilt.flatMap((d) => splitView(d, split) ?? []);
    samples[split] = rebuilt.flatMap((d) => d.rows.filter((r) => r.split === split).flatMap((r) => samplesOfRow(d, r, catalog)));
  }

  const rows = rebuilt.flatMap((d) => d.rows);
  const outside = rows.flatMap((r) => r.rec.filter((name) => catalog.outsideNames.has(name)).map((name) => `${name} (${r.split})`));
  const lateTrain = rebuilt.reduce((n, d) => {
    const firstHeldOut = d.rows.find((r) => r.split !== 'train')?.turn ?? Infinity;
    return n + d.rows.filter((r) => r.split === 'train' && r.turn > firstHeldOut).length;
  }, 0);
  const revealed = rebuilt.reduce((n, d) => {
    const lastTrain = d.rows.filter((r) => r.split === 'train').pop()?.turn ?? -1;
    return n + d.rows.filter((r) => r.split !== 'train' && r.turn < lastTrain).length;
  }, 0);
  const evenContexts = rows.filter((r) => r.turn % 2 === 0).length;
  const turnIdMismatch = rows.filter((r) => r.turnIdMismatch).length;
  const crossSplit = rebuilt.filter((d) => new Set(d.rows.map((r) => r.split)).size > 1).length;
  const notes = [
    `${catalog.items.length} items (item_ids.json), ${catalog.items.length - catalog.bare} with id2info metadata, ${catalog.withYear} with a year. ` +
      'Genres mapped to the shared vocabulary where they name one; language goes into the description only.',
    `Rows (recommendation turns): train ${rowCounts.train}, valid ${rowCounts.valid}, test ${rowCounts.test}` +
      (dropped.rows > 0 ? `; ${dropped.rows} rows contradicting an earlier row of their dialogue were dropped` : '') +
      '. Samples: one per distinct catalog `rec` item of a row; context items and entities from the row\'s `entity` list.',
    ...(outside.length > 0 ? [`${outside.length} rec items are id2info entries outside the catalog (not in item_ids.json), so they give no sample: ${outside.join(', ')}.`] : []),
    `Roles: no sender is stored; the response is the recommender's and roles alternate counted back from a dialogue's last response. ` +
      `${evenContexts} rows have an even-length context (a speaker wrote twice in a row somewhere before), so there the first message reads as the recommender's.`,
    `iEvaLM splits by turn: ${crossSplit} dialogues have turns in more than one split. Train dialogues end before their first valid/test turn, ` +
      `so co-mentions and popularity never see a held-out target; ${lateTrain} train samples come after such a turn (they keep their full context, ` +
      `which shows that turn's response), and ${revealed} valid/test turns are answered in the context of a later train sample.`,
    ...(turnIdMismatch > 0 ? [`${turnIdMismatch} rows have a turn_id other than their context length; the context length is used as the turn index.`] : []),
  ];

  return {
    name: 'opendialkg',
    root,
    items: catalog.items,
    itemById: catalog.itemById,
    dialogues,
    samples,
    warnings: report.warnings,
    sources: {
      items: [infoPath, entity2idPath, itemIdsPath].map(rel),
      train: [rel(turnPaths.train)],
      valid: [rel(turnPaths.valid)],
      test: [rel(turnPaths.test)],
      trainIsPartial: false,
      notes,
    },
  };
}

/** The descriptor a dataset registry takes as is: `registry.register(OPENDIALKG_DATASET)`. */
export const OPENDIALKG_DATASET: DatasetDescriptor = {
  name: 'opendialkg',
  title: 'OpenDialKG',
  description: 'OpenDialKG movies, books and TV (iEvaLM form)',
  folder: 'opendialkg',
  files: [OPENDIALKG_FILES.id2info, OPENDIALKG_FILES.entity2id, OPENDIALKG_FILES.itemIds, ...SPLITS.map(OPENDIALKG_FILES.turns)],
  load: loadOpenDialKG,
};
