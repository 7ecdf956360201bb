/**
 * Money on the simulated account: currency conversion from the simulator's own quotes, tick value,
 * profit (separate tick values for profits and losses when the spec gives them), margin by calc mode.
 */
import { SYMBOL_CALC_MODE } from '../mt5/constants.js';
import type { SymState } from './state.js';

export interface Quotes {
  /** Mid price of a symbol whose base and profit currencies are these, or undefined. */
  mid(base: string, profit: string): number | undefined;
  /** Static reference rate (catalog) when no quote exists. */
  reference(ccy: string): number | undefined;
}

/** Value of one unit of `ccy` in the account currency. */
export function conversion(q: Quotes, ccy: string, account: string): number {
  if (ccy === account) return 1;
  const direct = q.mid(ccy, account);
  if (direct) return direct;
  const inverse = q.mid(account, ccy);
  if (inverse) return 1 / inverse;
  // Cross through USD (e.g. CHF → EUR via USDCHF and EURUSD).
  if (account !== 'USD' && ccy !== 'USD') {
    const toUsd = conversion(q, ccy, 'USD');
    const accUsd = conversion(q, account, 'USD');
    if (toUsd && accUsd) return toUsd / accUsd;
  }
  const a = q.reference(ccy);
  const b = q.reference(account);
  return a && b ? a / b : 1;
}

/** Value of one tick for one lot in the account currency (what `trade_tick_value` reports). */
export function tickValue(q: Quotes, s: SymState, account: string, kind: 'profit' | 'loss' | 'mid' = 'mid'): number {
  if (kind === 'profit' && s.spec.tickValueProfit !== undefined) return s.spec.tickValueProfit;
  if (kind === 'loss' && s.spec.tickValueLoss !== undefined) return s.spec.tickValueLoss;
  if (kind === 'mid' && s.spec.tickValueProfit !== undefined) return s.spec.tickValueProfit;
  return s.spec.contractSize * s.spec.tickSize * conversion(q, s.spec.currencyProfit, account);
}

/** Floating or realized profit of `volume` lots opened at `open`, valued at `close`. */
export function profitOf(q: Quotes, s: SymState, account: string, type: 0 | 1, volume: number, open: number, close: number): number {
  const diff = type === 0 ? close - open : open - close;
  const tv = tickValue(q, s, account, diff >= 0 ? 'profit' : 'loss');
  return (diff / s.spec.tickSize) * tv * volume;
}

/** Margin for `volume` lots at `price`, in the account currency. */
export function marginOf(q: Quotes, s: SymState, account: string, leverage: number, volume: number, price: number): number {
  const sp = s.spec;
  let m: number;
  switch (sp.calcMode) {
    case SYMBOL_CALC_MODE.FOREX:
      m = (volume * sp.contractSize) / leverage;
      break;
    case SYMBOL_CALC_MODE.FOREX_NO_LEVERAGE:
      m = volume * sp.contractSize;
      break;
    default:
      m = (volume * sp.contractSize * price) / leverage;
  }
  const ccy = sp.currencyMargin;
  // The symbol is its own conversion pair (EURUSD on a USD account): use the given price.
  if (sp.calcMode === SYMBOL_CALC_MODE.FOREX && ccy === sp.currencyBase && sp.currencyProfit === account) return m * price;
  return m * conversion(q, ccy, account);
}
