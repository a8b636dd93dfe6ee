// The messages of the env protocol (after OpenEnv's env_server: huggingface/OpenEnv, BSD), shared by the server
// (server.ts) and the client (client.ts). One zod schema per message is the one description of its shape.
//
// WebSocket /ws, one env per connection. Client -> server:
//   { type: 'reset', data?: { seed?, episode_id?, options?, ...options } }   extra keys are reset options
//   { type: 'step', data: <action> }
//   { type: 'state' }
//   { type: 'close' }
// Server -> client, one reply per message, in order:
//   { type: 'observation', data: { observation, reward, done, terminated, truncated, info } }
//   { type: 'state', data: { episode_id, step_count, done, env_id, session_id } }
//   { type: 'error', data: { message, code, errors?, name? } }
// HTTP: POST /reset and POST /step carry the same data (plus `session_id`); see docs/serving.md.
import { z } from 'zod';
import type { JsonValue } from '../core/wire.js';

/** OpenEnv's WebSocket error codes. */
export const ERROR_CODES = ['INVALID_JSON', 'UNKNOWN_TYPE', 'VALIDATION_ERROR', 'EXECUTION_ERROR', 'CAPACITY_REACHED', 'FACTORY_ERROR', 'SESSION_ERROR'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorData {
  message: string;
  code: ErrorCode;
  /** For VALIDATION_ERROR: what is wrong, one entry per problem. */
  errors?: string[];
  /** For EXECUTION_ERROR: the error's class name (e.g. EnvStateError for a call in the wrong state). */
  name?: string;
}

/** WebSocket close codes the server uses besides the standard 1000 (normal) and 1009 (message too big). */
export const CLOSE_CODES = {
  /** The server is draining (SIGTERM) and closed the session after its last running call. */
  draining: 1001,
  /** Internal error while creating the env (FACTORY_ERROR was sent first). */
  factoryError: 1011,
  /** No free session (CAPACITY_REACHED was sent first). */
  capacity: 1013,
  /** The session was idle longer than the server's idle timeout. */
  idle: 4000,
  /** The client stopped reading: replies stayed above the server's send-buffer limit for too long. */
  stalled: 4001,
} as const;

/** The server's limits unless told otherwise (`crs-gym serve` flags, EnvServerOptions). */
export const SERVER_DEFAULTS = {
  host: '127.0.0.1',
  port: 8000,
  maxSessions: 64,
  idleTimeoutMs: 300_000,
  maxMessageBytes: 1 << 20,
  maxQueuedMessages: 16,
  maxBufferedBytes: 4 << 20,
  stallTimeoutMs: 30_000,
  drainTimeoutMs: 60_000,
} as const;

const Options = z.record(z.string(), z.unknown());

/** Reset data: a seed, OpenEnv's episode id, and reset options (as `options` and/or as extra keys). */
export const ResetDataSchema = z.looseObject({
  seed: z.number().int().min(0).optional(),
  episode_id: z.string().max(255).optional(),
  options: Options.optional(),
});

export const ResetMessageSchema = z.strictObject({ type: z.literal('reset'), data: ResetDataSchema.optional() });
export const StepMessageSchema = z.strictObject({ type: z.literal('step'), data: z.unknown() });
export const StateMessageSchema = z.strictObject({ type: z.literal('state') });
export const CloseMessageSchema = z.strictObject({ type: z.literal('close') });

export const CLIENT_MESSAGES = {
  reset: ResetMessageSchema,
  step: StepMessageSchema,
  state: StateMessageSchema,
  close: CloseMessageSchema,
} as const;
export type ClientMessageType = keyof typeof CLIENT_MESSAGES;

/** HTTP bodies: OpenEnv's ResetRequest and StepRequest, with the session they address. */
export const SessionId = z.string().min(1).max(64);
export const HttpResetSchema = ResetDataSchema.extend({ session_id: SessionId.optional() });
export const HttpStepSchema = z.looseObject({
  action: z.unknown(),
  session_id: SessionId,
  timeout_s: z.number().positive().optional(),
  request_id: z.string().max(255).optional(),
});
export const HttpSessionSchema = z.strictObject({ session_id: SessionId });

export const StateDataSchema = z.strictObject({
  episode_id: z.string().nullable().describe('OpenEnv: the current episode (null before the first reset)'),
  step_count: z.number().int().min(0).describe('OpenEnv: steps taken in the current episode'),
  done: z.boolean().describe('whether the current episode ended (terminated or truncated)'),
  env_id: z.string().describe('the registered env id the server makes'),
  session_id: z.string(),
});
export type StateData = z.output<typeof StateDataSchema>;

export interface ObservationData {
  observation: JsonValue;
  /** null after a reset (OpenEnv's convention). */
  reward: number | null;
  /** terminated || truncated (OpenEnv's `done`). */
  done: boolean;
  terminated: boolean;
  truncated: boolean;
  info: JsonValue;
}

export type ServerMessage = { type: 'observation'; data: ObservationData } | { type: 'state'; data: StateData } | { type: 'error'; data: ErrorData };

/** Splits reset data into the env's `reset({ seed, options })`: extra keys and `options` merge into options. */
export function resetArguments(data: z.output<typeof ResetDataSchema>): { seed?: number; episodeId?: string; options: Record<string, unknown> } {
  const { seed, episode_id, options, ...rest } = data;
  const extra = Object.fromEntries(Object.entries(rest).filter(([k]) => k !== 'session_id'));
  return { ...(seed === undefined ? {} : { seed }), ...(episode_id === undefined ? {} : { episodeId: episode_id }), options: { ...extra, ...options } };
}

/** zod issues as one line each: `path: message`. */
export function describeIssues(error: z.ZodError, root: string): string[] {
  return error.issues.map((i) => `${i.path.length > 0 ? `${root}.${i.path.join('.')}` : root}: ${i.message}`);
}
