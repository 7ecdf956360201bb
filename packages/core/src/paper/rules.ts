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
 * A read-only view of a position: fixed fields are copied (own, enumerable, frozen), the marks
 * (`currentPrice`, `profit`) are getters over the live position, so a price move costs no new object
 * and the view stays a fast, fixed-shape object (a backtest reads it every bar). `JSON.stringify`
 * includes the marks (`toJSON`); a spread (`{ ...view }`) copies the fixed fields only — read the
 * marks by name. Once the position closes the view keeps its last marks.
 */
export class PositionView implements Position {
  readonly id: string;
  readonly clientId?: string;
  readonly symbol: string;
  readonly side: Side;
  readonly volume: number;
  readonly openPrice: number;
  readonly openTime: number;
  readonly sl?: number;
  readonly tp?: number;
  readonly commission: number;
  readonly swap: number;
  readonly magic?: number;
  readonly comment?: string;
  readonly #p: PaperPosition;

  constructor(p: PaperPosition) {
    this.id = p.id;
    this.clientId = p.clientId;
    this.symbol = p.symbol;
    this.side = p.side;
    this.volume = p.volume;
    this.openPrice = p.openPrice;
    this.openTime = p.openTime;
    this.sl = p.sl;
    this.tp = p.tp;
    this.commission = p.commission;
    this.swap = p.swap;
    this.magic = p.magic;
    this.comment = p.comment;
    this.#p = p;
    Object.freeze(this);
  }

  get currentPrice(): number {
    return this.#p.currentPrice;
  }

  get profit(): number {
    return roundMoney(this.#p.profit);
  }

  toJSON(): Position {
    return {
      id: this.id,
      clientId: this.clientId,
      symbol: this.symbol,
      side: this.side,
      volume: this.volume,
      openPrice: this.openPrice,
      openTime: this.openTime,
      sl: this.sl,
      tp: this.tp,
      currentPrice: this.currentPrice,
      profit: this.profit,
      commission: this.commission,
      swap: this.swap,
      magic: this.magic,
      comment: this.comment,
    };
  }
}

export function snapshotOf(p: PaperPosition): Position {
  return new PositionView(p);
}
