// `crs-gym serve`: any registered env (CrsEnv/inspired-v0 by default) as a service speaking OpenEnv's protocol
// (WebSocket /ws, HTTP /health /schema /metadata /reset /step /state), for clients in any language (docs/serving.md).
// Arguments are checked before anything loads; one env is made before listening (training missing components on
// first use), so the first client does not wait. SIGTERM or SIGINT drains: no new sessions, running steps finish.
import type { Command } from 'commander';
import { errorMessage } from '../../core/errors.js';
import { RegistryError, registry } from '../../core/registry.js';
import { SERVER_DEFAULTS } from '../../remote/protocol.js';
import type { EnvServer } from '../../remote/server.js';
import { registerCrsEnvs } from '../../../envs/register.js';
import { UsageError, UserFacingError } from '../errors.js';
import { floatOption, intOption } from '../options.js';

type Options = Record<string, string | boolean | undefined>;

export interface ServeArgs {
  envId: string;
  host: string;
  port: number;
  maxSessions: number;
  idleTimeoutMs: number;
  maxMessageBytes: number;
  makeOptions: Record<string, unknown>;
}

/** The command's arguments, checked (UsageError naming the flag), before anything is loaded. */
export function parseServeArgs(o: Options): ServeArgs {
  const envId = String(o.env);
  if (!registry.has(envId)) {
    try {
      registry.spec(envId);
    } catch (err) {
      if (err instanceof RegistryError) throw new UsageError(`--env: ${err.message}`);
      throw err;
    }
  }
  const port = intOption(o.port, '--port', 0);
  if (port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}`);
  const host = String(o.host).trim();
  if (host === '') throw new UsageError('--host must not be empty');
  const maxSessions = intOption(o.maxSessions, '--max-sessions', 1);
  const idleTimeoutMs = Math.round(floatOption(o.idleTimeout, '--idle-timeout', 0) * 1000);
  const maxMessageBytes = intOption(o.maxMessageBytes, '--max-message-bytes', 1024);
  let makeOptions: unknown = {};
  if (typeof o.options === 'string') {
    try {
      makeOptions = JSON.parse(o.options);
    } catch (err) {
      throw new UsageError(`--options must be a JSON object: ${errorMessage(err)}`);
    }
    if (typeof makeOptions !== 'object' || makeOptions === null || Array.isArray(makeOptions)) throw new UsageError(`--options must be a JSON object, got ${o.options}`);
  }
  return { envId, host, port, maxSessions, idleTimeoutMs, maxMessageBytes, makeOptions: makeOptions as Record<string, unknown> };
}

export function registerServeCommand(program: Command): void {
  registerCrsEnvs();
  program
    .command('serve')
    .description("Serve an env over OpenEnv's protocol (WebSocket /ws; HTTP /health /schema /metadata /reset /step /state) for clients in any language")
    .option('--env <id>', `a registered env id (${registry.ids().join(', ')}, or any id a module registered)`, 'CrsEnv/inspired-v0')
    .option('--host <host>', 'interface to listen on (0.0.0.0 for every interface)', SERVER_DEFAULTS.host)
    .option('--port <n>', 'port (0 picks a free one)', String(SERVER_DEFAULTS.port))
    .option('--max-sessions <n>', 'sessions (envs) open at once, WebSocket and HTTP together', String(SERVER_DEFAULTS.maxSessions))
    .option('--idle-timeout <seconds>', 'close a session without calls for this long (0: never)', String(SERVER_DEFAULTS.idleTimeoutMs / 1000))
    .option('--max-message-bytes <n>', 'largest WebSocket message or HTTP body accepted', String(SERVER_DEFAULTS.maxMessageBytes))
    .option('--options <json>', 'options for make(), as JSON, e.g. \'{"loadOnly": true, "env": {"rounds": 3}}\'')
    .action(async (o: Options) => {
      const args = parseServeArgs(o);
      const log = (line: string) => process.stderr.write(`[crs-gym] ${line}\n`);
      log(`serve: making ${args.envId} (components are trained on first use if missing) ...`);
      let server: EnvServer;
      try {
        const { EnvServer } = await import('../../remote/server.js'); // the HTTP stack loads only for this command
        server = await EnvServer.start({
          envId: args.envId,
          makeOptions: args.makeOptions,
          host: args.host,
          port: args.port,
          maxSessions: args.maxSessions,
          idleTimeoutMs: args.idleTimeoutMs,
          maxMessageBytes: args.maxMessageBytes,
          log,
        });
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (code === 'EADDRINUSE') throw new UserFacingError(`port ${args.port} on ${args.host} is in use (--port 0 picks a free one)`);
        if (err instanceof RegistryError || code === 'EADDRNOTAVAIL' || code === 'EACCES') throw new UserFacingError(errorMessage(err));
        throw err;
      }
      process.stdout.write(`crs-gym serve: ${args.envId} on ${server.url} (WebSocket ${server.wsUrl}), up to ${args.maxSessions} sessions\n`);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          log(`${signal}: draining (no new sessions; running steps finish)`);
          process.off('SIGTERM', onTerm);
          process.off('SIGINT', onInt);
          void server.drain().then(resolve);
        };
        const onTerm = () => stop('SIGTERM');
        const onInt = () => stop('SIGINT');
        process.once('SIGTERM', onTerm);
        process.once('SIGINT', onInt);
      });
      process.stdout.write('crs-gym serve: stopped\n');
    });
}
