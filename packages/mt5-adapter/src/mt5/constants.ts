/**
 * Constants of the `MetaTrader5` Python package (5.0.6231), copied by value: the package itself does
 * not export every name (e.g. no `SYMBOL_FILLING_*`), so clients hard-code them. Values from
 * docs/reference/mt5-notes.md §2.2–§2.5.
 */

export const TRADE_ACTION = { DEAL: 1, PENDING: 5, SLTP: 6, MODIFY: 7, REMOVE: 8, CLOSE_BY: 10 } as const;

export const ORDER_TYPE = {
  BUY: 0,
  SELL: 1,
  BUY_LIMIT: 2,
  SELL_LIMIT: 3,
  BUY_STOP: 4,
  SELL_STOP: 5,
  BUY_STOP_LIMIT: 6,
  SELL_STOP_LIMIT: 7,
  CLOSE_BY: 8,
} as const;

/** `type_filling` values (an enum, NOT the `filling_mode` bitmask). */
export const ORDER_FILLING = { FOK: 0, IOC: 1, RETURN: 2, BOC: 3 } as const;

/** `symbol_info().filling_mode` bits. The package does not export these names. */
export const SYMBOL_FILLING = { FOK: 1, IOC: 2, BOC: 4 } as const;

export const ORDER_TIME = { GTC: 0, DAY: 1, SPECIFIED: 2, SPECIFIED_DAY: 3 } as const;

export const ORDER_STATE = {
  STARTED: 0,
  PLACED: 1,
  CANCELED: 2,
  PARTIAL: 3,
  FILLED: 4,
  REJECTED: 5,
  EXPIRED: 6,
  REQUEST_ADD: 7,
  REQUEST_MODIFY: 8,
  REQUEST_CANCEL: 9,
} as const;

export const POSITION_TYPE = { BUY: 0, SELL: 1 } as const;

export const DEAL_TYPE = { BUY: 0, SELL: 1, BALANCE: 2, CREDIT: 3, CHARGE: 4, CORRECTION: 5, BONUS: 6, COMMISSION: 7 } as const;
export const DEAL_ENTRY = { IN: 0, OUT: 1, INOUT: 2, OUT_BY: 3 } as const;
export const DEAL_REASON = { CLIENT: 0, MOBILE: 1, WEB: 2, EXPERT: 3, SL: 4, TP: 5, SO: 6, ROLLOVER: 7, VMARGIN: 8, SPLIT: 9 } as const;

export const ORDER_REASON = { CLIENT: 0, MOBILE: 1, WEB: 2, EXPERT: 3, SL: 4, TP: 5, SO: 6 } as const;

/** `symbol_info().trade_mode`: an enum (0–4), not a bool. */
export const SYMBOL_TRADE_MODE = { DISABLED: 0, LONGONLY: 1, SHORTONLY: 2, CLOSEONLY: 3, FULL: 4 } as const;
export const SYMBOL_TRADE_EXECUTION = { REQUEST: 0, INSTANT: 1, MARKET: 2, EXCHANGE: 3 } as const;
export const SYMBOL_CALC_MODE = { FOREX: 0, FUTURES: 1, CFD: 2, CFDINDEX: 3, CFDLEVERAGE: 4, FOREX_NO_LEVERAGE: 5 } as const;

export const ACCOUNT_MARGIN_MODE = { RETAIL_NETTING: 0, EXCHANGE: 1, RETAIL_HEDGING: 2 } as const;
export const ACCOUNT_TRADE_MODE = { DEMO: 0, CONTEST: 1, REAL: 2 } as const;

/** Timeframe enum values: `0x4000 | hours`, `0x8000 | 1`; NOT minutes. */
export const TIMEFRAME = {
  M1: 1,
  M2: 2,
  M3: 3,
  M4: 4,
  M5: 5,
  M6: 6,
  M10: 10,
  M12: 12,
  M15: 15,
  M20: 20,
  M30: 30,
  H1: 16385,
  H2: 16386,
  H3: 16387,
  H4: 16388,
  H6: 16390,
  H8: 16392,
  H12: 16396,
  D1: 16408,
  W1: 32769,
  MN1: 49153,
} as const;

export type Mt5TimeframeName = keyof typeof TIMEFRAME;

const TF_BY_VALUE = new Map<number, Mt5TimeframeName>(Object.entries(TIMEFRAME).map(([k, v]) => [v, k as Mt5TimeframeName]));

export function timeframeName(value: number): Mt5TimeframeName | undefined {
  return TF_BY_VALUE.get(value);
}

/** Length of a fixed-length timeframe in ms (MN1 is calendar based: undefined). */
export function timeframeLengthMs(value: number): number | undefined {
  if (value >= 1 && value <= 30 && TF_BY_VALUE.has(value)) return value * 60_000;
  if ((value & 0xc000) === 0x4000 && TF_BY_VALUE.has(value)) return (value & 0x3fff) * 3_600_000;
  if (value === TIMEFRAME.W1) return 7 * 86_400_000;
  return undefined;
}

export const TICK_FLAG = { BID: 2, ASK: 4, LAST: 8, VOLUME: 16, BUY: 32, SELL: 64 } as const;
export const COPY_TICKS = { ALL: -1, INFO: 1, TRADE: 2 } as const;

/** Function-level `last_error()` codes (RES_*). */
export const RES = {
  S_OK: 1,
  E_FAIL: -1,
  E_INVALID_PARAMS: -2,
  E_NO_MEMORY: -3,
  E_NOT_FOUND: -4,
  E_INVALID_VERSION: -5,
  E_AUTH_FAILED: -6,
  E_UNSUPPORTED: -7,
  E_AUTO_TRADING_DISABLED: -8,
  E_INTERNAL_FAIL: -10000,
  E_INTERNAL_FAIL_SEND: -10001,
  E_INTERNAL_FAIL_RECEIVE: -10002,
  E_INTERNAL_FAIL_INIT: -10003,
  E_INTERNAL_FAIL_CONNECT: -10004,
  E_INTERNAL_FAIL_TIMEOUT: -10005,
} as const;

/** The message the package gives when a builtin is called in the wrong shape (docs/reference/mt5-notes.md §6). */
export const UNNAMED_ARGUMENTS_MESSAGE = 'Unnamed arguments not allowed';
