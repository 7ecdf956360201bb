/** Price rounding shared by the engine, the paper broker, data sources and adapters. */

const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);

/** Rounds a price to `digits` decimals (0 … 15). */
export function roundTo(v: number, digits: number): number {
  const f = POW10[digits] ?? 10 ** digits;
  return Math.round(v * f) / f;
}
