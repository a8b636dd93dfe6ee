// Parsing of numeric CLI options, with the one-line usage errors the CLI exits 2 on.
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import type { LlmConfigInput } from '../llm/config.js';
import { UsageError } from './errors.js';
import { rewardComponents } from '../../rewards/registry.js';
import { registry as envRegistry } from '../core/registry.js';

export function intOption(value: unknown, name: string, min = Number.MIN_SAFE_INTEGER): number {
  const n = Number(value);
  if (typeof value !== 'string' && typeof value !== 'number') throw new UsageError(`${name} needs a value`);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be an integer >= ${min}, got '${String(value)}'`);
  return n;
}

export function floatOption(value: unknown, name: string, min = -Infinity, max = Infinity): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`${name} must be a number in [${min}, ${max}], got '${String(value)}'`);
  return n;
}

/** Worker threads: an integer from 0 to the machine's cores (more would only thrash, each thread holds its own env). */
export function workersOption(value: unknown, name = '--workers'): number {
  const n = intOption(value, name, 0);
  const cores = availableParallelism();
  if (n > cores) throw new UsageError(`${name} ${n} is more than this machine's ${cores} cores (os.availableParallelism()); use at most ${cores}`);
  return n;
}

/** --llm-* flags of the commands that talk to an LLM server. */
export function addLlmOptions(command: Command): Command {
  return command
    .option('--llm-timeout <ms>', 'LLM server: limit of one attempt in ms (else $CRS_GYM_LLM_TIMEOUT_MS, else the config, 60000)')
    .option('--llm-retries <n>', 'LLM server: retries of a failed call (else $CRS_GYM_LLM_RETRIES, else 3)')
    .option('--llm-concurrency <n>', 'LLM server: most calls in flight (else $CRS_GYM_LLM_CONCURRENCY, else 8)')
    .option('--llm-max-failures <n>', 'LLM server: stop after this many calls in a row failed, writing what finished (else $CRS_GYM_LLM_MAX_FAILURES, else 5; 0 = never)');
}

/** The LLM client settings the --llm-* flags give (flags win over the config and the environment). */
export function llmOptions(o: Record<string, unknown>): Partial<LlmConfigInput> {
  return {
    ...(o.llmTimeout !== undefined ? { timeoutMs: intOption(o.llmTimeout, '--llm-timeout', 1) } : {}),
    ...(o.llmRetries !== undefined ? { maxRetries: intOption(o.llmRetries, '--llm-retries', 0) } : {}),
    ...(o.llmConcurrency !== undefined ? { maxConcurrency: intOption(o.llmConcurrency, '--llm-concurrency', 1) } : {}),
    ...(o.llmMaxFailures !== undefined ? { maxConsecutiveFailures: intOption(o.llmMaxFailures, '--llm-max-failures', 0) } : {}),
  };
}

/** A comma-separated list of distinct integers >= `min`, e.g. `--seeds 0,1,2`. */
export function intListOption(value: unknown, name: string, min = 0): number[] {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`${name} needs a comma-separated list of integers, e.g. 0,1,2`);
  const parts = value.split(',').map((p) => p.trim());
  const out = parts.map((p) => {
    const n = Number(p);
    if (p === '' || !Number.isInteger(n) || n < min) throw new UsageError(`${name} must be a comma-separated list of integers >= ${min}, got '${value}'`);
    return n;
  });
  if (new Set(out).size !== out.length) throw new UsageError(`${name} lists a value twice: '${value}'`);
  return out;
}

/**
 * `--reward-weights '{"hit":2,"novelty":0.5}'`: weights by reward component, merged over the defaults by the env;
 * null leaves a component out. Every name must be a registered component (a plugin's count).
 */
export function rewardWeightsOption(value: unknown, known: { has(name: string): boolean; names(): string[] } = rewardComponents): Record<string, number | null> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(value));
  } catch {
    throw new UsageError(`--reward-weights must be a JSON object such as '{"hit":2}', got '${String(value)}'`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`--reward-weights must be a JSON object such as '{"hit":2}', got '${String(value)}'`);
  for (const [name, weight] of Object.entries(parsed)) {
    if (!known.has(name)) throw new UsageError(`--reward-weights: unknown reward component '${name}' (known: ${known.names().join(', ')})`);
    if (weight !== null && (typeof weight !== 'number' || !Number.isFinite(weight))) throw new UsageError(`--reward-weights: the weight of '${name}' must be a number or null, got ${JSON.stringify(weight)}`);
  }
  return parsed as Record<string, number | null>;
}

/**
 * --env ID: a registered env id (src/core/registry.ts; `CrsEnv/<dataset>-v0` and those a --plugin registers),
 * checked before any work. Undefined when the flag is not given.
 */
export function envIdOption(value: unknown, name = '--env'): string | undefined {
  if (value === undefined) return undefined;
  const id = String(value);
  if (!envRegistry.has(id)) throw new UsageError(`${name}: unknown env id '${id}' (known: ${envRegistry.ids().join(', ')})`);
  return id;
}
