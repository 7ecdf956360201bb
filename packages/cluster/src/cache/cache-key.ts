/**
 * Where a bar window lives in Redis: the source's identity (the configured `source`, which names the
 * feed — e.g. the broker server — and the DataSource's own name), symbol, timeframe and the query
 * exactly (a count `n300`, or a range `r<from>-<to>` of open times). Components are URI-encoded so a
 * `:` inside one cannot make two keys meet.
 */
import type { BarQuery, Timeframe } from '@tradekit/core';

export function windowKey(prefix: string, source: string, sourceName: string, symbol: string, timeframe: Timeframe, query: BarQuery): string {
  const q = typeof query === 'number' ? `n${query}` : `r${query.from}-${query.to}`;
  return [prefix, 'v1', source, sourceName, symbol, timeframe, q].map((p, i) => (i === 0 ? p : encodeURIComponent(p))).join(':');
}

export function lockKeyOf(key: string): string {
  return `${key}:lock`;
}
