// Agent SPECs on the command line and in the reproduction: a name, or `neural:DIR` for a trained policy.
// Each resolves to an agent plus the env options it is evaluated with (its retriever, for the baselines
// that are really retrievers: popularity over the catalogue is popularity retrieval + retriever order).
import type { Agent } from '../../agents/types.js';
import { RandomAgent, RetrieverOrderAgent } from '../../agents/baselines.js';
import { LlmAgent } from '../../agents/llm-agent.js';
import { NeuralRecommender } from '../../agents/neural/recommender.js';
import type { EnvComponents } from '../../envs/components.js';
import type { CrsEnvOptions } from '../../envs/register.js';
import { createChatClient } from '../llm/client.js';
import type { LlmConfigInput } from '../llm/config.js';

export interface ResolvedAgent {
  agent: Agent;
  /** Options for makeCrsEnv (the retriever the agent works over). */
  envOptions: Partial<CrsEnvOptions>;
  label: string;
}

export const BASELINE_SPECS: Readonly<Record<string, string>> = {
  popularity: 'most frequent training targets (popularity retrieval, passed through)',
  repeat: 'items mentioned in the dialogue, most recent first, then popularity',
  bm25: 'text-only: BM25 over item text, passed through',
  tfidf: 'text-only: TF-IDF over item text, passed through',
  retriever: 'the dual-view retriever order, passed through',
  random: 'a random top-10 of the dual-view candidates',
  llm: 'an LLM behind an OpenAI-compatible server (CRS_GYM_LLM_* variables)',
};

export class AgentSpecError extends Error {
  override name = 'AgentSpecError';
}

/** What a SPEC names, checked, without building the agent (no policy is loaded). */
export interface AgentSpecDescription {
  kind: 'retriever-order' | 'random' | 'llm' | 'neural';
  /** The policy folder of a neural spec. */
  policyDir?: string;
  envOptions: Partial<CrsEnvOptions>;
  label: string;
}

export function describeAgentSpec(spec: string): AgentSpecDescription {
  const [kind, ...rest] = spec.split(':');
  const arg = rest.join(':');
  switch (kind) {
    case 'popularity':
    case 'repeat':
    case 'bm25':
    case 'tfidf':
      return { kind: 'retriever-order', envOptions: { retriever: kind }, label: kind };
    case 'retriever':
      return { kind: 'retriever-order', envOptions: { retriever: 'dual-view' }, label: 'retriever' };
    case 'random':
      return { kind: 'random', envOptions: { retriever: 'dual-view' }, label: 'random' };
    case 'llm':
      return { kind: 'llm', envOptions: { retriever: 'dual-view' }, label: 'llm' };
    case 'neural':
    case 'sft':
    case 'grpo':
    case 'rloo':
    case 'reinforce':
      if (!arg) throw new AgentSpecError(`agent '${spec}': give the policy folder, e.g. ${kind}:runs/inspired/grpo`);
      return { kind: 'neural', policyDir: arg, envOptions: { retriever: 'dual-view' }, label: `${kind}:${arg}` };
    default:
      throw new AgentSpecError(
        `unknown agent '${spec}' (known: ${Object.keys(BASELINE_SPECS).join(', ')}, neural:DIR, sft:DIR, grpo:DIR)`,
      );
  }
}

/**
 * Builds the agent a SPEC names; a neural policy needs the components its features come from. `llm` sets the LLM
 * agent's client (timeout, retries, ...) over the CRS_GYM_LLM_* variables.
 */
export async function resolveAgentSpec(spec: string, components: EnvComponents | undefined, llm: Partial<LlmConfigInput> = {}): Promise<ResolvedAgent> {
  const described = describeAgentSpec(spec);
  const { envOptions, label } = described;
  switch (described.kind) {
    case 'retriever-order':
      return { agent: new RetrieverOrderAgent(), envOptions, label };
    case 'random':
      return { agent: new RandomAgent(), envOptions, label };
    case 'llm':
      return { agent: new LlmAgent({ client: createChatClient(llm) }), envOptions, label };
    case 'neural': {
      if (components === undefined) throw new Error(`resolveAgentSpec: agent '${spec}' needs the trained components (text encoder, E_C)`);
      const agent = await NeuralRecommender.load(described.policyDir as string, { dataset: components.dataset, textEncoder: components.textEncoder, collaborative: components.collaborative });
      agent.mode = 'greedy';
      return { agent, envOptions, label };
    }
  }
}
