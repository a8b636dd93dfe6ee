// INSPIRED in its UniCRS form: dialogues from inspired/unicrs/*_data_dbpedia.jsonl.gz, item ids = UniCRS
// DBpedia entity ids, item metadata from the DBpedia sub-KG joined with the CFCRS attribute KG.
import { relative } from 'node:path';
import type { DatasetDescriptor, LoadOptions } from './descriptor.js';
import { genresOfLabel, sourceGenres } from './genres.js';
import { LoadReport, isRecord, readEntity2id, readItemIds, readJsonl, requireFile, stringArrayField, type JsonLine } from './read.js';
import { samplesOfDialogues } from './samples.js';
import {
  cleanSpaces,
  dbpediaLabel,
  describeFromAttributes,
  distinctBy,
  mergeAttributes,
  nameKey,
  splitTitleYear,
  stripDisambiguator,
  titleKey,
  titleWithYear,
} from './text.js';
import { SPLITS, type Attributes, type Dataset, type Dialogue, type Item, type Role, type Split, type Utterance } from './types.js';

export type { LoadOptions } from './descriptor.js';

export const INSPIRED_FILES = {
  entity2id: 'inspired/unicrs_dbpedia/entity2id.json.gz',
  itemIds: 'inspired/unicrs_dbpedia/item_ids.json',
  itemsUnicrs: 'inspired/derived/items_unicrs.jsonl.gz',
  itemsCfcrs: 'inspired/derived/items_cfcrs.jsonl.gz',
  dialogues: (split: Split): string => `inspired/unicrs/${split}_data_dbpedia.jsonl.gz`,
} as const;

interface RawUtterance {
  text: string;
  role: Role;
  movie: string[];
  entityLink: string[];
  entityName: string[];
  movieLink: string[];
  movieName: string[];
}

interface RawDialogue {
  line: number;
  utterances: RawUtterance[];
}

const ROLES: Record<string, Role> = { RECOMMENDER: 'recommender', SEEKER: 'seeker' };

// DBpedia concepts the UniCRS entity linker attaches to everyday words ("movie", "cast", "who" -> The Who):
// they say nothing about a preference, so they are not kept as dialogue entities.
const GENERIC_ENTITIES = new Set([
  'Film', 'Actor', 'Acting', 'Theatre', 'Television show', 'Television', 'Film director', 'Play (theatre)',
  'Filmmaking', 'Hollywood', 'The Who', 'Album', 'Remix', 'Short story', 'Record producer', 'Fiction',
  'Comedian', 'Cinematography', 'Soundtrack', 'Film score', 'Special effect', 'Voice acting', 'Author',
  'Singing', 'Popular music', 'Hard rock', 'House music', 'Pop music', 'Rock music', 'Folk music',
  'Television presenter', 'Physician', 'Sarcasm', 'Police officer', 'Boxing',
]);

function parseUtterance(value: unknown): RawUtterance | string {
  if (!isRecord(value)) return 'utterance is not an object';
  if (typeof value.text !== 'string') return 'utterance has no string "text"';
  const role = typeof value.role === 'string' ? ROLES[value.role] : undefined;
  if (role === undefined) return `utterance has role ${JSON.stringify(value.role)} (want RECOMMENDER or SEEKER)`;
  const fields = {
    movie: stringArrayField(value, 'movie'),
    entityLink: stringArrayField(value, 'entity_link'),
    entityName: stringArrayField(value, 'entity_name'),
    movieLink: stringArrayField(value, 'movie_link'),
    movieName: stringArrayField(value, 'movie_name'),
  };
  for (const [key, field] of Object.entries(fields)) if (field === null) return `utterance field ${key} is not a string array`;
  const f = fields as Record<keyof typeof fields, string[]>;
  if (f.movieLink.length !== f.movieName.length) return 'movie_link and movie_name differ in length';
  if (f.entityLink.length !== f.entityName.length) return 'entity_link and entity_name differ in length';
  return { text: value.text, role, ...f };
}

function parseDialogue(line: JsonLine): RawDialogue | string {
  if (!Array.isArray(line.value)) return 'dialogue is not a JSON array of utterances';
  const utterances: RawUtterance[] = [];
  for (let i = 0; i < line.value.length; i++) {
    const parsed = parseUtterance(line.value[i]);
    if (typeof parsed === 'string') return `utterance ${i}: ${parsed}`;
    utterances.push(parsed);
  }
  return { line: line.line, utterances };
}

interface CfcrsMovie {
  name: string;
  year?: number;
  attributes: Attributes;
}

/** Label "Parasite (2019 film)" -> base "Parasite", year 2019; "Blade Runner (franchise)" keeps its label. */
function parseLabel(label: string): { base: string; year?: number } {
  const match = /^(.*?)\s*\(([^()]*)\)$/.exec(cleanSpaces(label));
  if (match === null || match[1] === undefined || match[2] === undefined) return { base: cleanSpaces(label) };
  const qualifier = match[2];
  if (!/film|series|season|miniseries|\bTV\b|movie|serial|special/i.test(qualifier)) return { base: cleanSpaces(label) };
  const year = /\b(1[89]\d\d|20\d\d)\b/.exec(qualifier);
  return year === null ? { base: match[1] } : { base: match[1], year: Number(year[1]) };
}

function mostCommon(counts: Map<string, number> | undefined): string | undefined {
  if (counts === undefined) return undefined;
  let best: string | undefined;
  let bestCount = 0;
  for (const [value, count] of counts) {
    if (count > bestCount) {
      best = value;
      bestCount = count;
    }
  }
  return best;
}

export function loadInspired(root: string, options: LoadOptions = {}): Dataset {
  const report = new LoadReport(options.strict === true);
  const rel = (path: string): string => relative(root, path);
  const notes: string[] = [];

  const entity2idPath = requireFile(root, INSPIRED_FILES.entity2id);
  const itemIdsPath = requireFile(root, INSPIRED_FILES.itemIds);
  const itemsPath = requireFile(root, INSPIRED_FILES.itemsUnicrs);
  const cfcrsPath = requireFile(root, INSPIRED_FILES.itemsCfcrs);
  const dialoguePaths = Object.fromEntries(SPLITS.map((s) => [s, requireFile(root, INSPIRED_FILES.dialogues(s))])) as Record<Split, string>;

  const entity2id = readEntity2id(entity2idPath);
  const itemIds = new Set(readItemIds(itemIdsPath).map(String));

  // 1. Raw dialogues first: their `movie` strings ("Knives Out (2019)") give years the DBpedia labels lack.
  const raw = {} as Record<Split, RawDialogue[]>;
  for (const split of SPLITS) {
    const path = dialoguePaths[split];
    raw[split] = [];
    for (const line of readJsonl(path, report)) {
      const parsed = parseDialogue(line);
      if (typeof parsed === 'string') report.problem(path, line.line, parsed);
      else raw[split].push(parsed);
    }
  }
  // movie_link -> "Title (Year)" strings of the same utterance whose title matches the link's movie_name.
  const yearEvidence = new Map<string, Map<string, number>>();
  for (const split of SPLITS) {
    for (const dialogue of raw[split]) {
      for (const u of dialogue.utterances) {
        if (u.movie.length === 0) continue;
        u.movieLink.forEach((link, k) => {
          const key = titleKey(u.movieName[k] ?? '');
          for (const movie of u.movie) {
            const parsed = splitTitleYear(movie);
            if (parsed.year === undefined || titleKey(parsed.title) !== key) continue;
            const counts = yearEvidence.get(link) ?? new Map<string, number>();
            counts.set(movie, (counts.get(movie) ?? 0) + 1);
            yearEvidence.set(link, counts);
          }
        });
      }
    }
  }

  // 2. CFCRS attributes by title key.
  const cfcrsByKey = new Map<string, CfcrsMovie[]>();
  for (const line of readJsonl(cfcrsPath, report)) {
    const v = line.value;
    if (!isRecord(v) || typeof v.name !== 'string') {
      report.problem(cfcrsPath, line.line, 'CFCRS item has no string "name"');
      continue;
    }
    const genre = stringArrayField(v, 'genre');
    const director = stringArrayField(v, 'director');
    const star = stringArrayField(v, 'star');
    if (genre === null || director === null || star === null) {
      report.problem(cfcrsPath, line.line, 'CFCRS item genre/director/star is not a string array');
      continue;
    }
    const { title, year } = splitTitleYear(v.name);
    const movie: CfcrsMovie = {
      name: cleanSpaces(v.name),
      ...(year === undefined ? {} : { year }),
      attributes: { genre: genre.filter((g) => g.trim() !== ''), director, actor: star },
    };
    const key = titleKey(title);
    cfcrsByKey.set(key, [...(cfcrsByKey.get(key) ?? []), movie]);
  }

  // 3. Items: UniCRS DBpedia items joined with CFCRS by "Title (Year)".
  const items: Item[] = [];
  const seenIds = new Set<string>();
  let joinedExact = 0;
  let joinedTitleOnly = 0;
  let withYear = 0;
  for (const line of readJsonl(itemsPath, report)) {
    const v = line.value;
    if (!isRecord(v) || typeof v.unicrs_entity_id !== 'number' || typeof v.label !== 'string') {
      report.problem(itemsPath, line.line, 'item needs a numeric "unicrs_entity_id" and a string "label"');
      continue;
    }
    const id = String(v.unicrs_entity_id);
    if (!itemIds.has(id)) {
      report.problem(itemsPath, line.line, `dangling item id ${id}: not in ${rel(itemIdsPath)}`);
      continue;
    }
    if (seenIds.has(id)) {
      report.problem(itemsPath, line.line, `duplicate item id ${id}`);
      continue;
    }
    const lists = {
      surface: stringArrayField(v, 'surface_names'),
      director: stringArrayField(v, 'director'),
      starring: stringArrayField(v, 'starring'),
      writer: stringArrayField(v, 'writer'),
      producer: stringArrayField(v, 'producer'),
      genre: stringArrayField(v, 'genre'),
    };
    const bad = Object.entries(lists).find(([, value]) => value === null);
    if (bad !== undefined) {
      report.problem(itemsPath, line.line, `item ${id}: field ${bad[0]} is not a string array`);
      continue;
    }
    const l = lists as Record<keyof typeof lists, string[]>;
    seenIds.add(id);

    const { base, year: labelYear } = parseLabel(v.label);
    const uri = typeof v.dbpedia_uri === 'string' ? v.dbpedia_uri : undefined;
    const evidence = uri === undefined ? undefined : yearEvidence.get(uri);
    const evidenceYear = splitTitleYear(mostCommon(evidence) ?? '').year;
    const year = labelYear ?? evidenceYear;
    if (year !== undefined) withYear++;

    const keys = new Set([base, ...l.surface].map(titleKey));
    const candidates = [...keys].flatMap((k) => cfcrsByKey.get(k) ?? []);
    let cfcrs: CfcrsMovie | undefined;
    if (year !== undefined) {
      cfcrs = candidates.find((c) => c.year === year);
      if (cfcrs !== undefined) joinedExact++;
    } else if (new Set(candidates.map((c) => c.name)).size === 1) {
      cfcrs = candidates[0];
      joinedTitleOnly++;
    }

    const dbpedia: Attributes = {
      genre: sourceGenres(l.genre),
      director: l.director.map(stripDisambiguator),
      actor: l.starring.map(stripDisambiguator),
      writer: l.writer.map(stripDisambiguator),
      producer: l.producer.map(stripDisambiguator),
    };
    const cfcrsAttributes = cfcrs?.attributes ?? {};
    // Genres: CFCRS first (IMDb-style, complete); people: DBpedia first (it also has writer/producer).
    const attributes = mergeAttributes({ genre: cfcrsAttributes.genre ?? [] }, dbpedia, cfcrsAttributes);
    const title = titleWithYear(base, year);
    const aliases = distinctBy(
      [base, ...l.surface, ...(evidence === undefined ? [] : evidence.keys()), ...(cfcrs ? [cfcrs.name] : [])]
        .map(cleanSpaces)
        .filter((a) => a !== title),
      (a) => a.toLowerCase(),
    );
    items.push({
      id,
      index: 0,
      title,
      ...(year === undefined ? {} : { year }),
      aliases,
      attributes,
      description: describeFromAttributes(title, attributes),
      ...(typeof v.n_mentions === 'number' ? { mentions: v.n_mentions } : {}),
    });
  }
  // Catalog ids without a metadata row still become items, named from their DBpedia URI.
  const uriById = new Map<string, string>();
  for (const [uri, id] of entity2id) uriById.set(String(id), uri);
  let bare = 0;
  for (const id of itemIds) {
    if (seenIds.has(id)) continue;
    bare++;
    const title = parseLabel(dbpediaLabel(uriById.get(id) ?? `item ${id}`)).base;
    items.push({ id, index: 0, title, aliases: [], attributes: {}, description: `${title}.` });
  }
  if (bare > 0) notes.push(`${bare} ids of item_ids.json had no row in ${rel(itemsPath)} and were added with their DBpedia name only.`);
  items.sort((a, b) => Number(a.id) - Number(b.id));
  items.forEach((item, index) => {
    item.index = index;
  });
  const itemById = new Map(items.map((item) => [item.id, item]));
  notes.push(
    `${withYear}/${items.length} items have a year (from the DBpedia label or the dialogues' "Title (Year)" movie strings).`,
    `CFCRS join: ${joinedExact} items by title and year, ${joinedTitleOnly} by a unique title (no year known); ` +
      `${items.length - joinedExact - joinedTitleOnly} items have DBpedia attributes only.`,
  );

  // 4. Normalized dialogues.
  let itemEntityLinks = 0;
  let genericEntityLinks = 0;
  let mislinkedEntities = 0;
  const dialogues = {} as Record<Split, Dialogue[]>;
  for (const split of SPLITS) {
    const path = dialoguePaths[split];
    dialogues[split] = raw[split].map((rawDialogue) => {
      const utterances = rawDialogue.utterances.map((u, turn): Utterance => {
        const uttItems: string[] = [];
        const entities: string[] = [];
        u.movieLink.forEach((link, k) => {
          const id = entity2id.get(link);
          if (id === undefined) {
            report.problem(path, rawDialogue.line, `utterance ${turn}: dangling movie_link ${link} (not in ${rel(entity2idPath)})`);
            return;
          }
          if (itemById.has(String(id))) uttItems.push(String(id));
          // A movie outside the 1,123-item catalog is still a preference signal: keep its name as an entity.
          else entities.push(cleanSpaces(u.movieName[k] ?? dbpediaLabel(link)));
        });
        u.entityLink.forEach((link, k) => {
          const id = entity2id.get(link);
          if (id !== undefined && itemById.has(String(id))) {
            itemEntityLinks++;
            return;
          }
          const label = dbpediaLabel(link);
          const genres = genresOfLabel(label);
          if (genres.length > 0) {
            entities.push(...genres);
            return;
          }
          if (GENERIC_ENTITIES.has(label)) {
            genericEntityLinks++;
            return;
          }
          const name = stripDisambiguator(label);
          const surfaceWords = new Set(nameKey(u.entityName[k] ?? '').split(' '));
          // The linker maps common words to unrelated pages ("newer" -> Contemporary R&B): require a shared word.
          if (!nameKey(name).split(' ').some((w) => surfaceWords.has(w))) {
            mislinkedEntities++;
            return;
          }
          entities.push(name);
        });
        return {
          role: u.role,
          text: u.text,
          items: [...new Set(uttItems)],
          entities: distinctBy(entities, (e) => e.toLowerCase()),
        };
      });
      return { id: `${split}_${rawDialogue.line - 1}`, split, utterances };
    });
  }
  notes.push(
    'Samples: one per (recommender utterance, distinct movie_link item in it), first utterance included, ' +
      'targets already mentioned earlier kept.',
    `Entities: entity_link labels (genres mapped to the shared genre vocabulary); left out: ${itemEntityLinks} ` +
      `entity links that point at catalog items (items come from movie_link only), ${genericEntityLinks} generic ` +
      `concepts (Film, Actor, ...), ${mislinkedEntities} links sharing no word with their surface text.`,
  );

  const samples = {} as Dataset['samples'];
  for (const split of SPLITS) samples[split] = samplesOfDialogues(dialogues[split]);

  return {
    name: 'inspired',
    root,
    items,
    itemById,
    dialogues,
    samples,
    warnings: report.warnings,
    sources: {
      items: [itemsPath, cfcrsPath, itemIdsPath, entity2idPath].map(rel),
      train: [rel(dialoguePaths.train)],
      valid: [rel(dialoguePaths.valid)],
      test: [rel(dialoguePaths.test)],
      trainIsPartial: false,
      notes,
    },
  };
}

/** The descriptor a dataset registry takes as is. */
export const INSPIRED_DATASET: DatasetDescriptor = {
  name: 'inspired',
  title: 'INSPIRED',
  description: 'INSPIRED movie dialogues (CRSLab form)',
  folder: 'inspired',
  files: [INSPIRED_FILES.entity2id, INSPIRED_FILES.itemIds, INSPIRED_FILES.itemsUnicrs, INSPIRED_FILES.itemsCfcrs, ...SPLITS.map(INSPIRED_FILES.dialogues)],
  load: loadInspired,
};
