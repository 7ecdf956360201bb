/**
 * A client order id derived from what the order is (run, cycle time and number, symbol, side, agent),
 * so a retry of the same intent carries the same id and the broker can deduplicate it. 16 characters
 * (`tk` + 14 base-36 digits of a 64-bit hash): short enough to sit in an MT5 comment next to a prefix.
 * The hash is two 32-bit FNV-1a lanes — not cryptographic, and it need not be: it only has to be
 * stable and spread out, and a backtest makes thousands of ids.
 */
export function makeClientOrderId(parts: { run: string; cycleTime: number; cycle: number; symbol: string; side: string; agent?: string; n?: number }): string {
  const key = `${parts.run}|${parts.cycleTime}|${parts.cycle}|${parts.symbol}|${parts.side}|${parts.agent ?? ''}|${parts.n ?? 0}`;
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x9e3779b9;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  const hi = (a >>> 0).toString(36).padStart(7, '0');
  const lo = (b >>> 0).toString(36).padStart(7, '0');
  return `tk${hi.slice(-7)}${lo.slice(-7)}`;
}
