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
  return clientOrderId(parts.run, parts.cycleTime, parts.cycle, parts.symbol, parts.side, parts.agent, parts.n);
}

/** `makeClientOrderId` with the parts as arguments (the engine's order path: no object per id). */
export function clientOrderId(run: string, cycleTime: number, cycle: number, symbol: string, side: string, agent?: string, n?: number): string {
  // The words, in order: run, cycle time (low, high 32 bits), cycle, symbol, side, agent, n.
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  let w = hashString(run);
  a = mix(a, w, 0x01000193);
  b = mix(b, w, 0x5bd1e995);
  w = (cycleTime % 0x100000000) >>> 0;
  a = mix(a, w, 0x01000193);
  b = mix(b, w, 0x5bd1e995);
  w = Math.floor(cycleTime / 0x100000000) >>> 0;
  a = mix(a, w, 0x01000193);
  b = mix(b, w, 0x5bd1e995);
  w = cycle >>> 0;
  a = mix(a, w, 0x01000193);
  b = mix(b, w, 0x5bd1e995);
  w = hashString(symbol);
  a = mix(a, w, 0x01000193);
  b = mix(b, w, 0x5bd1e995);
  w = hashString(side);
  a = mix(a, w, 0x01000193);
  b = mix(b, w, 0x5bd1e995);
  w = hashString(agent ?? '');
  a = mix(a, w, 0x01000193);
  b = mix(b, w, 0x5bd1e995);
  w = (n ?? 0) >>> 0;
  a = mix(a, w, 0x01000193);
  b = mix(b, w, 0x5bd1e995);
  return idOf(a >>> 0, b >>> 0);
}

/** Base-36 digit character codes, `0`–`9` then `a`–`z` (as `Number#toString(36)` writes them). */
const DIGIT = Array.from({ length: 36 }, (_, i) => i.toString(36).charCodeAt(0));

/**
 * `tk` + 7 zero-padded base-36 digits of each of two unsigned 32-bit words: what
 * `'tk' + x.toString(36).padStart(7, '0')` gives for both (2³² − 1 has 7 digits, so nothing is cut),
 * written as one flat string without the number-to-string conversions and concatenations.
 */
function idOf(a: number, b: number): string {
  // The first division in floating point (a word may exceed int32), the rest in int32 (below 2³²/36).
  let q = Math.floor(a / 36);
  const a6 = DIGIT[a - q * 36]!;
  let r = (q / 36) | 0;
  const a5 = DIGIT[q - r * 36]!;
  q = r;
  r = (q / 36) | 0;
  const a4 = DIGIT[q - r * 36]!;
  q = r;
  r = (q / 36) | 0;
  const a3 = DIGIT[q - r * 36]!;
  q = r;
  r = (q / 36) | 0;
  const a2 = DIGIT[q - r * 36]!;
  q = r;
  r = (q / 36) | 0;
  const a1 = DIGIT[q - r * 36]!;
  const a0 = DIGIT[r]!;
  q = Math.floor(b / 36);
  const b6 = DIGIT[b - q * 36]!;
  r = (q / 36) | 0;
  const b5 = DIGIT[q - r * 36]!;
  q = r;
  r = (q / 36) | 0;
  const b4 = DIGIT[q - r * 36]!;
  q = r;
  r = (q / 36) | 0;
  const b3 = DIGIT[q - r * 36]!;
  q = r;
  r = (q / 36) | 0;
  const b2 = DIGIT[q - r * 36]!;
  q = r;
  r = (q / 36) | 0;
  const b1 = DIGIT[q - r * 36]!;
  const b0 = DIGIT[r]!;
  return String.fromCharCode(0x74, 0x6b, a0, a1, a2, a3, a4, a5, a6, b0, b1, b2, b3, b4, b5, b6);
}
