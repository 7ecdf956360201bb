/**
 * The orchestrator's error codes. Every API error is JSON `{ error: { code, message, … } }` with the
 * HTTP status below; socket.io handshake failures carry the same code in `err.data.code`.
 */
import { TradekitError, type TradekitErrorOptions } from '@tradekit/core';

export const DashboardErrorCodes = {
  TK_ERR_AUTH_MISSING: { status: 401, text: 'no bearer token' },
  TK_ERR_AUTH_INVALID: { status: 401, text: 'unknown or revoked token' },
  TK_ERR_AUTH_SCOPE: { status: 403, text: 'the token lacks the scope this needs' },
  TK_ERR_API_ORIGIN: { status: 403, text: 'origin not allowed' },
  TK_ERR_API_BAD_REQUEST: { status: 400, text: 'request does not match its schema' },
  TK_ERR_API_NOT_FOUND: { status: 404, text: 'no such endpoint' },
  TK_ERR_API_RUN_NOT_FOUND: { status: 404, text: 'no such run' },
  TK_ERR_API_RUN_STATE: { status: 409, text: 'the run is not in a state that allows this' },
  TK_ERR_API_RUN_LIMIT: { status: 429, text: 'too many runs' },
  TK_ERR_API_PATH_FORBIDDEN: { status: 403, text: 'path outside the allowed config roots' },
  TK_ERR_API_UNSUPPORTED: { status: 501, text: 'not available on this server' },
  TK_ERR_API_BODY_TOO_LARGE: { status: 413, text: 'request body too large' },
  TK_ERR_API_INTERNAL: { status: 500, text: 'internal error' },
  TK_ERR_API_UNAVAILABLE: { status: 503, text: 'the run cannot answer this now' },
  TK_ERR_API_HOST: { status: 403, text: 'Host header not allowed (DNS rebinding guard)' },
  TK_ERR_API_BIND: { status: 500, text: 'the server cannot listen on this address' },
} as const;

// This package's codes join the closed set of TradekitError codes (see @tradekit/core's errors.ts).
declare module '@tradekit/core' {
  interface ErrorCodeRegistry {
    dashboard: keyof typeof DashboardErrorCodes;
  }
}

export type DashboardErrorCode = keyof typeof DashboardErrorCodes;

export function apiError(code: DashboardErrorCode, message: string, opts: TradekitErrorOptions = {}): TradekitError {
  return new TradekitError(code, message, opts);
}

/** HTTP status for any TradekitError code (core's included). */
export function statusOf(code: string): number {
  const known = (DashboardErrorCodes as Record<string, { status: number }>)[code];
  if (known) return known.status;
  if (code.startsWith('TK_ERR_CONFIG') || code.startsWith('TK_ERR_PLUGIN')) return 422;
  if (code === 'TK_ERR_DATA_NO_PRICE') return 503;
  if (code === 'TK_ERR_DATA_SYMBOL' || code === 'TK_ERR_DATA_NOT_FOUND') return 404;
  if (code === 'TK_ERR_DATA_TIMEFRAME') return 400;
  // Another process (or another server) holds the run: a conflict the caller resolves, not a fault.
  if (code === 'TK_ERR_RUN_LOCKED') return 409;
  if (code === 'TK_ERR_STATE_IO') return 503;
  return 500;
}
