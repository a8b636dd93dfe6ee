// The reproduction's --quick profile end to end on real INSPIRED data: every stage runs (E_C, simulator,
// retriever, SFT, five GRPO runs, every experiment's evaluation, the report), then a second run reuses
// every cached stage.
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
    for (const id of ['popularity', 'repeat', 'bm25', 'retriever', 'sft', 'grpo', 'wo-sft', 'wo-pref', 'wo-rec', 'single-task', 'wo-feedback', 'blind', 'noisy', 'wo-rank-reward', 'wo-pref-reward', 'grpo-exclude']) {
      expect(ids).toContain(id);
      const s = JSON.parse(readFileSync(join(out, 'eval', id, 'summary.json'), 'utf8')) as { rounds: Record<string, unknown>[]; samples: number };
      expect(s.rounds).toHaveLength(5);
      for (const key of ['round', 'recall@1', 'recall@10', 'ndcg@10', 'mrr@10', 'retrieverRecall@20', 'retrieverNdcg@20', 'newItem', 'repeated']) expect(s.rounds[0]).toHaveProperty(key);
    }
    for (const id of ['valid-retriever', 'valid-sft', 'valid-grpo']) {
      const s = JSON.parse(readFileSync(join(out, 'eval', id, 'summary.json'), 'utf8')) as { split: string; samples: number };
      expect(s.split).toBe('valid');
      expect(s.samples).toBe(24);
    }
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toContain('Model selection: the valid split');
    expect(report).toMatch(/SFT\+GRPO > SFT > retriever order on valid Recall@10 at round 5: \*\*(yes|no)\*\*/);
    expect(report).toContain('Table 1 analog');
    expect(report).toContain('0.273');
    expect(report).toMatch(/new-item/i);
    expect(existsSync(join(out, 'report.json'))).toBe(true);
    expect(existsSync(join(out, 'recall10-by-round.svg'))).toBe(true);
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { experiments: unknown[]; headline: string; validationOrdering: { sft: number } };
    expect(json.experiments.length).toBe(summary.experiments.length);
    expect(json.validationOrdering.sft).toBeGreaterThanOrEqual(0);
  });

  it('reuses every finished stage on a second run', { timeout: 300_000 }, async () => {
    const t0 = performance.now();
    const summary = await reproduce({ dataset: 'inspired', profile: 'quick', out, log: () => {} });
    expect(summary.experiments.every((e) => e.cached)).toBe(true);
    expect((performance.now() - t0) / 1000).toBeLessThan(120);
  });
});
