// Retrieval quality of the env's trained retriever, to check a change of E_T (e.g. the distilled student against
// USE lite) or of the retriever: cold-start Recall@20 (the dialogue alone, as `train retriever` reports it) and
// per-round Recall@20 of the candidates the env offers (the retriever-order agent plays every sample for all rounds,
// with the multi-task simulator's feedback; round t's figure is the share of samples whose target is among round
// t's 20 candidates), on valid and test. Not a speed figure. Needs artifacts/<dataset>/ (never trains).
// CRS_GYM_BENCH_DATASETS, CRS_GYM_QUALITY_LIMIT (samples per split, default all of INSPIRED, 1,000 of ReDial).
import { RetrieverOrderAgent } from '../agents/baselines.js';
import { makeCrsEnv, sharedComponents, sharedDataset } from '../envs/register.js';
import type { Split } from '../src/data/types.js';
import { evaluateRetriever } from '../src/retriever/evaluate.js';
import { errorMessage } from '../src/core/errors.js';

type Figures = Record<string, number | string>;
const DATASETS = (process.env.CRS_GYM_BENCH_DATASETS ?? 'inspired,redial').split(',').map((s) => s.trim()).filter((s): s is 'inspired' | 'redial' => s === 'inspired' || s === 'redial');
const ROUNDS = 5;

async function qualityOf(name: 'inspired' | 'redial', figures: Figures): Promise<void> {
  const limit = Number(process.env.CRS_GYM_QUALITY_LIMIT ?? (name === 'redial' ? 1000 : Number.MAX_SAFE_INTEGER));
  const dataset = sharedDataset(name);
  let parts;
  try {
    parts = await sharedComponents(dataset, { loadOnly: true });
  } catch (err) {
    figures[`${name} note`] = `skipped, no trained artifacts: ${errorMessage(err).split('\n')[0]}`;
    return;
  }
  figures[`${name} E_T`] = parts.textEncoder.id;
  for (const split of ['valid', 'test'] as Split[]) {
    const samples = dataset.samples[split].slice(0, limit);
    const cold = await evaluateRetriever(parts.retriever, samples, dataset);
    figures[`${name} ${split} (${samples.length} samples) cold-start R@20`] = cold['recall@20'];
    const env = await makeCrsEnv(name, { loadOnly: true, env: { split, runAllRounds: true, rounds: ROUNDS } });
    const agent = new RetrieverOrderAgent();
    const hits = new Array<number>(ROUNDS).fill(0);
    for (const sample of samples) {
      let { observation } = await env.reset({ seed: 0, options: { sampleId: sample.id } });
      for (let t = 0; t < ROUNDS; t++) {
        const r = await env.step(await agent.act(observation));
        if (r.info.targetInCandidates) hits[t]!++;
        if (r.terminated || r.truncated) break;
        observation = r.observation;
      }
    }
    await env.close();
    hits.forEach((h, t) => (figures[`${name} ${split} round ${t + 1} candidates R@20`] = h / samples.length));
  }
}

export async function run(): Promise<Figures> {
  const figures: Figures = {};
  for (const name of DATASETS) await qualityOf(name, figures);
  return figures;
}
