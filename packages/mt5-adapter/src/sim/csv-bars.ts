/**
 * Bars for the simulator's `bars` feed from MT5 CSV exports (`time,open,high,low,close,volume`, server
 * time), converted to UTC with the simulator's server-time rule — core's parser does the reading.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseMt5Csv, serverToUtcConverter, TIMEFRAME_MS, type ServerTimeConfig, type Timeframe } from '@tradekit/core';
import { mt5Error } from '../errors.js';
import type { BarsInput } from './feed.js';

export function barsFromCsv(text: string, file: string, tf: Timeframe, serverTime: ServerTimeConfig): BarsInput {
  const p = parseMt5Csv(text, file);
  const time = new Float64Array(p.length);
  const toUtc = serverToUtcConverter(serverTime);
  for (let i = 0; i < p.length; i++) time[i] = toUtc(p.time[i]!);
  const n = p.length;
  return {
    time,
    open: p.open.subarray(0, n),
    high: p.high.subarray(0, n),
    low: p.low.subarray(0, n),
    close: p.close.subarray(0, n),
    volume: p.volume.subarray(0, n),
    tfMs: TIMEFRAME_MS[tf],
  };
}

/** `{dir}/{symbol}_{tf}.csv` for the finest of `timeframes` that exists. */
export async function loadCsvBars(
  dir: string,
  symbol: string,
  timeframes: readonly Timeframe[],
  serverTime: ServerTimeConfig,
): Promise<{ bars: BarsInput; timeframe: Timeframe }> {
  const sorted = [...timeframes].sort((a, b) => TIMEFRAME_MS[a] - TIMEFRAME_MS[b]);
  for (const tf of sorted) {
    const file = path.join(dir, `${symbol}_${tf}.csv`);
    let text: string;
    try {
      text = await readFile(file, 'latin1');
    } catch {
      continue;
    }
    return { bars: barsFromCsv(text, file, tf, serverTime), timeframe: tf };
  }
  throw mt5Error('TK_ERR_MT5_SIM', `no bars for ${symbol} in ${dir} (looked for ${sorted.map((t) => `${symbol}_${t}.csv`).join(', ')})`);
}
