// `crs-gym sweep` then `crs-gym compare`, as a researcher runs them: two baselines x two seeds evaluated by child
// processes two at a time (lexical agents with the untrained oracle user: nothing to train), a second sweep that
// skips everything, and the comparison of the sweep folder with learning curves from each run's log.jsonl.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { runTestCli } from '../export/program.js';
import { realDataRoot } from '../data/real-data.js';

const hasInspired = realDataRoot('inspired') !== null;

describe.skipIf(!hasInspired)('crs-gym sweep and compare', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'crs-sweep-'));
    const evalArgs = (agent: string) => ['eval', '--dataset', 'inspired', '--agent', agent, '--simulator', 'oracle', '--limit', '12', '--rounds', '2'];
    writeFileSync(join(dir, 'sweep.json'), JSON.stringify({ seeds: [0, 1], parallel: 2, runs: { bm25: { eval: evalArgs('bm25') }, popularity: { eval: evalArgs('popularity') } } }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs every run x seed, then skips them all when run again', async () => {
    const out = join(dir, 'sweep');
    const first = await runTestCli(['--home', join(dir, 'home'), 'sweep', join(dir, 'sweep.json'), '--out', out], buildProgram());
    expect(first.code, first.out + first.err + String(first.error)).toBe(0);
    expect(first.out.match(/^done /gm)).toHaveLength(4);
    for (const run of ['bm25', 'popularity']) for (const seed of [0, 1]) expect(existsSync(join(out, run, `seed-${seed}`, 'eval', 'summary.json'))).toBe(true);
    const seedOf = (run: string, seed: number) => (JSON.parse(readFileSync(join(out, run, `seed-${seed}`, 'eval', 'summary.json'), 'utf8')) as { seed: number }).seed;
    expect([seedOf('bm25', 0), seedOf('bm25', 1)]).toEqual([0, 1]);
    const again = await runTestCli(['sweep', join(dir, 'sweep.json'), '--out', out], buildProgram());
    expect(again.code).toBe(0);
    expect(again.out.match(/^skipped /gm)).toHaveLength(4);
  }, 600_000);

  it('compares the sweep folder: table, Holm-corrected tests, IQM, curves from log.jsonl', async () => {
    const out = join(dir, 'sweep');
    // Training logs as a train step writes them (iteration lines), for the learning curves.
    for (const [run, slope] of [['bm25', 0.1], ['popularity', 0.05]] as const) {
      for (const seed of [0, 1]) {
        mkdirSync(join(out, run, `seed-${seed}`, 'train'), { recursive: true });
        const lines = [1, 2, 3].map((it) => JSON.stringify({ event: 'iteration', iteration: it, reward_mean: slope * it + seed * 0.01, hit_rate: 0.1 * it }));
        writeFileSync(join(out, run, `seed-${seed}`, 'train', 'log.jsonl'), `${lines.join('\n')}\n{"event":"checkpoint","iteration":3}\n`);
      }
    }
    const cmp = join(dir, 'cmp');
    const run = await runTestCli(['compare', out, '--out', cmp, '--metrics', 'recall@10,ndcg@10'], buildProgram());
    expect(run.code, run.err + String(run.error)).toBe(0);
    const json = JSON.parse(readFileSync(join(cmp, 'compare.json'), 'utf8')) as {
      round: number;
      methods: Array<{ name: string; seeds: number[]; samples: number; metrics: Record<string, { mean: number; interval: [number, number]; iqm: number }> }>;
      comparisons: Array<{ a: string; b: string; metric: string; pHolm: number; test: { pValue: number } }>;
    };
    expect(json.round).toBe(2);
    expect(json.methods.map((m) => [m.name, m.seeds, m.samples])).toEqual([
      ['bm25', [0, 1], 12],
      ['popularity', [0, 1], 12],
    ]);
    for (const m of json.methods) {
      const r = m.metrics['recall@10']!;
      expect(r.interval[0]).toBeLessThanOrEqual(r.mean);
      expect(r.interval[1]).toBeGreaterThanOrEqual(r.mean);
    }
    expect(json.comparisons.map((c) => c.metric)).toEqual(['recall@10', 'ndcg@10']);
    for (const c of json.comparisons) expect(c.pHolm).toBeGreaterThanOrEqual(c.test.pValue);
    const md = readFileSync(join(cmp, 'compare.md'), 'utf8');
    expect(md).toMatch(/\| bm25 \| 0,1 \| 12 \|/);
    expect(md).toContain('Holm');
    expect(md).toContain('Interquartile mean');
    const svg = readFileSync(join(cmp, 'curve-reward_mean.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('bm25 (2 seeds)');
    // The end of training from the logs: each seed's mean over its last iterations (here 0.2 + 0.01 * seed for bm25).
    const training = (JSON.parse(readFileSync(join(cmp, 'compare.json'), 'utf8')) as { training: Array<{ field: string; methods: Array<{ name: string; perSeed: number[] }> }> }).training;
    const bm25 = training.find((t) => t.field === 'reward_mean')!.methods.find((m) => m.name === 'bm25')!;
    expect(bm25.perSeed.map((v) => Number(v.toFixed(6)))).toEqual([0.2, 0.21]);
    expect(md).toContain('## Training: reward_mean');
  }, 120_000);

  it('a folder with no run is a one-line error naming it', async () => {
    const run = await runTestCli(['compare', dir, '--out', join(dir, 'x')], buildProgram());
    expect(run.code).toBe(1);
    expect(String(run.error)).toMatch(/no run here/);
  });
});
