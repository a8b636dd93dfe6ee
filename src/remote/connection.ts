// One WebSocket connection of the env server: it opens a session (one env), reads messages into a bounded queue,
// answers them one at a time and in order, and applies backpressure: reading pauses while `maxQueuedMessages` are
// unanswered (so the client's own TCP buffer fills), replies wait while more than `maxBufferedBytes` are unsent, and a
// client whose backlog stays above that for `stallTimeoutMs` is disconnected. Its env is freed however it ends.
import type { WebSocket } from 'ws';
import type { z } from 'zod';
import { errorMessage } from '../core/errors.js';
import { CLIENT_MESSAGES, CLOSE_CODES, describeIssues, resetArguments, type ClientMessageType, type ResetMessageSchema, type ServerMessage } from './protocol.js';
import { ProtocolError, type Session, type SessionPool } from './sessions.js';

export interface ConnectionLimits {
  maxQueuedMessages: number;
  maxBufferedBytes: number;
  stallTimeoutMs: number;
}

export interface ConnectionContext {
  pool: SessionPool;
  limits: ConnectionLimits;
  log: (line: string) => void;
  /** The session is open (the server keeps the socket to close it when draining or idle). */
  opened: (sessionId: string) => void;
  closed: (sessionId: string) => void;
  /** The unsent backlog after a reply, in bytes. */
  buffered: (bytes: number) => void;
  stalled: () => void;
}

/** What a connection's reply loop waits on while the client is not reading. */
class SendGate {
  private timer: NodeJS.Timeout | undefined;
  private waiters: Array<(ok: boolean) => void> = [];

  constructor(
    private readonly socket: WebSocket,
    private readonly limit: number,
    private readonly stallMs: number,
    private readonly onStall: () => void,
  ) {}

  get blocked(): boolean {
    return this.socket.bufferedAmount > this.limit;
  }

  /** Resolves true once the backlog is under the limit, false if the connection stalled or closed. */
  writable(): Promise<boolean> {
    if (!this.blocked) return Promise.resolve(true);
    const since = Date.now();
    const p = new Promise<boolean>((resolve) => this.waiters.push(resolve));
    this.timer ??= setInterval(() => {
      if (!this.blocked) this.release(true);
      else if (Date.now() - since > this.stallMs) {
        this.release(false);
        this.onStall();
      }
    }, Math.max(5, Math.min(250, this.stallMs / 8)));
    return p;
  }

  release(ok: boolean): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const w of this.waiters.splice(0)) w(ok);
  }
}

export function serveConnection(socket: WebSocket, ctx: ConnectionContext): void {
  const { pool, limits, log } = ctx;
  const queue: string[] = [];
  let session: Session | undefined;
  let pumping = false;
  let gone = false;
  const gate = new SendGate(socket, limits.maxBufferedBytes, limits.stallTimeoutMs, () => {
    ctx.stalled();
    log(`session ${session?.id ?? '(opening)'} (ws) closed: the client stopped reading`);
    socket.close(CLOSE_CODES.stalled, 'the client stopped reading replies');
    setTimeout(() => socket.terminate(), 1000).unref();
  });
  const send = (message: ServerMessage): void => {
    socket.send(JSON.stringify(message));
    ctx.buffered(socket.bufferedAmount);
  };
  const pump = async (): Promise<void> => {
    if (pumping || session === undefined) return;
    pumping = true;
    try {
      while (queue.length > 0 && !gone) {
        if (!(await gate.writable())) return;
        const raw = queue.shift() as string;
        if (socket.isPaused && queue.length < limits.maxQueuedMessages) socket.resume();
        const reply = await handle(pool, session, raw);
        if (gone) return;
        if (reply === 'close') {
          socket.close(1000, 'closed by the client');
          return;
        }
        send(reply);
      }
    } finally {
      pumping = false;
    }
  };

  socket.on('error', () => {}); // e.g. a message over maxPayload: ws closes the connection with 1009 itself
  socket.on('message', (data, isBinary) => {
    if (gone) return;
    queue.push(isBinary ? Buffer.from(data as Buffer).toString('utf8') : String(data));
    if (queue.length >= limits.maxQueuedMessages) socket.pause();
    void pump();
  });
  socket.on('close', () => {
    gone = true;
    queue.length = 0;
    gate.release(false);
    if (session) {
      ctx.closed(session.id);
      log(`session ${session.id} (ws) closed`);
      void pool.close(session);
    }
  });

  pool.open('ws').then(
    (opened) => {
      if (gone) return void pool.close(opened);
      session = opened;
      ctx.opened(opened.id);
      log(`session ${opened.id} (ws) opened`);
      void pump();
    },
    (err: unknown) => {
      const e = err instanceof ProtocolError ? err : new ProtocolError('FACTORY_ERROR', errorMessage(err));
      if (gone) return;
      send({ type: 'error', data: e.toData() });
      const code = e.code === 'CAPACITY_REACHED' ? CLOSE_CODES.capacity : e.code === 'FACTORY_ERROR' ? CLOSE_CODES.factoryError : CLOSE_CODES.draining;
      socket.close(code, e.code);
    },
  );
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One client message -> one reply (or 'close'). Never throws. */
async function handle(pool: SessionPool, session: Session, raw: string): Promise<ServerMessage | 'close'> {
  try {
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch (err) {
      throw new ProtocolError('INVALID_JSON', `invalid JSON: ${errorMessage(err)}`);
    }
    if (!isPlainObject(message) || typeof message.type !== 'string') {
      throw new ProtocolError('VALIDATION_ERROR', 'invalid message', { errors: ['a message is a JSON object with a string "type"'] });
    }
    const type = message.type;
    if (!Object.hasOwn(CLIENT_MESSAGES, type)) {
      throw new ProtocolError('UNKNOWN_TYPE', `unknown message type '${type.slice(0, 40)}' (expected ${Object.keys(CLIENT_MESSAGES).join(', ')})`);
    }
    const parsed = CLIENT_MESSAGES[type as ClientMessageType].safeParse(message);
    if (!parsed.success) throw new ProtocolError('VALIDATION_ERROR', 'invalid message', { errors: describeIssues(parsed.error, 'message') });
    switch (type as ClientMessageType) {
      case 'reset': {
        const data = (parsed.data as z.output<typeof ResetMessageSchema>).data ?? {};
        return { type: 'observation', data: await pool.reset(session, resetArguments(data)) };
      }
      case 'step':
        if (!Object.hasOwn(message, 'data')) throw new ProtocolError('VALIDATION_ERROR', 'invalid message', { errors: ['message.data: the action is required'] });
        return { type: 'observation', data: await pool.step(session, message.data) };
      case 'state':
        return { type: 'state', data: pool.state(session) };
      case 'close':
        return 'close';
    }
  } catch (err) {
    const e = err instanceof ProtocolError ? err : new ProtocolError('EXECUTION_ERROR', errorMessage(err), { name: err instanceof Error ? err.name : 'Error' });
    return { type: 'error', data: e.toData() };
  }
}
