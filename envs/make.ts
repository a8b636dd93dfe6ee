// Builds a CrsEnv for a registered dataset from options: the simulator and the retriever are looked up in
// their registries (src/simulator/registry.ts, src/retriever/registry.ts), the trained components are loaded
// (or trained and cached) only when one of them needs them. Options override configs/crs-env.<dataset>.json.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { deepMerge, parseConfig } from '../src/config/load.js';
import { errorMessage } from '../src/core/errors.js';
import { findPackageRoot, type DatasetName } from '../src/data/paths.js';
import type { Dataset } from '../src/data/types.js';
import { retrievers } from '../src/retriever/registry.js';
import type { Retriever } from '../src/retriever/types.js';
import { simulators } from '../src/simulator/registry.js';
import type { UserSimulator } from '../src/simulator/types.js';
import { ComponentsConfigSchema, defaultEmbeddingsDir, makeTextEncoder, type EnvComponents } from './components.js';
import { CrsEnvConfigSchema } from './config.js';
import { CrsEnv } from './crs-env.js';
import { sharedComponents, sharedDataset } from './shared.js';

/** A registered simulator's name (checked when parsed, so plugins' simulators count). */
export const SimulatorVariantSchema = simulators.schema();
/** A registered retriever's name. */
export const RetrieverChoiceSchema = retrievers.schema();

export const CrsEnvOptionsSchema = z.object({
  /** Data folder (else CRS_GYM_DATA, ./data, ../shared/data). */
  dataRoot: z.string().optional(),
  /** Artifacts folder (else $CRS_GYM_ARTIFACTS, <crs-gym home>/artifacts; src/core/home.ts). */
  artifactsDir: z.string().optional(),
  /** Which user simulator answers (src/simulator/registry.ts): the trained multi-task one by default. */
  simulator: SimulatorVariantSchema.default('multi-task'),
  /** For simulator 'noisy': the chance a feedback is replaced by chit-chat. */
  noiseProbability: z.number().min(0).max(1).default(0.5),
  /** For simulator 'llm': the OpenAI-compatible server (else the CRS_GYM_LLM_* environment variables). */
  llm: z.record(z.string(), z.unknown()).optional(),
  /** Which retriever builds the candidates (src/retriever/registry.ts): the trained dual-view one by default. */
  retriever: RetrieverChoiceSchema.default('dual-view'),
  /** CrsEnv config (envs/config.ts). */
  env: z.record(z.string(), z.unknown()).default({}),
  /** Components config (envs/components.ts): encoders, simulator and retriever training. */
  components: z.record(z.string(), z.unknown()).default({}),
  /** Never train; fail if the artifacts are missing. */
  loadOnly: z.boolean().default(false),
});
export type CrsEnvOptions = z.input<typeof CrsEnvOptionsSchema>;

/** configs/crs-env.<dataset>.json, when present. */
function configFile(dataset: string): Record<string, unknown> {
  const root = findPackageRoot() ?? process.cwd();
  const file = join(root, 'configs', `crs-env.${dataset}.json`);
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${file}: cannot read config as JSON: ${errorMessage(err)}`);
  }
}

/** The registered retriever `choice`; only those that `needsTrained` read `parts`. */
export function buildRetriever(choice: string, dataset: Dataset, parts: EnvComponents | undefined): Retriever {
  return retrievers.get(choice).create({ dataset, ...(parts ? { trained: parts.retriever } : {}) });
}

/** Whether the options need the trained parts (the dual-view retriever, simulators built on the multi-task one). */
export function needsTrainedComponents(options: Pick<z.output<typeof CrsEnvOptionsSchema>, 'retriever' | 'simulator'>): boolean {
  return retrievers.get(options.retriever).needsTrained || simulators.get(options.simulator).needsTrained;
}

async function buildSimulator(options: z.output<typeof CrsEnvOptionsSchema>, dataset: Dataset, parts: EnvComponents | undefined): Promise<UserSimulator> {
  return simulators.get(options.simulator).create({
    dataset,
    ...(parts ? { trained: parts.simulator, trainedSingleTask: () => parts.singleTaskSimulator() } : {}),
    noiseProbability: options.noiseProbability,
    ...(options.llm ? { llm: options.llm } : {}),
  });
}

/** The dataset's config file with `rawOptions` merged over it, validated. */
function parseCrsEnvOptions(datasetName: DatasetName, rawOptions: Record<string, unknown>): z.output<typeof CrsEnvOptionsSchema> {
  return parseConfig(CrsEnvOptionsSchema, deepMerge(configFile(datasetName), rawOptions), `CrsEnv/${datasetName} options`);
}

/** Whether `makeCrsEnv(datasetName, rawOptions)` would load (or train) the trained components. */
export function crsEnvNeedsComponents(datasetName: DatasetName, rawOptions: Record<string, unknown> = {}): boolean {
  return needsTrainedComponents(parseCrsEnvOptions(datasetName, rawOptions));
}

/** Builds a CrsEnv for `datasetName` from options (see CrsEnvOptionsSchema). */
export async function makeCrsEnv(datasetName: DatasetName, rawOptions: Record<string, unknown> = {}): Promise<CrsEnv> {
  const options = parseCrsEnvOptions(datasetName, rawOptions);
  const envConfig = parseConfig(CrsEnvConfigSchema, options.env, `CrsEnv/${datasetName} options.env`);
  const dataset = sharedDataset(datasetName, options.dataRoot);
  // Baselines over lexical retrieval with an untrained simulator need no training at all.
  const parts = needsTrainedComponents(options)
    ? await sharedComponents(dataset, { ...(options.artifactsDir ? { artifactsDir: options.artifactsDir } : {}), components: options.components, loadOnly: options.loadOnly })
    : undefined;
  const componentsConfig = parseConfig(ComponentsConfigSchema, options.components, 'components config');
  const textEncoder = parts?.textEncoder ?? makeTextEncoder(componentsConfig.textEncoder, defaultEmbeddingsDir());
  return new CrsEnv(
    { dataset, retriever: buildRetriever(options.retriever, dataset, parts), simulator: await buildSimulator(options, dataset, parts), textEncoder },
    envConfig,
  );
}
