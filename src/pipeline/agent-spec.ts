// Agent SPECs on the command line and in the reproduction: a registered agent's name (agents/registry.ts), or
// `NAME:ARG` for one that takes an argument (`grpo:DIR`, a trained policy). Each resolves to an agent plus the env
// options it is evaluated with (its retriever: popularity over the catalogue is popularity retrieval + retriever
// order).
import type { Agent } from '../../agents/types.js';
import { agentModules, agents, type AgentEntry } from '../../agents/registry.js';
import type { EnvComponents } from '../../envs/components.js';
import type { CrsEnvOptions } from '../../envs/register.js';
import type { Dataset } from '../data/types.js';
import type { LlmConfigInput } from '../llm/config.js';

export interface ResolvedAgent {
  agent: Agent;
  /** Options for makeCrsEnv (the retriever the agent works over). */
  envOptions: Partial<CrsEnvOptions>;
  label: string;
}

/** The registered agents that take no argument, with their descriptions (for listings). */
export function baselineSpecs(): Record<string, string> {
  return Object.fromEntries(agents.list().filter((e) => e.value.argument === undefined).map((e) => [e.name, e.description]));
}

export class AgentSpecError extends Error {
  override name = 'AgentSpecError';
}

/** What a SPEC names, checked, without building the agent (no policy is loaded). */
export interface AgentSpecDescription {
  /** The registered agent's name. */
  name: string;
  entry: AgentEntry;
  /**
   * 'neural' for an agent that needs the trained components (a trained policy), 'llm' for one that waits on a
   * server, else 'other'.
   */
  kind: 'neural' | 'llm' | 'other';
  /** The argument after `NAME:` (a trained policy's folder). */
  arg?: string;
  /** The policy folder of a trained-policy spec (same as `arg` for those). */
  policyDir?: string;
  envOptions: Partial<CrsEnvOptions>;
  label: string;
}

/** "popularity, ..., llm, neural:DIR, sft:DIR, ..." for messages and help. */
export function agentChoices(): string {
  return agents
    .list()
    .map((e) => (e.value.argument === undefined ? e.name : `${e.name}:${e.value.argument}`))
    .join(', ');
}

export function describeAgentSpec(given: string): AgentSpecDescription {
  // An agent module (`--agent ./my-agent.js`, loaded by src/plugins/load.ts) goes by the name it registered.
  const spec = agentModules.get(given) ?? given;
  const [name = '', ...rest] = spec.split(':');
  const arg = rest.join(':');
  if (!agents.has(name)) throw new AgentSpecError(`unknown agent '${spec}' (known: ${agentChoices()}, or an agent module file such as ./my-agent.js)`);
  const entry = agents.get(name);
  if (entry.argument !== undefined && !arg) {
    throw new AgentSpecError(`agent '${spec}': give the ${entry.argument === 'DIR' ? 'policy folder' : entry.argument}, e.g. ${name}:${entry.argument === 'DIR' ? 'runs/inspired/grpo' : entry.argument}`);
  }
  const kind = entry.needsComponents ? 'neural' : entry.waitsOnServer ? 'llm' : 'other';
  return {
    name,
    entry,
    kind,
    ...(arg ? { arg } : {}),
    ...(entry.argument === 'DIR' && arg ? { policyDir: arg } : {}),
    envOptions: { retriever: entry.retriever },
    label: arg ? `${name}:${arg}` : name,
  };
}

/**
 * Builds the agent a SPEC names; an agent that needs the components gets them. `llm` sets the LLM agent's client
 * (timeout, retries, ...) over the CRS_GYM_LLM_* variables.
 */
export async function resolveAgentSpec(
  spec: string,
  components: EnvComponents | undefined,
  llm: Partial<LlmConfigInput> = {},
  dataset: Dataset | undefined = components?.dataset,
): Promise<ResolvedAgent> {
  const described = describeAgentSpec(spec);
  if (described.entry.needsComponents && components === undefined) {
    throw new Error(`resolveAgentSpec: agent '${spec}' needs the trained components (text encoder, E_C)`);
  }
  const agent = await described.entry.create({
    spec,
    arg: described.arg ?? '',
    ...(components ? { components } : {}),
    ...(dataset ? { dataset } : {}),
    llm,
  });
  return { agent, envOptions: described.envOptions, label: described.label };
}
