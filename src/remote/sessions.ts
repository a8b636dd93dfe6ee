// Sessions of an env server: one env per session, a capacity shared by WebSocket and HTTP sessions, calls on one
// session run one at a time, idle sessions are reaped, and draining refuses new work while running calls finish.
// What a reset or step does on a session (and every way it can fail) is here too, so both transports behave alike.
import { randomUUID } from 'node:crypto';
import type { Env } from '../core/env.js';
import { errorMessage } from '../core/errors.js';
import { toJsonValue, type EnvWireFormat } from '../core/wire.js';
import type { ErrorCode, ErrorData, ObservationData, StateData } from './protocol.js';

/** A failure to report to the client with an OpenEnv error code. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: { errors?: string[]; name?: string; status?: number } = {},
  ) {
    super(message);
  }

  /** The HTTP status, when the code alone does not decide it. */
  get status(): number | undefined {
    return this.extra.status;
  }

  toData(): ErrorData {
    const { status: _status, ...rest } = this.extra;
    return { message: this.message, code: this.code, ...rest };
  }
}

export type SessionKind = 'ws' | 'http';

export class Session {
  readonly id = randomUUID();
  readonly createdAt = Date.now();
  lastActivity = Date.now();
  episodeId: string | null = null;
  stepCount = 0;
  done = false;
  hasReset = false;
  /** Calls started and not finished (0 or 1: calls run one at a time). */
  running = 0;
  closed = false;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly kind: SessionKind,
    readonly env: Env<unknown, unknown>,
  ) {}

  /** Runs `call` after the session's earlier calls; the session counts as busy (never idle) meanwhile. */
  run<T>(call: () => Promise<T>): Promise<T> {
    const next = this.chain.then(async () => {
      if (this.closed) throw new ProtocolError('SESSION_ERROR', 'the session is closed');
      this.running++;
      this.lastActivity = Date.now();
      try {
        return await call();
      } finally {
        this.running--;
        this.lastActivity = Date.now();
      }
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Settles when every call queued so far has finished. */
  settled(): Promise<void> {
    return this.chain.then(() => undefined);
  }
}

export interface SessionPoolOptions {
  envId: string;
  makeEnv: () => Promise<Env<unknown, unknown>>;
  wire: EnvWireFormat;
  maxSessions: number;
  /** A session without calls for this long is closed (0: never). */
  idleTimeoutMs: number;
  /** Called when a session is reaped or closed by the pool, so its transport can hang up. */
  onEvict?: (session: Session, why: 'idle' | 'draining') => void;
}

export interface PoolStats {
  active: number;
  max: number;
  opened: number;
  closed: number;
  reaped: number;
  refused: number;
  draining: boolean;
}

export class SessionPool {
  private readonly sessions = new Map<string, Session>();
  /** Slots taken by sessions whose env is still being made. */
  private pending = 0;
  private draining = false;
  private readonly counts = { opened: 0, closed: 0, reaped: 0, refused: 0 };
  private reaper: NodeJS.Timeout | undefined;

  constructor(private readonly options: SessionPoolOptions) {
    if (options.idleTimeoutMs > 0) {
      const every = Math.max(10, Math.min(5000, options.idleTimeoutMs / 4));
      this.reaper = setInterval(() => void this.reapIdle(), every);
      this.reaper.unref();
    }
  }

  get isDraining(): boolean {
    return this.draining;
  }

  stats(): PoolStats {
    return { active: this.sessions.size + this.pending, max: this.options.maxSessions, ...this.counts, draining: this.draining };
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  /** A new session with its own env; CAPACITY_REACHED when full, SESSION_ERROR when draining, FACTORY_ERROR when make fails. */
  async open(kind: SessionKind): Promise<Session> {
    if (this.draining) {
      this.counts.refused++;
      throw new ProtocolError('SESSION_ERROR', 'the server is shutting down and takes no new sessions');
    }
    if (this.sessions.size + this.pending >= this.options.maxSessions) {
      this.counts.refused++;
      throw new ProtocolError('CAPACITY_REACHED', `all ${this.options.maxSessions} sessions are in use; try again later`);
    }
    this.pending++;
    let env: Env<unknown, unknown>;
    try {
      env = await this.options.makeEnv();
    } catch (err) {
      throw new ProtocolError('FACTORY_ERROR', `could not make ${this.options.envId}: ${errorMessage(err)}`);
    } finally {
      this.pending--;
    }
    const session = new Session(kind, env);
    if (this.draining) {
      await env.close().catch(() => undefined);
      throw new ProtocolError('SESSION_ERROR', 'the server is shutting down and takes no new sessions');
    }
    this.sessions.set(session.id, session);
    this.counts.opened++;
    return session;
  }

  /** Frees a session's env once its running call has finished. Idempotent. */
  async close(session: Session): Promise<void> {
    if (session.closed) return;
    session.closed = true;
    this.sessions.delete(session.id);
    this.counts.closed++;
    await session.settled();
    await session.env.close().catch(() => undefined);
  }

  /** Closes sessions idle for longer than the timeout (never one with a call running). */
  async reapIdle(now = Date.now()): Promise<number> {
    const stale = [...this.sessions.values()].filter((s) => s.running === 0 && now - s.lastActivity > this.options.idleTimeoutMs);
    // close() takes a session out of the pool at once, so a reap that overlaps this one cannot pick it again.
    const closing = stale.map((session) => {
      this.counts.reaped++;
      this.options.onEvict?.(session, 'idle');
      return this.close(session);
    });
    await Promise.all(closing);
    return stale.length;
  }

  /** No new sessions or calls from now on; resolves when every running call has finished and every env is closed. */
  async drain(): Promise<void> {
    this.draining = true;
    if (this.reaper) clearInterval(this.reaper);
    const all = [...this.sessions.values()];
    await Promise.all(all.map((s) => s.settled()));
    for (const session of all) this.options.onEvict?.(session, 'draining');
    await Promise.all(all.map((s) => this.close(s)));
  }

  // -------------------------------------------------------------------------------------------------
  // What reset, step and state do on a session.

  private refuseWhenDraining(): void {
    if (this.draining) throw new ProtocolError('SESSION_ERROR', 'the server is shutting down and takes no new calls');
  }

  async reset(session: Session, args: { seed?: number; episodeId?: string; options: Record<string, unknown> }): Promise<ObservationData> {
    this.refuseWhenDraining();
    return session.run(async () => {
      const result = await callEnv(() => session.env.reset({ ...(args.seed === undefined ? {} : { seed: args.seed }), options: args.options }));
      session.hasReset = true;
      session.done = false;
      session.stepCount = 0;
      session.episodeId = args.episodeId ?? randomUUID();
      return encodeResult(this.options.wire, result.observation, { reward: null, terminated: false, truncated: false, info: result.info });
    });
  }

  async step(session: Session, actionJson: unknown): Promise<ObservationData> {
    this.refuseWhenDraining();
    return session.run(async () => {
      if (!session.hasReset) throw new ProtocolError('EXECUTION_ERROR', 'step before reset: send a reset first', { name: 'EnvStateError' });
      if (session.done) throw new ProtocolError('EXECUTION_ERROR', 'step after the episode ended: send a reset first', { name: 'EnvStateError' });
      const decoded = this.options.wire.decodeAction(actionJson);
      if (!decoded.ok) throw new ProtocolError('VALIDATION_ERROR', 'invalid action', { errors: decoded.problems });
      const r = await callEnv(() => session.env.step(decoded.value));
      session.stepCount++;
      session.done = r.terminated || r.truncated;
      return encodeResult(this.options.wire, r.observation, { reward: r.reward, terminated: r.terminated, truncated: r.truncated, info: r.info });
    });
  }

  /** The session's bookkeeping; nothing from the env (so nothing about the target). */
  state(session: Session): StateData {
    session.lastActivity = Date.now();
    return { episode_id: session.episodeId, step_count: session.stepCount, done: session.done, env_id: this.options.envId, session_id: session.id };
  }
}

async function callEnv<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new ProtocolError('EXECUTION_ERROR', errorMessage(err), { name: err instanceof Error ? err.name : typeof err });
  }
}

function encodeResult(
  wire: EnvWireFormat,
  observation: unknown,
  rest: { reward: number | null; terminated: boolean; truncated: boolean; info: unknown },
): ObservationData {
  try {
    return {
      observation: wire.encodeObservation(observation),
      reward: rest.reward,
      done: rest.terminated || rest.truncated,
      terminated: rest.terminated,
      truncated: rest.truncated,
      info: toJsonValue(rest.info, 'info'),
    };
  } catch (err) {
    throw new ProtocolError('EXECUTION_ERROR', `the env's result has no JSON form: ${errorMessage(err)}`, { name: err instanceof Error ? err.name : 'Error' });
  }
}
