/**
 * MT5 records → tradekit domain types, with every time converted from server time to UTC and every
 * broker symbol name mapped back to the canonical name the run uses.
 */
import {
  roundTo,
  type Account,
  type AssetClass,
  type Deal,
  type DealReason,
  type FillingMode,
  type PendingOrder,
  type Position,
  type SymbolInfo,
  type Timeframe,
  type TradeMode,
} from '@tradekit/core';
import {
  DEAL_ENTRY,
  DEAL_REASON,
  ORDER_TYPE,
  SYMBOL_CALC_MODE,
  SYMBOL_FILLING,
  SYMBOL_TRADE_EXECUTION,
  SYMBOL_TRADE_MODE,
  TIMEFRAME,
} from '../mt5/constants.js';
import type { ServerClock } from '../mt5/server-clock.js';
import type { Mt5AccountInfo, Mt5Deal, Mt5Order, Mt5Position, Mt5SymbolInfo } from '../mt5/types.js';
import { decodeComment } from './comment.js';
import { mt5Error } from '../errors.js';

export const TF_VALUE: Record<Timeframe, number> = {
  M1: TIMEFRAME.M1,
  M5: TIMEFRAME.M5,
  M15: TIMEFRAME.M15,
  M30: TIMEFRAME.M30,
  H1: TIMEFRAME.H1,
  H4: TIMEFRAME.H4,
  D1: TIMEFRAME.D1,
  W1: TIMEFRAME.W1,
};

export function tradeModeOf(v: number): TradeMode {
  switch (v) {
    case SYMBOL_TRADE_MODE.DISABLED:
      return 'disabled';
    case SYMBOL_TRADE_MODE.LONGONLY:
      return 'longonly';
    case SYMBOL_TRADE_MODE.SHORTONLY:
      return 'shortonly';
    case SYMBOL_TRADE_MODE.CLOSEONLY:
      return 'closeonly';
    default:
      return 'full';
  }
}

export function fillingModesOf(info: Pick<Mt5SymbolInfo, 'filling_mode' | 'trade_exemode'>): FillingMode[] {
  const out: FillingMode[] = [];
  if (info.filling_mode & SYMBOL_FILLING.FOK) out.push('FOK');
  if (info.filling_mode & SYMBOL_FILLING.IOC) out.push('IOC');
  if (info.trade_exemode === SYMBOL_TRADE_EXECUTION.EXCHANGE || out.length === 0) out.push('RETURN');
  return out;
}

function assetClassOf(i: Mt5SymbolInfo): AssetClass {
  const p = (i.path ?? '').toLowerCase();
  if (p.includes('forex') || i.trade_calc_mode === SYMBOL_CALC_MODE.FOREX || i.trade_calc_mode === SYMBOL_CALC_MODE.FOREX_NO_LEVERAGE) return 'forex';
  if (p.includes('metal') || /^X(AU|AG|PT|PD)/.test(i.name)) return 'metal';
  if (p.includes('indic') || p.includes('index') || i.trade_calc_mode === SYMBOL_CALC_MODE.CFDINDEX) return 'index';
  if (p.includes('crypto')) return 'crypto';
  if (p.includes('energ') || p.includes('commod')) return 'commodity';
  if (p.includes('stock') || p.includes('share')) return 'stock';
  return 'other';
}

/**
 * The terminal's symbol description as a SymbolInfo. A reply that would make prices or sizes
 * meaningless (no point, digits out of range, no contract size or volume step) is TK_ERR_MT5_BAD_DATA:
 * nothing is sized or rounded with it.
 */
export function symbolInfoOf(i: Mt5SymbolInfo, canonical: string): SymbolInfo {
  const bad: string[] = [];
  if (!(Number.isInteger(i.digits) && i.digits >= 0 && i.digits <= 10)) bad.push(`digits ${i.digits}`);
  if (!(i.point > 0 && Number.isFinite(i.point))) bad.push(`point ${i.point}`);
  if (!(i.trade_contract_size > 0 && Number.isFinite(i.trade_contract_size))) bad.push(`trade_contract_size ${i.trade_contract_size}`);
  if (!(i.volume_step > 0 && Number.isFinite(i.volume_step))) bad.push(`volume_step ${i.volume_step}`);
  if (!(i.volume_min > 0) || !(i.volume_max >= i.volume_min)) bad.push(`volume_min ${i.volume_min} / volume_max ${i.volume_max}`);
  if (bad.length) throw mt5Error('TK_ERR_MT5_BAD_DATA', `the terminal described ${canonical} with unusable values: ${bad.join(', ')}`, { symbol: canonical });
  return {
    symbol: canonical,
    description: i.description,
    assetClass: assetClassOf(i),
    digits: i.digits,
    point: i.point,
    tickSize: i.trade_tick_size || i.point,
    tickValue: i.trade_tick_value || undefined,
    contractSize: i.trade_contract_size,
    volumeMin: i.volume_min,
    volumeMax: i.volume_max,
    volumeStep: i.volume_step,
    stopsLevel: i.trade_stops_level,
    freezeLevel: i.trade_freeze_level,
    spread: i.spread,
    fillingModes: fillingModesOf(i),
    tradeMode: tradeModeOf(i.trade_mode),
    baseCurrency: i.currency_base,
    profitCurrency: i.currency_profit,
    marginCurrency: i.currency_margin,
  };
}

export function accountOf(a: Mt5AccountInfo): Account {
  return {
    currency: a.currency,
    balance: a.balance,
    equity: a.equity,
    profit: a.profit,
    margin: a.margin,
    freeMargin: a.margin_free,
    marginLevel: a.margin_level,
    leverage: a.leverage,
  };
}

export function positionOf(p: Mt5Position, clock: ServerClock, canonical: string): Position {
  return {
    id: p.ticket,
    clientId: decodeComment(p.comment),
    symbol: canonical,
    side: p.type === 0 ? 'buy' : 'sell',
    volume: p.volume,
    openPrice: p.price_open,
    openTime: clock.fromServerMs(p.time_msc),
    sl: p.sl || undefined,
    tp: p.tp || undefined,
    currentPrice: p.price_current,
    profit: p.profit,
    // MT5 positions carry no commission (it is on the deals).
    commission: 0,
    swap: p.swap,
    magic: p.magic,
    comment: p.comment,
  };
}

const PENDING_TYPES = new Set<number>([
  ORDER_TYPE.BUY_LIMIT,
  ORDER_TYPE.SELL_LIMIT,
  ORDER_TYPE.BUY_STOP,
  ORDER_TYPE.SELL_STOP,
  ORDER_TYPE.BUY_STOP_LIMIT,
  ORDER_TYPE.SELL_STOP_LIMIT,
]);

export function isPendingType(t: number): boolean {
  return PENDING_TYPES.has(t);
}

export function pendingOf(o: Mt5Order, clock: ServerClock, canonical: string): PendingOrder {
  const buy = o.type === ORDER_TYPE.BUY_LIMIT || o.type === ORDER_TYPE.BUY_STOP || o.type === ORDER_TYPE.BUY_STOP_LIMIT;
  return {
    id: o.ticket,
    clientId: decodeComment(o.comment),
    symbol: canonical,
    side: buy ? 'buy' : 'sell',
    type: o.type === ORDER_TYPE.BUY_LIMIT || o.type === ORDER_TYPE.SELL_LIMIT ? 'limit' : 'stop',
    volume: o.volume_current,
    price: o.price_open,
    sl: o.sl || undefined,
    tp: o.tp || undefined,
    placedAt: clock.fromServerMs(o.time_setup_msc),
    expiresAt: o.time_expiration ? clock.fromServerSec(o.time_expiration) : undefined,
    magic: o.magic,
    comment: o.comment,
  };
}

export function dealReasonOf(r: number): DealReason {
  switch (r) {
    case DEAL_REASON.SL:
      return 'sl';
    case DEAL_REASON.TP:
      return 'tp';
    case DEAL_REASON.SO:
      return 'stopout';
    case DEAL_REASON.EXPERT:
      return 'client';
    case DEAL_REASON.CLIENT:
    case DEAL_REASON.MOBILE:
    case DEAL_REASON.WEB:
      return 'manual';
    default:
      return 'client';
  }
}

/**
 * A trade deal as one or two tradekit deals (`in`/`out`); balance and other non-trade deals give none.
 * A netting reversal (INOUT) is split into the `out` of the old volume (`priorVolume`) and the `in` of
 * the rest.
 */
export function dealsOf(d: Mt5Deal, clock: ServerClock, canonical: string, priorVolume?: number): Deal[] {
  if (d.type !== 0 && d.type !== 1) return [];
  const base: Deal = {
    id: d.ticket,
    orderId: d.order,
    positionId: d.position_id,
    clientId: decodeComment(d.comment),
    symbol: canonical,
    side: d.type === 0 ? 'buy' : 'sell',
    entry: d.entry === DEAL_ENTRY.IN ? 'in' : 'out',
    volume: d.volume,
    price: d.price,
    time: clock.fromServerMs(d.time_msc),
    profit: d.profit,
    commission: d.commission,
    swap: d.swap,
    reason: dealReasonOf(d.reason),
    magic: d.magic,
    comment: d.comment,
  };
  if (d.entry !== DEAL_ENTRY.INOUT) return [base];
  const out = Math.min(d.volume, priorVolume ?? d.volume);
  const rest = roundTo(d.volume - out, 8);
  const deals: Deal[] = [{ ...base, id: `${d.ticket}:out`, entry: 'out', volume: out }];
  if (rest > 0) deals.push({ ...base, id: `${d.ticket}:in`, entry: 'in', volume: rest, profit: 0, commission: 0, swap: 0 });
  return deals;
}
