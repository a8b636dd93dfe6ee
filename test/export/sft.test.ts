import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAction } from '../../envs/action.js';
import { RECOMMENDER_INSTRUCTION } from '../../envs/prompt.js';
import { referencePreference } from '../../rewards/reference-preference.js';
import { loadDataset } from '../../src/data/load.js';
import { makeSyntheticDataset } from '../../src/data/synthetic.js';
import type { Dataset, Item } from '../../src/data/types.js';
import { allowedItems } from '../../src/export/feedback-teacher.js';
import { writeJsonlAtomic } from '../../src/export/jsonl.js';
import { teacherRanking } from '../../src/export/recommender-teacher.js';
import { collectSft, exportSft, type SftRecord } from '../../src/export/sft.js';
import { ACCEPT_MARKER, SIMULATOR_SYSTEM_PROMPT } from '../../src/simulator/llm.js';
import { NameGuard } from '../../src/simulator/name-guard.js';
import { buildSimulatorInput } from '../../src/simulator/types.js';
import { realDataRoot } from '../data/real-data.js';

const hasInspired = realDataRoot('inspired') !== null;

function roles(r: SftRecord): string[] {
  return r.messages.map((m) => m.role);
}

describe.skipIf(!hasInspired)('SFT export on INSPIRED (teacher side, train split)', () => {
  let dataset: Dataset;
  let trainIds: Set<string>;
  let heldOutDialogues: Set<string>;

  beforeAll(() => {
    dataset = loadDataset('inspired');
    trainIds = new Set(dataset.samples.train.map((s) => s.id));
    heldOutDialogues = new Set([...dataset.dialogues.valid, ...dataset.dialogues.test].map((d) => d.id));
  });

  function expectTrainOnly(records: readonly SftRecord[]): void {
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) {
      expect(r.meta.split).toBe('train');
      expect(trainIds.has(r.meta.sampleId)).toBe(true);
      expect(heldOutDialogues.has(r.meta.dialogueId)).toBe(false);
      expect(roles(r)).toEqual(['system', 'user', 'assistant']);
      for (const m of r.messages) expect(m.content.trim().length).toBeGreaterThan(0);
    }
  }

  it('recommender: every answer parses to the teacher ranking with five think steps and P* as the preference', async () => {
    const records = await collectSft({ dataset, task: 'recommender' });
    expect(records).toHaveLength(dataset.samples.train.filter((s) => dataset.itemById.has(s.target)).length);
    expectTrainOnly(records);
    let withTarget = 0;
    for (const r of records) {
      if (r.meta.task !== 'recommender') throw new Error('wrong task');
      const meta = r.meta;
      expect(meta.candidates).toHaveLength(20);
      expect(r.messages[1].content).toContain(RECOMMENDER_INSTRUCTION);
      // The candidates are the retriever's: the target is never slipped in.
      expect(meta.targetInCandidates).toBe(meta.candidates.includes(meta.target));
      // Exact titles, as the answer writes them (see the report: aliases can shadow other titles).
      const refs = meta.candidates.map((id) => ({ id, title: (dataset.itemById.get(id) as Item).title }));
      const parsed = parseAction(r.messages[2].content, refs, 10);
      expect(parsed.thinkSteps).toBe(5);
      expect(parsed.answerWellFormed).toBe(true);
      expect(parsed.ranking).toEqual(meta.ranking);
      expect(parsed.preference).toBe(referencePreference((dataset.itemById.get(meta.target) as Item).attributes));
      const candidates = meta.candidates.map((id) => dataset.itemById.get(id) as Item);
      expect(meta.ranking).toEqual(teacherRanking(candidates, dataset.itemById.get(meta.target) as Item, 10).ranking);
      if (meta.targetInCandidates) {
        withTarget++;
        expect(meta.ranking[0]).toBe(meta.target);
      } else {
        expect(meta.ranking).not.toContain(meta.target);
      }
    }
    // BM25 finds the target for a fair share of samples, not all of them.
    expect(withTarget / records.length).toBeGreaterThan(0.1);
    expect(withTarget / records.length).toBeLessThan(0.9);
  });

  it('feedback: four lists per sample, accept exactly when the target is listed, no unseen item named', async () => {
    const records = await collectSft({ dataset, task: 'feedback', limit: 400 });
    expect(records).toHaveLength(400);
    expectTrainOnly(records);
    const guard = new NameGuard(dataset.items);
    const byId = new Map(dataset.samples.train.map((s) => [s.id, s]));
    const kinds = records.slice(0, 4).map((r) => (r.meta.task === 'feedback' ? r.meta.listKind : ''));
    expect(kinds).toEqual(['H+', 'H-', 'S+', 'S-']);
    let accepted = 0;
    for (const r of records) {
      if (r.meta.task !== 'feedback') throw new Error('wrong task');
      const meta = r.meta;
      expect(r.messages[0].content).toBe(SIMULATOR_SYSTEM_PROMPT);
      expect(meta.list).toHaveLength(10);
      expect(meta.targetInList).toBe(meta.listKind.endsWith('+'));
      expect(meta.list.includes(meta.target)).toBe(meta.targetInList);
      const answer = r.messages[2].content;
      expect(meta.accepted).toBe(meta.targetInList);
      expect(answer.startsWith(ACCEPT_MARKER)).toBe(meta.accepted);
      if (meta.accepted) accepted++;
      const input = buildSimulatorInput(byId.get(meta.sampleId)!, dataset, meta.list);
      const allowed = allowedItems(input, guard);
      // Every name in the answer is an item of D or of the list; without the target listed it is never named
      // (unless the dialogue already mentioned it).
      expect(guard.allows(answer, allowed)).toBe(true);
      if (!allowed.has(meta.target)) expect(guard.mentions(answer).has(meta.target)).toBe(false);
      // The listed titles appear in the prompt.
      for (const id of meta.list) expect(r.messages[1].content).toContain((dataset.itemById.get(id) as Item).title);
    }
    expect(accepted).toBe(200);
  });

  it('attributes: the target title and its attributes as structured lines', async () => {
    const records = await collectSft({ dataset, task: 'attributes', limit: 200 });
    expectTrainOnly(records);
    for (const r of records) {
      if (r.meta.task !== 'attributes') throw new Error('wrong task');
      const lines = r.messages[2].content.split('\n');
      expect(lines[0]).toBe(`Target: ${r.meta.targetTitle}`);
      expect(lines.length).toBeGreaterThan(1);
      for (const line of lines.slice(1)) expect(line).toMatch(/^(Genre|Director|Actor|Writer): \S/);
      const target = dataset.itemById.get(r.meta.target) as Item;
      const director = target.attributes.director?.[0];
      if (director) expect(r.messages[2].content).toContain(`Director: ${director}`);
      expect(Object.keys(r.meta.attributes).sort()).toEqual(['actor', 'director', 'genre', 'writer']);
      // The prompt never shows the target as such.
      expect(r.messages[1].content).not.toContain('Target:');
    }
  });

  it('target: Yes for the target, No for one hard and one simple negative', async () => {
    const records = await collectSft({ dataset, task: 'target', limit: 300 });
    expectTrainOnly(records);
    for (const r of records) {
      if (r.meta.task !== 'target') throw new Error('wrong task');
      expect(r.messages[2].content).toBe(r.meta.label);
      expect(r.meta.label === 'Yes').toBe(r.meta.itemId === r.meta.target);
      expect(r.meta.label === 'Yes').toBe(r.meta.source === 'target');
      expect(r.messages[1].content).toContain(`Movie: ${(dataset.itemById.get(r.meta.itemId) as Item).title}`);
    }
    const yes = records.filter((r) => r.messages[2].content === 'Yes').length;
    expect(yes).toBe(100);
  });
});

describe('SFT export determinism and limits (synthetic dataset)', () => {
  const dataset = makeSyntheticDataset({ seed: 3, items: 60, dialogues: 60 });

  it('the same seed gives the same records; another seed other lists; a limit gives a prefix', async () => {
    const a = await collectSft({ dataset, task: 'feedback', seed: 5 });
    const b = await collectSft({ dataset, task: 'feedback', seed: 5 });
    const c = await collectSft({ dataset, task: 'feedback', seed: 6 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.map((r) => JSON.stringify(r.meta.task === 'feedback' ? r.meta.list : []))).not.toEqual(
      c.map((r) => JSON.stringify(r.meta.task === 'feedback' ? r.meta.list : [])),
    );
    const prefix = await collectSft({ dataset, task: 'feedback', seed: 5, limit: 7 });
    expect(prefix).toEqual(a.slice(0, 7));
    expect(a.length).toBe(4 * dataset.samples.train.length);
  });

  it('streams lazily and reports progress per train sample', async () => {
    const seen: number[] = [];
    const it = exportSft({ dataset, task: 'target', onProgress: (done, total) => seen.push(done / total) });
    const first = await it.next();
    expect(first.done).toBe(false);
    expect(seen).toEqual([]);
    await it.return(undefined);
    await collectSft({ dataset, task: 'target', onProgress: (done, total) => seen.push(done / total) });
    expect(seen[seen.length - 1]).toBe(1);
  });

  it('rejects a bad task and bad numbers with a clear error', async () => {
    await expect(collectSft({ dataset, task: 'chitchat' as never })).rejects.toThrow(/task must be one of feedback, attributes, target, recommender/);
    await expect(collectSft({ dataset, task: 'target', limit: -1 })).rejects.toThrow(/limit must be an integer >= 0/);
    await expect(collectSft({ dataset, task: 'recommender', candidates: 0 })).rejects.toThrow(/candidates must be an integer >= 1/);
  });
});

describe('writeJsonlAtomic', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crs-sft-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one JSON object per line and creates the folder', async () => {
    const file = join(dir, 'sub', 'out.jsonl');
    const summary = await writeJsonlAtomic(file, [{ a: 1 }, { b: 'x\ny' }]);
    expect(summary.records).toBe(2);
    const text = await readFile(file, 'utf8');
    expect(text.split('\n')).toEqual(['{"a":1}', '{"b":"x\\ny"}', '']);
    expect(summary.bytes).toBe(Buffer.byteLength(text));
  });

  it('leaves an existing file untouched and no temp file when the records fail midway', async () => {
    const file = join(dir, 'keep.jsonl');
    await writeFile(file, 'old\n');
    async function* failing(): AsyncGenerator<unknown> {
      yield { ok: true };
      throw new Error('boom at record 2');
    }
    await expect(writeJsonlAtomic(file, failing())).rejects.toThrow('boom at record 2');
    expect(await readFile(file, 'utf8')).toBe('old\n');
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(existsSync(join(dir, 'never.jsonl'))).toBe(false);
  });
});
