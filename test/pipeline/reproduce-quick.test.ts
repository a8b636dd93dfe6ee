// The reproduction's --quick profile end to end on real INSPIRED data: every stage runs (E_C, simulator,
// retriever, SFT and GRPO with two seeds, the four ablation GRPO runs with the first, every experiment's
// evaluation in both protocols, the report with means over seeds), then a second run reuses every cached stage.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reproduce } from '../../src/pipeline/reproduce.js';
import { realDataRoot } from '../data/real-data.js';

describe.skipIf(realDataRoot('inspired') === null)('reproduce --quick (INSPIRED)', () => {
  const out = mkdtempSync(join(tmpdir(), 'crs-gym-reproduce-'));

  it('runs every stage and writes the report', { timeout: 600_000 }, async () => {
    const summary = await reproduce({ dataset: 'inspired', profile: 'quick', out, log: () => {} });
    const ids = summary.experiments.map((e) => e.id);
    // Baselines once in eval/<id>; trained policies per seed in eval/seed-<s>/<id>.
    const folder = (id: string, seed: number) => (['popularity', 'repeat', 'bm25', 'retriever', 'valid-retriever', 'popularity-exclude', 'retriever-exclude'].includes(id) ? join(out, 'eval', id) : join(out, 'eval', `seed-${seed}`, id));
    for (const id of ['popularity', 'repeat', 'bm25', 'retriever', 'sft', 'grpo', 'wo-sft', 'wo-pref', 'wo-rec', 'single-task', 'wo-feedback', 'blind', 'noisy', 'wo-rank-reward', 'wo-pref-reward', 'grpo-exclude']) {
      expect(ids).toContain(id);
      const s = JSON.parse(readFileSync(join(folder(id, 0), 'summary.json'), 'utf8')) as { rounds: Record<string, unknown>[]; perTurnRounds: Record<string, unknown>[]; samples: number };
      expect(s.rounds).toHaveLength(5);
      expect(s.perTurnRounds).toHaveLength(5);
      for (const key of ['round', 'recall@1', 'recall@10', 'ndcg@10', 'mrr@10', 'retrieverRecall@20', 'retrieverNdcg@20', 'newItem', 'repeated', 'ci95']) {
        expect(s.rounds[0]).toHaveProperty(key);
        expect(s.perTurnRounds[0]).toHaveProperty(key);
      }
    }
    // Two seeds for the main policies, one for the ablations (quick profile).
    expect(summary.experiments.filter((e) => e.id === 'grpo').map((e) => e.seed)).toEqual([0, 1]);
    expect(summary.experiments.filter((e) => e.id === 'wo-sft').map((e) => e.seed)).toEqual([0]);
    expect(existsSync(join(out, 'train', 'seed-1', 'grpo', 'policy'))).toBe(true);
    expect(existsSync(join(out, 'train', 'seed-1', 'grpo-wo-sft'))).toBe(false);
    for (const id of ['valid-retriever', 'valid-sft', 'valid-grpo']) {
      const s = JSON.parse(readFileSync(join(folder(id, 1), 'summary.json'), 'utf8')) as { split: string; samples: number };
      expect(s.split).toBe('valid');
      expect(s.samples).toBe(24);
    }
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toContain('Model selection: the valid split');
    expect(report).toMatch(/SFT\+GRPO > SFT > retriever order on valid Recall@10 at round 5: \*\*(yes|no)\*\*/);
    expect(report).toContain('Table 1 analog');
    expect(report).toContain('### Recommenders, cumulative');
    expect(report).toContain('### Recommenders, per turn');
    expect(report).toMatch(/SFT\+GRPO > SFT across seeds\? cumulative: \*\*(yes|no)\*\*/);
    expect(report).toMatch(/\| SFT \+ GRPO \(SMTPO\) \| 2 \| 24 \| \d\.\d{3} ± \d\.\d{3} \[/);
    expect(report).toContain('0.273');
    expect(report).toMatch(/new-item/i);
    expect(existsSync(join(out, 'report.json'))).toBe(true);
    expect(existsSync(join(out, 'recall10-by-round.svg'))).toBe(true);
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      experiments: unknown[];
      headline: string;
      validationOrdering: { sft: number };
      grpoVsSft: { cumulative: { seeds: number; test: { n: number } } };
      timings: Record<string, { seconds: number; cpuSeconds: number }>;
    };
    expect(json.experiments.length).toBe(summary.experiments.length);
    expect(json.validationOrdering.sft).toBeGreaterThanOrEqual(0);
    expect(json.grpoVsSft.cumulative.seeds).toBe(2);
    expect(json.grpoVsSft.cumulative.test.n).toBe(48); // 2 seeds x 24 samples
    expect(json.timings['sft@1']!.cpuSeconds).toBeGreaterThan(0);
  });

  it('reuses every finished stage on a second run', { timeout: 300_000 }, async () => {
    const summary = await reproduce({ dataset: 'inspired', profile: 'quick', out, log: () => {} });
    expect(summary.experiments.every((e) => e.cached)).toBe(true);
  });
});
