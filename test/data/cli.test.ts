import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { realDataRoot } from './real-data.js';
import { captureOutput } from '../fixtures/capture-output.js';

const capture = captureOutput;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('crs-gym data stats', () => {
  it('rejects an unknown dataset with exit code 2 and one line', async () => {
    const io = capture();
    expect(await runCli(['data', 'stats', '--dataset', 'movielens'])).toBe(2);
    expect(io.err().trim().split('\n')).toEqual(["crs-gym: --dataset: unknown dataset 'movielens' (known: inspired, redial, opendialkg)"]);
  });

  it('reports missing data with exit code 1 and the tried path', async () => {
    const io = capture();
    expect(await runCli(['data', 'stats', '--dataset', 'redial', '--data', '/nonexistent/crs'])).toBe(1);
    expect(io.err()).toContain('/nonexistent/crs does not exist');
  });

  it.skipIf(realDataRoot('inspired') === null)('prints exactly one JSON object with --json', async () => {
    const io = capture();
    expect(await runCli(['data', 'stats', '--dataset', 'inspired', '--json'])).toBe(0);
    const lines = io.out().trim().split('\n');
    expect(lines).toHaveLength(1);
    const parsed = JSON.parse(lines[0] as string) as { items: number; splits: Record<string, { dialogues: number; samples: number }> };
    expect(parsed.items).toBe(1123);
    expect(parsed.splits.test).toMatchObject({ dialogues: 99, samples: 253 });
  });
});
