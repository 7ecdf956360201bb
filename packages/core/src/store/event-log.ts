import type { TradekitEvent } from '../events/types.js';

/**
 * Adds an event to an in-process log kept in sequence order, as the SQL stores keep theirs: an event
 * whose number is already there (persisted twice after a retry) is ignored.
 */
export function appendBySeq(log: TradekitEvent[], e: TradekitEvent): void {
  const last = log.length ? log[log.length - 1]!.seq : 0;
  if (e.seq > last || !log.length) {
    log.push(e);
    return;
  }
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (log[mid]!.seq < e.seq) lo = mid + 1;
    else hi = mid;
  }
  if (log[lo]?.seq !== e.seq) log.splice(lo, 0, e);
}
