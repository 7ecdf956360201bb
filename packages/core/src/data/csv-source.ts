/**
 * DataSource over MT5 CSV exports, one file per symbol and timeframe (`{symbol}_{timeframe}.csv`).
 * Bars are held columnar (Float64Array); queries return zero-copy views. Server time is converted to
 * UTC at load. Look-ahead is impossible by construction: `bars()` only returns bars whose close time
 * is ≤ `clock.now()`, and `tick()` quotes the open of the bar in progress (known since it opened).
 * The ask is the bid plus the bar's recorded spread when the file has a `spread` column (as MT5's
 * strategy tester does in OHLC modes), else plus the symbol's fixed spread.
 *
 * A symbol's digits (hence its point, its spread in price and every rounding) are decided before any
 * bar after the warm-up can matter: from the decimals of its first `digitsFromBars` bars of the finest
 * timeframe, and of the bars of its other files that open no later; never from the rest of the file
 * (a future row with more decimals would otherwise change the past). `symbolInfo.<S>.digits` sets them.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { TradekitError } from '../errors.js';
import type { Clock, Coverage, DataSource } from '../interfaces.js';
import type { BarQuery, BarSeries, SymbolInfo, Tick, Timeframe } from '../types.js';
import { BarStore, emptySeries } from './bar-store.js';
import { digitsUpTo, readMt5Csv } from './csv-parse.js';
import { serverToUtcConverter, type ServerTimeConfig } from './server-time.js';
import { readColumnCache, writeColumnCache } from './column-cache.js';
import { symbolInfoFor } from './symbol-profiles.js';
import { TIMEFRAME_MS, isTimeframe, sortTimeframes } from './timeframes.js';
import { roundTo } from '../util/round.js';
import { DEFAULT_FILE_PATTERN, fileNameRegex } from './file-pattern.js';

export interface CsvSourceOptions {
  /** Absolute directory holding the CSV files. */
  dir: string;
  /** Only these symbols (default: every symbol with a file). */
  symbols?: readonly string[];
  /** Only these timeframes (default: every timeframe with a file). */
  timeframes?: readonly Timeframe[];
  serverTime: ServerTimeConfig;
  /** File name pattern; `{symbol}` and `{timeframe}` are replaced. */
  pattern?: string;
  /** Per-symbol contract overrides (digits, contractSize, spread in points, volume limits…). */
  symbolInfo?: Record<string, Partial<SymbolInfo>>;
  /** Keep parsed columns in a binary cache next to the data (default true). */
  columnCache?: boolean;
  /**
   * Every file path the source opens (each CSV, each column-cache file) goes through this first: it
   * returns the path to use or throws (a host confining runs to its roots). A cache location it
   * refuses is skipped. Default: paths as they are.
   */
  confine?: (abs: string, what: string) => string;
  /**
   * Use a file's `spread` column for quotes and fills (default true). A column of zeros only (an
   * export from a server that records no spread) is ignored either way.
   */
  barSpread?: boolean;
  /**
   * How many of the finest timeframe's first bars decide a symbol's digits when `symbolInfo` does not
   * give them (default 100, within the default warm-up of 300 bars). Rows after never change them.
   */
  digitsFromBars?: number;
}

/** The default `digitsFromBars`. */
export const DIGITS_FROM_BARS = 100;

export class CsvDataSource implements DataSource {
  readonly name = 'csv';
  private readonly stores = new Map<string, Map<Timeframe, BarStore>>();
  private readonly infos = new Map<string, SymbolInfo>();
  private readonly finest = new Map<string, Timeframe>();
  /** Cache files being written in the background (awaited by `flushCache`). */
  private readonly pendingWrites: Promise<unknown>[] = [];
  /** Per symbol: where its quotes come from, and the last quote (reused within a bar). */
  private readonly ticks = new Map<string, QuoteState>();
  /** Per symbol and timeframe while loading: where the decimals grew (see `ParsedBars.digitRows`). */
  private readonly digitRows = new Map<string, Map<Timeframe, number[]>>();

  constructor(
    private readonly clock: Clock,
    private readonly options: CsvSourceOptions,
  ) {}

  /** Reads and parses every matching file (asynchronous I/O; parsing is linear and fast). */
  async load(): Promise<void> {
    const pattern = this.options.pattern ?? DEFAULT_FILE_PATTERN;
    const re = fileNameRegex(pattern);
    let names: string[];
    try {
      names = await readdir(this.options.dir);
    } catch (e) {
      throw new TradekitError('TK_ERR_DATA_NOT_FOUND', `cannot read data directory ${this.options.dir}: ${(e as Error).message}`, { cause: e });
    }
    const wanted = this.options.symbols ? new Set(this.options.symbols) : undefined;
    const tfs = this.options.timeframes ? new Set(this.options.timeframes) : undefined;
    const jobs: Promise<void>[] = [];
    for (const name of names.sort()) {
      const m = re.exec(name);
      if (!m?.groups) continue;
      const symbol = m.groups.symbol!;
      const tf = m.groups.tf!;
      if (!isTimeframe(tf) || (wanted && !wanted.has(symbol)) || (tfs && !tfs.has(tf))) continue;
      const file = this.options.confine ? this.options.confine(path.join(this.options.dir, name), 'data file') : path.join(this.options.dir, name);
      jobs.push(this.loadFile(file, symbol, tf));
    }
    await Promise.all(jobs);
    for (const symbol of this.digitRows.keys()) this.inferInfo(symbol);
    this.digitRows.clear();
    for (const s of wanted ?? []) {
      if (!this.stores.has(s)) {
        throw new TradekitError('TK_ERR_DATA_NOT_FOUND', `no CSV file for symbol ${s} in ${this.options.dir} (expected ${pattern.replace('{symbol}', s)})`, {
          symbol: s,
        });
      }
      for (const tf of this.options.timeframes ?? []) {
        if (!this.stores.get(s)!.has(tf)) {
          throw new TradekitError(
            'TK_ERR_DATA_NOT_FOUND',
            `no ${tf} file for ${s} in ${this.options.dir} (expected ${pattern.replace('{symbol}', s).replace('{timeframe}', tf)})`,
            { symbol: s },
          );
        }
      }
    }
  }

  private async loadFile(file: string, symbol: string, tf: Timeframe): Promise<void> {
    const useCache = this.options.columnCache !== false;
    let parsed = useCache ? await readColumnCache(file, this.options.confine) : undefined;
    const raw = parsed?.time;
    // From the cache the raw server times are ours to overwrite with UTC; a fresh parse keeps them
    // intact for the cache file being written, and the store gets a UTC column of its own.
    let t: Float64Array;
    if (parsed) {
      t = parsed.time;
    } else {
      parsed = await readMt5Csv(file);
      if (useCache) this.pendingWrites.push(writeColumnCache(file, parsed, this.options.confine).catch(() => undefined));
      t = new Float64Array(parsed.length);
    }
    const src = raw ?? parsed.time;
    const toUtc = serverToUtcConverter(this.options.serverTime);
    const cfg = this.options.serverTime;
    for (let i = 0; i < parsed.length; i++) {
      t[i] = toUtc(src[i]!);
      if (i > 0 && t[i]! <= t[i - 1]!) {
        throw new TradekitError(
          'TK_ERR_DATA_BAD_BAR',
          `${file}: bar ${i + 2} is not after the previous bar once server time is converted to UTC (offset ${cfg.utcOffsetHours}h, dst ${cfg.dst}); if the file was written with a fixed offset, set serverTime.dst: none`,
          { file, line: i + 2 },
        );
      }
    }
    const spread = this.options.barSpread !== false && parsed.spread?.some((x) => x > 0) ? parsed.spread : undefined;
    const store = new BarStore(symbol, tf, t, parsed.open, parsed.high, parsed.low, parsed.close, parsed.volume, parsed.length, spread);
    let byTf = this.stores.get(symbol);
    if (!byTf) this.stores.set(symbol, (byTf = new Map()));
    byTf.set(tf, store);
    this.ticks.delete(symbol);
    let rows = this.digitRows.get(symbol);
    if (!rows) this.digitRows.set(symbol, (rows = new Map()));
    rows.set(tf, parsed.digitRows);
    this.finest.set(symbol, sortTimeframes(byTf.keys())[0]!);
  }

  /**
   * The symbol's contract, with digits from a prefix of its data: the first `digitsFromBars` bars of
   * the finest timeframe, and the bars of other timeframes that open no later.
   */
  private inferInfo(symbol: string): void {
    const byTf = this.stores.get(symbol)!;
    const rows = this.digitRows.get(symbol)!;
    const finest = byTf.get(this.finest.get(symbol)!)!;
    const n = Math.max(1, Math.floor(this.options.digitsFromBars ?? DIGITS_FROM_BARS));
    const until = finest.length ? finest.time[Math.min(n, finest.length) - 1]! : -Infinity;
    let digits = 0;
    for (const [tf, store] of byTf) {
      const last = store.upperBound(until) - 1;
      if (last >= 0) digits = Math.max(digits, digitsUpTo(rows.get(tf) ?? [], last));
    }
    this.infos.set(symbol, symbolInfoFor(symbol, digits, this.options.symbolInfo?.[symbol]));
  }

  /** Waits for column-cache files still being written (tests and benchmarks). */
  async flushCache(): Promise<void> {
    await Promise.all(this.pendingWrites.splice(0));
  }

  close(): Promise<void> {
    return this.flushCache();
  }

  listSymbols(): string[] {
    return [...this.stores.keys()].sort();
  }

  timeframes(symbol: string): readonly Timeframe[] {
    return sortTimeframes(this.storesOf(symbol).keys());
  }

  symbolInfo(symbol: string): SymbolInfo {
    const info = this.infos.get(symbol);
    if (!info) throw unknownSymbol(symbol, this.listSymbols());
    return info;
  }

  columns(symbol: string, tf: Timeframe): BarSeries {
    return this.store(symbol, tf);
  }

  private lastSymbol?: string;
  private lastTf?: Timeframe;
  private lastStore?: BarStore;

  private findStore(symbol: string, tf: Timeframe): BarStore {
    const s = this.store(symbol, tf);
    this.lastSymbol = symbol;
    this.lastTf = tf;
    this.lastStore = s;
    return s;
  }

  /** The raw store (all bars, including those after `now`): for drivers, never for agents. */
  store(symbol: string, tf: Timeframe): BarStore {
    const s = this.storesOf(symbol).get(tf);
    if (!s) {
      throw new TradekitError('TK_ERR_DATA_NOT_FOUND', `no ${tf} bars for ${symbol}; loaded: ${[...this.storesOf(symbol).keys()].join(', ')}`, { symbol });
    }
    return s;
  }

  coverage(symbol: string, tf?: Timeframe): Coverage {
    const s = this.store(symbol, tf ?? this.finest.get(symbol)!);
    const timeAt = (i: number): number => s.time[Math.max(0, Math.min(s.length - 1, i))] ?? 0;
    if (s.length === 0) return { from: 0, to: 0, count: 0, timeAt };
    return { from: s.time[0]!, to: s.time[s.length - 1]! + TIMEFRAME_MS[s.timeframe], count: s.length, timeAt };
  }

  bars(symbol: string, timeframe: Timeframe, query: BarQuery): BarSeries {
    // The last store asked for answers without a map lookup (an agent asks for the same one all run).
    const s = this.lastStore !== undefined && this.lastSymbol === symbol && this.lastTf === timeframe ? this.lastStore : this.findStore(symbol, timeframe);
    // Visible = bars whose close (open + tf) is at or before now.
    const visible = s.countUpTo(this.clock.now() - TIMEFRAME_MS[timeframe]);
    if (typeof query === 'number') {
      if (!(query >= 0)) throw new TradekitError('TK_ERR_DATA_NOT_FOUND', `bar count must be ≥ 0, got ${query}`);
      // The same question in the same bar gets the same (immutable) window back.
      return s.window(visible, Math.floor(query));
    }
    if (query.to < query.from) return emptySeries(symbol, timeframe);
    return s.slice(s.lowerBound(query.from), Math.min(visible, s.upperBound(query.to)));
  }

  tick(symbol: string): Tick {
    const q = this.quoteNow(symbol);
    // A new quote object per bar (callers may keep it); the same one while the bar is unchanged.
    if (q.tick === undefined) {
      q.tick = q.closed ? { symbol, time: q.time, bid: q.bid, ask: q.ask, closed: true } : { symbol, time: q.time, bid: q.bid, ask: q.ask };
    }
    return q.tick;
  }

  /** The figures `tick` returns, into `out` (no object per bar: the paper broker reads one per bar). */
  quoteInto(symbol: string, out: Tick): void {
    const q = this.quoteNow(symbol);
    out.symbol = symbol;
    out.time = q.time;
    out.bid = q.bid;
    out.ask = q.ask;
    out.closed = q.closed;
  }

  /** The symbol's quote state brought to `clock.now()`: the open of the bar in progress, else the last close. */
  private quoteNow(symbol: string): QuoteState {
    let q = this.ticks.get(symbol);
    if (q === undefined) {
      const tf = this.finest.get(symbol);
      if (!tf) throw unknownSymbol(symbol, this.listSymbols());
      q = {
        store: this.stores.get(symbol)!.get(tf)!,
        tfMs: TIMEFRAME_MS[tf],
        info: this.infos.get(symbol)!,
        now: Number.NaN,
        i: -1,
        forming: false,
        time: 0,
        bid: 0,
        ask: 0,
        closed: false,
        tick: undefined,
      };
      this.ticks.set(symbol, q);
    }
    const now = this.clock.now();
    if (now === q.now) return q;
    const s = q.store;
    const i = s.countUpTo(now) - 1;
    if (i < 0) {
      throw new TradekitError(
        'TK_ERR_DATA_NO_PRICE',
        `no price for ${symbol} at ${new Date(now).toISOString()}: data starts ${new Date(s.time[0] ?? 0).toISOString()}`,
        { symbol },
      );
    }
    const open = s.time[i]!;
    const forming = now < open + q.tfMs;
    q.now = now;
    if (q.i === i && q.forming === forming) return q;
    const info = q.info;
    const bid = forming ? s.open[i]! : s.close[i]!;
    q.i = i;
    q.forming = forming;
    q.time = forming ? open : open + q.tfMs;
    q.bid = bid;
    q.ask = roundTo(bid + (s.spread !== undefined ? s.spread[i]! : info.spread) * info.point, info.digits);
    q.closed = !forming;
    q.tick = undefined;
    return q;
  }

  private storesOf(symbol: string): Map<Timeframe, BarStore> {
    const m = this.stores.get(symbol);
    if (!m) throw unknownSymbol(symbol, this.listSymbols());
    return m;
  }
}

interface QuoteState {
  store: BarStore;
  tfMs: number;
  info: SymbolInfo;
  /** Clock time of the last answer (NaN: none yet). */
  now: number;
  i: number;
  forming: boolean;
  /** The quote at `now`. */
  time: number;
  bid: number;
  ask: number;
  closed: boolean;
  /** The Tick `tick` handed out for this bar, if any. */
  tick: Tick | undefined;
}

function unknownSymbol(symbol: string, known: string[]): TradekitError {
  return new TradekitError('TK_ERR_DATA_SYMBOL', `unknown symbol ${symbol}; this source has ${known.join(', ') || 'no symbols'}`, { symbol });
}
