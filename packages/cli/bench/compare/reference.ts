/**
 * The strategy as a plain loop over Float64Arrays: the oracle for "what the SMA-crossover rules say"
 * with the same fill model as tradekit (decide at bar i's close, fill at bar i+1's open; on a cross
 * the opposite position is closed and the new one opened at that same open). The SMAs are summed the
 * same way as the example plugin's `crossSignal`, so equal floating-point inputs give equal decisions.
 */
import type { ParsedBars } from '@tradekit/core';
import type { SimpleTrade } from './bars.js';

export function referenceTrades(b: ParsedBars, fast: number, slow: number): { trades: SimpleTrade[]; open?: SimpleTrade } {
  const trades: SimpleTrade[] = [];
  const c = b.close;
  const sma = (end: number, len: number) => {
    let s = 0;
    for (let i = end - len; i < end; i++) s += c[i]!;
    return s / len;
  };
  let pos: { side: 'buy' | 'sell'; time: number; price: number } | undefined;
  for (let i = slow; i + 1 < b.length; i++) {
    // bars 0..i are closed; the same window the plugin sees (its last slow+1 bars)
    const n = i + 1;
    const fNow = sma(n, fast);
    const sNow = sma(n, slow);
    const fPrev = sma(n - 1, fast);
    const sPrev = sma(n - 1, slow);
    const trend = fNow > sNow ? 1 : fNow < sNow ? -1 : 0;
    const cross = fPrev <= sPrev && fNow > sNow ? 1 : fPrev >= sPrev && fNow < sNow ? -1 : 0;
    const t = b.time[i + 1]!;
    const px = b.open[i + 1]!;
    if (pos && ((trend > 0 && pos.side === 'sell') || (trend < 0 && pos.side === 'buy'))) {
      trades.push({
        side: pos.side,
        entryTime: pos.time,
        entryPrice: pos.price,
        exitTime: t,
        exitPrice: px,
        points: pos.side === 'buy' ? px - pos.price : pos.price - px,
      });
      pos = undefined;
    }
    if (cross !== 0 && !pos) pos = { side: cross > 0 ? 'buy' : 'sell', time: t, price: px };
  }
  return { trades, open: pos && { side: pos.side, entryTime: pos.time, entryPrice: pos.price, exitTime: NaN, exitPrice: NaN, points: NaN } };
}
