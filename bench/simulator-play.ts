// Plays a user simulator against a lexical recommender for the behaviour figures of issue 17 (bench
// simulator-behaviour and the simulator tests): every sample of a split for `rounds` rounds, R_t = BM25's top
// `listLength` for D + the feedback so far (items already shown are not shown again), the simulator answering every
// round but the last, as the env with runAllRounds does. The figures are the evaluation's own (src/eval/feedback-stats):
// false acceptances (verdict 'accept' on a list without the target) and the share of multi-round episodes whose
// stated preference changes between rounds.
import { Rng } from '../src/core/rng.js';
import type { Dataset, ItemId, RecSample } from '../src/data/types.js';
import { feedbackStats, type FeedbackStats } from '../src/eval/feedback-stats.js';
import type { SampleTrace } from '../src/eval/protocol.js';
import { Bm25Retriever } from '../src/retriever/bm25.js';
import { listVerdict, statedPreference } from '../src/simulator/behaviour.js';
import { buildSimulatorInput, type EarlierRoundIds, type UserSimulator } from '../src/simulator/types.js';

export interface SimulatorPlayOptions {
  rounds?: number;
  listLength?: number;
  seed?: number;
  /** Play only the first N samples. */
  limit?: number;
}

export async function playSimulator(
  dataset: Dataset,
  simulator: UserSimulator,
  samples: readonly RecSample[],
  options: SimulatorPlayOptions = {},
): Promise<{ stats: FeedbackStats; traces: SampleTrace[] }> {
  const rounds = options.rounds ?? 5;
  const listLength = options.listLength ?? 10;
  const seed = options.seed ?? 0;
  const retriever = new Bm25Retriever(dataset);
  const traces: SampleTrace[] = [];
  for (const sample of samples.slice(0, options.limit ?? samples.length)) {
    const rng = new Rng(`simulator-play/${seed}/${sample.id}`);
    const shown = new Set<ItemId>();
    const feedbackSoFar: string[] = [];
    const earlier: EarlierRoundIds[] = [];
    const trace: SampleTrace = { sampleId: sample.id, target: sample.target, targetInContext: sample.contextItems.includes(sample.target), acceptedRound: 0, rounds: [] };
    for (let round = 1; round <= rounds; round++) {
      const scored = await retriever.retrieve(
        { context: sample.context, contextItems: sample.contextItems, contextEntities: sample.contextEntities, ...(feedbackSoFar.length > 0 ? { feedback: feedbackSoFar.join(' ') } : {}) },
        listLength,
        shown,
      );
      const ranking = scored.map((s) => s.id);
      for (const id of ranking) shown.add(id);
      const accepted = ranking.includes(sample.target);
      if (accepted && trace.acceptedRound === 0) trace.acceptedRound = round;
      const played: SampleTrace['rounds'][number] = { round, ranking, candidates: ranking, rewards: {}, accepted };
      if (round < rounds) {
        const input = buildSimulatorInput(sample, dataset, ranking, earlier);
        const fb = await simulator.feedback(input, rng.split(`round-${round}`));
        const verdict = listVerdict(fb);
        played.feedback = { text: fb.text, kind: fb.kind, ...(verdict ? { verdict } : {}), preference: statedPreference(fb) };
        earlier.push({ list: ranking, preference: statedPreference(fb) });
        feedbackSoFar.push(fb.text);
      }
      trace.rounds.push(played);
    }
    traces.push(trace);
  }
  return { stats: feedbackStats(traces, seed), traces };
}
