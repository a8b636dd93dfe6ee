// What the remote tests serve and how they talk to it: the synthetic CrsEnv (test/envs/setup-synthetic.ts, no
// trained INSPIRED parts needed) registered under a test id, a small generic env with a Box observation whose steps
// can be held at a gate, real servers on ephemeral ports, and a raw WebSocket client that sees every reply and the
// close code.
import WebSocket from 'ws';
import { afterEach } from 'vitest';
import { BaseEnv, type ResetResult, type StepResult } from '../../src/core/env.js';
import { register } from '../../src/core/registry.js';
import { Box, Discrete } from '../../src/core/spaces.js';
import { EnvServer, type EnvServerOptions } from '../../src/remote/server.js';
import type { ServerMessage } from '../../src/remote/protocol.js';
import { buildSyntheticEnv } from '../envs/setup-synthetic.js';

export const SYNTHETIC_ID = 'Test/SyntheticCrs-v0';
export const GATED_ID = 'Test/Gated-v0';

/** Envs made and closed through the test ids (a session's env must be closed when the session ends). */
export const envCounts = { made: 0, closed: 0 };

/** Holds every step of the gated env until opened. */
export class Gate {
  private opened: Promise<void> = Promise.resolve();
  private openIt: () => void = () => {};
  private enteredIt: () => void = () => {};
  /** Resolves when a step is waiting at the closed gate. */
  entered: Promise<void> = Promise.resolve();

  close(): void {
    this.opened = new Promise((resolve) => (this.openIt = resolve));
    this.entered = new Promise((resolve) => (this.enteredIt = resolve));
  }

  open(): void {
    this.openIt();
  }

  async pass(): Promise<void> {
    this.enteredIt();
    await this.opened;
  }
}

export const gate = new Gate();

/** A generic env (spaces only, no wire format of its own): a Box observation of 3 float32 values, actions 0..2. */
export class GatedEnv extends BaseEnv<Float32Array, number> {
  readonly observationSpace = new Box(-100, 100, [3]);
  readonly actionSpace = new Discrete(3);
  private steps = 0;

  protected async resetEpisode(): Promise<ResetResult<Float32Array>> {
    this.steps = 0;
    return { observation: Float32Array.of(this.npRandom.uniform(0, 1), 0.1, -0.5), info: { start: true } };
  }

  async step(action: number): Promise<StepResult<Float32Array>> {
    await gate.pass();
    this.steps++;
    return { observation: Float32Array.of(action, this.steps, 1 / 3), reward: action * 0.5, terminated: this.steps >= 3, truncated: false, info: { steps: this.steps } };
  }

  render(): string {
    return `steps=${this.steps}`;
  }

  override async close(): Promise<void> {
    envCounts.closed++;
  }
}

export function registerTestEnvs(): void {
  register(
    SYNTHETIC_ID,
    async () => {
      const env = await buildSyntheticEnv({ retriever: 'bm25' });
      envCounts.made++;
      const close = env.close.bind(env);
      env.close = async () => {
        envCounts.closed++;
        await close();
      };
      return env;
    },
    { override: true, orderEnforcing: false, description: 'the synthetic CrsEnv of the tests' },
  );
  register(
    GATED_ID,
    () => {
      envCounts.made++;
      return new GatedEnv();
    },
    { override: true, description: 'a generic env whose steps wait at a gate' },
  );
}

const running: EnvServer[] = [];
afterEach(async () => {
  gate.open();
  await Promise.all(running.splice(0).map((s) => s.drain()));
});

/** A real server on a free port, drained after the test. */
export async function startServer(envId: string, options: Partial<EnvServerOptions> = {}): Promise<EnvServer> {
  registerTestEnvs();
  const server = await EnvServer.start({ envId, port: 0, ...options });
  running.push(server);
  return server;
}

/** A raw client: every reply in order, and how the connection closed. */
export class RawClient {
  readonly socket: WebSocket;
  private readonly replies: ServerMessage[] = [];
  private readonly waiters: Array<(m: ServerMessage) => void> = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;

  constructor(url: string) {
    this.socket = new WebSocket(url.replace(/^http/, 'ws') + '/ws');
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
    this.socket.on('error', () => {});
    this.socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as ServerMessage;
      const waiter = this.waiters.shift();
      if (waiter) waiter(message);
      else this.replies.push(message);
    });
  }

  static async open(url: string): Promise<RawClient> {
    const client = new RawClient(url);
    await client.opened;
    return client;
  }

  sendRaw(text: string): void {
    this.socket.send(text);
  }

  send(message: unknown): void {
    this.sendRaw(JSON.stringify(message));
  }

  next(): Promise<ServerMessage> {
    const ready = this.replies.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async ask(message: unknown): Promise<ServerMessage> {
    this.send(message);
    return this.next();
  }
}

/** Polls until `check` holds (or fails the test after `ms`). */
export async function until(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
