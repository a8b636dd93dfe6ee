// Issue 17: results must not depend on the embedding cache's history. One evaluation trains its components (E_C,
// simulator, the student distilled from USE lite, the dual-view retriever) with an empty embedding cache; another
// does the same after other commands filled the cache with the same texts encoded in other company and order
// (which, when a vector depended on its batch, left other bits there). Both summary.json files must be identical.
// A small INSPIRED-format data folder keeps it well under a minute; CRS_GYM_LONG=1 runs it on real INSPIRED too.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runEvaluation } from '../../src/pipeline/run-eval.js';
import { makeTextEncoder } from '../../envs/components.js';
import { loadDataset } from '../../src/data/load.js';
import { itemText } from '../../src/retriever/query-text.js';
import { semanticTexts } from '../../src/retriever/features.js';
import { queryFromSample } from '../../src/retriever/evaluate.js';
import { referencePreference } from '../../rewards/reference-preference.js';
import { writeJson, writeLines } from '../data/fixtures.js';
import { realDataRoot } from '../data/real-data.js';

const GENRES = ['action', 'comedy', 'drama', 'horror', 'romance', 'thriller'];
const WORDS = ['Silver', 'Night', 'River', 'Ghost', 'Summer', 'Iron', 'Paper', 'Lost', 'Golden', 'Last', 'Wild', 'Quiet'];
const NOUNS = ['Road', 'Heart', 'City', 'Storm', 'Garden', 'Machine', 'Dream', 'Harbor', 'Empire', 'Stranger'];
const PEOPLE = ['Anna Berg', 'Tom Reyes', 'Lena Ortiz', 'Sam Okafor', 'Mia Laurent', 'Jon Petrov', 'Ravi Shah', 'Eva Lind'];

const uri = (name: string): string => `<http://dbpedia.org/resource/${name}>`;

/** An INSPIRED folder with 24 movies and 30 / 8 / 8 dialogues (train / valid / test), deterministic. */
function writeSmallInspired(root: string): string {
  const movies = Array.from({ length: 24 }, (_, i) => {
    const title = `${WORDS[i % WORDS.length]} ${NOUNS[(i * 7) % NOUNS.length]}`;
    return { id: 100 + i, key: `${title.replace(/ /g, '_')}_(film)`, title, year: 1980 + i, genre: GENRES[i % GENRES.length]!, director: PEOPLE[i % PEOPLE.length]!, star: PEOPLE[(i * 3 + 1) % PEOPLE.length]! };
  });
  writeJson(root, 'inspired/unicrs_dbpedia/entity2id.json.gz', Object.fromEntries([...movies.map((m) => [uri(m.key), m.id]), ...GENRES.map((g, k) => [uri(`${g}_film`), 10 + k])]));
  writeJson(root, 'inspired/unicrs_dbpedia/item_ids.json', movies.map((m) => m.id));
  writeLines(
    root,
    'inspired/derived/items_unicrs.jsonl.gz',
    movies.map((m) => ({ unicrs_entity_id: m.id, dbpedia_uri: uri(m.key), label: `${m.title} (film)`, surface_names: [m.title], n_mentions: 1, director: [m.director], starring: [m.star], genre: [], writer: [], producer: [] })),
  );
  writeLines(root, 'inspired/derived/items_cfcrs.jsonl.gz', movies.map((m, k) => ({ cfcrs_entity_id: k, name: `${m.title} (${m.year})`, genre: [m.genre], director: [m.director], star: [m.star] })));
  const mention = (m: (typeof movies)[number]) => [m.key, m.title, `${m.title} (${m.year})`] as const;
  const utterance = (role: string, text: string, ms: Array<(typeof movies)[number]> = [], genre?: string) => ({
    text,
    role,
    movie: ms.map((m) => mention(m)[2]),
    entity_link: genre ? [uri(`${genre}_film`)] : [],
    entity_name: genre ? [`${genre} movies`] : [],
    movie_link: ms.map((m) => uri(mention(m)[0])),
    movie_name: ms.map((m) => mention(m)[1]),
  });
  const dialogue = (d: number) => {
    const liked = movies[(d * 5) % movies.length]!;
    const same = movies.filter((m) => m.genre === liked.genre && m !== liked);
    const first = same[d % same.length]!;
    const second = same[(d + 1) % same.length]!;
    return [
      utterance('RECOMMENDER', 'Hi! What kind of movies do you like?'),
      utterance('SEEKER', `I like ${liked.genre} movies like ${liked.title}, especially with ${liked.star}.`, [liked], liked.genre),
      utterance('RECOMMENDER', `You might enjoy ${first.title}, directed by ${first.director}.`, [first]),
      utterance('SEEKER', d % 2 === 0 ? 'I have seen that one. Anything else?' : 'Sounds good, what else?'),
      utterance('RECOMMENDER', `Then try ${second.title}!`, [second]),
    ];
  };
  const splits = { train: [0, 30], valid: [30, 38], test: [38, 46] } as const;
  for (const [split, [from, to]] of Object.entries(splits)) {
    writeLines(root, `inspired/unicrs/${split}_data_dbpedia.jsonl.gz`, Array.from({ length: to - from }, (_, k) => dialogue(from + k)));
  }
  return root;
}

/** Cheap training settings; USE lite is the teacher of the student, whose vectors everything reads. */
const COMPONENTS = {
  textEncoder: 'use-lite',
  lightgcn: { dim: 16, epochs: 2 },
  simulator: { epochs: 2, hidden: 16, userDim: 8 },
  student: { epochs: 2, bigramBuckets: 256, feedbackPerSample: 1, maxItems: 12, maxContexts: 20, maxFeedback: 20 },
  retriever: { lexicalDim: 64, lexicalSkip: true, itemBias: true, tokenDropout: 0.5, maxEpochs: 2, patience: 1, negatives: 8, batchSize: 16 },
};

const tmp: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tmp.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tmp) rmSync(dir, { recursive: true, force: true });
});

/** The corpus texts of a data folder, in an order and company no evaluation uses. */
function otherCompany(dataRoot: string): string[] {
  const dataset = loadDataset('inspired', { dataRoot });
  const texts = new Set<string>();
  for (const s of [...dataset.samples.train].reverse()) texts.add(semanticTexts(queryFromSample(s)).context);
  for (const item of dataset.items) {
    texts.add(referencePreference(item.attributes, 1));
    texts.add(itemText(item));
  }
  // Strangers of many lengths between them.
  return [...texts].flatMap((t, i) => (i % 3 === 0 ? [t, `${'Filler words here. '.repeat(1 + (i % 9))}${i}`] : [t]));
}

/** summary.json of the evaluation, and the id of the student it distilled (the id holds a hash of its weights). */
async function evaluateWithCache(dataRoot: string, embeddings: string, limit?: number): Promise<{ summary: string; student: string }> {
  const out = tempDir('crs-gym-cache-history-eval-');
  const artifactsDir = tempDir('crs-gym-cache-history-artifacts-');
  const saved = process.env.CRS_GYM_EMBEDDINGS;
  process.env.CRS_GYM_EMBEDDINGS = embeddings;
  try {
    await runEvaluation({
      dataset: 'inspired',
      dataRoot,
      artifactsDir,
      split: 'test',
      agent: 'retriever',
      rounds: 3,
      seed: 0,
      out,
      envOptions: { components: COMPONENTS },
      ...(limit === undefined ? {} : { limit }),
    });
  } finally {
    if (saved === undefined) delete process.env.CRS_GYM_EMBEDDINGS;
    else process.env.CRS_GYM_EMBEDDINGS = saved;
  }
  const student = (JSON.parse(readFileSync(join(artifactsDir, 'inspired', 'student', 'student.json'), 'utf8')) as { id: string }).id;
  return { summary: readFileSync(join(out, 'summary.json'), 'utf8'), student };
}

async function fillCache(dataRoot: string, dir: string): Promise<void> {
  const encoder = makeTextEncoder('use-lite', dir);
  const texts = otherCompany(dataRoot);
  // Two calls of different sizes, as other commands would make them.
  await encoder.encode(texts.slice(0, 7));
  await encoder.encode(texts.slice(7));
  await encoder.flush();
}

async function expectSameSummaries(dataRoot: string, limit?: number): Promise<void> {
  const empty = tempDir('crs-gym-cache-empty-');
  const fromEmpty = await evaluateWithCache(dataRoot, empty, limit);
  const filled = tempDir('crs-gym-cache-filled-');
  await fillCache(dataRoot, filled);
  const before = readdirSync(filled).length;
  expect(before).toBeGreaterThan(0);
  const afterOthers = await evaluateWithCache(dataRoot, filled, limit);
  expect(JSON.parse(afterOthers.summary)).toMatchObject({ samples: expect.any(Number) });
  // The same teacher vectors, so the same student weights, then the same retriever and the same results.
  expect(afterOthers.student).toBe(fromEmpty.student);
  expect(afterOthers.summary).toBe(fromEmpty.summary);
}

describe('results do not depend on the embedding cache history (issue 17)', () => {
  it('an evaluation with an empty cache and one after other commands filled it write identical summary.json files', async () => {
    await expectSameSummaries(writeSmallInspired(tempDir('crs-gym-cache-history-data-')));
  }, 900_000);

  it.skipIf(process.env.CRS_GYM_LONG !== '1' || realDataRoot('inspired') === null)('on real INSPIRED (CRS_GYM_LONG=1)', async () => {
    await expectSameSummaries(realDataRoot('inspired')!, 60);
  }, 3_600_000);
});
