/**
 * Startup sanity check of the configured broker offset: a fresh quote's server time minus the wall
 * clock is the broker's UTC offset. A mismatch of an hour or more shifts every bar and deal, so it is
 * reported with the offset that was observed (only while the market is open: a stale weekend quote
 * says nothing).
 */
import type { Logger } from '@tradekit/core';
import type { Mt5Session } from '../adapter/session.js';
import type { Mt5Tick } from '../mt5/types.js';

export async function checkServerOffset(session: Mt5Session, symbols: readonly string[], nowUtc: number, log: Logger): Promise<number | undefined> {
  for (const s of symbols) {
    const b = await session.brokerSymbol(s);
    const r = await session.call<Mt5Tick>('symbol_info_tick', [b]);
    const t = r.value;
    if (!t) continue;
    const serverMs = t.time_msc || t.time * 1000;
    const observed = Math.round((serverMs - nowUtc) / 3_600_000);
    // Only a quote from the last few minutes tells the offset.
    if (Math.abs(serverMs - nowUtc - observed * 3_600_000) > 5 * 60_000) continue;
    const configured = Math.round((session.serverClock.toServerMs(nowUtc) - nowUtc) / 3_600_000);
    if (observed !== configured) {
      log.warn(
        { symbol: s, observedOffsetHours: observed, configuredOffsetHours: configured },
        `the broker's server time looks like UTC${observed >= 0 ? '+' : ''}${observed}, but serverTime is configured as UTC${configured >= 0 ? '+' : ''}${configured}: fix serverTime or every bar and deal time will be shifted`,
      );
    }
    return observed;
  }
  return undefined;
}
