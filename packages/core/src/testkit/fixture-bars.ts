/**
 * Fixture bars for the test kit's checks: a directory of CSV files read into columns (with each bar's
 * UTC open time), and written back whole, cut off after a time T, with the bars after T replaced, or
 * with the history before a time trimmed. Prices written back are not rounded to the symbol's digits:
 * a mutated bar carries as many decimals as a double prints.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readMt5Csv, type ParsedBars } from '../data/csv-parse.js';
import { serverToUtcConverter, type ServerTimeConfig } from '../data/server-time.js';
import { TIMEFRAME_MS, isTimeframe } from '../data/timeframes.js';
import type { Timeframe } from '../types.js';
import { testkitInput } from './assertion.js';
import { DEFAULT_FILE_PATTERN, fileNameRegex } from '../data/file-pattern.js';

export interface BarFile {
  /** File name in the directory. */
  name: string;
  symbol: string;
  timeframe: Timeframe;
  /** As parsed (times are server time as written). */
  bars: ParsedBars;
  /** Each bar's open time in UTC (ms). */
  utc: Float64Array;
}

export interface FixtureBars {
  dir: string;
  files: BarFile[];
}

export interface ReadFixtureOptions {
  serverTime: ServerTimeConfig;
  /** File name pattern (default `{symbol}_{timeframe}.csv`). */
  pattern?: string;
  symbols?: readonly string[];
  timeframes?: readonly Timeframe[];
}

/** Reads every matching CSV file of `dir` (as the CSV source would). */
export async function readFixtureBars(dir: string, o: ReadFixtureOptions): Promise<FixtureBars> {
  const pattern = o.pattern ?? DEFAULT_FILE_PATTERN;
  const re = fileNameRegex(pattern);
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (e) {
    throw testkitInput(`cannot read the fixture bars in ${dir}: ${(e as Error).message}`);
  }
  const toUtc = serverToUtcConverter(o.serverTime);
  const files: BarFile[] = [];
  for (const name of names) {
    const m = re.exec(name);
    if (!m?.groups) continue;
    const { symbol, tf } = m.groups as { symbol: string; tf: string };
    if (!isTimeframe(tf) || (o.symbols && !o.symbols.includes(symbol)) || (o.timeframes && !o.timeframes.includes(tf))) continue;
    const bars = await readMt5Csv(path.join(dir, name));
    const utc = new Float64Array(bars.length);
    for (let i = 0; i < bars.length; i++) utc[i] = toUtc(bars.time[i]!);
    files.push({ name, symbol, timeframe: tf, bars, utc });
  }
  if (!files.length) throw testkitInput(`no CSV file matching ${pattern} in ${dir}`);
  return { dir, files };
}

/** What to do to the bars that are not closed at T (close time > T). */
export type MutationKind = 'noise' | 'reverse' | 'drift';

export const MUTATIONS: readonly MutationKind[] = ['noise', 'reverse', 'drift'];

/** A seeded generator (mulberry32): the same seed, the same mutations. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0 || 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One variant of a file's bars: columns (copies) and their count. */
type Columns = Pick<ParsedBars, 'time' | 'open' | 'high' | 'low' | 'close' | 'volume' | 'spread' | 'length'>;

/**
 * The bars known at T: every bar closed by T, and the bar in progress at T reduced to its open (what a
 * quote at T shows: open = high = low = close, volume 0). Nothing after.
 */
export function cutAfter(f: BarFile, t: number): Columns {
  const tfMs = TIMEFRAME_MS[f.timeframe];
  let n = 0;
  while (n < f.bars.length && f.utc[n]! <= t) n++;
  const out = copy(f.bars, 0, n);
  if (n > 0 && f.utc[n - 1]! + tfMs > t) {
    const o = out.open[n - 1]!;
    out.high[n - 1] = o;
    out.low[n - 1] = o;
    out.close[n - 1] = o;
    out.volume[n - 1] = 0;
  }
  return out;
}

/**
 * The same bars up to T, different ones after: every bar that closes after T is replaced (a bar in
 * progress at T keeps its open, known at T); prices are not rounded. Spread and volume of bars that
 * open after T change too.
 */
export function mutateAfter(f: BarFile, t: number, kind: MutationKind, random: () => number): Columns {
  const tfMs = TIMEFRAME_MS[f.timeframe];
  const out = copy(f.bars, 0, f.bars.length);
  let first = 0;
  while (first < out.length && f.utc[first]! + tfMs <= t) first++;
  if (first === out.length) return out;
  // The pivot: the last price known at T in this file.
  const pivot = first > 0 ? out.close[first - 1]! : out.open[0]!;
  for (let i = first; i < out.length; i++) {
    const keepOpen = f.utc[i]! <= t;
    const k = i - first + 1;
    const map = (p: number): number => {
      switch (kind) {
        case 'noise':
          return p * (1 + (random() - 0.5) * 0.006);
        case 'reverse':
          // Mirrored around the pivot (multiplicatively: stays positive): up becomes down.
          return ((pivot * pivot) / p) * (1 + (random() - 0.5) * 1e-6);
        case 'drift':
          return p * (1 + 0.0004 * k + (random() - 0.5) * 1e-6);
      }
    };
    const o = keepOpen ? out.open[i]! : map(out.open[i]!);
    const c = map(out.close[i]!);
    let h = map(out.high[i]!);
    let l = map(out.low[i]!);
    if (h < l) [h, l] = [l, h];
    out.open[i] = o;
    out.close[i] = c;
    out.high[i] = Math.max(h, o, c);
    out.low[i] = Math.min(l, o, c);
    if (!keepOpen) {
      out.volume[i] = Math.round(out.volume[i]! * (0.5 + random()));
      if (out.spread) out.spread[i] = out.spread[i]! + Math.floor(random() * 3);
    }
  }
  return out;
}

/** The last `keep` bars closed by `t` and every bar after (fewer closed by `t`: all). */
export function trimBefore(f: BarFile, t: number, keep: number): Columns {
  const tfMs = TIMEFRAME_MS[f.timeframe];
  let n = 0;
  while (n < f.bars.length && f.utc[n]! + tfMs <= t) n++;
  return copy(f.bars, Math.max(0, n - keep), f.bars.length);
}

function copy(b: ParsedBars, from: number, to: number): Columns {
  const c = (a: Float64Array): Float64Array => a.slice(from, to);
  return {
    time: c(b.time),
    open: c(b.open),
    high: c(b.high),
    low: c(b.low),
    close: c(b.close),
    volume: c(b.volume),
    spread: b.spread && c(b.spread),
    length: to - from,
  };
}

/** Writes one variant of every file into `dir` (`time,open,high,low,close,volume[,spread]`, server time). */
export async function writeFixtureBars(set: FixtureBars, dir: string, variant: (f: BarFile) => Columns = (f) => f.bars): Promise<void> {
  await mkdir(dir, { recursive: true });
  await Promise.all(set.files.map((f) => writeFile(path.join(dir, f.name), toCsv(variant(f)))));
}

function toCsv(b: Columns): string {
  const lines: string[] = [b.spread ? 'time,open,high,low,close,volume,spread' : 'time,open,high,low,close,volume'];
  for (let i = 0; i < b.length; i++) {
    const time = new Date(b.time[i]!).toISOString().slice(0, 19).replace('T', ' ');
    let line = `${time},${b.open[i]},${b.high[i]},${b.low[i]},${b.close[i]},${b.volume[i]}`;
    if (b.spread) line += `,${b.spread[i]}`;
    lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}
