/**
 * `TRADE_RETCODE_*` and the classifier that decides what the adapter does with each (docs/reference/mt5-notes.md §2.4,
 * §3 "patterns robust clients use"): success, refresh the price and retry, back off, switch the
 * filling mode, reconcile (the outcome is unknown), or give up (fatal: needs a human; nonRetryable:
 * this request is wrong).
 */
import type { ErrorClass, ErrorCode } from '@tradekit/core';

export const RETCODE = {
  REQUOTE: 10004,
  REJECT: 10006,
  CANCEL: 10007,
  PLACED: 10008,
  DONE: 10009,
  DONE_PARTIAL: 10010,
  ERROR: 10011,
  TIMEOUT: 10012,
  INVALID: 10013,
  INVALID_VOLUME: 10014,
  INVALID_PRICE: 10015,
  INVALID_STOPS: 10016,
  TRADE_DISABLED: 10017,
  MARKET_CLOSED: 10018,
  NO_MONEY: 10019,
  PRICE_CHANGED: 10020,
  PRICE_OFF: 10021,
  INVALID_EXPIRATION: 10022,
  ORDER_CHANGED: 10023,
  TOO_MANY_REQUESTS: 10024,
  NO_CHANGES: 10025,
  SERVER_DISABLES_AT: 10026,
  CLIENT_DISABLES_AT: 10027,
  LOCKED: 10028,
  FROZEN: 10029,
  INVALID_FILL: 10030,
  CONNECTION: 10031,
  ONLY_REAL: 10032,
  LIMIT_ORDERS: 10033,
  LIMIT_VOLUME: 10034,
  INVALID_ORDER: 10035,
  POSITION_CLOSED: 10036,
  INVALID_CLOSE_VOLUME: 10038,
  CLOSE_ORDER_EXIST: 10039,
  LIMIT_POSITIONS: 10040,
  REJECT_CANCEL: 10041,
  LONG_ONLY: 10042,
  SHORT_ONLY: 10043,
  CLOSE_ONLY: 10044,
  FIFO_CLOSE: 10045,
  HEDGE_PROHIBITED: 10046,
} as const;

export type RetcodeName = keyof typeof RETCODE;

/** What the adapter does next. */
export type RetcodeAction =
  | 'success' // done (10009), placed (10008), partial (10010), no-op (10025)
  | 'refresh' // re-read the tick and retry (requote, price changed, off quotes)
  | 'backoff' // too many requests: wait, then retry
  | 'switch-fill' // unsupported filling mode: next mode, cache it, retry once
  | 'retry' // transient processing error: retry after a reconcile lookup
  | 'reconcile' // outcome unknown: look it up by client id, never resend blindly
  | 'reject'; // give up: fatal or nonRetryable

export interface RetcodeClass {
  code: number;
  name: string;
  description: string;
  action: RetcodeAction;
  /** For `reject` (and for what remains after retries are exhausted). */
  errorClass: ErrorClass;
  /** tradekit error code for a rejection. */
  errorCode: ErrorCode;
}

type Row = [name: string, description: string, action: RetcodeAction, errorClass: ErrorClass, errorCode: ErrorCode];

const TABLE: Record<number, Row> = {
  10004: ['REQUOTE', 'Requote', 'refresh', 'retryable', 'TK_ERR_MT5_REQUOTE'],
  10006: ['REJECT', 'Request rejected', 'reject', 'fatal', 'TK_ERR_BROKER_REJECTED'],
  10007: ['CANCEL', 'Request canceled by trader', 'reject', 'fatal', 'TK_ERR_BROKER_REJECTED'],
  10008: ['PLACED', 'Order placed', 'success', 'nonRetryable', 'TK_ERR_MT5_RETCODE'],
  10009: ['DONE', 'Request completed', 'success', 'nonRetryable', 'TK_ERR_MT5_RETCODE'],
  10010: ['DONE_PARTIAL', 'Only part of the request was completed', 'success', 'nonRetryable', 'TK_ERR_MT5_RETCODE'],
  10011: ['ERROR', 'Request processing error', 'retry', 'retryable', 'TK_ERR_MT5_RETCODE'],
  10012: ['TIMEOUT', 'Request canceled by timeout', 'reconcile', 'retryable', 'TK_ERR_BROKER_UNKNOWN_OUTCOME'],
  10013: ['INVALID', 'Invalid request', 'reject', 'nonRetryable', 'TK_ERR_MT5_INVALID_REQUEST'],
  10014: ['INVALID_VOLUME', 'Invalid volume in the request', 'reject', 'nonRetryable', 'TK_ERR_BROKER_INVALID_VOLUME'],
  10015: ['INVALID_PRICE', 'Invalid price in the request', 'refresh', 'nonRetryable', 'TK_ERR_BROKER_INVALID_PRICE'],
  10016: ['INVALID_STOPS', 'Invalid stops in the request', 'reject', 'nonRetryable', 'TK_ERR_BROKER_INVALID_STOPS'],
  10017: ['TRADE_DISABLED', 'Trade is disabled', 'reject', 'fatal', 'TK_ERR_BROKER_TRADE_DISABLED'],
  10018: ['MARKET_CLOSED', 'Market is closed', 'reject', 'retryable', 'TK_ERR_BROKER_MARKET_CLOSED'],
  10019: ['NO_MONEY', 'There is not enough money to complete the request', 'reject', 'nonRetryable', 'TK_ERR_BROKER_NO_MONEY'],
  10020: ['PRICE_CHANGED', 'Prices changed', 'refresh', 'retryable', 'TK_ERR_MT5_REQUOTE'],
  10021: ['PRICE_OFF', 'There are no quotes to process the request', 'refresh', 'retryable', 'TK_ERR_MT5_NO_QUOTES'],
  10022: ['INVALID_EXPIRATION', 'Invalid order expiration date in the request', 'reject', 'nonRetryable', 'TK_ERR_MT5_INVALID_EXPIRATION'],
  10023: ['ORDER_CHANGED', 'Order state changed', 'reconcile', 'retryable', 'TK_ERR_BROKER_UNKNOWN_OUTCOME'],
  10024: ['TOO_MANY_REQUESTS', 'Too frequent requests', 'backoff', 'retryable', 'TK_ERR_MT5_RATE_LIMITED'],
  10025: ['NO_CHANGES', 'No changes in request', 'success', 'nonRetryable', 'TK_ERR_MT5_RETCODE'],
  10026: ['SERVER_DISABLES_AT', 'Autotrading disabled by server', 'reject', 'fatal', 'TK_ERR_MT5_AUTOTRADING_DISABLED'],
  10027: ['CLIENT_DISABLES_AT', 'Autotrading disabled by client terminal', 'reject', 'fatal', 'TK_ERR_MT5_AUTOTRADING_DISABLED'],
  10028: ['LOCKED', 'Request locked for processing', 'retry', 'retryable', 'TK_ERR_MT5_RETCODE'],
  10029: ['FROZEN', 'Order or position frozen', 'reject', 'retryable', 'TK_ERR_MT5_FROZEN'],
  10030: ['INVALID_FILL', 'Invalid order filling type', 'switch-fill', 'nonRetryable', 'TK_ERR_MT5_FILLING'],
  10031: ['CONNECTION', 'No connection with the trade server', 'reconcile', 'retryable', 'TK_ERR_MT5_NO_CONNECTION'],
  10032: ['ONLY_REAL', 'Operation is allowed only for live accounts', 'reject', 'fatal', 'TK_ERR_BROKER_REJECTED'],
  10033: ['LIMIT_ORDERS', 'The number of pending orders has reached the limit', 'reject', 'fatal', 'TK_ERR_MT5_LIMIT'],
  10034: ['LIMIT_VOLUME', 'The volume of orders and positions for the symbol has reached the limit', 'reject', 'fatal', 'TK_ERR_MT5_LIMIT'],
  10035: ['INVALID_ORDER', 'Incorrect or prohibited order type', 'reject', 'nonRetryable', 'TK_ERR_MT5_INVALID_REQUEST'],
  10036: ['POSITION_CLOSED', 'Position with the specified identifier has already been closed', 'reconcile', 'nonRetryable', 'TK_ERR_BROKER_POSITION_NOT_FOUND'],
  10038: ['INVALID_CLOSE_VOLUME', 'A close volume exceeds the current position volume', 'reject', 'nonRetryable', 'TK_ERR_BROKER_INVALID_VOLUME'],
  10039: ['CLOSE_ORDER_EXIST', 'A close order already exists for the position', 'reconcile', 'nonRetryable', 'TK_ERR_MT5_CLOSE_PENDING'],
  10040: ['LIMIT_POSITIONS', 'The number of open positions has reached the limit', 'reject', 'fatal', 'TK_ERR_MT5_LIMIT'],
  10041: ['REJECT_CANCEL', 'The pending order activation request is rejected, the order is canceled', 'reject', 'fatal', 'TK_ERR_BROKER_REJECTED'],
  10042: ['LONG_ONLY', 'Only long positions are allowed', 'reject', 'fatal', 'TK_ERR_BROKER_TRADE_DISABLED'],
  10043: ['SHORT_ONLY', 'Only short positions are allowed', 'reject', 'fatal', 'TK_ERR_BROKER_TRADE_DISABLED'],
  10044: ['CLOSE_ONLY', 'Only position closing is allowed', 'reject', 'fatal', 'TK_ERR_BROKER_TRADE_DISABLED'],
  10045: ['FIFO_CLOSE', 'Position closing is allowed only by FIFO rule', 'reject', 'fatal', 'TK_ERR_MT5_FIFO'],
  10046: ['HEDGE_PROHIBITED', 'Opposite positions on a single symbol are disabled', 'reject', 'fatal', 'TK_ERR_MT5_HEDGE_PROHIBITED'],
};

/** Success set of `order_send` (plus 0, which only `order_check` gives). */
export const SUCCESS_RETCODES: ReadonlySet<number> = new Set([10008, 10009, 10010, 10025]);

export function isSuccessRetcode(code: number): boolean {
  return SUCCESS_RETCODES.has(code);
}

export function retcodeName(code: number): string {
  if (code === 0) return 'OK';
  return TABLE[code]?.[0] ?? `UNKNOWN_${code}`;
}

export function retcodeDescription(code: number): string {
  if (code === 0) return 'Done';
  return TABLE[code]?.[1] ?? `Unknown retcode ${code}`;
}

/** Classifies a retcode. Codes not in the table (future builds) are rejected as nonRetryable. */
export function classifyRetcode(code: number): RetcodeClass {
  const row = TABLE[code];
  if (!row)
    return {
      code,
      name: `UNKNOWN_${code}`,
      description: `Unknown retcode ${code}`,
      action: 'reject',
      errorClass: 'nonRetryable',
      errorCode: 'TK_ERR_MT5_RETCODE',
    };
  return { code, name: row[0], description: row[1], action: row[2], errorClass: row[3], errorCode: row[4] };
}
