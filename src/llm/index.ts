// Public API of the OpenAI-compatible chat client.
export { LlmConfigSchema, LLM_ENV_VARS, LLM_NUMBER_ENV_VARS, redactLlmConfig, resolveLlmConfig } from './config.js';
export type { LlmConfig, LlmConfigInput } from './config.js';
export { ChatClient, chatCompletionsUrl, createChatClient } from './client.js';
export type { ChatClientDeps, ChatClientStats, ChatCompleter, CompleteOptions } from './client.js';
export { isLlmError, LlmError, LlmGaveUpError } from './errors.js';
export type { LlmErrorDetails, LlmErrorKind } from './errors.js';
export type { ChatCompletion, ChatMessage, ChatRole, ChatUsage } from './response.js';
export { backoffDelayMs, defaultSleep, parseRetryAfterMs, RETRYABLE_STATUSES } from './retry.js';
export type { SleepFn } from './retry.js';
