/**
 * The journal's records, built one way whoever builds them: the engine when an order fills, the
 * ledger when a pending order fills or a position closes, and recovery when it finds at the broker what
 * the journal missed (startup, after the state store came back, or a lookup of an unknown outcome).
 */
import type { ClientIdLookup, OpenTradeRecord, OrderRecord, TradeRecord } from '../interfaces.js';
import type { ClosedTrade, Deal, FilledResult, OrderIntent, PlacedResult, Position } from '../types.js';
import { roundMoney } from '../paper/money.js';
import { extend } from '../util/maybe.js';

/** Where a trade came from (the candidate, or the order record that carried it). */
export interface TradeSource {
  sl?: number;
  tp?: number;
  agent?: string;
  score?: number;
  probability?: number;
  details?: Record<string, unknown>;
}

/** The journal row of a trade opened by `fill`. */
export function tradeOfFill(
  clientId: string,
  fill: Pick<FilledResult, 'positionId' | 'symbol' | 'side' | 'volume' | 'price' | 'time' | 'commission'>,
  src: TradeSource,
): OpenTradeRecord {
  return {
    positionId: fill.positionId,
    clientId,
    symbol: fill.symbol,
    side: fill.side,
    volume: fill.volume,
    entryTime: fill.time,
    entryPrice: fill.price,
    sl: src.sl,
    tp: src.tp,
    agent: src.agent,
    score: src.score,
    probability: src.probability,
    details: src.details,
    commission: fill.commission,
  };
}

/** The intent an order record was sent with (older records without one: rebuilt from its fields). */
export function intentOf(rec: OrderRecord): OrderIntent {
  return (
    rec.intent ?? {
      clientId: rec.clientId,
      symbol: rec.symbol,
      side: rec.side,
      type: rec.type as OrderIntent['type'],
      volume: rec.volume,
      price: rec.price,
      sl: rec.sl,
      tp: rec.tp,
    }
  );
}

/** What an order record says about its trade (a fill found later has no candidate at hand). */
export function sourceOfOrder(rec: OrderRecord): TradeSource {
  return {
    sl: rec.sl,
    tp: rec.tp,
    agent: rec.agent,
    score: rec.intent?.source?.score,
    probability: rec.intent?.source?.probability,
    details: rec.intent?.source?.details,
  };
}

/** An entry deal as a fill result for `rec`. */
export function fillOfDeal(rec: Pick<OrderRecord, 'clientId' | 'volume'>, d: Deal): FilledResult {
  return {
    status: 'filled',
    clientId: rec.clientId,
    orderId: d.orderId,
    positionId: d.positionId,
    symbol: d.symbol,
    side: d.side,
    volume: d.volume,
    requestedVolume: rec.volume,
    price: d.price,
    time: d.time,
    commission: d.commission,
  };
}

/** The order record after its fill (the result it is journaled with). */
export function filledOrder(rec: OrderRecord, fill: FilledResult, now: number): OrderRecord {
  return extend(rec, {
    status: 'filled' as const,
    brokerOrderId: fill.orderId,
    positionId: fill.positionId,
    volume: fill.volume,
    price: fill.price,
    updatedAt: now,
    result: fill,
  });
}

/**
 * What a lookup by client id proves happened to an order: it filled (a position or an entry deal
 * carries the id), it is working (a pending order carries it), or nothing carries it (undefined).
 */
export function outcomeOfLookup(
  intent: Pick<OrderIntent, 'clientId' | 'symbol' | 'side' | 'volume'>,
  found: ClientIdLookup,
): FilledResult | PlacedResult | undefined {
  const pos = found.positions[0];
  const fill = found.deals.find((d) => d.entry === 'in');
  if (pos || fill) {
    return {
      status: 'filled',
      clientId: intent.clientId,
      orderId: fill?.orderId ?? pos!.id,
      positionId: fill?.positionId ?? pos!.id,
      symbol: intent.symbol,
      side: intent.side,
      volume: fill?.volume ?? pos!.volume,
      requestedVolume: intent.volume,
      price: fill?.price ?? pos!.openPrice,
      time: fill?.time ?? pos!.openTime,
      commission: fill?.commission ?? pos!.commission,
    };
  }
  const order = found.orders[0];
  if (order)
    return {
      status: 'placed',
      clientId: intent.clientId,
      orderId: order.id,
      symbol: intent.symbol,
      side: intent.side,
      type: order.type,
      volume: order.volume,
      price: order.price,
      time: order.placedAt,
    };
  return undefined;
}

/** The exit an out deal makes of `trade` (undefined: the journal does not know the trade). */
export function exitOfDeal(d: Deal, trade: Pick<TradeRecord, 'openVolume' | 'clientId' | 'entryPrice' | 'entryTime'> | undefined, reason: string): ClosedTrade {
  const remaining = trade ? trade.openVolume : d.volume;
  return {
    positionId: d.positionId,
    dealId: d.id,
    clientId: d.clientId ?? trade?.clientId,
    symbol: d.symbol,
    // The closing deal's side is the opposite of the position's.
    side: d.side === 'buy' ? 'sell' : 'buy',
    volume: d.volume,
    partial: d.volume < remaining - 1e-9,
    openPrice: trade?.entryPrice ?? d.price,
    openTime: trade?.entryTime ?? d.time,
    closePrice: d.price,
    closeTime: d.time,
    reason,
    profit: roundMoney(d.profit + d.commission + d.swap),
    commission: d.commission,
    swap: d.swap,
  };
}

/** A trade the broker has neither open nor closed (a paper account that was reset): closed as `missing`. */
export function missingExit(t: TradeRecord, now: number): ClosedTrade {
  return {
    positionId: t.positionId,
    clientId: t.clientId,
    symbol: t.symbol,
    side: t.side,
    volume: t.openVolume,
    partial: false,
    openPrice: t.entryPrice,
    openTime: t.entryTime,
    closePrice: t.entryPrice,
    closeTime: now,
    reason: 'missing',
    profit: 0,
    commission: 0,
    swap: 0,
  };
}

/** A broker position of this run that the journal does not know: adopted as an open trade. */
export function adoptedTrade(p: Position): OpenTradeRecord {
  return {
    positionId: p.id,
    clientId: p.clientId,
    symbol: p.symbol,
    side: p.side,
    volume: p.volume,
    entryTime: p.openTime,
    entryPrice: p.openPrice,
    sl: p.sl,
    tp: p.tp,
    details: { adopted: true },
    commission: p.commission,
  };
}
