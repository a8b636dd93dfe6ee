// An env server: any env id known to `make`, served over the OpenEnv protocol (protocol.ts) on fastify (routing,
// body limits and JSON errors for HTTP) with @fastify/websocket (ws underneath, the Node WebSocket standard). The
// HTTP endpoints are here; a WebSocket connection is connection.ts; sessions and what a call does are sessions.ts.
//
// Limits, so that no client can hurt another or the server: a session cap shared by WebSocket and HTTP sessions;
// a message size cap (a larger WebSocket message closes that connection with 1009, a larger HTTP body gets 413);
// per connection, at most `maxQueuedMessages` unanswered messages are read (then reading pauses, so the client's
// own TCP buffer fills) and replies wait while more than `maxBufferedBytes` are unsent (a client that stops reading
// is disconnected after `stallTimeoutMs`); idle sessions are closed. A bad message gets an error reply and the
// session goes on. `drain()` (SIGTERM in `crs-gym serve`) refuses new sessions and calls, lets running calls finish
// and reply, then closes every session and the listener.
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { Env } from '../core/env.js';
import { errorMessage } from '../core/errors.js';
import { make, registry } from '../core/registry.js';
import { toJsonValue, wireFormatOf, type EnvWireFormat, type JsonValue } from '../core/wire.js';
import { CLOSE_CODES, HttpResetSchema, HttpSessionSchema, HttpStepSchema, ResetDataSchema, StateDataSchema, describeIssues, resetArguments } from './protocol.js';
import { serveConnection } from './connection.js';
import { SERVER_DEFAULTS } from './protocol.js';
import { ProtocolError, Session, SessionPool, type PoolStats } from './sessions.js';

export interface EnvServerOptions {
  /** Any id registered with `register` (src/core/registry.ts). */
  envId: string;
  /** Options passed to `make` for every session's env. */
  makeOptions?: Record<string, unknown>;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  maxSessions?: number;
  /** Close sessions without calls for this long (0: never). */
  idleTimeoutMs?: number;
  /** Largest WebSocket message or HTTP body accepted. */
  maxMessageBytes?: number;
  /** Per connection: unanswered messages read before reading pauses. */
  maxQueuedMessages?: number;
  /** Per connection: unsent reply bytes above which the server stops replying until the client reads. */
  maxBufferedBytes?: number;
  /** A connection whose unsent replies stay above `maxBufferedBytes` this long is closed. */
  stallTimeoutMs?: number;
  /** `drain()` waits this long for running calls, then closes everything anyway. */
  drainTimeoutMs?: number;
  /** One line per event (sessions opened and closed, draining); default: nothing. */
  log?: (line: string) => void;
}


export interface ServerStats extends PoolStats {
  /** Largest unsent reply backlog seen on any connection, in bytes. */
  maxBufferedBytes: number;
  /** Connections closed because the client stopped reading. */
  stalled: number;
}

const HTTP_STATUS: Record<string, number> = {
  INVALID_JSON: 400,
  UNKNOWN_TYPE: 400,
  VALIDATION_ERROR: 422,
  EXECUTION_ERROR: 500,
  CAPACITY_REACHED: 503,
  FACTORY_ERROR: 500,
  SESSION_ERROR: 503,
};

function httpStatus(err: ProtocolError): number {
  if (err.status !== undefined) return err.status;
  if (err.code === 'EXECUTION_ERROR' && err.extra.name === 'EnvStateError') return 409;
  if (err.code === 'EXECUTION_ERROR' && err.extra.name === 'RangeError') return 422;
  return HTTP_STATUS[err.code] ?? 500;
}

export class EnvServer {
  private readonly app: FastifyInstance;
  private readonly pool: SessionPool;
  private readonly sockets = new Map<string, WebSocket>();
  private readonly limits: Required<Omit<EnvServerOptions, 'envId' | 'makeOptions' | 'log'>>;
  private readonly log: (line: string) => void;
  private maxBufferedSeen = 0;
  private stalledCount = 0;
  private drained: Promise<void> | undefined;
  private address = '';

  private constructor(
    private readonly options: EnvServerOptions,
    private readonly wire: EnvWireFormat,
    private readonly metadata: Record<string, JsonValue>,
  ) {
    this.limits = { ...SERVER_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as EnvServer['limits'];
    this.log = options.log ?? (() => {});
    this.pool = new SessionPool({
      envId: options.envId,
      makeEnv: () => make(options.envId, options.makeOptions ?? {}),
      wire,
      maxSessions: this.limits.maxSessions,
      idleTimeoutMs: this.limits.idleTimeoutMs,
      onEvict: (session, why) => this.evict(session, why),
    });
    this.app = Fastify({ logger: false, bodyLimit: this.limits.maxMessageBytes, return503OnClosing: true });
    this.routes();
  }

  /**
   * Makes one env first (so an unknown id or a failing factory fails here, and components are trained or loaded
   * before the first client comes), then listens.
   */
  static async start(options: EnvServerOptions): Promise<EnvServer> {
    const spec = registry.spec(options.envId);
    const probe: Env<unknown, unknown> = await make(options.envId, options.makeOptions ?? {});
    let server: EnvServer;
    try {
      const metadata: Record<string, JsonValue> = {
        name: options.envId,
        description: spec.description ?? '',
        version: `v${spec.version}`,
        env_id: options.envId,
        author: 'crs-gym',
        readme_content: null,
        documentation_url: null,
        env_metadata: toJsonValue(probe.metadata),
        spaces: { action: toJsonValue(probe.actionSpace.toJSON()), observation: toJsonValue(probe.observationSpace.toJSON()) },
      };
      server = new EnvServer(options, wireFormatOf(probe), metadata);
    } finally {
      await probe.close();
    }
    await server.listen();
    return server;
  }

  /** http://host:port */
  get url(): string {
    return this.address;
  }

  get wsUrl(): string {
    return `${this.address.replace(/^http/, 'ws')}/ws`;
  }

  stats(): ServerStats {
    return { ...this.pool.stats(), maxBufferedBytes: this.maxBufferedSeen, stalled: this.stalledCount };
  }

  /** Refuses new sessions and calls, lets running calls finish and reply, closes every session and the listener. */
  drain(): Promise<void> {
    this.drained ??= (async () => {
      this.log(`draining: ${this.pool.stats().active} session(s) open`);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.limits.drainTimeoutMs);
        timer.unref();
      });
      await Promise.race([this.pool.drain(), timeout]);
      clearTimeout(timer);
      // Sessions were told to close (1001) after their last reply; give the closing handshakes a moment.
      const deadline = Date.now() + 2000;
      while (this.sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      for (const socket of this.sockets.values()) socket.terminate();
      await this.app.close();
      this.log('drained: every session closed');
    })();
    return this.drained;
  }

  close(): Promise<void> {
    return this.drain();
  }

  private async listen(): Promise<void> {
    await this.app.listen({ host: this.limits.host, port: this.limits.port });
    const address = this.app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : this.limits.port;
    const host = this.limits.host.includes(':') ? `[${this.limits.host}]` : this.limits.host;
    this.address = `http://${host}:${port}`;
  }

  private evict(session: Session, why: 'idle' | 'draining'): void {
    this.log(`session ${session.id} (${session.kind}) closed: ${why}`);
    const socket = this.sockets.get(session.id);
    if (!socket) return;
    // After the replies already queued (a draining session's last reply is sent in this tick's microtasks).
    setImmediate(() => {
      if (why === 'idle') socket.close(CLOSE_CODES.idle, `idle for more than ${Math.round(this.limits.idleTimeoutMs / 1000)} s`);
      else socket.close(CLOSE_CODES.draining, 'the server is shutting down');
    });
  }

  // -------------------------------------------------------------------------------------------------
  // HTTP

  private routes(): void {
    const app = this.app;
    // Any content type is read as JSON (Python's urllib sends form encoding by default); an empty body is {}.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
      const text = String(body);
      if (text.trim() === '') return done(null, {});
      try {
        done(null, JSON.parse(text));
      } catch (err) {
        done(new ProtocolError('INVALID_JSON', `invalid JSON: ${errorMessage(err)}`), undefined);
      }
    });
    app.setErrorHandler((err: unknown, _req: FastifyRequest, reply: FastifyReply) => {
      const e = toProtocolError(err, this.limits.maxMessageBytes);
      void reply.status(httpStatus(e)).send({ type: 'error', data: e.toData() });
    });
    app.setNotFoundHandler((req, reply) => {
      void reply.status(404).send({ type: 'error', data: { code: 'UNKNOWN_TYPE', message: `no endpoint ${req.method} ${req.url.split('?')[0]}` } });
    });

    app.get('/health', async (_req, reply) => {
      const s = this.pool.stats();
      const body = { status: s.draining ? 'unhealthy' : 'healthy', sessions: { active: s.active, max: s.max }, draining: s.draining };
      return reply.status(s.draining ? 503 : 200).send(body);
    });
    app.get('/metadata', async () => ({ ...this.metadata, max_sessions: this.limits.maxSessions }));
    app.get('/schema', async () => ({
      action: this.wire.actionSchema,
      observation: this.wire.observationSchema,
      state: z.toJSONSchema(StateDataSchema),
      reset: z.toJSONSchema(ResetDataSchema),
    }));

    app.post('/reset', async (req) => {
      const body = parseBody(HttpResetSchema, req.body);
      const created = body.session_id === undefined;
      const session = created ? await this.pool.open('http') : this.httpSession(body.session_id as string);
      if (created) this.log(`session ${session.id} (http) opened`);
      try {
        return { ...(await this.pool.reset(session, resetArguments(body))), session_id: session.id };
      } catch (err) {
        if (created) await this.pool.close(session); // a session nobody knows the id of
        throw err;
      }
    });
    app.post('/step', async (req) => {
      const body = parseBody(HttpStepSchema, req.body);
      if (!Object.hasOwn(body, 'action')) throw new ProtocolError('VALIDATION_ERROR', 'invalid request', { errors: ['body.action: required'] });
      const session = this.httpSession(body.session_id);
      return { ...(await this.pool.step(session, body.action)), session_id: session.id };
    });
    app.get('/state', async (req) => {
      const query = parseBody(HttpSessionSchema, req.query, 'query');
      return this.pool.state(this.httpSession(query.session_id));
    });
    app.post('/close', async (req) => {
      const body = parseBody(HttpSessionSchema, req.body);
      await this.pool.close(this.httpSession(body.session_id));
      this.log(`session ${body.session_id} (http) closed`);
      return { session_id: body.session_id, closed: true };
    });

    void app.register(fastifyWebsocket, { options: { maxPayload: this.limits.maxMessageBytes } });
    void app.register(async (scoped) => {
      scoped.get('/ws', { websocket: true }, (socket) => this.onConnection(socket));
    });
  }

  private httpSession(id: string): Session {
    const session = this.pool.get(id);
    if (!session || session.kind !== 'http') {
      throw new ProtocolError('SESSION_ERROR', `no open HTTP session '${id}' (closed, reaped after being idle, or never opened): POST /reset without session_id opens one`, { status: 404 });
    }
    return session;
  }

  private onConnection(socket: WebSocket): void {
    serveConnection(socket, {
      pool: this.pool,
      limits: this.limits,
      log: this.log,
      opened: (id) => this.sockets.set(id, socket),
      closed: (id) => this.sockets.delete(id),
      buffered: (bytes) => (this.maxBufferedSeen = Math.max(this.maxBufferedSeen, bytes)),
      stalled: () => this.stalledCount++,
    });
  }
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown, root = 'body'): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw new ProtocolError('VALIDATION_ERROR', 'invalid request', { errors: describeIssues(parsed.error, root) });
  return parsed.data;
}

/** Fastify's own errors (body too large, bad content) as protocol errors. */
function toProtocolError(err: unknown, maxBytes: number): ProtocolError {
  if (err instanceof ProtocolError) return err;
  const code = (err as { code?: unknown }).code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ProtocolError('VALIDATION_ERROR', `request body larger than the server's limit of ${maxBytes} bytes`, { status: 413 });
  const status = (err as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return new ProtocolError('VALIDATION_ERROR', errorMessage(err), { status });
  return new ProtocolError('EXECUTION_ERROR', errorMessage(err), { name: err instanceof Error ? err.name : 'Error' });
}
