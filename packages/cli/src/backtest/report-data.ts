/**
 * The data the HTML report embeds: columnar arrays (compact JSON), times in UTC seconds (what the
 * chart library takes). Long series are thinned so a report of a million bars still opens quickly:
 * candles are merged k at a time (OHLC of the group), the equity curve keeps each bucket's first,
 * lowest, highest and last point, so the worst drawdown is always drawn. The files (CSV/JSON) always
 * hold every point.
 */
import type { BacktestResult, BacktestSeries } from '@tradekit/core';
import { drawdownsOf } from './rows.js';

export const MAX_CANDLES = 20_000;
export const MAX_EQUITY_POINTS = 20_000;

export interface CandleData {
  t: number[];
  o: number[];
  h: number[];
  l: number[];
  c: number[];
  /** Source bars per candle (1 = not merged). */
  merged: number;
  /** Source bars. */
  bars: number;
}

export interface ReportData {
  meta: {
    name: string;
    configFile: string;
    symbols: string[];
    timeframe: string;
    from: string;
    to: string;
    currency: string;
    generatedBy: string;
    cycles: number;
    bars: number;
    engineMs: number;
    setupMs: number;
  };
  stats: BacktestResult['stats'];
  equity: { t: number[]; equity: number[]; balance: number[]; ddPct: number[]; thinned: boolean; points: number };
  /** [id, symbol, side, volume, entryTime s, entryPrice, exitTime s, exitPrice, exitReason, commission, profit] */
  trades: [string, string, string, number, number, number, number, number, string, number, number][];
  candles: Record<string, CandleData>;
}

export function reportData(result: BacktestResult, generatedBy: string): ReportData {
  const ec = result.equityColumns;
  const dd = drawdownsOf(ec.equity, result.stats.startBalance);
  const eq = thinEquity(
    Array.from(ec.time),
    Array.from(ec.equity),
    Array.from(ec.balance),
    Array.from(dd.pct, (v) => -v),
    MAX_EQUITY_POINTS,
  );
  const tc = result.tradeColumns;
  const trades: ReportData['trades'] = new Array<ReportData['trades'][number]>(tc.length);
  for (let i = 0; i < tc.length; i++) {
    trades[i] = [
      tc.id[i]!,
      tc.symbol[i]!,
      tc.side[i]!,
      tc.volume[i]!,
      tc.entryTime[i]! / 1000,
      tc.entryPrice[i]!,
      tc.exitTime[i]! / 1000,
      tc.exitPrice[i]!,
      tc.exitReason[i]!,
      tc.commission[i]!,
      tc.profit[i]!,
    ];
  }
  const candles: Record<string, CandleData> = {};
  for (const [sym, s] of Object.entries(result.bars ?? {})) candles[sym] = thinCandles(s, MAX_CANDLES);
  return {
    meta: {
      name: result.name,
      configFile: result.configFile,
      symbols: result.symbols,
      timeframe: result.timeframe,
      from: new Date(result.from).toISOString(),
      to: new Date(result.to).toISOString(),
      currency: result.currency,
      generatedBy,
      cycles: result.perf.cycles,
      bars: result.perf.bars,
      engineMs: result.perf.engineMs,
      setupMs: result.perf.setupMs,
    },
    stats: result.stats,
    equity: eq,
    trades,
    candles,
  };
}

export function thinCandles(s: BacktestSeries, max: number): CandleData {
  const n = s.time.length;
  const k = Math.max(1, Math.ceil(n / max));
  const out: CandleData = { t: [], o: [], h: [], l: [], c: [], merged: k, bars: n };
  for (let i = 0; i < n; i += k) {
    const j = Math.min(n, i + k);
    let h = -Infinity;
    let l = Infinity;
    for (let x = i; x < j; x++) {
      if (s.high[x]! > h) h = s.high[x]!;
      if (s.low[x]! < l) l = s.low[x]!;
    }
    out.t.push(s.time[i]! / 1000);
    out.o.push(s.open[i]!);
    out.h.push(h);
    out.l.push(l);
    out.c.push(s.close[j - 1]!);
  }
  return out;
}

export function thinEquity(time: number[], equity: number[], balance: number[], ddPct: number[], max: number): ReportData['equity'] {
  const n = time.length;
  const sec = (ms: number) => ms / 1000;
  if (n <= max) return { t: time.map(sec), equity, balance, ddPct, thinned: false, points: n };
  const per = Math.ceil(n / Math.floor(max / 5));
  const keep: number[] = [];
  for (let i = 0; i < n; i += per) {
    const j = Math.min(n, i + per);
    let lo = i;
    let hi = i;
    let worst = i;
    for (let x = i; x < j; x++) {
      if (equity[x]! < equity[lo]!) lo = x;
      if (equity[x]! > equity[hi]!) hi = x;
      if (ddPct[x]! < ddPct[worst]!) worst = x;
    }
    const idx = [...new Set([i, lo, hi, worst, j - 1])].sort((a, b) => a - b);
    keep.push(...idx);
  }
  return {
    t: keep.map((i) => sec(time[i]!)),
    equity: keep.map((i) => equity[i]!),
    balance: keep.map((i) => balance[i]!),
    ddPct: keep.map((i) => ddPct[i]!),
    thinned: true,
    points: n,
  };
}
