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

/** Folds one exit into a trade: volume-weighted exit price, totals, closed when nothing remains. */
export function applyExit(t: TradeRecord, exit: ClosedTrade): TradeRecord {
  const closedBefore = t.volume - t.openVolume;
  const closedAfter = closedBefore + exit.volume;
  // The first (usually only) exit is the fill price itself: p·v/v is not always p in binary floating point.
  const exitPrice = closedBefore > 1e-9 && closedAfter > 0 ? ((t.exitPrice ?? 0) * closedBefore + exit.closePrice * exit.volume) / closedAfter : exit.closePrice;
  const openVolume = Math.max(0, Math.round((t.openVolume - exit.volume) * 1e8) / 1e8);
  const done = !exit.partial || openVolume <= 1e-9;
  return Object.assign({}, t, {
    openVolume: done ? 0 : openVolume,
    exitPrice,
    exitTime: exit.closeTime,
    exitReason: exit.reason,
    profit: roundMoney(t.profit + exit.profit),
    commission: roundMoney(t.commission + exit.commission),
    swap: roundMoney(t.swap + exit.swap),
    status: done ? 'closed' : 'open',
  });
}
