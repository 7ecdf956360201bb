/** Bar history for training, read from MT5 CSV exports through core's CSV source (same UTC conversion as runs). */
import { CsvDataSource, SimClock, type BarSeries, type DstRule, type Timeframe } from '@tradekit/core';
import { agentsError } from '../errors.js';

export interface HistoryOptions {
  dir: string;
  symbols: string[];
  timeframe: Timeframe;
  serverTime?: { utcOffsetHours: number; dst: DstRule };
  /** Only bars with open time in [from, to] (epoch ms). */
  from?: number;
  to?: number;
}

export async function loadCsvHistory(o: HistoryOptions): Promise<BarSeries[]> {
  if (!o.symbols.length) throw agentsError('TK_ERR_AGENTS_CONFIG', 'no symbols to train on');
  // A clock far in the future: training reads the whole file (labels look ahead on purpose; the
  // walk-forward split keeps them out of earlier windows).
  const clock = new SimClock(8.64e15);
  const src = new CsvDataSource(clock, {
    dir: o.dir,
    symbols: o.symbols,
    timeframes: [o.timeframe],
    serverTime: o.serverTime ?? { utcOffsetHours: 2, dst: 'us' },
  });
  await src.load();
  return o.symbols.map((s) => {
    const all = src.bars(s, o.timeframe, o.from !== undefined || o.to !== undefined ? { from: o.from ?? 0, to: o.to ?? 8.64e15 } : Number.MAX_SAFE_INTEGER);
    return all;
  });
}
