// RemoteEnv: an Env whose reset and step run on a `crs-gym serve` server (or any server speaking the protocol in
// protocol.ts), over one WebSocket per env. The same seeds give the same trajectories as the env in-process
// (test/remote/trajectories.test.ts), so evaluation and rollouts can run against servers on other machines.
//
// Errors: a reply with the server's EnvStateError (step before reset or after the episode ended) throws an
// EnvStateError, as in-process; any other error reply throws a RemoteEnvError carrying the OpenEnv code. A lost
// connection fails the calls in flight and every later call.
import WebSocket from 'ws';
import { EnvStateError, type Env, type EnvMetadata, type Info, type RenderMode, type ResetOptions, type ResetResult, type StepResult } from '../core/env.js';
import { errorMessage } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { spaceFromJSON, type Space, type SpaceJSON } from '../core/spaces.js';
import { spaceValueFromJson, toJsonValue, type JsonValue } from '../core/wire.js';
import type { ErrorData, ObservationData, ServerMessage, StateData } from './protocol.js';

export type RemoteErrorCode = ErrorData['code'] | 'CONNECTION' | 'TIMEOUT' | 'PROTOCOL';

export class RemoteEnvError extends Error {
  override name = 'RemoteEnvError';

  constructor(
    readonly code: RemoteErrorCode,
    message: string,
    readonly errors: readonly string[] = [],
  ) {
    super(errors.length > 0 ? `${message}: ${errors.join('; ')}` : message);
  }
}

export interface RemoteEnvOptions {
  /** A call without a reply for this long fails with code TIMEOUT (default 120 s). */
  timeoutMs?: number;
  /** Largest reply accepted (default 64 MiB). */
  maxMessageBytes?: number;
}

/** A space the server defines outside the built-in kinds: the server checks its values, this side cannot sample it. */
export class RemoteCustomSpace implements Space<unknown> {
  constructor(private readonly json: SpaceJSON & { type: 'Custom' }) {}

  sample(_rng: Rng): unknown {
    throw new RemoteEnvError('PROTOCOL', `the server's custom space '${this.json.name}' cannot be sampled on the client; the server checks actions`);
  }

  /** Any value with a JSON form (the server has the last word). */
  contains(x: unknown): x is unknown {
    if (x === undefined) return false;
    try {
      toJsonValue(x);
      return true;
    } catch {
      return false;
    }
  }

  toJSON(): SpaceJSON {
    return this.json;
  }
}

function remoteSpace(json: SpaceJSON): Space<unknown> {
  return json.type === 'Custom' ? new RemoteCustomSpace(json) : spaceFromJSON(json);
}

/** http(s)://host:port[/ws] or ws(s)://host:port[/ws] -> the two base URLs. */
export function serverUrls(url: string): { http: string; ws: string } {
  const u = new URL(url);
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol)) throw new RangeError(`RemoteEnv: '${url}' is not an http(s) or ws(s) URL`);
  const path = u.pathname.replace(/\/ws\/?$/, '').replace(/\/$/, '');
  const secure = u.protocol === 'https:' || u.protocol === 'wss:';
  return { http: `${secure ? 'https' : 'http'}://${u.host}${path}`, ws: `${secure ? 'wss' : 'ws'}://${u.host}${path}/ws` };
}

interface Pending {
  resolve: (message: ServerMessage) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export interface ServerMetadata {
  env_id: string;
  spaces: { action: SpaceJSON; observation: SpaceJSON };
  env_metadata: EnvMetadata;
  [key: string]: unknown;
}

export class RemoteEnv<Obs = unknown, Act = unknown> implements Env<Obs, Act> {
  readonly observationSpace: Space<Obs>;
  readonly actionSpace: Space<Act>;
  readonly metadata: EnvMetadata;
  private readonly pending: Pending[] = [];
  private failure: RemoteEnvError | undefined;
  private readonly transcript: string[] = [];
  private readonly timeoutMs: number;

  private constructor(
    private readonly socket: WebSocket,
    readonly server: ServerMetadata,
    options: RemoteEnvOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.observationSpace = remoteSpace(server.spaces.observation) as Space<Obs>;
    this.actionSpace = remoteSpace(server.spaces.action) as Space<Act>;
    this.metadata = { ...server.env_metadata, renderModes: ['ansi'] };
    socket.on('message', (data) => this.onMessage(String(data)));
    socket.on('close', (code, reason) => this.fail(new RemoteEnvError('CONNECTION', `the server closed the connection (${code}${reason.length > 0 ? `: ${String(reason)}` : ''})`)));
    socket.on('error', (err) => this.fail(new RemoteEnvError('CONNECTION', `connection error: ${errorMessage(err)}`)));
  }

  /** Reads the server's /metadata, then opens a session (one env on the server) over /ws. */
  static async connect<Obs = unknown, Act = unknown>(url: string, options: RemoteEnvOptions = {}): Promise<RemoteEnv<Obs, Act>> {
    const urls = serverUrls(url);
    let server: ServerMetadata;
    try {
      const response = await fetch(`${urls.http}/metadata`);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      server = (await response.json()) as ServerMetadata;
    } catch (err) {
      throw new RemoteEnvError('CONNECTION', `cannot read ${urls.http}/metadata: ${errorMessage(err)}`);
    }
    const socket = new WebSocket(urls.ws, { maxPayload: options.maxMessageBytes ?? 64 << 20 });
    // Listening before the handshake ends: a refusal can arrive in the same packet as the handshake's reply.
    const env = new RemoteEnv<Obs, Act>(socket, server, options);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', (err) => reject(new RemoteEnvError('CONNECTION', `cannot connect to ${urls.ws}: ${errorMessage(err)}`)));
    });
    // The server refuses a session (capacity, shutting down) with an error right after the handshake; ask once so a
    // refusal shows here instead of at the first reset.
    await env.state();
    return env;
  }

  /** The server's bookkeeping for this session (OpenEnv's `state`): episode id, steps, done. */
  async state(): Promise<StateData> {
    const reply = await this.request({ type: 'state' });
    if (reply.type !== 'state') throw new RemoteEnvError('PROTOCOL', `expected a state reply, got '${reply.type}'`);
    return reply.data;
  }

  async reset(opts: ResetOptions = {}): Promise<ResetResult<Obs>> {
    const data: Record<string, JsonValue> = {};
    if (opts.seed !== undefined) data.seed = opts.seed;
    if (opts.options !== undefined) data.options = toJsonValue(opts.options);
    const result = await this.observation({ type: 'reset', data });
    this.transcript.push(`reset ${JSON.stringify(data)}`);
    return { observation: this.decode(result.observation), info: result.info as Info };
  }

  async step(action: Act): Promise<StepResult<Obs>> {
    const wire = toJsonValue(action, 'action');
    const result = await this.observation({ type: 'step', data: wire });
    this.transcript.push(`step ${JSON.stringify(wire).slice(0, 200)} -> reward ${result.reward}${result.terminated ? ', terminated' : ''}${result.truncated ? ', truncated' : ''}`);
    return { observation: this.decode(result.observation), reward: result.reward ?? 0, terminated: result.terminated, truncated: result.truncated, info: result.info as Info };
  }

  /** This client's calls so far (the env's own rendering stays on the server). */
  render(mode: RenderMode = 'ansi'): string {
    if (mode !== 'ansi') throw new RangeError(`RemoteEnv.render: unsupported mode '${String(mode)}' (supported: ansi)`);
    return this.transcript.join('\n');
  }

  /** Ends the session (the server frees its env) and closes the connection. */
  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ type: 'close' }));
    const timer = setTimeout(() => this.socket.terminate(), 5000);
    await closed;
    clearTimeout(timer);
  }

  private decode(observation: JsonValue): Obs {
    return spaceValueFromJson(this.server.spaces.observation, observation) as Obs;
  }

  private async observation(message: { type: 'reset' | 'step'; data: JsonValue }): Promise<ObservationData> {
    const reply = await this.request(message);
    if (reply.type !== 'observation') throw new RemoteEnvError('PROTOCOL', `expected an observation reply, got '${reply.type}'`);
    return reply.data;
  }

  private request(message: { type: string; data?: JsonValue }): Promise<ServerMessage> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<ServerMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new RemoteEnvError('TIMEOUT', `no reply to '${message.type}' within ${this.timeoutMs} ms`));
        this.socket.terminate();
      }, this.timeoutMs);
      this.pending.push({ resolve, reject, timer });
      this.socket.send(JSON.stringify(message));
    }).then((reply) => {
      if (reply.type === 'error') throw errorFromReply(reply.data);
      return reply;
    });
  }

  private onMessage(raw: string): void {
    let message: ServerMessage;
    try {
      message = JSON.parse(raw) as ServerMessage;
    } catch (err) {
      this.fail(new RemoteEnvError('PROTOCOL', `the server sent invalid JSON: ${errorMessage(err)}`));
      return;
    }
    const waiting = this.pending.shift();
    if (waiting) {
      clearTimeout(waiting.timer);
      waiting.resolve(message);
    } else if (message.type === 'error') {
      // Unprompted: the server refused or ended the session.
      this.fail(errorFromReply(message.data));
    }
  }

  private fail(err: Error): void {
    if (!this.failure) this.failure = err instanceof RemoteEnvError ? err : new RemoteEnvError('CONNECTION', err.message);
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(err);
    }
  }
}

function errorFromReply(data: ErrorData): Error {
  if (data.name === 'EnvStateError') return new EnvStateError(data.message);
  return new RemoteEnvError(data.code, data.message, data.errors ?? []);
}
