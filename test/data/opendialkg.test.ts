// OpenDialKG (iEvaLM form): the loader on fixture files (shape, roles, samples, malformed input) and on the
// real files in ../shared/data when present (counts of the data README).
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildItemGraph } from '../../src/encoders/item-graph.js';
import { DataFormatError, DataNotFoundError } from '../../src/data/errors.js';
import { OPENDIALKG_DATASET, OPENDIALKG_FILES, baseName, loadOpenDialKG } from '../../src/data/opendialkg/index.js';
import { resolveDataRoot } from '../../src/data/paths.js';
import { INSPIRED_DATASET } from '../../src/data/inspired.js';
import { LoadReport, readJsonl } from '../../src/data/read.js';
import { REDIAL_DATASET } from '../../src/data/redial.js';
import { trainItemCounts } from '../../src/data/signals.js';
import { datasetStats, formatStats } from '../../src/data/stats.js';
import { SPLITS, type Dataset } from '../../src/data/types.js';
import { opendialkgRow, tempRoots, writeLines, writeOpenDialKGFixture, writeRedialFixture } from './fixtures.js';

const fresh = tempRoots();

describe('loadOpenDialKG on fixture files', () => {
  it('builds items from id2info and item_ids.json only', () => {
    const ds = loadOpenDialKG(writeOpenDialKGFixture(fresh()));
    expect(ds.warnings).toEqual([]);
    expect(ds.items.map((i) => [i.id, i.title])).toEqual([
      ['0', 'Heat (1995)'],
      ['2', 'Ronin (1998)'],
      ['4', 'Dune'],
    ]);
    const heat = ds.itemById.get('0');
    expect(heat?.attributes).toEqual({ genre: ['crime', 'drama'], director: ['Michael Mann'], actor: ['Al Pacino'] });
    expect(heat?.description).toBe('Heat (1995). Genre: crime, drama. Directed by Michael Mann. Starring Al Pacino. Language: English.');
    expect(ds.itemById.get('2')?.aliases).toEqual(['Ronin (Action Film)', 'Ronin']);
    expect(ds.itemById.get('4')?.attributes).toEqual({ genre: ['speculative fiction'], writer: ['Frank Herbert'] });
  });

  it('makes one sample per distinct rec item, with context items and entities from the entity list', () => {
    const ds = loadOpenDialKG(writeOpenDialKGFixture(fresh()));
    expect(ds.samples.train.map((s) => [s.id, s.target])).toEqual([['7#1#0', '0']]);
    const test = ds.samples.test;
    expect(test.map((s) => [s.id, s.target, s.turnIndex])).toEqual([
      ['7#3#0', '2', 3],
      ['7#3#1', '0', 3],
    ]);
    expect(test[0]?.contextItems).toEqual(['0']);
    expect(test[0]?.contextEntities).toEqual(['Al Pacino', 'Drama']);
    // Heat was mentioned before: its sample is outside the new-item subset.
    expect(test.map((s) => s.contextItems.includes(s.target))).toEqual([false, true]);
    expect(test[0]?.response).toBe('Try Ronin, or Heat again.');
    // Ids are opaque: the last part is the target's place among the turn's items ('7#3#0' targets item 2).
  });

  it('alternates roles back from the response and puts annotations on the messages that write them', () => {
    const ds = loadOpenDialKG(writeOpenDialKGFixture(fresh()));
    const context = ds.samples.test[0]?.context ?? [];
    expect(context.map((u) => u.role)).toEqual(['seeker', 'recommender', 'seeker']);
    expect(context.map((u) => u.entities)).toEqual([['Al Pacino'], ['Al Pacino', 'Drama'], []]);
    // Message 1 is the train turn: its rec item first, then the items annotated in it.
    expect(context[1]?.items).toEqual(['0']);
    expect(context[2]?.items).toEqual(['0']);
  });

  it('ends a train dialogue before its first valid/test turn, so train never sees a held-out target', () => {
    const root = writeOpenDialKGFixture(fresh(), {
      train: [
        opendialkgRow(7, ['Do you know any Al Pacino movies?'], ['Al Pacino'], ['Heat'], 'He was great in Heat.'),
        opendialkgRow(7, ['Do you know any Al Pacino movies?', 'He was great in Heat.', 'More?', 'Try Ronin.', 'And?'], ['Al Pacino', 'Heat', 'Ronin (Action Film)'], ['Dune'], 'Read Dune.'),
      ],
      test: [opendialkgRow(7, ['Do you know any Al Pacino movies?', 'He was great in Heat.', 'More?'], ['Al Pacino', 'Heat'], ['Ronin (Action Film)'], 'Try Ronin.')],
    });
    const ds = loadOpenDialKG(root);
    expect(ds.samples.train.map((s) => s.target)).toEqual(['0', '4']);
    expect(ds.dialogues.train.map((d) => d.utterances.length)).toEqual([2]);
    expect(ds.dialogues.test.map((d) => d.utterances.length)).toEqual([4]);
    expect(Object.fromEntries(trainItemCounts(ds))).toEqual({ '0': 1 });
    expect(ds.sources?.notes.some((n) => n.includes('1 train samples come after such a turn') && n.includes('1 valid/test turns are answered'))).toBe(true);
  });

  it('drops a rec item that is in id2info but outside the catalog, and notes it', () => {
    const ds = loadOpenDialKG(writeOpenDialKGFixture(fresh()));
    expect(ds.samples.valid.map((s) => s.target)).toEqual(['4']);
    expect(ds.dialogues.valid.map((d) => d.utterances.length)).toEqual([4]);
    expect(ds.sources?.notes).toContain('1 rec items are id2info entries outside the catalog (not in item_ids.json), so they give no sample: The Neon Bible (valid).');
    expect(ds.warnings).toEqual([]);
  });

  it('non-strict: a corrupt line, a wrong-shaped row, an unknown rec item and a contradicting row are file:line warnings', () => {
    const root = writeOpenDialKGFixture(fresh(), {
      train: [
        opendialkgRow(7, ['Do you know any Al Pacino movies?'], ['Al Pacino'], ['Heat'], 'He was great in Heat. Do you like crime films?'),
        '{"dialog_id": 9, broken',
        { dialog_id: 9, turn_id: 1, context: ['Hi'], entity: [], rec: 'Heat', resp: 'Heat' },
        opendialkgRow(9, ['Hi'], [], ['Nowhere Movie', 'Heat'], 'Nowhere Movie or Heat'),
        opendialkgRow(7, ['Do you like Al Pacino?', 'x', 'y'], ['Al Pacino'], ['Heat'], 'Heat'),
      ],
    });
    const ds = loadOpenDialKG(root);
    const file = join(root, OPENDIALKG_FILES.turns('train'));
    expect(ds.warnings.map((w) => `${w.file}:${w.line}`)).toEqual([`${file}:2`, `${file}:3`, `${file}:5`, `${file}:4`]);
    expect(ds.warnings[0]?.message).toMatch(/invalid JSON/);
    expect(ds.warnings[1]?.message).toBe('dialog 9, turn 1: "rec" is not a string array');
    expect(ds.warnings[2]?.message).toMatch(/context disagrees with an earlier turn of dialog 7/);
    expect(ds.warnings[3]?.message).toBe('dialog 9, turn 1: rec item "Nowhere Movie" is in neither id2info nor entity2id');
    // What is sound still loads: dialogue 9's Heat, dialogue 7's first turn.
    expect(ds.samples.train.map((s) => s.id)).toEqual(['7#1#0', '9#1#0']);
  });

  it('strict: throws DataFormatError naming file:line', () => {
    const root = writeOpenDialKGFixture(fresh(), { valid: [opendialkgRow(8, ['Books?'], [], ['Nowhere Book'], 'Nowhere Book')] });
    expect(() => loadOpenDialKG(root, { strict: true })).toThrowError(DataFormatError);
    expect(() => loadOpenDialKG(root, { strict: true })).toThrowError(/eval_valid_data_processed\.jsonl\.gz:1: dialog 8, turn 1: rec item "Nowhere Book"/);
    const broken = writeOpenDialKGFixture(fresh());
    writeLines(broken, 'opendialkg/ievalm/item_ids.json', ['[0, "two"]']);
    expect(() => loadOpenDialKG(broken)).toThrowError(/item_ids\.json:1: item_ids\.json is not an array of numbers/);
  });

  it('names a missing file', () => {
    const root = writeOpenDialKGFixture(fresh());
    rmSync(join(root, OPENDIALKG_FILES.turns('test')));
    expect(() => loadOpenDialKG(root)).toThrowError(DataNotFoundError);
    expect(() => loadOpenDialKG(root)).toThrowError(/eval_test_data_processed\.jsonl\.gz/);
  });

  it('has a descriptor a registry can take as is', () => {
    const root = writeOpenDialKGFixture(fresh());
    expect(OPENDIALKG_DATASET.name).toBe('opendialkg');
    expect(OPENDIALKG_DATASET.folder).toBe('opendialkg');
    expect(OPENDIALKG_DATASET.files.every((f) => f.startsWith('opendialkg/'))).toBe(true);
    expect(OPENDIALKG_DATASET.load(root).samples.test).toHaveLength(2);
    // The other datasets have the same shape.
    for (const d of [INSPIRED_DATASET, REDIAL_DATASET]) {
      expect(d.files.every((f) => f.startsWith(`${d.folder}/`))).toBe(true);
      expect(d.name).toBe(d.folder);
    }
    expect(REDIAL_DATASET.load(writeRedialFixture(fresh())).name).toBe('redial');
  });

  it('strips type qualifiers and series numbers from names, not real parentheses', () => {
    expect(baseName('The Blob (Horror Film) #28')).toBe('The Blob');
    expect(baseName('The Great Gatsby (Award-Winning Work)')).toBe('The Great Gatsby');
    expect(baseName('Revenge of the Wannabes (The Clique, #3)')).toBe('Revenge of the Wannabes (The Clique, #3)');
    expect(baseName('The Last Summer (of You and Me)')).toBe('The Last Summer (of You and Me)');
  });
});

/** The shared data root when it holds the OpenDialKG files, else null (the real-data tests are skipped). */
function opendialkgRoot(): string | null {
  try {
    const root = resolveDataRoot(undefined, { env: {} });
    return OPENDIALKG_DATASET.files.every((f) => existsSync(join(root, f))) ? root : null;
  } catch {
    return null;
  }
}
const odkgRoot = opendialkgRoot();

describe.skipIf(odkgRoot === null)('loadOpenDialKG on the real data', () => {
  let ds: Dataset;
  beforeAll(() => {
    ds = loadOpenDialKG(odkgRoot as string);
  });

  it('has the README counts, with no warnings', () => {
    expect(ds.items).toHaveLength(2965);
    expect(ds.warnings).toEqual([]);
    const turns = (split: 'train' | 'valid' | 'test') => new Set(ds.samples[split].map((s) => `${s.dialogueId}#${s.turnIndex}`)).size;
    // Rows: train 5,547, valid 1,188, test 1,188; one row each in valid and test has only an out-of-catalog rec item.
    expect(SPLITS.map(turns)).toEqual([5547, 1187, 1187]);
    expect(SPLITS.map((s) => new Set(ds.samples[s].map((x) => x.dialogueId)).size)).toEqual([4100, 1123, 1112]);
    expect(SPLITS.map((s) => ds.dialogues[s].length)).toEqual([4100, 1124, 1113]);
    expect(SPLITS.map((s) => ds.samples[s].length)).toEqual([5893, 1253, 1261]);
  });

  it('finds every rec item of every row in the catalog, but the two id2info-only ones', () => {
    let pairs = 0;
    for (const split of SPLITS) {
      const path = join(odkgRoot as string, OPENDIALKG_FILES.turns(split));
      const bySample = new Map(ds.samples[split].map((s) => [s.id, s]));
      for (const { value } of readJsonl(path, new LoadReport(true))) {
        const row = value as { dialog_id: number; context: string[]; rec: string[] };
        const names = [...new Set(row.rec)];
        pairs += names.length;
        const targets = names.map((_, k) => bySample.get(`${row.dialog_id}#${row.context.length}#${k}`)?.target);
        const found = targets.filter((t) => t !== undefined).map((t) => ds.itemById.get(t!));
        for (const item of found) expect(names.some((n) => n === item?.title || item?.aliases.includes(n))).toBe(true);
      }
    }
    expect(pairs).toBe(5893 + 1253 + 1261 + 2);
    expect(ds.sources?.notes.some((n) => n.startsWith('2 rec items are id2info entries outside the catalog'))).toBe(true);
  });

  it('has 424 test rows whose rec item was mentioned before (the new-item subset is the rest)', () => {
    const repeated = ds.samples.test.filter((s) => s.contextItems.includes(s.target));
    expect(new Set(repeated.map((s) => `${s.dialogueId}#${s.turnIndex}`)).size).toBe(424);
    expect(repeated).toHaveLength(431);
  });

  it('gives the seeker the message before every recommendation', () => {
    for (const split of SPLITS) {
      for (const s of ds.samples[split]) if (s.context.length > 0) expect(s.context[s.context.length - 1]?.role).toBe('seeker');
    }
  });

  it('never shows a valid/test recommendation to what is learned from train dialogues', () => {
    const train = new Map(ds.dialogues.train.map((d) => [d.id, d]));
    for (const s of [...ds.samples.valid, ...ds.samples.test]) {
      expect(train.get(s.dialogueId)?.utterances.length ?? 0).toBeLessThanOrEqual(s.turnIndex);
    }
    const ids = SPLITS.flatMap((s) => ds.samples[s].map((x) => x.id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('works with the stats and the item graph', () => {
    const stats = datasetStats(ds);
    expect(SPLITS.map((s) => stats.splits[s].recTurns)).toEqual([5547, 1187, 1187]);
    expect(formatStats(stats)).toMatch(/^dataset opendialkg/);
    const graph = buildItemGraph(ds);
    expect(graph.itemCount).toBe(2965);
    expect(graph.coMentionEdges.src.length).toBeGreaterThan(1000);
  });
});
