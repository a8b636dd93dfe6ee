import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, type EvalRun } from '../../src/eval/protocol.js';
import { EvalFileError, readEvalRun, writeEvalRun } from '../../src/eval/files.js';
import { formatPValue, PAPER_TABLE1, pairedComparisons, renderComparisonTable, renderEvalReport } from '../../src/eval/report.js';
import { EVAL_METRIC_KEYS, perSampleValues } from '../../src/eval/subsets.js';
import { pairedTTest } from '../../src/eval/stats-tests.js';
import { evalDataset, evalEnv, ScriptedAgent, targetsOf } from './fixtures.js';

const { dataset, samples } = evalDataset();
const meta = { dataset: 'synthetic', split: 'test', config: { env: { rounds: 5, candidates: 20 }, agent: 'scripted' } };
let good: EvalRun;
let baseline: EvalRun;
let dir: string;

beforeAll(async () => {
  // The "good" agent hits 3/4 of the samples from round 2 on; the baseline hits the other quarter at round 1.
  const targets = targetsOf(samples);
  const hitRound = new Map(samples.filter((_, i) => i % 4 !== 0).map((s) => [s.id, 2] as const));
  const baselineHits = new Map(samples.filter((_, i) => i % 4 === 0).map((s) => [s.id, 1] as const));
  good = await evaluate({ env: evalEnv(dataset).env, agent: new ScriptedAgent(targets, hitRound, 'good'), samples, seed: 4 });
  baseline = await evaluate({ env: evalEnv(dataset).env, agent: new ScriptedAgent(targets, baselineHits, 'weak'), samples, seed: 4 });
  dir = await mkdtemp(join(tmpdir(), 'crs-eval-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('writeEvalRun / readEvalRun', () => {
  it('writes summary, rankings, report and plots, with the exact round keys', async () => {
    const out = join(dir, 'good');
    const written = await writeEvalRun(out, good, meta, { baseline, paper: PAPER_TABLE1.inspired.at(-1) });
    const files = (await readdir(out)).sort();
    expect(files).toEqual(['by-round-per-turn.svg', 'by-round.svg', 'rankings.jsonl', 'recall10-vs-baseline.svg', 'report.md', 'summary.json']);
    expect(written).toHaveLength(6);

    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(Object.keys(summary)).toEqual(['agent', 'dataset', 'split', 'samples', 'seed', 'config', 'versions', 'protocol', 'rounds', 'perTurnRounds', 'feedback']);
    expect(summary).toMatchObject({ agent: 'good', dataset: 'synthetic', split: 'test', samples: samples.length, seed: 4, protocol: 'default', config: meta.config });
    expect(summary.versions.node).toBe(process.version);
    expect(summary.versions['crs-gym']).toMatch(/^\d+\.\d+\.\d+/);
    expect(summary.rounds).toHaveLength(5);
    expect(summary.perTurnRounds).toHaveLength(5);
    for (const round of [...summary.rounds, ...summary.perTurnRounds]) {
      expect(Object.keys(round)).toEqual(['round', 'recall@1', 'recall@10', 'ndcg@10', 'mrr@10', 'retrieverRecall@20', 'retrieverNdcg@20', 'newItem', 'repeated', 'rewards', 'ci95']);
      expect(Object.keys(round.ci95)).toEqual(['recall@1', 'recall@10', 'ndcg@10', 'mrr@10', 'retrieverRecall@20', 'retrieverNdcg@20']);
      expect(round.newItem.ci95['recall@10']).toHaveLength(2);
      expect(round.newItem.samples + round.repeated.samples).toBe(samples.length);
    }
    expect(summary.feedback).toMatchObject({ turns: samples.length * 4, falseAcceptances: 0 });

    const lines = (await readFile(join(out, 'rankings.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(samples.length * 5);
    expect(Object.keys(lines[0]).slice(0, 6)).toEqual(['sampleId', 'round', 'target', 'ranking', 'candidates', 'targetInContext']);
    expect(lines[0]).toMatchObject({ sampleId: samples[0]!.id, round: 1, target: samples[0]!.target, accepted: false, feedbackKind: 'feedback' });
    expect(typeof lines[0].feedback).toBe('string');
    expect(lines[4]).not.toHaveProperty('feedback'); // the last round gets no answer

    const report = await readFile(join(out, 'report.md'), 'utf8');
    expect(report).toContain('](by-round.svg)');
    expect(report).toContain('](by-round-per-turn.svg)');
    expect(report).toContain('By round, cumulative');
    expect(report).toContain('By round, per turn');
    expect(report).toContain("## The simulated user's answers");
    expect(report).toMatch(/False acceptances among them \(95% CI\) \| 0 of \d+ = 0\.000 \[0\.000, 0\.000\]/);
    expect(report).toContain('](recall10-vs-baseline.svg)');
    expect(report).toContain('Paper: SMTPO');
    // No temp files left behind.
    expect(files.some((f) => f.endsWith('.tmp'))).toBe(false);
  });

  it('reads a run back with the same per-sample values', async () => {
    const out = join(dir, 'roundtrip');
    await writeEvalRun(out, baseline, meta, { plots: false });
    const loaded = await readEvalRun(out);
    expect(loaded.run).toEqual(baseline);
    expect(loaded.summary.rounds).toEqual(baseline.rounds);
    expect(perSampleValues(loaded.run.samples, 5, 'ndcg@10')).toEqual(perSampleValues(baseline.samples, 5, 'ndcg@10'));
    expect(await readdir(out)).not.toContain('by-round.svg');
  });

  it('names the file and line of a corrupt file', async () => {
    const out = join(dir, 'corrupt');
    await writeEvalRun(out, baseline, meta, { plots: false });
    const rankings = join(out, 'rankings.jsonl');
    const original = await readFile(rankings, 'utf8');
    const lines = original.split('\n');

    await writeFile(rankings, [...lines.slice(0, 2), '{"sampleId": oops', ...lines.slice(3)].join('\n'));
    await expect(readEvalRun(out)).rejects.toThrow(/rankings\.jsonl:3: not valid JSON/);

    await writeFile(rankings, [...lines.slice(0, 1), JSON.stringify({ ...JSON.parse(lines[1]!), ranking: 'x' }), ...lines.slice(2)].join('\n'));
    await expect(readEvalRun(out)).rejects.toThrow(/rankings\.jsonl:2: ranking/);

    // A ranking edited so that it no longer matches the stored metrics.
    const edited = lines.map((l, i) => {
      if (l === '') return l;
      const line = JSON.parse(l);
      return i < 5 ? JSON.stringify({ ...line, ranking: [], candidates: [] }) : l;
    });
    await writeFile(rankings, edited.join('\n'));
    await expect(readEvalRun(out)).rejects.toThrow(/summary\.json rounds round \d recall@1 is .* but rankings\.jsonl gives/);

    // Files of an older crs-gym (episodes stopped at an acceptance, later rounds copied) are refused with a hint.
    await writeFile(rankings, lines.map((l) => (l === '' ? l : JSON.stringify({ ...JSON.parse(l), accepted: undefined, carried: false }))).join('\n'));
    await expect(readEvalRun(out)).rejects.toThrow(/rankings\.jsonl:1: written by an older crs-gym/);

    await writeFile(rankings, original);
    await writeFile(join(out, 'summary.json'), '{"agent": 3}');
    await expect(readEvalRun(out)).rejects.toThrow(EvalFileError);
    await expect(readEvalRun(out)).rejects.toThrow(/summary\.json: agent/);
    await expect(readEvalRun(join(dir, 'missing'))).rejects.toThrow(/summary\.json: not found/);
  });
});

describe('reports', () => {
  it('shows headline, subsets with counts and the paired t-test against a baseline', () => {
    const report = renderEvalReport(good, meta, { baseline, baselineLabel: 'weak baseline', paper: PAPER_TABLE1.inspired.at(-1) });
    const final = good.rounds[4]!;
    expect(report).toContain('# Evaluation: good on synthetic (test)');
    expect(report).toMatch(/Protocol: \*\*default/);
    expect(report).toContain(`new items (n=${final.newItem.samples})`);
    expect(report).toContain(`repeated (n=${final.repeated.samples})`);
    const ci = (v: number, c: [number, number]) => `${v.toFixed(3)} [${c[0].toFixed(3)}, ${c[1].toFixed(3)}]`;
    expect(report).toContain(`| R@10 | ${ci(final['recall@10'], final.ci95!['recall@10'])} | ${ci(final.newItem['recall@10'], final.newItem.ci95!['recall@10'])} |`);
    const turn = good.perTurnRounds[4]!;
    expect(report).toContain(`| ${ci(turn['recall@10'], turn.ci95!['recall@10'])} |`);
    expect(report).toContain('| 0.273 |'); // the paper's SMTPO R@10 beside ours

    // The p-value in the report is the paired t-test on round-5 recall@10 per sample.
    const expected = pairedTTest(perSampleValues(good.samples, 5, 'recall@10'), perSampleValues(baseline.samples, 5, 'recall@10'));
    expect(expected.pValue).toBeLessThan(0.05);
    expect(report).toContain('## Significance against weak baseline');
    expect(report).toContain(`| R@10 | cumulative | all samples | ${samples.length} |`);
    expect(report).toContain(`| R@10 | per turn | all samples | ${samples.length} |`);
    expect(report).toContain(`${formatPValue(expected.pValue)} *`);
    expect(report).toContain('p-value');
    expect(report).toContain('"candidates": 20');
  });

  it('leaves the significance section out without a baseline and skips tests with too few shared samples', () => {
    expect(renderEvalReport(good, meta)).not.toContain('Significance');
    const lonely: EvalRun = { ...baseline, samples: baseline.samples.slice(0, 1) };
    const rows = pairedComparisons(good, lonely);
    expect(rows.every((r) => r.test === undefined && /1 shared sample/.test(r.skipped ?? ''))).toBe(true);
    expect(renderEvalReport(good, meta, { baseline: lonely })).toContain('not tested');
  });

  it('compares runs beside the paper rows', () => {
    const table = renderComparisonTable([{ label: 'Good', run: good }, { label: 'Weak', run: baseline }], PAPER_TABLE1.inspired);
    const rows = table.split('\n');
    expect(rows).toHaveLength(2 + 2 + PAPER_TABLE1.inspired.length);
    expect(rows[0]).toBe('| Model | Source | n | R@1 | R@10 | N@10 | MRR@10 | New-item R@10 (n) |');
    expect(rows[2]).toContain(`| Good | ours, cumulative, round 5 | ${samples.length} | ${good.rounds[4]!['recall@1'].toFixed(3)} |`);
    const perTurn = renderComparisonTable([{ label: 'Good', run: good }], [], { block: 'perTurn' });
    expect(perTurn).toContain(`| Good | ours, per turn, round 5 | ${samples.length} | ${good.perTurnRounds[4]!['recall@1'].toFixed(3)} |`);
    expect(table).toContain('| SMTPO | paper | — | 0.099 | 0.273 | 0.174 | 0.142 | — |');
    expect(() => renderComparisonTable([{ label: 'Good', run: good }], [], { round: 9 })).toThrow(/no round 9/);
  });

  it('formats p-values', () => {
    expect(formatPValue(0.04321)).toBe('0.0432');
    expect(formatPValue(0.0000123)).toBe('1.2e-5');
    expect(EVAL_METRIC_KEYS).toHaveLength(6);
  });
});
