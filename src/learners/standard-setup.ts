// A ready-made setup module (see setup.ts) for the common cases: a synthetic or real dataset, a lexical or
// popularity retriever, a simulator that needs no training, the hashing encoder or USE lite, and the
// neural recommender. Point `SetupSpec.module` at this file with `StandardSetupArgs` as `args`.
// Setups that need trained parts (the dual-view retriever, the multi-task simulator) write their own module
// with the same three exports.
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseConfig } from '../config/load.js';
import { loadDataset, makeSyntheticDataset, type Dataset, type Split } from '../data/index.js';
import { HashingEncoder } from '../encoders/hash-encoder.js';
import type { TextEncoder } from '../encoders/text-encoder.js';
import { Bm25Retriever, PopularityRetriever, TfidfRetriever, type Retriever } from '../retriever/index.js';
import { NameGuard } from '../simulator/name-guard.js';
import { OracleSimulator } from '../simulator/oracle.js';
import { SingleTaskSimulator } from '../simulator/single-task.js';
import type { UserSimulator } from '../simulator/types.js';
import { CrsEnv } from '../../envs/crs-env.js';
import { CrsEnvConfigSchema } from '../../envs/config.js';
import { NeuralRecommender, NeuralRecommenderConfigSchema } from '../../agents/neural/recommender.js';
import { FeatureExtractor } from '../../agents/neural/features.js';
import type { EnvOverrides } from './setup.js';

export const StandardSetupArgsSchema = z
  .object({
    dataset: z
      .discriminatedUnion('name', [
        z.object({
          name: z.literal('synthetic'),
          seed: z.number().int().default(0),
          items: z.number().int().min(6).default(60),
          dialogues: z.number().int().min(3).default(40),
        }),
        z.object({ name: z.enum(['inspired', 'redial']), dataRoot: z.string().optional() }),
      ])
      .default({ name: 'synthetic', seed: 0, items: 60, dialogues: 40 }),
    retriever: z.enum(['bm25', 'tfidf', 'popularity']).default('bm25'),
    /** 'oracle' knows the target's attributes (not label-free); 'single-task' reads only the dialogue. */
    simulator: z.enum(['oracle', 'single-task']).default('oracle'),
    encoder: z
      .discriminatedUnion('kind', [z.object({ kind: z.literal('hash'), dim: z.number().int().min(8).default(256) }), z.object({ kind: z.literal('use-lite') })])
      .default({ kind: 'hash', dim: 256 }),
    env: CrsEnvConfigSchema.default(CrsEnvConfigSchema.parse({})),
    policy: NeuralRecommenderConfigSchema.default(NeuralRecommenderConfigSchema.parse({})),
  })
  .strict();
export type StandardSetupArgs = z.input<typeof StandardSetupArgsSchema>;

/** This module's own path, for `SetupSpec.module`. */
export const STANDARD_SETUP_MODULE = fileURLToPath(import.meta.url);

interface Shared {
  dataset: Dataset;
  encoder: TextEncoder;
  extractor?: FeatureExtractor;
}

// One dataset and encoder per thread and args: createEnv and createPolicy share them.
const shared = new Map<string, Promise<Shared>>();

function parse(args: unknown): z.output<typeof StandardSetupArgsSchema> {
  return parseConfig(StandardSetupArgsSchema, args ?? {}, 'standard setup args');
}

async function sharedParts(args: z.output<typeof StandardSetupArgsSchema>): Promise<Shared> {
  const key = JSON.stringify({ dataset: args.dataset, encoder: args.encoder });
  let parts = shared.get(key);
  if (!parts) {
    parts = (async () => {
      const d = args.dataset;
      const dataset = d.name === 'synthetic' ? makeSyntheticDataset({ seed: d.seed, items: d.items, dialogues: d.dialogues }) : loadDataset(d.name, d.dataRoot ? { dataRoot: d.dataRoot } : {});
      let encoder: TextEncoder;
      if (args.encoder.kind === 'hash') encoder = new HashingEncoder({ dim: args.encoder.dim });
      else {
        const { UseLiteEncoder } = await import('../encoders/use-lite.js');
        encoder = new UseLiteEncoder();
      }
      return { dataset, encoder };
    })();
    shared.set(key, parts);
  }
  return parts;
}

function makeRetriever(kind: string, dataset: Dataset): Retriever {
  if (kind === 'popularity') return new PopularityRetriever(dataset);
  if (kind === 'tfidf') return new TfidfRetriever(dataset);
  return new Bm25Retriever(dataset);
}

function makeSimulator(kind: string, dataset: Dataset): UserSimulator {
  const guard = new NameGuard(dataset.items);
  return kind === 'single-task' ? new SingleTaskSimulator({ guard }) : new OracleSimulator({ guard });
}

export async function createEnv(rawArgs: unknown, _index = 0, overrides: EnvOverrides = {}): Promise<CrsEnv> {
  const args = parse(rawArgs);
  const { dataset, encoder } = await sharedParts(args);
  return new CrsEnv(
    { dataset, retriever: makeRetriever(args.retriever, dataset), simulator: makeSimulator(args.simulator, dataset), textEncoder: encoder },
    overrides.rewardWeights ? { ...args.env, rewardWeights: overrides.rewardWeights } : args.env,
  );
}

export async function createPolicy(rawArgs: unknown): Promise<NeuralRecommender> {
  const args = parse(rawArgs);
  const parts = await sharedParts(args);
  parts.extractor ??= new FeatureExtractor({ dataset: parts.dataset, textEncoder: parts.encoder }, { maxOptions: args.policy.maxOptions });
  return NeuralRecommender.create(parts.extractor, args.policy);
}

export async function sampleIds(rawArgs: unknown, split: Split): Promise<string[]> {
  const args = parse(rawArgs);
  const { dataset } = await sharedParts(args);
  return dataset.samples[split].map((s) => s.id);
}
