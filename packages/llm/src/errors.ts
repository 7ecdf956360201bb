/**
 * @tradekit/llm error codes. Each is a TradekitError code (tests assert on `code`); messages say what to
 * do next and never carry a key (every message passes the client's redactor).
 */
import { TradekitError, type TradekitErrorOptions } from '@tradekit/core';

export const LlmErrorCodes = {
  TK_ERR_LLM_CONFIG: 'invalid LLM configuration (provider, model, key variable, budgets)',
  TK_ERR_LLM_KEY_MISSING: 'the environment variable named by apiKeyEnv is not set',
  TK_ERR_LLM_TIMEOUT: 'the model did not answer within timeoutMs (after the allowed retries)',
  TK_ERR_LLM_RATE_LIMITED: 'the provider kept answering 429 after the allowed retries',
  TK_ERR_LLM_PROVIDER: 'the provider failed (5xx or network after the retries, or a non-retryable 4xx)',
  TK_ERR_LLM_REPLY_INVALID: 'the reply is not JSON or does not match the decision schema',
  TK_ERR_LLM_BUDGET: 'the run spent its token or cost budget: no more model calls',
  TK_ERR_LLM_REPLAY_MISSING: 'replay mode and no recorded answer for these inputs and time',
  TK_ERR_LLM_STORE: 'the record store (LLM calls table) cannot be opened, read or written',
  TK_ERR_LLM_FEED: 'the headline feed cannot be read or has an unexpected format',
} as const;

// This package's codes join the closed set of TradekitError codes (see @tradekit/core's errors.ts).
declare module '@tradekit/core' {
  interface ErrorCodeRegistry {
    llm: keyof typeof LlmErrorCodes;
  }
}

export type LlmErrorCode = keyof typeof LlmErrorCodes;

export function llmError(code: LlmErrorCode, message: string, opts?: TradekitErrorOptions): TradekitError {
  return new TradekitError(code, message, opts);
}
