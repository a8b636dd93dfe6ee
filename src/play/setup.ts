// Builds what `crs-gym play` needs: the agent from its SPEC, the user side (a person or a simulator) and a
// CrsEnv over the shared dataset. Only what the choice needs is loaded: lexical baselines with a person (or
// the single-task simulator) need no trained parts at all; a lexical baseline watched with the multi-task
// simulator loads just E_C and the simulator; the dual-view retriever and trained policies load (or train
// once) every component.
import type { DatasetName } from '../data/paths.js';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset, Split } from '../data/types.js';
import type { Agent } from '../../agents/types.js';
import { policyFile } from '../../agents/neural/recommender.js';
import { CrsEnv } from '../../envs/crs-env.js';
import { defaultArtifactsRoot, makeTextEncoder, type EnvComponents } from '../../envs/components.js';
import { buildRetriever, sharedComponents, sharedDataset } from '../../envs/register.js';
import type { CrsEnvConfigInput } from '../../envs/config.js';
import { AgentSpecError, describeAgentSpec, resolveAgentSpec } from '../pipeline/agent-spec.js';
import { agentModules, agents } from '../../agents/registry.js';
import { retrievers } from '../retriever/registry.js';
import { STAGE_FILE } from '../pipeline/stage-cache.js';
import type { Retriever } from '../retriever/types.js';
import { LightGcnEncoder } from '../encoders/collaborative.js';
import { MultiTaskSimulator } from '../simulator/multi-task.js';
import { simulators } from '../simulator/registry.js';
import type { UserSimulator } from '../simulator/types.js';

/** A registered simulator's name (src/simulator/registry.ts). */
export type SimulatorVariant = string;


export class PlaySetupError extends Error {
  override name = 'PlaySetupError';
}

export interface PlaySetupOptions {
  dataset: DatasetName;
  /** Agent SPEC (see src/pipeline/agent-spec.ts) or a trained policy folder. */
  agent: string;
  /** The user side: a person (pass their simulator) or a simulator variant. */
  user: { kind: 'human'; simulator: UserSimulator } | { kind: 'simulator'; variant: SimulatorVariant };
  env: CrsEnvConfigInput;
  dataRoot?: string;
  artifactsDir?: string;
  /** Never train missing components; fail instead. */
  loadOnly?: boolean;
  log?: (message: string) => void;
}

export interface PlaySetup {
  env: CrsEnv;
  agent: Agent;
  /** The agent as the command line names it ("bm25", "neural:runs/x"). */
  label: string;
  dataset: Dataset;
  /** Which trained parts were loaded. */
  loaded: 'none' | 'simulator' | 'all';
}

/** `DIR` (an existing folder that is not a SPEC name) means `neural:DIR`; anything else is a SPEC. */
export function normalizeAgentSpec(spec: string): string {
  const trimmed = spec.trim();
  if (trimmed === '') throw new AgentSpecError('--agent is empty');
  const kind = trimmed.split(':')[0] as string;
  if (agents.has(kind) || agentModules.has(trimmed)) return trimmed;
  if (existsSync(trimmed) && statSync(trimmed).isDirectory()) return `neural:${trimmed}`;
  return trimmed;
}

/** Fails fast (before any loading or training) on a SPEC that cannot work. */
export function checkAgentSpec(spec: string): void {
  let described;
  try {
    described = describeAgentSpec(spec);
  } catch (err) {
    if (err instanceof AgentSpecError && !agents.has(spec.split(':')[0] ?? '')) throw new AgentSpecError(`${err.message.replace(/\)$/, '')}, or a policy folder)`);
    throw err;
  }
  if (described.policyDir !== undefined && !existsSync(policyFile(described.policyDir))) {
    throw new AgentSpecError(`agent '${spec}': no trained policy at ${policyFile(described.policyDir)}`);
  }
}

/** E_C and the multi-task simulator straight from their stage folders, when both are finished there. */
async function loadTrainedSimulator(dataset: Dataset, artifactsDir: string | undefined): Promise<MultiTaskSimulator | undefined> {
  const root = join(artifactsDir ?? defaultArtifactsRoot(), dataset.name);
  const encoderDir = join(root, 'encoder');
  const simulatorDir = join(root, 'simulator');
  if (!existsSync(join(encoderDir, STAGE_FILE)) || !existsSync(join(simulatorDir, STAGE_FILE))) return undefined;
  const collaborative = LightGcnEncoder.load(encoderDir, dataset);
  // The same text encoder loadEnvComponents gives the simulator heads by default (hashing).
  const text = makeTextEncoder('hash', join(root, '..', 'embeddings'));
  return MultiTaskSimulator.load(simulatorDir, { text, collaborative });
}

function buildSimulator(variant: SimulatorVariant, dataset: Dataset, trained: MultiTaskSimulator | undefined, parts: EnvComponents | undefined): Promise<UserSimulator> | UserSimulator {
  const entry = simulators.get(variant);
  if (entry.needsTrained && !trained) throw new PlaySetupError(`simulator '${variant}' needs the trained multi-task simulator`);
  // The env's defaults for the options play has no flag for (noise 0.5, the LLM server from the environment).
  return entry.create({
    dataset,
    ...(trained ? { trained } : {}),
    ...(parts ? { trainedSingleTask: () => parts.singleTaskSimulator() } : {}),
    noiseProbability: 0.5,
  });
}

export async function setupPlay(opts: PlaySetupOptions): Promise<PlaySetup> {
  const spec = normalizeAgentSpec(opts.agent);
  checkAgentSpec(spec);
  const dataset = sharedDataset(opts.dataset, opts.dataRoot);
  const described = describeAgentSpec(spec);
  // An agent over a retriever that needs no training (the lexical baselines) needs no trained parts.
  const lexical = !described.entry.needsComponents && !retrievers.get(described.entry.retriever).needsTrained;
  const wantsTrainedSimulator = opts.user.kind === 'simulator' && simulators.get(opts.user.variant).needsTrained;

  let parts: EnvComponents | undefined;
  let trainedSimulator: MultiTaskSimulator | undefined;
  let loaded: PlaySetup['loaded'] = 'none';
  // The single-task ablation is a stage of the env components (trained on first use), loaded with them.
  const wantsSingleTask = opts.user.kind === 'simulator' && opts.user.variant === 'single-task';
  if (lexical && wantsTrainedSimulator && !wantsSingleTask) {
    trainedSimulator = await loadTrainedSimulator(dataset, opts.artifactsDir);
    if (trainedSimulator) loaded = 'simulator';
  }
  if (!lexical || (wantsTrainedSimulator && !trainedSimulator)) {
    const root = join(opts.artifactsDir ?? defaultArtifactsRoot(), dataset.name);
    opts.log?.(`loading the trained components from ${root}${opts.loadOnly ? '' : ' (training the missing ones first: a few minutes, once)'}`);
    parts = await sharedComponents(dataset, { ...(opts.artifactsDir ? { artifactsDir: opts.artifactsDir } : {}), loadOnly: opts.loadOnly ?? false });
    trainedSimulator = parts.simulator;
    loaded = 'all';
  }

  const resolved = await resolveAgentSpec(spec, parts, {}, dataset);
  const agent: Agent = resolved.agent;
  const label = lexical ? spec : resolved.label;
  const retriever: Retriever = buildRetriever(resolved.envOptions.retriever ?? 'dual-view', dataset, parts);

  const simulator = opts.user.kind === 'human' ? opts.user.simulator : await buildSimulator(opts.user.variant, dataset, trainedSimulator, parts);
  // Rewards are not shown in play; without the trained text encoder the preference reward is left out so
  // nothing loads USE lite just to score it.
  const env: CrsEnvConfigInput = parts
    ? opts.env
    : { ...opts.env, rewardWeights: { processFormat: 1, answerFormat: 1, hit: 1, rank: 1, preference: null } };
  return {
    env: new CrsEnv({ dataset, retriever, simulator, ...(parts ? { textEncoder: parts.textEncoder } : {}) }, env),
    agent,
    label,
    dataset,
    loaded,
  };
}
