// Envs as services: the OpenEnv protocol server (`crs-gym serve`), RemoteEnv and a vector env over servers.
export * from './protocol.js';
export { EnvServer, type EnvServerOptions, type ServerStats } from './server.js';
export { RemoteEnv, RemoteEnvError, RemoteCustomSpace, serverUrls, type RemoteEnvOptions, type ServerMetadata } from './client.js';
export { connectRemoteVectorEnv } from './vector.js';
