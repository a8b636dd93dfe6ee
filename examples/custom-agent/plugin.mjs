// The same agent registered under a name of your choosing through a plugin:
// `crs-gym eval --plugin examples/custom-agent/plugin.mjs --agent fresh ...`.
import freshPicks, { description, retriever } from './fresh-picks.mjs';

export default function register(registries) {
  registries.agents.register('fresh', { retriever, create: () => freshPicks }, { description });
}
