/**
 * `@tradekit/mt5-adapter`'s own error codes. Where core has a code for the same situation (invalid
 * volume, invalid stops, position not found…), rejections use core's code so strategies and the
 * conformance kit see the same thing on every broker; the MT5 retcode travels in `details.retcode`.
 */
import { TradekitError, type TradekitErrorOptions } from '@tradekit/core';

export const Mt5ErrorCodes = {
  TK_ERR_MT5_CONFIG: 'invalid MT5 adapter configuration',
  TK_ERR_MT5_CONNECT: 'cannot reach the MT5 bridge',
  TK_ERR_MT5_UNAUTHORIZED: 'the bridge refused the token',
  TK_ERR_MT5_TRANSPORT: 'the bridge connection failed during a call',
  TK_ERR_MT5_TIMEOUT: 'the call exceeded its deadline',
  TK_ERR_MT5_PROTOCOL: 'malformed message on the bridge connection',
  TK_ERR_MT5_METHOD: 'the bridge does not serve this method',
  TK_ERR_MT5_IPC: 'the terminal is not reachable (IPC)',
  TK_ERR_MT5_AUTH_FAILED: 'terminal login failed',
  TK_ERR_MT5_NOT_CONNECTED: 'the terminal is not connected to the trade server',
  TK_ERR_MT5_AUTOTRADING_DISABLED: 'algo trading is disabled',
  TK_ERR_MT5_CALL_FAILED: 'an MT5 function returned None',
  TK_ERR_MT5_SYMBOL_NOT_FOUND: 'symbol not found on the terminal',
  TK_ERR_MT5_REQUOTE: 'requote / price changed after retries',
  TK_ERR_MT5_NO_QUOTES: 'no quotes for the symbol',
  TK_ERR_MT5_FILLING: 'no filling mode accepted',
  TK_ERR_MT5_RATE_LIMITED: 'too many requests',
  TK_ERR_MT5_FROZEN: 'order or position inside the freeze level',
  TK_ERR_MT5_NO_CONNECTION: 'terminal has no connection to the trade server',
  TK_ERR_MT5_INVALID_REQUEST: 'invalid request',
  TK_ERR_MT5_INVALID_EXPIRATION: 'invalid expiration',
  TK_ERR_MT5_LIMIT: 'account or symbol limit reached',
  TK_ERR_MT5_FIFO: 'FIFO rule: close the oldest position first',
  TK_ERR_MT5_HEDGE_PROHIBITED: 'opposite positions are not allowed',
  TK_ERR_MT5_CLOSE_PENDING: 'a close order for the position is already in progress',
  TK_ERR_MT5_RETCODE: 'MT5 returned an unexpected retcode',
  TK_ERR_MT5_BAD_DATA: 'the terminal returned bad data',
  TK_ERR_MT5_REPLAY_UNSUPPORTED: 'a replay needs a simulated terminal',
  TK_ERR_MT5_SIM: 'simulator misuse',
} as const;

// This package's codes join the closed set of TradekitError codes (see @tradekit/core's errors.ts).
declare module '@tradekit/core' {
  interface ErrorCodeRegistry {
    mt5: keyof typeof Mt5ErrorCodes;
  }
}

export type Mt5ErrorCode = keyof typeof Mt5ErrorCodes;

/** Whether a transport failure happened before the request left us, or after (maybe executed). */
export type Outcome = 'not_sent' | 'unknown';

export function mt5Error(code: Mt5ErrorCode, message: string, opts: TradekitErrorOptions = {}): TradekitError {
  return new TradekitError(code, message, opts);
}

/** A transport failure, carrying whether the request may have been executed. */
export function transportError(message: string, outcome: Outcome, opts: TradekitErrorOptions & { code?: Mt5ErrorCode } = {}): TradekitError {
  const { code, ...rest } = opts;
  return new TradekitError(code ?? 'TK_ERR_MT5_TRANSPORT', message, {
    classification: 'retryable',
    ...rest,
    details: { ...(rest.details ?? {}), outcome },
  });
}

export function outcomeOf(e: unknown): Outcome | undefined {
  if (!(e instanceof TradekitError)) return undefined;
  const o = e.details?.outcome;
  return o === 'not_sent' || o === 'unknown' ? o : undefined;
}

/** A FENCED answer as the adapter's error: TK_ERR_RUN_FENCED, fatal, outcome not_sent. */
export function fencedError(what: string, data: Record<string, unknown> | undefined): TradekitError {
  const run = String(data?.run ?? '?');
  return new TradekitError(
    'TK_ERR_RUN_FENCED',
    `${what} refused by the bridge: run ${run} is now held by a newer writer (fencing token ${String(data?.highest ?? '?')} > ours ${String(data?.token ?? '?')}); nothing reached the terminal — stop this process`,
    { classification: 'fatal', details: { outcome: 'not_sent', run, token: data?.token, highest: data?.highest } },
  );
}
