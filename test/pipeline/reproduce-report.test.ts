// The reproduction report's statistics over seeds: mean ± sd, the interval of the seed mean, and the paired test
// of SFT+GRPO against SFT over seeds × samples, on hand-made runs whose answers are known.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvalRun, SampleTrace } from '../../src/eval/protocol.js';
import { summarizeRun } from '../../src/eval/subsets.js';
import { pairedTTest } from '../../src/eval/stats-tests.js';
import { aggregate, experimentGroups, formatAggregate, grpoVsSft, timeByKind, writeReproductionReport, type ExperimentResult, type ReproductionSummary } from '../../src/pipeline/reproduce-report.js';

/** 20 samples; `hits[i]` says whether sample i has the target in its list (every round alike). */
function run(agent: string, hits: boolean[], seed: number): EvalRun {
  const traces: SampleTrace[] = hits.map((hit, i) => ({
    sampleId: `s${i}`,
    target: 't',
    targetInContext: i % 5 === 0,
    acceptedRound: hit ? 1 : 0,
    rounds: [1, 2, 3].map((round) => ({ round, ranking: hit ? ['t'] : ['x'], candidates: ['t', 'x'], rewards: {}, accepted: hit })),
  }));
  return { agent, seed, protocol: 'default', samples: traces, ...summarizeRun(traces, 3, seed) };
}

const hitsOf = (n: number) => Array.from({ length: 20 }, (_, i) => i < n);

function result(id: string, hits: number, seed?: number): ExperimentResult {
  return { id, label: id, table: id === 'bm25' ? 'baselines' : 'main', dir: '', cached: false, run: run(id, hitsOf(hits), seed ?? 0), ...(seed !== undefined ? { seed } : {}) };
}

function summary(experiments: ExperimentResult[]): ReproductionSummary {
  return { dataset: 'inspired', profile: 'quick', out: '', seconds: 0, timings: {}, retrieval: {}, experiments, simulatorMetrics: null, settings: {} };
}

describe('reproduction report over seeds', () => {
  const s = summary([result('bm25', 5), result('sft', 4, 0), result('grpo', 8, 0), result('sft', 6, 1), result('grpo', 9, 1), result('sft', 5, 2), result('grpo', 10, 2)]);

  it('groups the evaluations of an experiment over seeds, and gives mean ± sd and the interval of the seed mean', () => {
    const groups = experimentGroups(s);
    expect(groups.map((g) => [g.id, g.results.length])).toEqual([['bm25', 1], ['sft', 3], ['grpo', 3]]);
    const grpo = aggregate(groups[2]!, 'recall@10', 'cumulative');
    expect(grpo.values).toEqual([0.4, 0.45, 0.5]);
    expect(grpo.mean).toBeCloseTo(0.45, 12);
    expect(grpo.sd).toBeCloseTo(0.05, 12);
    expect(grpo.ci95![0]).toBeLessThan(0.45);
    expect(grpo.ci95![1]).toBeGreaterThan(0.45);
    expect(formatAggregate(grpo)).toMatch(/^0\.450 ± 0\.050 \[0\.\d{3}, 0\.\d{3}\]$/);
    // One run: its own interval, no sd.
    const bm25 = aggregate(groups[0]!, 'recall@10', 'perTurn');
    expect(bm25.sd).toBeUndefined();
    expect(bm25.ci95).toEqual(s.experiments[0]!.run.perTurnRounds[2]!.ci95!['recall@10']);
  });

  it('tests SFT+GRPO against SFT with one paired test over seed × sample pairs', () => {
    const c = grpoVsSft(s, 'cumulative')!;
    expect(c.seeds).toBe(3);
    expect(c.wins).toBe(3);
    const a = [8, 9, 10].flatMap((n) => hitsOf(n).map(Number));
    const b = [4, 6, 5].flatMap((n) => hitsOf(n).map(Number));
    expect(c.test).toEqual(pairedTTest(a, b));
    expect(c.test!.n).toBe(60);
    expect(c.holds).toBe(c.test!.pValue < 0.05);
    expect(c.holds).toBe(true);
    // Equal policies: no gain, does not hold.
    const tie = grpoVsSft(summary([result('sft', 5, 0), result('grpo', 5, 0), result('sft', 5, 1), result('grpo', 5, 1)]), 'perTurn')!;
    expect(tie.wins).toBe(0);
    expect(tie.holds).toBe(false);
    expect(grpoVsSft(summary([result('bm25', 5)]), 'cumulative')).toBeNull();
  });

  it('sums the time of the stages by kind', () => {
    const t = (seconds: number) => ({ seconds, cpuSeconds: seconds * 2 });
    expect(timeByKind({ components: t(1), 'sft@0': t(2), 'sft@1': t(3), 'grpo@0': t(4), 'grpo-wo-sft@0': t(5), 'eval:bm25': t(6), 'eval:grpo@1': t(7) })).toEqual({
      components: t(1),
      SFT: t(5),
      'GRPO (main)': t(4),
      'GRPO (ablations)': t(5),
      evaluations: t(13),
    });
  });

  it('names the E_T the env read in the differences from the paper', async () => {
    const out = mkdtempSync(join(tmpdir(), 'crs-gym-report-'));
    try {
      await writeReproductionReport({ ...s, out, textEncoder: 'student-use-lite-512-v2-b16384-0123abcd' });
      const md = readFileSync(join(out, 'report.md'), 'utf8');
      expect(md).toContain('E_T is `student-use-lite-512-v2-b16384-0123abcd` (a bag-of-pieces student distilled here from Universal Sentence Encoder lite');
      await writeReproductionReport({ ...s, out, textEncoder: 'use-lite-512-v2' });
      expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('E_T is `use-lite-512-v2`, not bge-base');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
