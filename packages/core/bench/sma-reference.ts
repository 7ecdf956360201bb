/**
 * The reference every backtest figure is set beside (issue 12): the SMA 10/30 crossover written by
 * hand over a Float64Array of closes — no engine, no broker, no allocation per bar — always in the
 * market, counting trades the way the example plugin (examples/sma-crossover) does in a backtest:
 *  - a bar is evaluated once the plugin has its `slow + 1` closes (the window ending at that bar);
 *  - `manage` first: a position against the trend (sign of fast − slow) is closed;
 *  - then `scan`: on a cross (fast − slow changed sign on this bar) with no position on that side,
 *    one entry — one trade (a backtest closes what is still open at the end, so entries = trades).
 * `smaReference` keeps running sums (add the close entering each window, subtract the one leaving:
 * O(1) per bar) — the fastest plain-JS form, "the JS ceiling" of issue 12 (≈ 55M bars/s there). Its
 * sums round differently from the plugin's, so on an exact tie of the averages it could decide
 * otherwise; `smaReferenceWindowSums` adds each window from scratch in the plugin's order (bit-equal
 * averages, so its trade count must equal the backtest's) at a third of the speed or less. On the
 * 1M-bar case both give the backtest's 36 711 trades; the benchmarks report the count they see.
 *
 * It is the yardstick, not a competitor: its bars/s is "what this machine does right now in plain
 * JS", measured in the same process and the same run as each figure, so a figure's ratio to it holds
 * when the machine is busy with something else.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Sample } from './stats.js';

export interface ReferenceResult {
  /** Bars stepped over (evaluated or not). */
  bars: number;
  /** Entries = trades of a backtest that closes everything at the end. */
  trades: number;
}

/**
 * The rules with the plugin's own arithmetic, over bars `from`…`to − 1` of `close` (bar i = the
 * newest closed bar of the cycle that sees it; `from` = the first cycle's bar, after the warm-up).
 * The plugin sums four windows per bar; the two "previous" ones are the previous bar's "now" sums in
 * the same order, so the loop keeps those instead of adding them again (same bits, half the adds).
 */
export function smaReferenceWindowSums(close: Float64Array, from = 0, to = close.length, fast = 10, slow = 30): ReferenceResult {
  let pos = 0;
  let trades = 0;
  const start = Math.max(from, slow);
  if (start >= to) return { bars: Math.max(0, to - from), trades: 0 };
  let fp = 0;
  let sp = 0;
  for (let j = start - slow; j < start; j++) sp += close[j]!;
  for (let j = start - fast; j < start; j++) fp += close[j]!;
  fp /= fast;
  sp /= slow;
  for (let i = start; i < to; i++) {
    let fSum = 0;
    let sSum = 0;
    for (let j = i - slow + 1; j <= i; j++) sSum += close[j]!;
    for (let j = i - fast + 1; j <= i; j++) fSum += close[j]!;
    const f = fSum / fast;
    const s = sSum / slow;
    const trend = f > s ? 1 : f < s ? -1 : 0;
    const cross = fp <= sp && f > s ? 1 : fp >= sp && f < s ? -1 : 0;
    if (pos !== 0 && trend === -pos) pos = 0;
    if (cross !== 0 && pos === 0) {
      pos = cross;
      trades++;
    }
    fp = f;
    sp = s;
  }
  return { bars: to - from, trades };
}

/**
 * The reference: the rules with running sums, over bars `from`…`to − 1` of `close` (bar i = the
 * newest closed bar of the cycle that sees it; `from` = the first cycle's bar, after the warm-up).
 */
export function smaReference(close: Float64Array, from = 0, to = close.length, fast = 10, slow = 30): ReferenceResult {
  let pos = 0;
  let trades = 0;
  const start = Math.max(from, slow);
  if (start >= to) return { bars: Math.max(0, to - from), trades: 0 };
  let fSum = 0;
  let sSum = 0;
  for (let j = start - fast; j < start; j++) fSum += close[j]!;
  for (let j = start - slow; j < start; j++) sSum += close[j]!;
  let fp = fSum / fast;
  let sp = sSum / slow;
  for (let i = start; i < to; i++) {
    const c = close[i]!;
    fSum += c - close[i - fast]!;
    sSum += c - close[i - slow]!;
    const f = fSum / fast;
    const s = sSum / slow;
    const trend = f > s ? 1 : f < s ? -1 : 0;
    const cross = fp <= sp && f > s ? 1 : fp >= sp && f < s ? -1 : 0;
    if (pos !== 0 && trend === -pos) pos = 0;
    if (cross !== 0 && pos === 0) {
      pos = cross;
      trades++;
    }
    fp = f;
    sp = s;
  }
  return { bars: to - from, trades };
}

/** One series to run the reference over: its closes and the bars the backtest cycles over. */
export interface ReferenceSeries {
  close: Float64Array;
  from?: number;
  to?: number;
}

/**
 * One timed reference sample over `series`, `passes` times (a small data set is passed over several
 * times so the sample lasts long enough to time; the rate is per bar either way).
 */
export function referenceSample(series: readonly ReferenceSeries[], passes = 1, loop: typeof smaReference = smaReference, fast = 10, slow = 30): Sample {
  let bars = 0;
  let trades = 0;
  const t0 = performance.now();
  for (let p = 0; p < passes; p++) {
    bars = 0;
    trades = 0;
    for (const s of series) {
      const r = loop(s.close, s.from ?? 0, s.to ?? s.close.length, fast, slow);
      bars += r.bars;
      trades += r.trades;
    }
  }
  const ms = performance.now() - t0;
  return { ms, units: bars * passes, extra: { bars, trades, passes } };
}

/** Passes that make a reference sample over `bars` bars last at least `minMs` at `barsPerSec`. */
export function passesFor(bars: number, barsPerSec: number, minMs: number): number {
  return Math.max(1, Math.ceil((minMs / 1000) * (barsPerSec / Math.max(1, bars))));
}

/**
 * The reference as a sampler of about `minMs` per sample: a pass over a small data set takes a few
 * milliseconds, and a sample that short is at the mercy of one scheduler hiccup on a shared machine.
 * The number of passes is fixed here (three calibration passes, which also warm the loop up), so
 * every sample does the same work.
 */
export function calibratedReference(series: readonly ReferenceSeries[], minMs = 500, loop: typeof smaReference = smaReference): () => Sample {
  let probe = referenceSample(series, 1, loop);
  for (let i = 0; i < 2; i++) probe = referenceSample(series, 1, loop);
  const passes = passesFor(probe.units, probe.units / (probe.ms / 1000), minMs);
  return () => referenceSample(series, passes, loop);
}

export interface CsvColumns {
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  length: number;
}

/**
 * A `time,open,high,low,close,volume` CSV (`YYYY-MM-DD HH:MM:SS`, UTC) read by hand, byte by byte,
 * with no tradekit code: the whole-process reference's load. Deliberately independent of core's
 * parser and column cache, so the reference does not move when they do. Prices are read as an
 * integer mantissa divided by a power of ten: both exact, so the quotient is the correctly rounded
 * value, bit-equal to what `Number()` gives (and the trade count can be compared).
 */
export function loadCsvColumns(file: string): CsvColumns {
  const b = readFileSync(file);
  let cap = 0;
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) cap++;
  const time = new Float64Array(cap);
  const cols = [new Float64Array(cap), new Float64Array(cap), new Float64Array(cap), new Float64Array(cap), new Float64Array(cap)];
  const len = b.length;
  let i = b.indexOf(10) + 1; // past the header
  let n = 0;
  const digits = (at: number, k: number): number => {
    let v = 0;
    for (let j = 0; j < k; j++) v = v * 10 + (b[at + j]! - 48);
    return v;
  };
  while (i < len) {
    if (b[i] === 10 || b[i] === 13) {
      i++;
      continue;
    }
    time[n] = Date.UTC(digits(i, 4), digits(i + 5, 2) - 1, digits(i + 8, 2), digits(i + 11, 2), digits(i + 14, 2), digits(i + 17, 2));
    i += 20; // the date, the time and the comma
    for (let c = 0; c < 5; c++) {
      let mant = 0;
      let dec = -1;
      let ch = b[i]!;
      while (i < len && ch !== 44 && ch !== 10 && ch !== 13) {
        if (ch === 46) dec = 0;
        else {
          mant = mant * 10 + (ch - 48);
          if (dec >= 0) dec++;
        }
        ch = b[++i]!;
      }
      cols[c]![n] = dec > 0 ? mant / POW10[dec]! : mant;
      i++; // the comma or the newline
    }
    n++;
  }
  const [open, high, low, close, volume] = cols.map((c) => c.subarray(0, n)) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  return { time: time.subarray(0, n), open, high, low, close, volume, length: n };
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
