/**
 * A client order id derived from what the order is (run, cycle time and number, symbol, side, agent),
 * so a retry of the same intent carries the same id and the broker can deduplicate it. 16 characters
 * (`tk` + 14 base-36 digits of a 64-bit hash): short enough to sit in an MT5 comment next to a prefix.
 * The hash is two 32-bit lanes (FNV-1a style) over the parts — not cryptographic, and it need not be:
 * it only has to be stable and spread out. String parts are hashed once and remembered (a backtest
 * makes tens of thousands of ids from a handful of symbols).
 */
const stringHashes = new Map<string, number>();

function hashString(s: string): number {
  let h = stringHashes.get(s);
  if (h === undefined) {
    h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    h >>>= 0;
    if (stringHashes.size < 10_000) stringHashes.set(s, h);
  }
  return h;
}

function mix(a: number, b: number, k: number): number {
  return Math.imul(a ^ b, k) ^ (Math.imul(a ^ b, k) >>> 15);
}

export function makeClientOrderId(parts: { run: string; cycleTime: number; cycle: number; symbol: string; side: string; agent?: string; n?: number }): string {
  // The words, in order: run, cycle time (low, high 32 bits), cycle, symbol, side, agent, n.
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  let w = hashString(parts.run);
  a = mix(a, w, 0x01000193);
  b = mix(b, w, 0x5bd1e995);
  w = (parts.cycleTime % 0x100000000) >>> 0;
  a = mix(a, w, 0x01000193);
  b = mix(b, w, 0x5bd1e995);
  w = Math.floor(parts.cycleTime / 0x100000000) >>> 0;
  a = mix(a, w, 0x01000193);
  b = mix(b, w, 0x5bd1e995);
  w = parts.cycle >>> 0;
  a = mix(a, w, 0x01000193);
  b = mix(b, w, 0x5bd1e995);
  w = hashString(parts.symbol);
  a = mix(a, w, 0x01000193);
  b = mix(b, w, 0x5bd1e995);
  w = hashString(parts.side);
  a = mix(a, w, 0x01000193);
  b = mix(b, w, 0x5bd1e995);
  w = hashString(parts.agent ?? '');
  a = mix(a, w, 0x01000193);
  b = mix(b, w, 0x5bd1e995);
  w = (parts.n ?? 0) >>> 0;
  a = mix(a, w, 0x01000193);
  b = mix(b, w, 0x5bd1e995);
  return `tk${base36x7(a >>> 0)}${base36x7(b >>> 0)}`;
}

/** The last 7 base-36 digits of `v`, zero-padded (as `v.toString(36).padStart(7, '0').slice(-7)`). */
function base36x7(v: number): string {
  const s = v.toString(36);
  return s.length === 7 ? s : s.length < 7 ? '0000000'.slice(s.length) + s : s.slice(-7);
}
