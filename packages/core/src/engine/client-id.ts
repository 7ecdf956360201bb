import { createHash } from 'node:crypto';

/**
 * A client order id derived from what the order is (run, cycle time and number, symbol, side, agent),
 * so a retry of the same intent carries the same id and the broker can deduplicate it. 16 characters:
 * short enough to sit in an MT5 comment next to a prefix.
 */
export function makeClientOrderId(parts: { run: string; cycleTime: number; cycle: number; symbol: string; side: string; agent?: string; n?: number }): string {
  const h = createHash('sha1').update(`${parts.run}|${parts.cycleTime}|${parts.cycle}|${parts.symbol}|${parts.side}|${parts.agent ?? ''}|${parts.n ?? 0}`).digest();
  return 'tk' + h.readBigUInt64BE(0).toString(36).padStart(14, '0');
}
