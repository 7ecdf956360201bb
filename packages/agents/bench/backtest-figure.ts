/**
 * A strategy's backtest speed in the statistics form of issue 12: `runBacktest` of a config, bars over
 * the cycle loop's time (`perf.engineMs`), TK_BENCH_RUNS (≥ 5, default 5) runs after one warm-up,
 * each followed by the hand-written SMA reference (core/bench/sma-reference.ts) over the closes of the
 * same symbols' primary-timeframe bars, repeated to last ≥ 0.5 s; median and min–max of each and of
 * the per-pair ratio.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { CsvDataSource, SimClock, runBacktest, silentLogger, type ServerTimeConfig, type Timeframe } from '@tradekit/core';
import { ROOT, reference, stats, type Sample } from './core-bench.js';

/** Plugins (`@tradekit/agents/…`) resolve from this package, wherever the config lives. */
const SEARCH_PATHS = [pathToFileURL(path.join(ROOT, 'packages', 'agents', 'package.json')).href];

export interface ReferenceData {
  dir: string;
  symbols: string[];
  timeframe: Timeframe;
  serverTime: ServerTimeConfig;
  /** The config's warm-up bars (the reference starts there, like the first cycle). */
  warmupBars: number;
}

export async function backtestFigure(configFile: string, data: ReferenceData): Promise<Record<string, unknown>> {
  const src = new CsvDataSource(new SimClock(0), {
    dir: data.dir,
    symbols: data.symbols,
    timeframes: [data.timeframe],
    serverTime: data.serverTime,
    columnCache: false,
  });
  await src.load();
  const series = data.symbols.map((s) => {
    const st = src.store(s, data.timeframe);
    return { close: st.close.subarray(0, st.length), from: data.warmupBars };
  });
  const ref = reference.calibratedReference(series, 500);
  const backtest = async (): Promise<Sample> => {
    const t0 = performance.now();
    const r = await runBacktest({ configFile, searchPaths: SEARCH_PATHS }, { logger: silentLogger() });
    return {
      ms: r.perf.engineMs,
      units: r.perf.bars,
      extra: { trades: r.trades.length, setupMs: r.perf.setupMs, wallMs: performance.now() - t0, bars: r.perf.bars, cycles: r.perf.cycles },
    };
  };
  const p = await stats.paired(backtest, ref);
  return {
    ...stats.throughputFigure(p),
    bars: p.last.bars,
    cycles: p.last.cycles,
    trades: p.last.trades,
    setupMs: stats.summarizeExtra(p.samples, 'setupMs'),
    wallMs: stats.summarizeExtra(p.samples, 'wallMs'),
    referenceBarsPerPass: p.referenceLast.bars,
  };
}
