import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError, UserFacingError } from '../../src/cli/errors.js';
import { runTestCli } from '../export/program.js';
import { realDataRoot } from '../data/real-data.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crs-export-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('crs-gym export sft: bad arguments', () => {
  it('an unknown task is a UsageError naming the tasks', async () => {
    const run = await runTestCli(['export', 'sft', '--dataset', 'synthetic', '--task', 'chitchat', '--out', join(dir, 'x.jsonl')]);
    expect(run.code).toBe(2);
    expect(run.error).toBeInstanceOf(UsageError);
    expect(String((run.error as Error).message)).toBe('--task must be one of feedback, attributes, target, recommender (got "chitchat")');
    expect(existsSync(join(dir, 'x.jsonl'))).toBe(false);
  });

  it('a missing --out, a missing or unknown dataset and a bad --limit are UsageErrors', async () => {
    const noOut = await runTestCli(['export', 'sft', '--dataset', 'synthetic', '--task', 'target']);
    expect(noOut.error).toBeInstanceOf(UsageError);
    expect((noOut.error as Error).message).toMatch(/--out <file> is required/);
    const noDataset = await runTestCli(['export', 'sft', '--task', 'target', '--out', join(dir, 'y.jsonl')]);
    expect((noDataset.error as Error).message).toMatch(/--dataset is required/);
    const unknown = await runTestCli(['export', 'sft', '--dataset', 'movielens', '--task', 'target', '--out', join(dir, 'y.jsonl')]);
    expect(unknown.code).toBe(2);
    expect((unknown.error as Error).message).toMatch(/--dataset must be one of inspired, redial, opendialkg, synthetic/);
    const limit = await runTestCli(['export', 'sft', '--dataset', 'synthetic', '--task', 'target', '--out', join(dir, 'y.jsonl'), '--limit', '0']);
    expect(limit.error).toBeInstanceOf(UsageError);
    expect(existsSync(join(dir, 'y.jsonl'))).toBe(false);
  });

  it('missing data is a UserFacingError naming the folder (exit 1)', async () => {
    const run = await runTestCli(['export', 'sft', '--dataset', 'inspired', '--task', 'target', '--out', join(dir, 'z.jsonl'), '--data', '/nonexistent/crs']);
    expect(run.code).toBe(1);
    expect(run.error).toBeInstanceOf(UserFacingError);
    expect((run.error as Error).message).toContain('/nonexistent/crs');
  });
});

describe.skipIf(realDataRoot('inspired') === null)('crs-gym export sft on INSPIRED', () => {
  it('writes --limit chat records to --out and prints a summary', async () => {
    const out = join(dir, 'nested', 'rec.jsonl');
    const run = await runTestCli(['export', 'sft', '--dataset', 'inspired', '--task', 'recommender', '--out', out, '--limit', '25', '--seed', '3']);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^wrote 25 recommender records \([\d.]+ MB\) to .*rec\.jsonl in [\d.]+ s\n$/);
    expect(run.err).toContain('export sft: recommender from inspired train (2072 samples), seed 3');
    const lines = (await readFile(out, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(25);
    for (const line of lines) {
      const record = JSON.parse(line) as { messages: { role: string; content: string }[]; meta: { task: string; seed: number; split: string } };
      expect(record.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
      expect(record.messages[2]!.content).toMatch(/^<think>Step1: Preference Inference\. [\s\S]*<\/think>\nRANK LIST: \[.+\]$/);
      expect(record.meta).toMatchObject({ task: 'recommender', seed: 3, split: 'train' });
    }
  });

  it('--candidates and --list-length shape the recommender prompt and answer', async () => {
    const out = join(dir, 'short.jsonl');
    const run = await runTestCli(['export', 'sft', '--dataset', 'inspired', '--task', 'recommender', '--out', out, '--limit', '3', '--candidates', '8', '--list-length', '4']);
    expect(run.code).toBe(0);
    for (const line of (await readFile(out, 'utf8')).trimEnd().split('\n')) {
      const record = JSON.parse(line) as { messages: { content: string }[]; meta: { candidates: string[]; ranking: string[] } };
      expect(record.meta.candidates).toHaveLength(8);
      expect(record.meta.ranking).toHaveLength(4);
      expect(record.messages[1]!.content).toContain('Recommend 4 items.');
      expect(record.messages[1]!.content).toMatch(/\n8\. [^\n]+$/);
    }
  });
});
