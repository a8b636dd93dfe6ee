// Setup module for learners and their rollout workers over the real CrsEnv: the env comes from
// make(envId) (default CrsEnv/<dataset>-v0: trained dual-view retriever and simulator from the artifacts folder,
// loaded only: the main process trains them before any worker starts), the policy from the shared encoders.
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseConfig } from '../config/load.js';
import { datasets } from '../data/registry.js';
import type { Split } from '../data/types.js';
import { crsEnvOf, type MadeCrsEnv } from '../../envs/crs-env.js';
import { crsEnvId, sharedComponents, sharedDataset } from '../../envs/register.js';
import { make } from '../core/registry.js';
import type { CrsAction } from '../../envs/action.js';
import type { CrsObservation } from '../../envs/types.js';
import { NeuralRecommender, NeuralRecommenderConfigSchema } from '../../agents/neural/recommender.js';
import { FeatureExtractor } from '../../agents/neural/features.js';
import type { EnvOverrides } from '../learners/setup.js';

export const CrsSetupArgsSchema = z.object({
  dataset: datasets.schema(),
  /**
   * The env id rollouts are made with (`make(envId, options)`): default `CrsEnv/<dataset>-v0`. A plugin's id may
   * add its own options and wrappers; its unwrapped env must be a CrsEnv of `dataset`.
   */
  envId: z.string().optional(),
  dataRoot: z.string().optional(),
  artifactsDir: z.string().optional(),
  /** makeCrsEnv options (simulator variant, retriever choice, env config, components config). */
  envOptions: z.record(z.string(), z.unknown()).default({}),
  policy: z.record(z.string(), z.unknown()).default({}),
  /** Use only the first N samples of each split (quick runs). */
  limit: z.number().int().positive().optional(),
});
export type CrsSetupArgs = z.input<typeof CrsSetupArgsSchema>;

export const CRS_SETUP_MODULE = fileURLToPath(import.meta.url);

function parse(raw: unknown) {
  return parseConfig(CrsSetupArgsSchema, raw ?? {}, 'crs setup args');
}

function common(args: ReturnType<typeof parse>) {
  return { ...(args.dataRoot ? { dataRoot: args.dataRoot } : {}), ...(args.artifactsDir ? { artifactsDir: args.artifactsDir } : {}) };
}

export async function createEnv(raw: unknown, _index = 0, overrides: EnvOverrides = {}): Promise<MadeCrsEnv> {
  const args = parse(raw);
  const { rewardWeights } = overrides;
  const env = rewardWeights ? { env: { ...((args.envOptions.env as Record<string, unknown> | undefined) ?? {}), rewardWeights } } : {};
  const id = args.envId ?? crsEnvId(args.dataset);
  const made = await make<CrsObservation, CrsAction>(id, { ...args.envOptions, ...env, ...common(args), loadOnly: true });
  try {
    crsEnvOf(made, id);
  } catch (err) {
    await made.close().catch(() => undefined);
    throw err;
  }
  return made;
}

const extractors = new Map<string, FeatureExtractor>();

export async function createPolicy(raw: unknown): Promise<NeuralRecommender> {
  const args = parse(raw);
  const dataset = sharedDataset(args.dataset, args.dataRoot);
  const parts = await sharedComponents(dataset, {
    ...(args.artifactsDir ? { artifactsDir: args.artifactsDir } : {}),
    components: (args.envOptions.components ?? {}) as Record<string, unknown>,
    loadOnly: true,
  });
  const policy = parseConfig(NeuralRecommenderConfigSchema, args.policy, 'policy config');
  const key = `${args.dataset}|${policy.maxOptions}`;
  let extractor = extractors.get(key);
  if (!extractor) {
    extractor = new FeatureExtractor({ dataset, textEncoder: parts.textEncoder, collaborative: parts.collaborative }, { maxOptions: policy.maxOptions });
    extractors.set(key, extractor);
  }
  return NeuralRecommender.create(extractor, policy);
}

export async function sampleIds(raw: unknown, split: Split): Promise<string[]> {
  const args = parse(raw);
  const ids = sharedDataset(args.dataset, args.dataRoot).samples[split].map((s) => s.id);
  return args.limit !== undefined ? ids.slice(0, args.limit) : ids;
}
