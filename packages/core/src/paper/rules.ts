/** The paper broker's pure rules: stop validation, pending-order triggers, read-only position views. */
import type { ErrorCode } from '../errors.js';
import type { ActionResult } from '../interfaces.js';
import type { PendingOrder, Position, Side, SymbolInfo, Tick } from '../types.js';
import type { PaperPosition } from './account.js';
import { roundMoney } from './money.js';

export function reject(code: ErrorCode, reason: string, retryable: boolean): ActionResult {
  return { status: 'rejected', code, reason, retryable };
}

/** SL/TP must sit on the right side of the market and at least `stopsLevel` points away. */
export function checkStops(info: SymbolInfo, side: Side, q: Tick, sl?: number, tp?: number): string | undefined {
  const d = info.stopsLevel * info.point;
  if (side === 'buy') {
    if (sl && !(sl <= q.bid - d)) return `buy SL ${sl} must be below bid ${q.bid}${d ? ` by ${info.stopsLevel} points` : ''}`;
    if (tp && !(tp >= q.bid + d)) return `buy TP ${tp} must be above bid ${q.bid}${d ? ` by ${info.stopsLevel} points` : ''}`;
  } else {
    if (sl && !(sl >= q.ask + d)) return `sell SL ${sl} must be above ask ${q.ask}${d ? ` by ${info.stopsLevel} points` : ''}`;
    if (tp && !(tp <= q.ask - d)) return `sell TP ${tp} must be below ask ${q.ask}${d ? ` by ${info.stopsLevel} points` : ''}`;
  }
  return undefined;
}

/** Fill price of a pending order inside a bar of bid prices (open gap fills at the open), or undefined. */
export function triggerPrice(o: PendingOrder, open: number, high: number, low: number, sp: number): number | undefined {
  if (o.type === 'market') return o.side === 'buy' ? open + sp : open;
  if (o.type === 'limit') {
    if (o.side === 'buy') return open + sp <= o.price ? open + sp : low + sp <= o.price ? o.price : undefined;
    return open >= o.price ? open : high >= o.price ? o.price : undefined;
  }
  if (o.side === 'buy') return open + sp >= o.price ? open + sp : high + sp >= o.price ? o.price : undefined;
  return open <= o.price ? open : low <= o.price ? o.price : undefined;
}

/**
 * A read-only view of a position: fixed fields are copied, the marks (`currentPrice`, `profit`) are
 * enumerable getters over the live position, so JSON, spreading and reading all work and a price
 * move costs no new object. Once the position closes the view keeps its last marks.
 */
export function snapshotOf(p: PaperPosition): Position {
  const v = {
    id: p.id,
    clientId: p.clientId,
    symbol: p.symbol,
    side: p.side,
    volume: p.volume,
    openPrice: p.openPrice,
    openTime: p.openTime,
    sl: p.sl,
    tp: p.tp,
    currentPrice: 0,
    profit: 0,
    commission: p.commission,
    swap: p.swap,
    magic: p.magic,
    comment: p.comment,
  };
  Object.defineProperty(v, 'currentPrice', { get: () => p.currentPrice, enumerable: true });
  Object.defineProperty(v, 'profit', { get: () => roundMoney(p.profit), enumerable: true });
  return Object.freeze(v) as Position;
}
