// Configuration of the OpenAI-compatible chat client. Configs are data: a JSON block validated here,
// with the server address, model name and key allowed to come from the environment instead, so a
// committed config never has to hold a secret or a machine-specific URL.
import { z } from 'zod';
import { ConfigError, parseConfig } from '../config/load.js';

const httpUrl = z
  .string()
  .url()
  .refine((value) => /^https?:\/\//i.test(value), { message: 'must be an http:// or https:// URL' });

export const LlmConfigSchema = z
  .object({
    /** Server root including `/v1`, e.g. `http://127.0.0.1:8000/v1`; `/chat/completions` is appended. */
    baseURL: httpUrl,
    /** Model name as the server knows it (vLLM: the served model name; Ollama: `llama3.1:8b`). */
    model: z.string().min(1),
    /** Sent as `Authorization: Bearer <apiKey>` only when set; local servers usually need none. */
    apiKey: z.string().min(1).optional(),
    /** Sampling temperature sent with every request unless a call overrides it. */
    temperature: z.number().min(0).max(2).default(0.7),
    /** `max_tokens` sent with every request unless a call overrides it. */
    maxTokens: z.number().int().positive().default(1024),
    /** Per-attempt limit, covering connect, wait and body download. */
    timeoutMs: z.number().int().positive().default(60_000),
    /** Retries after the first attempt (so at most maxRetries + 1 attempts) on retryable failures. */
    maxRetries: z.number().int().min(0).default(3),
    /** Backoff before retry n (0-based) is base * 2^n, capped, then jittered between d/2 and d. */
    retryBaseDelayMs: z.number().min(0).default(500),
    /** Cap on any single wait between attempts, including a server's Retry-After. */
    retryMaxDelayMs: z.number().min(0).default(8_000),
    /** Sampling seed forwarded to the server (vLLM, llama.cpp and Ollama honour it). */
    seed: z.number().int().optional(),
    /** Most requests in flight at once from one client; rollouts call the client in parallel. */
    maxConcurrency: z.number().int().positive().default(8),
    /**
     * Calls in a row that failed for good (after their retries) before the client gives up: that call and every
     * later one reject with LlmGaveUpError, which stops an evaluation (its finished samples are written). 0 = never.
     */
    maxConsecutiveFailures: z.number().int().min(0).default(5),
    /** A reply body larger than this is cut off and the attempt fails (kind `malformed`), so a runaway server cannot fill the memory. */
    maxReplyBytes: z.number().int().positive().default(4 * 2 ** 20),
  })
  .strict();

/** A validated config with every default filled. */
export type LlmConfig = z.output<typeof LlmConfigSchema>;
/** What a caller may write: defaults may be left out. */
export type LlmConfigInput = z.input<typeof LlmConfigSchema>;

/** Environment variables read by `resolveLlmConfig`, first match wins. */
export const LLM_ENV_VARS = {
  baseURL: ['CRS_GYM_LLM_BASE_URL', 'OPENAI_BASE_URL'],
  model: ['CRS_GYM_LLM_MODEL'],
  apiKey: ['CRS_GYM_LLM_API_KEY', 'OPENAI_API_KEY'],
} as const;

/** Numeric settings that an environment variable supplies where the config (or a flag) leaves them out. */
export const LLM_NUMBER_ENV_VARS = {
  timeoutMs: 'CRS_GYM_LLM_TIMEOUT_MS',
  maxRetries: 'CRS_GYM_LLM_RETRIES',
  maxConcurrency: 'CRS_GYM_LLM_CONCURRENCY',
  maxConsecutiveFailures: 'CRS_GYM_LLM_MAX_FAILURES',
  maxReplyBytes: 'CRS_GYM_LLM_MAX_REPLY_BYTES',
} as const;

/** The numeric settings from the environment; a variable that is not a number is a ConfigError naming it. */
function numbersFromEnv(env: EnvSource): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, name] of Object.entries(LLM_NUMBER_ENV_VARS)) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new ConfigError(`${name}: must be a number, got '${raw}'`, name);
    out[key] = value;
  }
  return out;
}

type EnvSource = Readonly<Record<string, string | undefined>>;

function fromEnv(env: EnvSource, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return undefined;
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/**
 * Fills `baseURL`, `model` and `apiKey` (and the numbers of LLM_NUMBER_ENV_VARS) from the environment where the config leaves them out, then
 * validates. Fails with a ConfigError naming every missing field and the variables that could supply it.
 */
export function resolveLlmConfig(
  partial: Partial<LlmConfigInput> = {},
  env: EnvSource = process.env,
  source = 'llm config',
): LlmConfig {
  const merged: Record<string, unknown> = { ...partial };
  for (const [key, value] of Object.entries(numbersFromEnv(env))) {
    if (merged[key] === undefined) merged[key] = value;
  }
  for (const key of ['baseURL', 'model', 'apiKey'] as const) {
    if (isBlank(merged[key])) {
      const value = fromEnv(env, LLM_ENV_VARS[key]);
      if (value !== undefined) merged[key] = value;
      else delete merged[key];
    }
  }
  const missing = (['baseURL', 'model'] as const).filter((key) => merged[key] === undefined);
  if (missing.length > 0) {
    const lines = missing.map(
      (key) => `${source}: ${key} is missing: set "${key}" in the config or ${LLM_ENV_VARS[key].join(' or ')}`,
    );
    throw new ConfigError(lines.join('\n'), source);
  }
  return parseConfig(LlmConfigSchema, merged, source);
}

/** The config with the API key masked, for printing at the start of a run and storing with results. */
export function redactLlmConfig(config: LlmConfig): LlmConfig {
  return config.apiKey === undefined ? { ...config } : { ...config, apiKey: '***' };
}
