// Progress events: subscribers get every update with elapsed time and an ETA, and one finished event per stage;
// a first-time loadEnvComponents (what make() runs) reports each training stage.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { etaSeconds, formatSeconds, textLine, onProgress, stageProgress, withStageProgress, type ProgressEvent } from '../../src/core/progress.js';
import { makeSyntheticDataset } from '../../src/data/synthetic.js';
import { loadEnvComponents } from '../../envs/components.js';

let unsubscribe: (() => void) | undefined;
afterEach(() => unsubscribe?.());

describe('progress events', () => {
  it('extrapolates the ETA from the pace so far, none before the first unit', () => {
    expect(etaSeconds(10, 0, 100)).toBeNull();
    expect(etaSeconds(10, 25, 100)).toBeCloseTo(30);
    expect(etaSeconds(10, 100, 100)).toBe(0);
  });

  it('writes a log line with the pace, the ETA and the status', () => {
    expect(formatSeconds(75)).toBe('1m15s');
    expect(formatSeconds(3725)).toBe('1h02m');
    expect(formatSeconds(null)).toBe('?');
    const event: ProgressEvent = { stage: 'train', done: 11, total: 30, label: 'loss 0.23', elapsedSeconds: 72, etaSeconds: 124, finished: false };
    expect(textLine('train', event)).toBe('train: 11/30 (37%), 1m12s elapsed, ETA 2m04s, loss 0.23');
    expect(textLine('train', { ...event, finished: true })).toBe('train: 11/30 (37%), 1m12s elapsed, done, loss 0.23');
  });

  it('sends each update and one finished event to the subscribers, none after unsubscribing', async () => {
    const events: ProgressEvent[] = [];
    unsubscribe = onProgress((e) => events.push(e));
    await withStageProgress('count', async (update) => {
      update(1, 4, 'one');
      update(2, 4, 'two');
    });
    expect(events.map((e) => [e.stage, e.done, e.total, e.label, e.finished])).toEqual([
      ['count', 1, 4, 'one', false],
      ['count', 2, 4, 'two', false],
      ['count', 2, 4, 'two', true],
    ]);
    expect(events[0]!.etaSeconds).not.toBeNull();
    unsubscribe();
    const stage = stageProgress('quiet');
    stage.update(1, 2);
    stage.end();
    expect(events).toHaveLength(3);
  });

  it("a first-time loadEnvComponents reports every training stage, each finished", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crs-progress-'));
    const saved = process.env.CRS_GYM_EMBEDDINGS;
    process.env.CRS_GYM_EMBEDDINGS = join(dir, 'embeddings');
    const events: ProgressEvent[] = [];
    unsubscribe = onProgress((e) => events.push(e));
    try {
      const dataset = makeSyntheticDataset({ seed: 5, items: 60, dialogues: 40 });
      const tiny = { textEncoder: 'hash' as const, lightgcn: { dim: 8, epochs: 2 }, simulator: { epochs: 1 }, retriever: { maxEpochs: 2, patience: 2 }, augmentRetriever: false };
      await loadEnvComponents(dataset, { artifactsDir: join(dir, 'artifacts'), config: tiny, log: () => {} });
      const finished = events.filter((e) => e.finished).map((e) => e.stage.replace(/^[^:]+: /, ''));
      expect(finished).toEqual(expect.arrayContaining(['train E_C (LightGCN)', 'train user simulator', 'train dual-view retriever']));
      const retriever = events.filter((e) => e.stage.endsWith('train dual-view retriever') && !e.finished);
      expect(retriever.map((e) => e.done)).toEqual(retriever.map((_, i) => i + 1));
      // Loaded the second time: nothing to report.
      events.length = 0;
      await loadEnvComponents(dataset, { artifactsDir: join(dir, 'artifacts'), config: tiny, log: () => {} });
      expect(events).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.CRS_GYM_EMBEDDINGS;
      else process.env.CRS_GYM_EMBEDDINGS = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
