import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataFormatError, DataNotFoundError } from '../../src/data/errors.js';
import { loadInspired } from '../../src/data/inspired.js';
import { loadRedial } from '../../src/data/redial.js';
import { SPLITS } from '../../src/data/types.js';
import { INSPIRED_DIALOGUE, redialDialogue, tempRoots, writeInspiredFixture, writeLines, writeRedialFixture } from './fixtures.js';

const fresh = tempRoots();

const danglingDialogue = [
  { text: 'Seen Alien?', role: 'SEEKER', movie: [], entity_link: [], entity_name: [], movie_link: ['<http://dbpedia.org/resource/Alien_(film)>'], movie_name: ['Alien'] },
  ...INSPIRED_DIALOGUE.slice(2),
];

describe('loadInspired on fixture files', () => {
  it('loads a clean fixture: years, CFCRS join, one sample per distinct target', () => {
    const ds = loadInspired(writeInspiredFixture(fresh()));
    expect(ds.warnings).toEqual([]);
    expect(ds.items.map((i) => i.title)).toEqual(['Heat (1995)', 'Ronin (1998)', 'Collateral']);
    const ronin = ds.itemById.get('11');
    expect(ronin?.attributes.genre).toEqual(['action', 'thriller']);
    expect(ronin?.attributes.actor).toEqual(['Robert De Niro', 'Jean Reno']);
    for (const split of SPLITS) expect(ds.samples[split]).toHaveLength(1);
    const s = ds.samples.train[0];
    expect(s?.target).toBe('11');
    expect(s?.contextItems).toEqual(['10']);
    expect(s?.contextEntities).toEqual(['action']);
  });

  it('non-strict: counts a corrupt JSON line, a wrong-shaped line and a dangling id as file:line warnings', () => {
    const root = writeInspiredFixture(fresh(), {
      train: [INSPIRED_DIALOGUE, '{"text": broken', { not: 'an array' }, danglingDialogue],
    });
    const ds = loadInspired(root);
    const file = join(root, 'inspired/unicrs/train_data_dbpedia.jsonl.gz');
    expect(ds.warnings.map((w) => [w.file, w.line])).toEqual([
      [file, 2],
      [file, 3],
      [file, 4],
    ]);
    expect(ds.warnings[0]?.message).toMatch(/invalid JSON/);
    expect(ds.warnings[1]?.message).toMatch(/not a JSON array/);
    expect(ds.warnings[2]?.message).toMatch(/dangling movie_link .*Alien/);
    // The dangling link is dropped, the rest of its dialogue is kept.
    expect(ds.dialogues.train).toHaveLength(2);
    expect(ds.samples.train).toHaveLength(2);
  });

  it('strict: throws DataFormatError naming file:line', () => {
    const root = writeInspiredFixture(fresh(), { valid: [INSPIRED_DIALOGUE, '{"text": broken'] });
    expect(() => loadInspired(root, { strict: true })).toThrowError(DataFormatError);
    expect(() => loadInspired(root, { strict: true })).toThrowError(/valid_data_dbpedia\.jsonl\.gz:2: invalid JSON/);
    const dangling = writeInspiredFixture(fresh(), { test: [danglingDialogue] });
    expect(() => loadInspired(dangling, { strict: true })).toThrowError(/test_data_dbpedia\.jsonl\.gz:1: utterance 0: dangling movie_link/);
  });

  it('reports an item row whose id is not in item_ids.json', () => {
    const root = writeInspiredFixture(fresh());
    writeLines(root, 'inspired/derived/items_unicrs.jsonl.gz', [
      { unicrs_entity_id: 10, label: 'Heat (1995 film)', surface_names: [], director: [], starring: [], genre: [], writer: [], producer: [] },
      { unicrs_entity_id: 99, label: 'Nowhere', surface_names: [], director: [], starring: [], genre: [], writer: [], producer: [] },
    ]);
    const ds = loadInspired(root);
    expect(ds.warnings.some((w) => w.line === 2 && /dangling item id 99/.test(w.message))).toBe(true);
    // Catalog ids without a row are still items (named from their URI) and noted.
    expect(ds.items.map((i) => i.id)).toEqual(['10', '11', '12']);
    expect(ds.sources?.notes.some((n) => n.startsWith('2 ids of item_ids.json'))).toBe(true);
  });

  it('names the missing file when one is absent', () => {
    const root = writeInspiredFixture(fresh());
    rmSync(join(root, 'inspired/derived/items_cfcrs.jsonl.gz'));
    expect(() => loadInspired(root)).toThrowError(DataNotFoundError);
    expect(() => loadInspired(root)).toThrowError(/items_cfcrs\.jsonl\.gz/);
  });
});

describe('loadRedial on fixture files', () => {
  it('loads a clean fixture: titles, merged turns, no valid dialogue in train, partial train recorded', () => {
    const ds = loadRedial(writeRedialFixture(fresh()));
    expect(ds.warnings).toEqual([]);
    expect(ds.items.map((i) => i.title)).toEqual(['Heat (1995)', 'Ronin (1998)', 'Collateral']);
    expect(ds.itemById.get('100')?.description).toBe('A cop chases a thief.');
    expect(ds.itemById.get('101')?.description).toMatch(/^Ronin \(1998\)\. Genre: action\./);
    expect(ds.dialogues.train.map((d) => d.id)).toEqual(['p1']);
    expect(ds.sources?.trainIsPartial).toBe(true);
    const p1 = ds.dialogues.train[0];
    expect(p1?.utterances).toHaveLength(2);
    expect(p1?.utterances[1]?.text).toBe('Have you seen Heat (1995) ? Or Ronin (1998) with Robert De Niro?');
    expect(p1?.utterances[1]?.entities).toEqual(['Robert De Niro']);
    expect(ds.samples.train.map((s) => s.target)).toEqual(['100', '101']);
    expect(ds.dialogues.valid[0]?.utterances[0]?.entities).toEqual(['crime']);
  });

  it('uses the official train file when present, minus valid and test dialogues', () => {
    const root = writeRedialFixture(fresh());
    writeLines(root, 'redial/official/train_data.jsonl', [
      redialDialogue('p1', [[1, 'Hello'], [2, 'Have you seen @100 ?']]),
      redialDialogue('v1', [[1, 'Any crime movie?'], [2, 'Sure: @100']]),
      redialDialogue('t1', [[1, 'I love action like @100'], [2, 'Try @101']]),
      redialDialogue('p2', [[1, 'Hi'], [2, 'Watch @102']]),
    ]);
    const ds = loadRedial(root);
    expect(ds.dialogues.train.map((d) => d.id)).toEqual(['p1', 'p2']);
    expect(ds.sources?.trainIsPartial).toBe(false);
    expect(ds.sources?.train).toEqual(['redial/official/train_data.jsonl']);
  });

  it('non-strict: counts a dangling @id, a corrupt line and a wrong-shaped dialogue', () => {
    const root = writeRedialFixture(fresh(), {
      test: [
        redialDialogue('t1', [[1, 'I love @100'], [2, 'Try @999 or @101']]),
        'not json',
        { conversationId: 't3', messages: [] },
      ],
    });
    const ds = loadRedial(root);
    const file = join(root, 'redial/official/test_data.jsonl.gz');
    expect(ds.warnings.map((w) => `${w.file}:${w.line}`)).toEqual([`${file}:2`, `${file}:3`, `${file}:1`]);
    expect(ds.warnings[2]?.message).toMatch(/dangling movie id @999/);
    expect(ds.warnings[1]?.message).toMatch(/initiatorWorkerId/);
    // The dangling id is not an item; its text keeps the raw reference.
    expect(ds.samples.test.map((s) => s.target)).toEqual(['101']);
    expect(ds.dialogues.test[0]?.utterances[1]?.text).toBe('Try @999 or Ronin (1998)');
  });

  it('strict: throws DataFormatError naming file:line', () => {
    const root = writeRedialFixture(fresh(), { valid: [redialDialogue('v1', [[1, 'Hi'], [2, 'See @555']])] });
    expect(() => loadRedial(root, { strict: true })).toThrowError(DataFormatError);
    expect(() => loadRedial(root, { strict: true })).toThrowError(/valid_data\.jsonl\.gz:1: conversation v1, message 1: dangling movie id @555/);
  });

  it('maps iEvaLM item names when a message text has no @ids', () => {
    const root = writeRedialFixture(fresh(), {
      valid: [
        {
          ...redialDialogue('v1', []),
          messages: [
            { senderWorkerId: 1, text: 'Hi' },
            { senderWorkerId: 2, text: 'Try Ronin', item: ['Ronin (1998)'] },
            { senderWorkerId: 2, text: 'Or Nothing', item: ['Nothing (2001)'] },
          ],
        },
      ],
    });
    const ds = loadRedial(root);
    expect(ds.samples.valid.map((s) => s.target)).toEqual(['101']);
    expect(ds.warnings.map((w) => w.message)).toEqual(['conversation v1, message 2: unknown item name "Nothing (2001)"']);
  });
});
