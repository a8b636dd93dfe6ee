// Registers CrsEnv/<dataset>-v0 for every registered dataset (src/data/registry.ts), including those a plugin
// registers later. `await make('CrsEnv/inspired-v0')` with no options loads the trained retriever and simulator
// from the artifacts folder, or trains and caches them first (progress on stderr); see envs/make.ts.
// The building, the process caches and the vector-env setup live in their own modules and are re-exported here,
// so this module stays usable as a vector-env setup module and as the one import that registers the envs.
import { register, registry } from '../src/core/registry.js';
import { datasets } from '../src/data/registry.js';
import { makeCrsEnv } from './make.js';

export {
  CrsEnvOptionsSchema,
  RetrieverChoiceSchema,
  SimulatorVariantSchema,
  buildRetriever,
  crsEnvNeedsComponents,
  makeCrsEnv,
  needsTrainedComponents,
  type CrsEnvOptions,
} from './make.js';
export { sharedComponents, sharedDataset } from './shared.js';
export { createEnv, createObservationCodec } from './vector-setup.js';

/** The env id of a dataset. */
export function crsEnvId(dataset: string): string {
  return `CrsEnv/${dataset}-v0`;
}

function registerCrsEnv(name: string): void {
  const id = crsEnvId(name);
  if (registry.has(id)) return;
  const title = datasets.has(name) ? (datasets.get(name).title ?? name) : name;
  register(id, (options) => makeCrsEnv(name, options), {
    description: `Conversational recommendation on ${title} (SMTPO protocol)`,
    orderEnforcing: false,
  });
}

let subscribed = false;

/** Idempotent: registers an id per registered dataset unless it already is, and one per dataset registered later. */
export function registerCrsEnvs(): void {
  for (const name of datasets.names()) registerCrsEnv(name);
  if (!subscribed) {
    subscribed = true;
    datasets.onRegister((entry) => registerCrsEnv(entry.name));
  }
}

registerCrsEnvs();
