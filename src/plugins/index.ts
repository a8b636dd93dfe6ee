// Public API of the plugin layer.
export { registries, registriesFrom, type Registries } from './registries.js';
export { isModuleSpec, loadAgentModule, loadedPlugins, loadPlugin, loadPluginsFromEnv, loadThreadPlugins, PluginError, PLUGINS_ENV_VAR, type Plugin } from './load.js';
