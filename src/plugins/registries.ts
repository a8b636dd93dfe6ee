// Every registry a plugin can add to, in one object: a plugin's default export receives it. Each registry is a
// NamedRegistry (src/core/named-registry.ts) of one kind, owned by its layer.
import type { NamedRegistry } from '../core/named-registry.js';
import type { DatasetDescriptor } from '../data/descriptor.js';
import { datasets } from '../data/registry.js';
import { retrievers, type RetrieverEntry } from '../retriever/registry.js';
import { simulators, type SimulatorEntry } from '../simulator/registry.js';
import { rewardComponents } from '../../rewards/registry.js';
import type { RewardComponent } from '../../rewards/types.js';
import { agents, type AgentEntry } from '../../agents/registry.js';
import { learners, type LearnerFactory } from '../learners/registry.js';
import { policies, type PolicyFactory } from '../../agents/policies.js';

export interface Registries {
  /** `--dataset NAME`, `make('CrsEnv/NAME-v0')`: a DatasetDescriptor (folder, files, load). */
  readonly datasets: NamedRegistry<DatasetDescriptor>;
  /** make()'s `simulator` option, `--simulator NAME`. */
  readonly simulators: NamedRegistry<SimulatorEntry>;
  /** make()'s `retriever` option; an agent entry's retriever. */
  readonly retrievers: NamedRegistry<RetrieverEntry>;
  /** `--agent NAME` (or `NAME:ARG`). */
  readonly agents: NamedRegistry<AgentEntry>;
  /** Reward components, weighted in by name (`rewardWeights`, `--reward-weights`). */
  readonly rewards: NamedRegistry<RewardComponent>;
  /** `crs-gym train NAME`: advantages and objective of an RL algorithm. */
  readonly learners: NamedRegistry<LearnerFactory>;
  /** `crs-gym train NAME --policy NAME`: trainable policies (agents/trainable.ts). */
  readonly policies: NamedRegistry<PolicyFactory>;
}

export const registries: Registries = Object.freeze({ datasets, simulators, retrievers, agents, rewards: rewardComponents, learners, policies });

/** The same registries, with `source` set on what is registered through them (listings say where it came from). */
export function registriesFrom(source: string): Registries {
  const scoped = <T>(registry: NamedRegistry<T>): NamedRegistry<T> => {
    const view = Object.create(registry) as NamedRegistry<T>;
    view.register = (name, value, options = {}) => registry.register(name, value, { source, ...options });
    return view;
  };
  return Object.freeze({
    datasets: scoped(datasets),
    simulators: scoped(simulators),
    retrievers: scoped(retrievers),
    agents: scoped(agents),
    rewards: scoped(rewardComponents),
    learners: scoped(learners),
    policies: scoped(policies),
  });
}
