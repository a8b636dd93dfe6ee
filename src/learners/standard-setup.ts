// A ready-made setup module (see setup.ts) for the common cases: a synthetic or real dataset, a lexical or
// popularity retriever, a simulator (the oracle and the dialogue rule need no training; the label-free multi-task
// simulator is trained here, small and seeded, once per thread), the hashing encoder or USE lite, and the
// neural recommender. Point `SetupSpec.module` at this file with `StandardSetupArgs` as `args`.
// Setups that need trained parts (the dual-view retriever, the multi-task simulator) write their own module
// with the same three exports.
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseConfig } from '../config/load.js';
import { datasets, loadDataset, makeSyntheticDataset, type Dataset, type Split } from '../data/index.js';
import { HashingEncoder } from '../encoders/hash-encoder.js';
import type { TextEncoder } from '../encoders/text-encoder.js';
import type { NamedRegistry } from '../core/named-registry.js';
import { retrievers } from '../retriever/registry.js';
import type { Retriever } from '../retriever/types.js';
import { MultiTaskSimulator } from '../simulator/multi-task.js';
import { simulators } from '../simulator/registry.js';
import type { UserSimulator } from '../simulator/types.js';
import { CrsEnv } from '../../envs/crs-env.js';
import { CrsEnvConfigSchema } from '../../envs/config.js';
import { NeuralRecommender, NeuralRecommenderConfigSchema } from '../../agents/neural/recommender.js';
import { FeatureExtractor } from '../../agents/neural/features.js';
import type { EnvOverrides } from './setup.js';

/** A registered name whose entry needs no trained components (this setup trains none). */
function untrained<T extends { needsTrained: boolean }>(registry: NamedRegistry<T>): z.ZodString {
  return registry.schema().superRefine((name, ctx) => {
    if (!registry.has(name) || !registry.get(name).needsTrained) return;
    const usable = registry.list().filter((e) => !e.value.needsTrained).map((e) => e.name);
    ctx.addIssue({ code: 'custom', message: `${registry.kind} '${name}' needs trained components; this setup takes ${usable.join(', ')}` });
  });
}

export const StandardSetupArgsSchema = z
  .object({
    dataset: z
      .union([
        z.object({
          name: z.literal('synthetic'),
          seed: z.number().int().default(0),
          items: z.number().int().min(6).default(60),
          dialogues: z.number().int().min(3).default(40),
        }),
        z.object({ name: datasets.schema(), dataRoot: z.string().optional() }),
      ])
      .default({ name: 'synthetic', seed: 0, items: 60, dialogues: 40 }),
    /** A registered retriever that needs no training (src/retriever/registry.ts). */
    retriever: untrained(retrievers).default('bm25'),
    /**
     * A registered simulator that needs no training ('oracle' knows the target's attributes, not label-free;
     * 'dialogue-rule' restates the dialogue by rules), or 'multi-task': the label-free simulator, trained here on
     * the dataset (hashing features, a few epochs).
     */
    simulator: z.union([z.literal('multi-task'), untrained(simulators)]).default('oracle'),
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
  multiTask?: Promise<MultiTaskSimulator>;
}

/** A small multi-task simulator for learner runs: seeded, so every worker thread trains the same one. */
const SMALL_SIMULATOR = { seed: 0, epochs: 8, hidden: 32, userDim: 16 } as const;

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
      const dataset =
        'seed' in d ? makeSyntheticDataset({ seed: d.seed, items: d.items, dialogues: d.dialogues }) : loadDataset(d.name, d.dataRoot ? { dataRoot: d.dataRoot } : {});
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
  return retrievers.get(kind).create({ dataset });
}

async function makeSimulator(kind: string, parts: Shared): Promise<UserSimulator> {
  const { dataset } = parts;
  if (kind === 'multi-task') {
    parts.multiTask ??= MultiTaskSimulator.train(dataset, { text: new HashingEncoder({ dim: 128 }) }, SMALL_SIMULATOR);
    return parts.multiTask;
  }
  return simulators.get(kind).create({ dataset, noiseProbability: 0.5 });
}

export async function createEnv(rawArgs: unknown, _index = 0, overrides: EnvOverrides = {}): Promise<CrsEnv> {
  const args = parse(rawArgs);
  const parts = await sharedParts(args);
  const { dataset, encoder } = parts;
  return new CrsEnv(
    { dataset, retriever: makeRetriever(args.retriever, dataset), simulator: await makeSimulator(args.simulator, parts), textEncoder: encoder },
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
