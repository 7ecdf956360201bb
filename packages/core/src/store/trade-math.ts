import type { TradeRecord } from '../interfaces.js';
import type { ClosedTrade } from '../types.js';
import { roundMoney } from '../paper/money.js';

/** A trade row for a position we have no entry record of (adopted at startup or opened elsewhere). */
export function tradeFromExit(exit: ClosedTrade): TradeRecord {
  return {
    positionId: exit.positionId,
    clientId: exit.clientId,
    symbol: exit.symbol,
    side: exit.side,
    volume: exit.volume,
    openVolume: exit.volume,
    entryTime: exit.openTime,
    entryPrice: exit.openPrice,
    profit: 0,
    commission: 0,
    swap: 0,
    status: 'open',
  };
}

/** A trade's running totals: what one exit changes. */
export interface ExitTotals {
  openVolume: number;
  exitPrice: number;
  profit: number;
  commission: number;
  swap: number;
  closed: boolean;
}

/**
 * The totals of a trade after one more exit, written into `out` (the compact journal folds exits
 * into its columns without an object per exit): volume-weighted exit price, money totals, closed
 * when nothing remains.
 */
export function exitTotals(
  t: Readonly<Pick<TradeRecord, 'volume' | 'openVolume' | 'exitPrice' | 'profit' | 'commission' | 'swap'>>,
  exit: ClosedTrade,
  out: ExitTotals,
): ExitTotals {
  const closedBefore = t.volume - t.openVolume;
  const closedAfter = closedBefore + exit.volume;
  // The first (usually only) exit is the fill price itself: p·v/v is not always p in binary floating point.
  const exitPrice =
    closedBefore > 1e-9 && closedAfter > 0 ? ((t.exitPrice ?? 0) * closedBefore + exit.closePrice * exit.volume) / closedAfter : exit.closePrice;
  const openVolume = Math.max(0, Math.round((t.openVolume - exit.volume) * 1e8) / 1e8);
  const done = !exit.partial || openVolume <= 1e-9;
  out.openVolume = done ? 0 : openVolume;
  out.exitPrice = exitPrice;
  out.profit = roundMoney(t.profit + exit.profit);
  out.commission = roundMoney(t.commission + exit.commission);
  out.swap = roundMoney(t.swap + exit.swap);
  out.closed = done;
  return out;
}

/** Folds one exit into a trade: volume-weighted exit price, totals, closed when nothing remains. */
export function applyExit(t: TradeRecord, exit: ClosedTrade): TradeRecord {
  const x = exitTotals(t, exit, { openVolume: 0, exitPrice: 0, profit: 0, commission: 0, swap: 0, closed: false });
  return Object.assign({}, t, {
    openVolume: x.openVolume,
    exitPrice: x.exitPrice,
    exitTime: exit.closeTime,
    exitReason: exit.reason,
    profit: x.profit,
    commission: x.commission,
    swap: x.swap,
    status: x.closed ? ('closed' as const) : ('open' as const),
  });
}
