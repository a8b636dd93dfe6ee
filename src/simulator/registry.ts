// The simulator registry: `simulator` in make()'s options, `--simulator` on the CLI and play's user side all
// read it. An entry says whether it is built on the trained multi-task simulator (so the env loads or trains the
// components first) and builds the simulator from the dataset.
import type { Dataset } from '../data/types.js';
import { NamedRegistry } from '../core/named-registry.js';
import { createChatClient } from '../llm/client.js';
import { LlmSimulator } from './llm.js';
import { NameGuard } from './name-guard.js';
import { OracleSimulator } from './oracle.js';
import { DialogueRuleSimulator } from './dialogue-rule.js';
import type { UserSimulator } from './types.js';
import { BlindSimulator, NoisySimulator } from './wrappers.js';

export interface SimulatorBuildContext {
  dataset: Dataset;
  /** The trained multi-task simulator; present when the entry `needsTrained`. */
  trained?: UserSimulator;
  /** The simulator trained on the feedback task alone (the paper's single-task ablation), trained on first use. */
  trainedSingleTask?: () => Promise<UserSimulator>;
  /** For 'noisy': the chance a feedback is replaced by chit-chat. */
  noiseProbability: number;
  /** For 'llm': the OpenAI-compatible server's settings (else the CRS_GYM_LLM_* variables). */
  llm?: Record<string, unknown>;
}

export interface SimulatorEntry {
  /** Built on the trained multi-task simulator (E_C and the simulator heads are loaded, or trained first). */
  readonly needsTrained: boolean;
  create(ctx: SimulatorBuildContext): UserSimulator | Promise<UserSimulator>;
}

export const simulators = new NamedRegistry<SimulatorEntry>('simulator', (entry) => {
  if (typeof entry?.create !== 'function') throw new Error('a simulator entry is { needsTrained, create(ctx) }');
});

/** The trained simulator of `ctx`; a missing one is a bug of the caller (it checks `needsTrained`). */
function trainedOf(ctx: SimulatorBuildContext, name: string): UserSimulator {
  if (ctx.trained === undefined) throw new Error(`simulator '${name}' needs the trained multi-task simulator`);
  return ctx.trained;
}

const guard = (dataset: Dataset) => new NameGuard(dataset.items);

simulators.register('multi-task', { needsTrained: true, create: (ctx) => trainedOf(ctx, 'multi-task') }, { description: 'the trained label-free multi-task simulator (paper 3.2)' });
simulators.register(
  'single-task',
  {
    needsTrained: true,
    create: (ctx) => {
      if (ctx.trainedSingleTask === undefined) throw new Error("simulator 'single-task' needs the trained components");
      return ctx.trainedSingleTask();
    },
  },
  { description: 'the same simulator trained on the feedback task alone (the paper\'s single-task ablation)' },
);
simulators.register('dialogue-rule', { needsTrained: false, create: ({ dataset }) => new DialogueRuleSimulator({ guard: guard(dataset) }) }, { description: 'hand-written rules restating what the user said in the dialogue (no training)' });
simulators.register('blind', { needsTrained: true, create: (ctx) => new BlindSimulator(trainedOf(ctx, 'blind')) }, { description: 'the trained simulator that never sees the list (Table 3)' });
simulators.register(
  'noisy',
  { needsTrained: true, create: (ctx) => new NoisySimulator(trainedOf(ctx, 'noisy'), ctx.noiseProbability) },
  { description: 'the trained simulator, its feedback replaced by chit-chat at a rate (Table 3)' },
);
simulators.register('oracle', { needsTrained: false, create: ({ dataset }) => new OracleSimulator({ guard: guard(dataset) }) }, { description: "knows the target's attributes (not label-free)" });
simulators.register(
  'llm',
  { needsTrained: false, create: ({ dataset, llm }) => new LlmSimulator(createChatClient(llm ?? {}), { guard: guard(dataset) }) },
  { description: 'an LLM behind an OpenAI-compatible server' },
);
