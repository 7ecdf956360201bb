/**
 * @tradekit/agents error codes. Each is a TradekitError code (tests assert on `code`); messages say
 * what to do next.
 */
import { TradekitError, type TradekitErrorOptions } from '@tradekit/core';

export const AgentErrorCodes = {
  TK_ERR_AGENTS_CONFIG: 'invalid plugin configuration',
  TK_ERR_AGENTS_MODEL_FILE: 'probability model file cannot be read or is invalid',
  TK_ERR_AGENTS_TRAIN_DATA: 'not enough data to train the model',
  TK_ERR_AGENTS_NEWS_FETCH: 'economic calendar cannot be fetched',
  TK_ERR_AGENTS_NEWS_FORMAT: 'economic calendar has an unexpected format',
  TK_ERR_AGENTS_CONVERSION: 'no rate to convert an instrument currency to the account currency',
} as const;

// This package's codes join the closed set of TradekitError codes (see @tradekit/core's errors.ts).
declare module '@tradekit/core' {
  interface ErrorCodeRegistry {
    agents: keyof typeof AgentErrorCodes;
  }
}

export type AgentErrorCode = keyof typeof AgentErrorCodes;

export function agentsError(code: AgentErrorCode, message: string, opts?: TradekitErrorOptions): TradekitError {
  return new TradekitError(code, message, opts);
}
