/**
 * A ready-to-serve simulator: symbols fed from MT5 CSV bars when a file exists (the finest timeframe
 * found), otherwise from a seeded random walk, with the terminal's clock starting after
 * `historyBars` bars of the data (that history is visible to the client, nothing after it).
 */
import { existsSync, readdirSync } from 'node:fs';
import { TIMEFRAMES, type ServerTimeConfig, type Timeframe } from '@tradekit/core';
import { mt5Error } from '../errors.js';
import { loadCsvBars } from './csv-bars.js';
import type { BarsInput } from './feed.js';
import type { FillingProfile } from './catalog.js';
import { DEFAULT_SERVER_TIME } from './schedule.js';
import { Simulator, type SimAccountOptions, type SimExecutionOptions, type SimSymbolOptions } from './simulator.js';

export interface BuildSimulatorOptions {
  /** Directory of `{symbol}_{timeframe}.csv` files (optional: random walks without it). */
  dataDir?: string;
  symbols: string[];
  /** Bars of the first data symbol's finest timeframe before the clock starts (default 300). */
  historyBars?: number;
  /** Start time (UTC ms) instead of `historyBars`; required without data. */
  start?: number;
  seed?: number | string;
  serverTime?: ServerTimeConfig;
  suffix?: string;
  filling?: FillingProfile;
  hidden?: string[];
  account?: Partial<SimAccountOptions>;
  execution?: Partial<SimExecutionOptions>;
  historyLagMs?: number;
  rateLimitPerSecond?: number;
  /** Random walks: mean ms between ticks. */
  meanTickMs?: number;
  /** Shift every bar by this many ms. */
  shiftMs?: number;
  /** Shift the bars by whole weeks so the clock starts in the week before this UTC time (wall-clock replays of old data). */
  alignStartTo?: number;
  /** Every symbol trades through weekends (random walks under the wall clock on any day). */
  alwaysOpen?: boolean;
  /** Random walks: history generated before the start (default 2 days). */
  historyMs?: number;
}

const WEEK = 7 * 86_400_000;

export async function buildSimulator(o: BuildSimulatorOptions): Promise<Simulator> {
  const serverTime = o.serverTime ?? DEFAULT_SERVER_TIME;
  const symbols: SimSymbolOptions[] = [];
  let start = o.start;
  const files = o.dataDir && existsSync(o.dataDir) ? new Set(readdirSync(o.dataDir)) : new Set<string>();
  if (o.dataDir && files.size === 0) throw mt5Error('TK_ERR_MT5_SIM', `no data in ${o.dataDir}`);
  const loaded: { name: string; bars?: BarsInput }[] = [];
  for (const name of o.symbols) {
    const tfs = TIMEFRAMES.filter((tf: Timeframe) => files.has(`${name}_${tf}.csv`));
    loaded.push({ name, bars: tfs.length ? (await loadCsvBars(o.dataDir!, name, tfs, serverTime)).bars : undefined });
  }
  const first = loaded.find((l) => l.bars)?.bars;
  let shift = o.shiftMs ?? 0;
  if (first && start === undefined) {
    const dataStart = first.time[Math.min(o.historyBars ?? 300, first.time.length - 1)]!;
    // Whole weeks keep weekdays, sessions and weekends where they were.
    if (o.alignStartTo !== undefined) shift = Math.floor((o.alignStartTo - dataStart) / WEEK) * WEEK;
    start = dataStart + shift;
  }
  for (const l of loaded) {
    if (l.bars) {
      if (shift) l.bars.time = Float64Array.from(l.bars.time as ArrayLike<number>, (x) => x + shift);
      symbols.push({ name: l.name, feed: { kind: 'bars', bars: l.bars }, ...(o.alwaysOpen ? { weekends: true } : {}) });
    } else symbols.push({ name: l.name, feed: { kind: 'walk', meanTickMs: o.meanTickMs ?? 10_000 }, ...(o.alwaysOpen ? { weekends: true } : {}) });
  }
  if (start === undefined) throw mt5Error('TK_ERR_MT5_SIM', 'no CSV data for any symbol: give a start time for the random walks');
  return new Simulator({
    seed: o.seed ?? 1,
    start,
    serverTime,
    symbols,
    suffix: o.suffix,
    filling: o.filling,
    hidden: o.hidden,
    account: o.account,
    execution: o.execution,
    historyLagMs: o.historyLagMs,
    rateLimitPerSecond: o.rateLimitPerSecond,
    historyMs: o.historyMs,
  });
}
