// Builds what `crs-gym play` needs: the agent from its SPEC, the user side (a person or a simulator) and a
// CrsEnv over the shared dataset. Only what the choice needs is loaded: lexical baselines with a person (or
// the single-task simulator) need no trained parts at all; a lexical baseline watched with the multi-task
// simulator loads just E_C and the simulator; the dual-view retriever and trained policies load (or train
// once) every component.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Dataset, Split } from '../data/types.js';
import type { Agent } from '../../agents/types.js';
import { RetrieverOrderAgent } from '../../agents/baselines.js';
import { policyFile } from '../../agents/neural/recommender.js';
import { CrsEnv } from '../../envs/crs-env.js';
import { defaultArtifactsRoot, makeTextEncoder, type EnvComponents } from '../../envs/components.js';
import { buildRetriever, sharedComponents, sharedDataset, SimulatorVariantSchema, type CrsEnvOptions } from '../../envs/register.js';
import type { CrsEnvConfigInput } from '../../envs/config.js';
import { AgentSpecError, BASELINE_SPECS, resolveAgentSpec } from '../pipeline/agent-spec.js';
import { STAGE_FILE } from '../pipeline/stage-cache.js';
import type { Retriever } from '../retriever/types.js';
import { LightGcnEncoder } from '../encoders/collaborative.js';
import { MultiTaskSimulator } from '../simulator/multi-task.js';
import { SingleTaskSimulator } from '../simulator/single-task.js';
import { OracleSimulator } from '../simulator/oracle.js';
import { BlindSimulator, NoisySimulator } from '../simulator/wrappers.js';
import { LlmSimulator } from '../simulator/llm.js';
import { NameGuard } from '../simulator/name-guard.js';
import type { UserSimulator } from '../simulator/types.js';
import { createChatClient } from '../llm/client.js';
import { DEFAULT_REWARD_WEIGHTS } from '../../rewards/weighted-sum.js';

export type SimulatorVariant = z.output<typeof SimulatorVariantSchema>;
type RetrieverChoice = NonNullable<CrsEnvOptions['retriever']>;

/** Baselines over a lexical or count-based retriever: nothing to train. */
const LEXICAL = new Set<RetrieverChoice>(['popularity', 'repeat', 'bm25', 'tfidf']);
const POLICY_KINDS = new Set(['neural', 'sft', 'grpo', 'rloo', 'reinforce']);
/** Simulator variants built on the trained multi-task simulator. */
const TRAINED_SIMULATORS = new Set<SimulatorVariant>(['multi-task', 'blind', 'noisy']);

export class PlaySetupError extends Error {
  override name = 'PlaySetupError';
}

export interface PlaySetupOptions {
  dataset: 'inspired' | 'redial';
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
  if (kind in BASELINE_SPECS || POLICY_KINDS.has(kind)) return trimmed;
  if (existsSync(trimmed) && statSync(trimmed).isDirectory()) return `neural:${trimmed}`;
  return trimmed;
}

/** Fails fast (before any loading or training) on a SPEC that cannot work. */
export function checkAgentSpec(spec: string): void {
  const [kind = '', ...rest] = spec.split(':');
  const dir = rest.join(':');
  if (POLICY_KINDS.has(kind)) {
    if (!dir) throw new AgentSpecError(`agent '${spec}': give the policy folder, e.g. ${kind}:runs/inspired/grpo`);
    if (!existsSync(policyFile(dir))) throw new AgentSpecError(`agent '${spec}': no trained policy at ${policyFile(dir)}`);
    return;
  }
  if (!(kind in BASELINE_SPECS)) {
    throw new AgentSpecError(`unknown agent '${spec}' (known: ${Object.keys(BASELINE_SPECS).join(', ')}, neural:DIR, or a policy folder)`);
  }
}

function lexicalRetriever(choice: RetrieverChoice, dataset: Dataset): Retriever {
  return buildRetriever(choice, dataset, undefined);
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

function buildSimulator(variant: SimulatorVariant, dataset: Dataset, trained: MultiTaskSimulator | undefined): UserSimulator {
  const guard = () => new NameGuard(dataset.items);
  const need = (): MultiTaskSimulator => {
    if (!trained) throw new PlaySetupError(`simulator '${variant}' needs the trained multi-task simulator`);
    return trained;
  };
  switch (variant) {
    case 'multi-task':
      return need();
    case 'blind':
      return new BlindSimulator(need());
    case 'noisy':
      return new NoisySimulator(need(), 0.5);
    case 'single-task':
      return new SingleTaskSimulator({ guard: guard() });
    case 'oracle':
      return new OracleSimulator({ guard: guard() });
    case 'llm':
      return new LlmSimulator(createChatClient({}), { guard: guard() });
  }
}

export async function setupPlay(opts: PlaySetupOptions): Promise<PlaySetup> {
  const spec = normalizeAgentSpec(opts.agent);
  checkAgentSpec(spec);
  const dataset = sharedDataset(opts.dataset, opts.dataRoot);
  const kind = spec.split(':')[0] as RetrieverChoice;
  const lexical = LEXICAL.has(kind);
  const wantsTrainedSimulator = opts.user.kind === 'simulator' && TRAINED_SIMULATORS.has(opts.user.variant);

  let parts: EnvComponents | undefined;
  let trainedSimulator: MultiTaskSimulator | undefined;
  let loaded: PlaySetup['loaded'] = 'none';
  if (lexical && wantsTrainedSimulator) {
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

  let agent: Agent;
  let retriever: Retriever;
  let label = spec;
  if (lexical) {
    agent = new RetrieverOrderAgent();
    retriever = lexicalRetriever(kind, dataset);
  } else {
    const resolved = await resolveAgentSpec(spec, parts as EnvComponents);
    agent = resolved.agent;
    label = resolved.label;
    const choice = resolved.envOptions.retriever ?? 'dual-view';
    retriever = choice === 'dual-view' ? (parts as EnvComponents).retriever : lexicalRetriever(choice, dataset);
  }

  const simulator = opts.user.kind === 'human' ? opts.user.simulator : buildSimulator(opts.user.variant, dataset, trainedSimulator);
  // Rewards are not shown in play; without the trained text encoder the preference reward is left out so
  // nothing loads USE lite just to score it.
  const env: CrsEnvConfigInput = parts
    ? opts.env
    : { ...opts.env, rewardWeights: Object.fromEntries(Object.entries(DEFAULT_REWARD_WEIGHTS).filter(([name]) => name !== 'preference')) };
  return {
    env: new CrsEnv({ dataset, retriever, simulator, ...(parts ? { textEncoder: parts.textEncoder } : {}) }, env),
    agent,
    label,
    dataset,
    loaded,
  };
}
