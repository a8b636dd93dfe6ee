import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load.js';
import { ChatClient, chatCompletionsUrl, LlmConfigSchema, redactLlmConfig, resolveLlmConfig } from '../../src/llm/index.js';

describe('resolveLlmConfig', () => {
  it('fills defaults and keeps explicit values over the environment', () => {
    const cfg = resolveLlmConfig(
      { baseURL: 'http://127.0.0.1:8000/v1', model: 'llama' },
      { CRS_GYM_LLM_BASE_URL: 'http://127.0.0.1:9999/v1', CRS_GYM_LLM_MODEL: 'other' },
    );
    expect(cfg).toEqual({
      baseURL: 'http://127.0.0.1:8000/v1',
      model: 'llama',
      temperature: 0.7,
      maxTokens: 1024,
      timeoutMs: 60_000,
      maxRetries: 3,
      retryBaseDelayMs: 500,
      retryMaxDelayMs: 8000,
      maxConcurrency: 8,
      maxConsecutiveFailures: 5,
      maxReplyBytes: 4 * 2 ** 20,
    });
  });

  it('takes timeout, retries, concurrency and the failure limit from CRS_GYM_LLM_* when the config leaves them out', () => {
    const env = { CRS_GYM_LLM_BASE_URL: 'http://127.0.0.1:8080/v1', CRS_GYM_LLM_MODEL: 'm', CRS_GYM_LLM_TIMEOUT_MS: '1500', CRS_GYM_LLM_RETRIES: '0', CRS_GYM_LLM_CONCURRENCY: '2', CRS_GYM_LLM_MAX_FAILURES: '3', CRS_GYM_LLM_MAX_REPLY_BYTES: '1000' };
    const cfg = resolveLlmConfig({ maxConcurrency: 4 }, env);
    expect(cfg).toMatchObject({ timeoutMs: 1500, maxRetries: 0, maxConcurrency: 4, maxConsecutiveFailures: 3, maxReplyBytes: 1000 });
    expect(() => resolveLlmConfig({}, { ...env, CRS_GYM_LLM_TIMEOUT_MS: 'soon' })).toThrow(/CRS_GYM_LLM_TIMEOUT_MS: must be a number, got 'soon'/);
  });

  it('reads CRS_GYM_LLM_* first, then OPENAI_* fallbacks', () => {
    const env = {
      CRS_GYM_LLM_BASE_URL: 'http://127.0.0.1:8080/v1',
      OPENAI_BASE_URL: 'http://127.0.0.1:1/v1',
      CRS_GYM_LLM_MODEL: 'llama3.1:8b',
      OPENAI_API_KEY: 'sk-fallback',
    };
    expect(resolveLlmConfig({}, env)).toMatchObject({ baseURL: 'http://127.0.0.1:8080/v1', model: 'llama3.1:8b', apiKey: 'sk-fallback' });
    expect(resolveLlmConfig({}, { ...env, CRS_GYM_LLM_BASE_URL: '', CRS_GYM_LLM_API_KEY: 'sk-own' })).toMatchObject({
      baseURL: 'http://127.0.0.1:1/v1',
      apiKey: 'sk-own',
    });
  });

  it('leaves apiKey out when neither config nor env has one', () => {
    expect(resolveLlmConfig({ baseURL: 'http://127.0.0.1:1/v1', model: 'm' }, {})).not.toHaveProperty('apiKey');
  });

  it('names every missing field and the variables that could supply it', () => {
    const call = (): unknown => resolveLlmConfig({}, {});
    expect(call).toThrow(ConfigError);
    expect(call).toThrow(/baseURL is missing.*CRS_GYM_LLM_BASE_URL or OPENAI_BASE_URL/);
    expect(call).toThrow(/model is missing.*CRS_GYM_LLM_MODEL/);
  });

  it('reports a bad field with its path', () => {
    expect(() => resolveLlmConfig({ baseURL: 'ftp://x', model: 'm' }, {})).toThrow(/llm config: baseURL: must be an http/);
    expect(() => resolveLlmConfig({ baseURL: 'http://127.0.0.1/v1', model: 'm', temperature: 5 }, {}, 'configs/x.json')).toThrow(
      /configs\/x\.json: temperature/,
    );
    expect(() => LlmConfigSchema.parse({ baseURL: 'http://127.0.0.1/v1', model: 'm', tempreature: 1 })).toThrow(/tempreature/);
  });

  it('the ChatClient constructor validates too', () => {
    expect(() => new ChatClient({ baseURL: 'http://127.0.0.1/v1', model: '' })).toThrow(/model/);
  });

  it('redacts the key for printing', () => {
    const cfg = resolveLlmConfig({ baseURL: 'http://127.0.0.1/v1', model: 'm', apiKey: 'sk-secret' }, {});
    expect(JSON.stringify(redactLlmConfig(cfg))).not.toContain('sk-secret');
    expect(cfg.apiKey).toBe('sk-secret');
  });
});

describe('chatCompletionsUrl', () => {
  it('appends /chat/completions, tolerating a trailing slash or the full endpoint', () => {
    expect(chatCompletionsUrl('http://127.0.0.1:11434/v1')).toBe('http://127.0.0.1:11434/v1/chat/completions');
    expect(chatCompletionsUrl('http://127.0.0.1:11434/v1/')).toBe('http://127.0.0.1:11434/v1/chat/completions');
    expect(chatCompletionsUrl('http://h/v1/chat/completions')).toBe('http://h/v1/chat/completions');
  });
});
