/**
 * Net lots per currency: a buy is long its base currency and short its profit currency (a sell the
 * reverse); an index quoted in its own currency nets to zero. A trade may not stack onto an existing
 * exposure beyond the cap (the original hard-coded 0.03 lots and priced the new trade at LOT_SIZE).
 */
import { roundTo, type Side } from '@tradekit/core';

export interface ExposureLeg {
  side: Side;
  volume: number;
  baseCurrency: string;
  profitCurrency: string;
}

export function currencyExposure(legs: readonly ExposureLeg[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of legs) {
    const s = l.side === 'buy' ? 1 : -1;
    out.set(l.baseCurrency, (out.get(l.baseCurrency) ?? 0) + s * l.volume);
    out.set(l.profitCurrency, (out.get(l.profitCurrency) ?? 0) - s * l.volume);
  }
  return out;
}

/** The first currency the new leg would push past the cap while growing an existing exposure. */
export function exposureBreach(
  existing: readonly ExposureLeg[],
  next: ExposureLeg,
  cap: number,
): { currency: string; before: number; after: number } | undefined {
  const before = currencyExposure(existing);
  const after = currencyExposure([...existing, next]);
  for (const c of [next.baseCurrency, next.profitCurrency]) {
    const b = round(before.get(c) ?? 0);
    const a = round(after.get(c) ?? 0);
    if (b !== 0 && Math.abs(a) > cap + 1e-9 && Math.abs(a) > Math.abs(b)) return { currency: c, before: b, after: a };
  }
  return undefined;
}

const round = (v: number) => roundTo(v, 8);
