/** EURUSD M5 from examples/data, parsed once with core's CSV parser and converted to UTC like the CSV source does. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseMt5Csv, serverToUtc, type ParsedBars } from '@tradekit/core';

export function loadBars(root: string, symbol = 'EURUSD', tf = 'M5'): ParsedBars {
  const file = path.join(root, 'examples', 'data', `${symbol}_${tf}.csv`);
  const bars = parseMt5Csv(readFileSync(file, 'utf8'), file);
  for (let i = 0; i < bars.length; i++) bars.time[i] = serverToUtc({ utcOffsetHours: 2, dst: 'us' }, bars.time[i]!);
  return bars;
}

export interface SimpleTrade {
  side: 'buy' | 'sell';
  entryTime: number;
  entryPrice: number;
  exitTime: number;
  exitPrice: number;
  /** Price difference in the trade's favour, per unit. */
  points: number;
}
