// The agent registry: `--agent NAME` (or `NAME:ARG`, e.g. `grpo:runs/inspired/grpo`) on the CLI, the
// reproduction's experiments and play all read it. An entry names the retriever its env builds candidates with
// (the baselines that are really retrievers pass that order through), whether it needs the trained components
// (E_T, E_C for its features), and builds the agent.
import { NamedRegistry } from '../src/core/named-registry.js';
import type { Dataset } from '../src/data/types.js';
import { createChatClient } from '../src/llm/client.js';
import type { LlmConfigInput } from '../src/llm/config.js';
import type { EnvComponents } from '../envs/components.js';
import { RandomAgent, RetrieverOrderAgent } from './baselines.js';
import { LlmAgent } from './llm-agent.js';
import { NeuralRecommender } from './neural/recommender.js';
import type { Agent } from './types.js';

export interface AgentBuildContext {
  /** The whole SPEC as given ('bm25', 'grpo:runs/x'). */
  spec: string;
  /** What follows `NAME:` in the SPEC ('' when nothing does): a policy folder for the trained policies. */
  arg: string;
  /** The trained components (dataset, E_T, E_C, ...); present when the entry `needsComponents`. */
  components?: EnvComponents;
  /** The dataset the agent plays on (absent only when a caller builds an agent without one). */
  dataset?: Dataset;
  /** LLM client settings (timeout, retries, ...) over the CRS_GYM_LLM_* variables, for agents that call an LLM. */
  llm: Partial<LlmConfigInput>;
}

export interface AgentEntry {
  /** The registered retriever its env builds the candidates with (src/retriever/registry.ts). */
  readonly retriever: string;
  /** Needs the trained components (a neural policy's features). */
  readonly needsComponents?: boolean;
  /** Takes a required argument after ':' (its placeholder in help, e.g. 'DIR'), such as a policy folder. */
  readonly argument?: string;
  /** Calls a server and waits on it: evaluation plays as many samples at once as the server takes. */
  readonly waitsOnServer?: boolean;
  create(ctx: AgentBuildContext): Agent | Promise<Agent>;
}

export const agents = new NamedRegistry<AgentEntry>('agent', (entry) => {
  if (typeof entry?.create !== 'function') throw new Error('an agent entry is { retriever, create(ctx) }');
  if (typeof entry.retriever !== 'string') throw new Error("an agent entry names its env's retriever ('dual-view', 'bm25', ...)");
});

/** Whether `value` looks like an Agent (an object with `act`). */
export function isAgent(value: unknown): value is Agent {
  return typeof value === 'object' && value !== null && typeof (value as { act?: unknown }).act === 'function';
}

const retrieverOrder = (retriever: string, description: string): [AgentEntry, { description: string }] => [
  { retriever, create: () => new RetrieverOrderAgent() },
  { description },
];

agents.register('popularity', ...retrieverOrder('popularity', 'most frequent training targets (popularity retrieval, passed through)'));
agents.register('repeat', ...retrieverOrder('repeat', 'items mentioned in the dialogue, most recent first, then popularity'));
agents.register('bm25', ...retrieverOrder('bm25', 'text-only: BM25 over item text, passed through'));
agents.register('tfidf', ...retrieverOrder('tfidf', 'text-only: TF-IDF over item text, passed through'));
agents.register('retriever', ...retrieverOrder('dual-view', 'the dual-view retriever order, passed through'));
agents.register('random', { retriever: 'dual-view', create: () => new RandomAgent() }, { description: 'a random top-10 of the dual-view candidates' });
agents.register(
  'llm',
  { retriever: 'dual-view', waitsOnServer: true, create: ({ llm }) => new LlmAgent({ client: createChatClient(llm) }) },
  { description: 'an LLM behind an OpenAI-compatible server (CRS_GYM_LLM_* variables)' },
);

/** A trained NeuralRecommender from its folder, greedy (evaluation and play). */
async function loadPolicy({ spec, arg, components }: AgentBuildContext): Promise<Agent> {
  if (components === undefined) throw new Error(`agent '${spec}' needs the trained components (text encoder, E_C)`);
  const agent = await NeuralRecommender.load(arg, { dataset: components.dataset, textEncoder: components.textEncoder, collaborative: components.collaborative });
  agent.mode = 'greedy';
  return agent;
}

for (const [name, what] of [
  ['neural', 'a trained policy'],
  ['sft', 'a policy trained with SFT'],
  ['grpo', 'a policy trained with GRPO'],
  ['rloo', 'a policy trained with RLOO'],
  ['reinforce', 'a policy trained with REINFORCE'],
] as const) {
  agents.register(name, { retriever: 'dual-view', needsComponents: true, argument: 'DIR', create: loadPolicy }, { description: `${what} from its folder (${name}:DIR)` });
}

/** Agent module files (`--agent ./my-agent.js`) and the name each registered as (src/plugins/load.ts fills it). */
export const agentModules = new Map<string, string>();
