/** Trend of one timeframe: the last close against its SMA50 with a ±band (the original: 0.1 %). */
export type Trend = 'up' | 'down' | 'flat' | 'unknown';

export function trendOf(close: number, sma50: number, band: number): Trend {
  if (!(close > 0) || !(sma50 > 0)) return 'unknown';
  if (close > sma50 * (1 + band)) return 'up';
  if (close < sma50 * (1 - band)) return 'down';
  return 'flat';
}

/** True when `trend` points against `side`. */
export function opposes(trend: Trend, side: 'buy' | 'sell'): boolean {
  return (side === 'buy' && trend === 'down') || (side === 'sell' && trend === 'up');
}

export function agrees(trend: Trend, side: 'buy' | 'sell'): boolean {
  return (side === 'buy' && trend === 'up') || (side === 'sell' && trend === 'down');
}
