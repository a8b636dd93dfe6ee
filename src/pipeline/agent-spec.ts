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

export async function resolveAgentSpec(spec: string, components: EnvComponents): Promise<ResolvedAgent> {
  const [kind, ...rest] = spec.split(':');
  const arg = rest.join(':');
  switch (kind) {
    case 'popularity':
    case 'repeat':
    case 'bm25':
    case 'tfidf':
      return { agent: new RetrieverOrderAgent(), envOptions: { retriever: kind }, label: kind };
    case 'retriever':
      return { agent: new RetrieverOrderAgent(), envOptions: { retriever: 'dual-view' }, label: 'retriever' };
    case 'random':
      return { agent: new RandomAgent(), envOptions: { retriever: 'dual-view' }, label: 'random' };
    case 'llm':
      return { agent: new LlmAgent({ client: createChatClient({}) }), envOptions: { retriever: 'dual-view' }, label: 'llm' };
    case 'neural':
    case 'sft':
    case 'grpo':
    case 'rloo':
    case 'reinforce': {
      if (!arg) throw new AgentSpecError(`agent '${spec}': give the policy folder, e.g. ${kind}:runs/inspired/grpo`);
      const agent = await NeuralRecommender.load(arg, { dataset: components.dataset, textEncoder: components.textEncoder, collaborative: components.collaborative });
      agent.mode = 'greedy';
      return { agent, envOptions: { retriever: 'dual-view' }, label: `${kind}:${arg}` };
    }
    default:
      throw new AgentSpecError(
        `unknown agent '${spec}' (known: ${Object.keys(BASELINE_SPECS).join(', ')}, neural:DIR, sft:DIR, grpo:DIR)`,
      );
  }
}
