// The baselines on the real INSPIRED data (skipped when ../shared/data is absent).
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import type { Dataset } from '../../src/data/index.js';
import { metricsPerSample } from '../../src/eval/metrics.js';
import { pairedTTest } from '../../src/eval/stats-tests.js';
import {
  Bm25Retriever,
  evaluateRetriever,
  PopularityRetriever,
  retrieveRankings,
  TfidfRetriever,
} from '../../src/retriever/index.js';
import type { Retriever, RetrieverReport } from '../../src/retriever/index.js';
import { realDataRoot } from '../data/real-data.js';

const root = realDataRoot('inspired');

function expectOrdered(report: RetrieverReport): void {
  expect(report['recall@1']).toBeLessThanOrEqual(report['recall@10']);
  expect(report['recall@10']).toBeLessThanOrEqual(report['recall@20']);
  expect(report['recall@20']).toBeLessThanOrEqual(report['recall@50']);
  expect(report['ndcg@20']).toBeLessThanOrEqual(report['recall@20']);
  expect(report['ndcg@20']).toBeGreaterThanOrEqual(report['recall@1']);
}

describe.skipIf(root === null)('baseline retrievers on INSPIRED', () => {
  let ds: Dataset;
  let pop: Retriever;
  let bm25: Retriever;
  let tfidf: Retriever;
  beforeAll(() => {
    ds = loadDataset('inspired', { dataRoot: root as string });
    pop = new PopularityRetriever(ds);
    bm25 = new Bm25Retriever(ds);
    tfidf = new TfidfRetriever(ds);
  });

  it('popularity lands near the paper (R@10 .155 on test)', async () => {
    for (const split of ['valid', 'test'] as const) {
      const report = await evaluateRetriever(pop, ds.samples[split], ds);
      expectOrdered(report);
      expect(report['recall@10']).toBeGreaterThan(0.05);
      expect(report['recall@10']).toBeLessThan(0.3);
    }
  });

  it('bm25 and tfidf find more targets than popularity', async () => {
    const popReport = await evaluateRetriever(pop, ds.samples.test, ds);
    for (const r of [bm25, tfidf]) {
      const report = await evaluateRetriever(r, ds.samples.test, ds);
      expectOrdered(report);
      expect(report['recall@10']).toBeGreaterThan(0.1);
      expect(report['recall@10']).toBeLessThan(0.5);
      expect(report['recall@10']).toBeGreaterThan(popReport['recall@10']);
    }
  });

  it('the bm25 gain over popularity is significant on test (paired t-test on recall@10)', async () => {
    const per = async (r: Retriever): Promise<number[]> =>
      metricsPerSample(await retrieveRankings(r, ds.samples.test, 10), [10], ['recall'])['recall@10'];
    const result = pairedTTest(await per(bm25), await per(pop));
    expect(result.n).toBe(ds.samples.test.length);
    expect(result.meanDiff).toBeGreaterThan(0);
    expect(result.pValue).toBeLessThan(0.05);
  });

  it('excluding context items removes them and still beats chance', async () => {
    const rankings = await retrieveRankings(bm25, ds.samples.test, 50, { excludeContextItems: true });
    rankings.forEach((r, i) => {
      const mentioned = new Set(ds.samples.test[i]!.contextItems);
      expect(r.ranking.some((id) => mentioned.has(id))).toBe(false);
      expect(r.ranking).toHaveLength(50);
    });
    const report = await evaluateRetriever(bm25, ds.samples.test, ds, { excludeContextItems: true });
    expect(report['recall@50']).toBeGreaterThan(50 / ds.items.length);
  });
});
