// Registers CrsEnv/inspired-v0 and CrsEnv/redial-v0. `await make('CrsEnv/inspired-v0')` with no options
// loads the trained retriever and simulator from the artifacts folder, or trains and caches them first
// (progress on stderr). Options override the JSON config in configs/crs-env.<dataset>.json.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { register, registry } from '../src/core/registry.js';
import { deepMerge, parseConfig } from '../src/config/load.js';
import { findPackageRoot } from '../src/data/paths.js';
import { loadDataset } from '../src/data/load.js';
import type { Dataset } from '../src/data/types.js';
import { Bm25Retriever } from '../src/retriever/bm25.js';
import { PopularityRetriever } from '../src/retriever/popularity.js';
import { TfidfRetriever } from '../src/retriever/tfidf.js';
import { RepeatRetriever } from '../src/retriever/repeat.js';
import type { Retriever } from '../src/retriever/types.js';
import { BlindSimulator, NoisySimulator } from '../src/simulator/wrappers.js';
import { OracleSimulator } from '../src/simulator/oracle.js';
import { SingleTaskSimulator } from '../src/simulator/single-task.js';
import { LlmSimulator } from '../src/simulator/llm.js';
import { NameGuard } from '../src/simulator/name-guard.js';
import type { UserSimulator } from '../src/simulator/types.js';
import { createChatClient } from '../src/llm/client.js';
import { stableStringify } from '../src/pipeline/stage-cache.js';
import { ComponentsConfigSchema, defaultEmbeddingsDir, loadEnvComponents, makeTextEncoder, type EnvComponents } from './components.js';
import { CrsEnvConfigSchema } from './config.js';
import { CrsEnv } from './crs-env.js';
import { errorMessage } from '../src/core/errors.js';

export const SimulatorVariantSchema = z.enum(['multi-task', 'single-task', 'blind', 'noisy', 'oracle', 'llm']);
export const RetrieverChoiceSchema = z.enum(['dual-view', 'bm25', 'tfidf', 'popularity', 'repeat']);

export const CrsEnvOptionsSchema = z.object({
  /** Data folder (else CRS_GYM_DATA, ./data, ../shared/data). */
  dataRoot: z.string().optional(),
  /** Artifacts folder (else $CRS_GYM_ARTIFACTS, <crs-gym home>/artifacts; src/core/home.ts). */
  artifactsDir: z.string().optional(),
  /** Which user simulator answers: the trained multi-task one by default. */
  simulator: SimulatorVariantSchema.default('multi-task'),
  /** For simulator 'noisy': the chance a feedback is replaced by chit-chat. */
  noiseProbability: z.number().min(0).max(1).default(0.5),
  /** For simulator 'llm': the OpenAI-compatible server (else the CRS_GYM_LLM_* environment variables). */
  llm: z.record(z.string(), z.unknown()).optional(),
  /** Which retriever builds the candidates: the trained dual-view one by default. */
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

// One dataset and one set of components per process and configuration: envs made again share them.
const datasets = new Map<string, Dataset>();
const components = new Map<string, Promise<EnvComponents>>();

export function sharedDataset(name: 'inspired' | 'redial', dataRoot?: string): Dataset {
  const key = `${name}|${dataRoot ?? ''}`;
  let dataset = datasets.get(key);
  if (!dataset) {
    dataset = loadDataset(name, dataRoot ? { dataRoot } : {});
    datasets.set(key, dataset);
  }
  return dataset;
}

export function sharedComponents(dataset: Dataset, opts: { artifactsDir?: string; components?: Record<string, unknown>; loadOnly?: boolean }): Promise<EnvComponents> {
  const config = parseConfig(ComponentsConfigSchema, opts.components ?? {}, 'components config');
  // The embeddings folder too: components read their text vectors from it.
  const key = stableStringify({ dataset: dataset.name, root: dataset.root, artifacts: opts.artifactsDir ?? null, embeddings: defaultEmbeddingsDir(), config });
  let pending = components.get(key);
  if (!pending) {
    pending = loadEnvComponents(dataset, { config, loadOnly: opts.loadOnly ?? false, ...(opts.artifactsDir ? { artifactsDir: opts.artifactsDir } : {}) });
    pending.catch(() => components.delete(key));
    components.set(key, pending);
  }
  return pending;
}

/** The retriever for a choice; only 'dual-view' needs the trained parts. */
export function buildRetriever(choice: z.output<typeof RetrieverChoiceSchema>, dataset: Dataset, parts: EnvComponents | undefined): Retriever {
  switch (choice) {
    case 'dual-view':
      return parts!.retriever;
    case 'bm25':
      return new Bm25Retriever(dataset);
    case 'tfidf':
      return new TfidfRetriever(dataset);
    case 'popularity':
      return new PopularityRetriever(dataset);
    case 'repeat':
      return new RepeatRetriever(new PopularityRetriever(dataset));
  }
}

/** Whether the options need the trained parts (dual-view retriever, multi-task simulator). */
export function needsTrainedComponents(options: Pick<z.output<typeof CrsEnvOptionsSchema>, 'retriever' | 'simulator'>): boolean {
  return options.retriever === 'dual-view' || ['multi-task', 'blind', 'noisy'].includes(options.simulator);
}

function buildSimulator(options: z.output<typeof CrsEnvOptionsSchema>, dataset: Dataset, parts: EnvComponents | undefined): UserSimulator {
  const guard = () => new NameGuard(dataset.items);
  switch (options.simulator) {
    case 'multi-task':
      return parts!.simulator;
    case 'single-task':
      return new SingleTaskSimulator({ guard: guard() });
    case 'blind':
      return new BlindSimulator(parts!.simulator);
    case 'noisy':
      return new NoisySimulator(parts!.simulator, options.noiseProbability);
    case 'oracle':
      return new OracleSimulator({ guard: guard() });
    case 'llm':
      return new LlmSimulator(createChatClient(options.llm ?? {}), { guard: guard() });
  }
}

/** The dataset's config file with `rawOptions` merged over it, validated. */
function parseCrsEnvOptions(datasetName: 'inspired' | 'redial', rawOptions: Record<string, unknown>): z.output<typeof CrsEnvOptionsSchema> {
  return parseConfig(CrsEnvOptionsSchema, deepMerge(configFile(datasetName), rawOptions), `CrsEnv/${datasetName} options`);
}

/** Whether `makeCrsEnv(datasetName, rawOptions)` would load (or train) the trained components. */
export function crsEnvNeedsComponents(datasetName: 'inspired' | 'redial', rawOptions: Record<string, unknown> = {}): boolean {
  return needsTrainedComponents(parseCrsEnvOptions(datasetName, rawOptions));
}

/** Builds a CrsEnv for `datasetName` from options (see CrsEnvOptionsSchema). */
export async function makeCrsEnv(datasetName: 'inspired' | 'redial', rawOptions: Record<string, unknown> = {}): Promise<CrsEnv> {
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
    { dataset, retriever: buildRetriever(options.retriever, dataset, parts), simulator: buildSimulator(options, dataset, parts), textEncoder },
    envConfig,
  );
}

/** Idempotent: registers both ids unless they already are. */
export function registerCrsEnvs(): void {
  for (const name of ['inspired', 'redial'] as const) {
    const id = `CrsEnv/${name}-v0`;
    if (registry.has(id)) continue;
    register(id, (options) => makeCrsEnv(name, options), {
      description: `Conversational recommendation on ${name === 'inspired' ? 'INSPIRED' : 'ReDial'} (SMTPO protocol)`,
      orderEnforcing: false,
    });
  }
}

/** AsyncVectorEnv sends CrsEnv observations compactly through this codec (ids and scores, details once). */
export { createObservationCodec } from './observation-codec.js';

/** Setup module for AsyncVectorEnv workers: `createEnv({ dataset, options })`. */
export async function createEnv(args: { dataset: 'inspired' | 'redial'; options?: Record<string, unknown> }): Promise<CrsEnv> {
  return makeCrsEnv(args.dataset, args.options ?? {});
}

registerCrsEnvs();
