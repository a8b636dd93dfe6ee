// A CrsEnv on the synthetic dataset with trained, deterministic components, buildable in the test process and
// in AsyncVectorEnv workers alike (this file is a vector-env setup module: it exports `createEnv`).
// Components: LightGCN (E_C), the multi-task simulator over the hashing encoder, and BM25 or a small
// dual-view retriever. Each trains in well under a second and gives byte-identical weights for a seed
// (checked in golden.test.ts), so every process that builds them plays the same trajectories.
// Also exports the scripted agent the golden and vector tests play with.
import { formatRankList, type CrsAction } from '../../envs/action.js';
import type { CrsEnvConfigInput } from '../../envs/config.js';
import { CrsEnv } from '../../envs/crs-env.js';
import type { CrsObservation } from '../../envs/types.js';
import { makeSyntheticDataset } from '../../src/data/synthetic.js';
import type { Dataset } from '../../src/data/types.js';
import { LightGcnEncoder } from '../../src/encoders/collaborative.js';
import { HashingEncoder } from '../../src/encoders/hash-encoder.js';
import { Bm25Retriever } from '../../src/retriever/bm25.js';
import type { DualViewRetriever } from '../../src/retriever/dual-view.js';
import { trainDualView } from '../../src/retriever/train.js';
import type { Retriever } from '../../src/retriever/types.js';
import { MultiTaskSimulator } from '../../src/simulator/multi-task.js';

export type SyntheticRetrieverName = 'bm25' | 'dual-view';

/** Every setting the components are built with; stored in the golden fixtures so a change is visible there. */
export const SYNTHETIC_SETTINGS = {
  dataset: { seed: 7, items: 60, dialogues: 80 },
  textEncoder: { dim: 64 },
  lightgcn: { seed: 1, dim: 16, epochs: 5 },
  simulator: { seed: 1, epochs: 8 },
  dualView: { seed: 1, maxEpochs: 5, negatives: 16, batchSize: 32 },
} as const;

/** The env config of the golden and vector tests: top-3 acceptance gives both accepted and truncated episodes. */
export const SYNTHETIC_ENV_CONFIG: CrsEnvConfigInput = { rounds: 4, candidates: 20, listLength: 10, acceptance: { mode: 'topk', k: 3 } };

export interface SyntheticComponents {
  dataset: Dataset;
  text: HashingEncoder;
  collaborative: LightGcnEncoder;
  simulator: MultiTaskSimulator;
  /** Trained on first use. */
  dualView(): Promise<DualViewRetriever>;
}

async function buildComponents(): Promise<SyntheticComponents> {
  const s = SYNTHETIC_SETTINGS;
  const dataset = makeSyntheticDataset(s.dataset);
  const text = new HashingEncoder(s.textEncoder);
  const collaborative = await LightGcnEncoder.train(dataset, s.lightgcn);
  const simulator = await MultiTaskSimulator.train(dataset, { text, collaborative }, s.simulator);
  let dualView: Promise<DualViewRetriever> | undefined;
  return {
    dataset,
    text,
    collaborative,
    simulator,
    dualView: () => (dualView ??= trainDualView({ dataset, encoders: { text, collaborative }, config: s.dualView }).then((r) => r.retriever)),
  };
}

// Kept on globalThis (one per thread), not in a module variable: the vector worker imports the setup module
// anew for every env copy (tsx's tsImport gives a fresh module instance each time), which would otherwise
// train the components once per copy.
const SHARED = Symbol.for('crs-gym/test/synthetic-components');
type WithShared = typeof globalThis & { [SHARED]?: Promise<SyntheticComponents> };

/** The components, built once per thread (worker threads each build their own). */
export function syntheticComponents(): Promise<SyntheticComponents> {
  const g = globalThis as WithShared;
  g[SHARED] ??= buildComponents();
  return g[SHARED];
}

/** Builds fresh components, not shared: for the determinism check. */
export function freshSyntheticComponents(): Promise<SyntheticComponents> {
  return buildComponents();
}

export interface SyntheticEnvArgs {
  retriever?: SyntheticRetrieverName;
  /** CrsEnv config (default SYNTHETIC_ENV_CONFIG). */
  env?: CrsEnvConfigInput;
}

export async function buildSyntheticEnv(args: SyntheticEnvArgs = {}, parts?: SyntheticComponents): Promise<CrsEnv> {
  const c = parts ?? (await syntheticComponents());
  const retriever: Retriever = args.retriever === 'dual-view' ? await c.dualView() : new Bm25Retriever(c.dataset);
  return new CrsEnv({ dataset: c.dataset, retriever, simulator: c.simulator, textEncoder: c.text }, args.env ?? SYNTHETIC_ENV_CONFIG);
}

/** AsyncVectorEnv sends the observations through CrsEnv's compact codec. */
export { createObservationCodec } from '../../envs/observation-codec.js';

/** AsyncVectorEnv setup module entry point. */
export function createEnv(args: SyntheticEnvArgs): Promise<CrsEnv> {
  return buildSyntheticEnv(args ?? {});
}

// ---------------------------------------------------------------------------------------------------
// The scripted agent

export const SCRIPTED_PREFERENCE = 'The user likes tense action films with a strong cast and a clever story.';

/**
 * A fixed, deterministic agent: odd turns keep the retriever's order (a structured action with three
 * reasoning steps), even turns reverse it (a text action in the paper's format with five steps), each
 * taking the first `listLength` candidates of that order and stating SCRIPTED_PREFERENCE.
 */
export function scriptedAction(obs: CrsObservation): CrsAction {
  const odd = obs.turn % 2 === 1;
  const ordered = odd ? obs.candidates : [...obs.candidates].reverse();
  const picked = ordered.slice(0, obs.listLength);
  if (odd) {
    return {
      ranking: picked.map((c) => c.id),
      preference: SCRIPTED_PREFERENCE,
      reasoning: 'Step1: read the dialogue. Step2: match attributes. Step3: keep the retriever order.',
    };
  }
  return [
    '<think>',
    `Step1: Preference Inference: ${SCRIPTED_PREFERENCE}`,
    'Step2: Attribute Matching: compare genres and cast.',
    'Step3: Scoring: lower retriever scores first.',
    'Step4: Ranking: reverse the candidate order.',
    'Step5: Explanation: explore beyond the top.',
    '</think>',
    formatRankList(picked.map((c) => c.title)),
  ].join('\n');
}
