/**
 * The MT5 DataSource: bars from `copy_rates_*` (closed bars only: the forming bar, MT5's index 0, is
 * dropped whenever its close time is after `clock.now()`), columnar Float64Arrays oldest first, times
 * converted from server time to UTC; quotes from `symbol_info_tick` (selecting the symbol when the
 * terminal has hidden it); specifications from `symbol_info`. Bad bars (NaN, non-positive, out of
 * order) fail at this edge with TK_ERR_DATA_BAD_BAR.
 */
import {
  TIMEFRAMES,
  TIMEFRAME_MS,
  TradekitError,
  type BarQuery,
  type BarSeries,
  type Clock,
  type Coverage,
  type DataSource,
  type SymbolInfo,
  type Tick,
  type Timeframe,
} from '@tradekit/core';
import type { Mt5SymbolInfo, Mt5Table, Mt5Tick } from '../mt5/types.js';
import { symbolInfoOf, TF_VALUE } from './convert.js';
import type { Mt5Session } from './session.js';

export interface Mt5DataOptions {
  /** Canonical symbols the run uses (resolved to broker names at startup). */
  symbols: readonly string[];
}

export class Mt5DataSource implements DataSource {
  readonly name = 'mt5';

  constructor(
    readonly session: Mt5Session,
    private readonly clock: Clock,
    private readonly opts: Mt5DataOptions,
  ) {}

  /** Resolves every run symbol (suffixes, explicit map) and puts it in Market Watch. */
  async prepare(): Promise<void> {
    for (const s of this.opts.symbols) await this.session.brokerSymbol(s);
  }

  async listSymbols(): Promise<string[]> {
    const all = await this.session.must<Mt5SymbolInfo[]>('symbols_get', [], {}, 'list symbols');
    const out = new Set<string>();
    for (const s of this.opts.symbols) {
      try {
        await this.session.brokerSymbol(s);
        out.add(s);
      } catch {
        /* reported by the run as a missing symbol */
      }
    }
    for (const i of all) out.add(this.session.canonical(i.name));
    return [...out].sort();
  }

  timeframes(): readonly Timeframe[] {
    return TIMEFRAMES;
  }

  async symbolInfo(symbol: string): Promise<SymbolInfo> {
    const b = await this.session.brokerSymbol(symbol);
    const raw = await this.session.spec(b);
    return symbolInfoOf(raw, symbol);
  }

  async tick(symbol: string): Promise<Tick> {
    const b = await this.session.brokerSymbol(symbol);
    let r = await this.session.call<Mt5Tick>('symbol_info_tick', [b]);
    if (!r.value) {
      // Hidden from Market Watch (or not yet ticking): select it and ask once more.
      await this.session.call('symbol_select', [b, true]);
      r = await this.session.call<Mt5Tick>('symbol_info_tick', [b]);
    }
    if (!r.value)
      throw new TradekitError('TK_ERR_DATA_NO_PRICE', `no quote for ${symbol} (${b}): last_error (${r.lastError[0]}, '${r.lastError[1]}')`, { symbol });
    const t = r.value;
    if (!(t.bid > 0) || !(t.ask > 0) || t.ask < t.bid)
      throw new TradekitError('TK_ERR_DATA_NO_PRICE', `bad quote for ${symbol}: bid ${t.bid} ask ${t.ask}`, { symbol });
    return { symbol, time: this.session.serverClock.fromServerMs(t.time_msc || t.time * 1000), bid: t.bid, ask: t.ask };
  }

  async bars(symbol: string, timeframe: Timeframe, query: BarQuery): Promise<BarSeries> {
    const b = await this.session.brokerSymbol(symbol);
    const tf = TF_VALUE[timeframe];
    if (tf === undefined) throw new TradekitError('TK_ERR_DATA_TIMEFRAME', `unknown timeframe "${timeframe}"`);
    const sc = this.session.serverClock;
    let table: Mt5Table | null;
    if (typeof query === 'number') {
      if (!(query >= 0)) throw new TradekitError('TK_ERR_DATA_NOT_FOUND', `bar count must be ≥ 0, got ${query}`);
      // One extra: the newest bar may still be forming.
      table = (await this.session.call<Mt5Table>('copy_rates_from_pos', [b, tf, 0, Math.floor(query) + 1])).value;
    } else {
      if (query.to < query.from) return series(symbol, timeframe, []);
      table = (await this.session.call<Mt5Table>('copy_rates_range', [b, tf, sc.toServerSec(query.from), sc.toServerSec(query.to)])).value;
    }
    if (!table) throw new TradekitError('TK_ERR_DATA_NOT_FOUND', `no ${timeframe} bars for ${symbol} (${b})`, { symbol });
    const now = this.clock.now();
    const len = TIMEFRAME_MS[timeframe];
    const col = (n: string) => table!.columns.indexOf(n);
    const [ti, oi, hi, li, ci, vi, si] = [col('time'), col('open'), col('high'), col('low'), col('close'), col('tick_volume'), col('spread')];
    const rows: number[][] = [];
    let prev = -Infinity;
    for (const r of table.rows) {
      const open = sc.fromServerSec(r[ti] as number);
      const o = r[oi] as number;
      const h = r[hi] as number;
      const l = r[li] as number;
      const c = r[ci] as number;
      if (![o, h, l, c].every((x) => Number.isFinite(x) && x > 0) || h < l || open <= prev) {
        throw new TradekitError(
          'TK_ERR_DATA_BAD_BAR',
          `bad ${timeframe} bar for ${symbol} at ${new Date(open).toISOString()}: o ${o} h ${h} l ${l} c ${c}${open <= prev ? ' (not after the previous bar)' : ''}`,
          { symbol },
        );
      }
      prev = open;
      if (open + len > now) continue; // still forming
      if (typeof query !== 'number' && (open < query.from || open > query.to)) continue;
      rows.push([open, o, h, l, c, vi >= 0 ? (r[vi] as number) : 0, si >= 0 ? (r[si] as number) : 0]);
    }
    return series(symbol, timeframe, typeof query === 'number' ? rows.slice(Math.max(0, rows.length - Math.floor(query))) : rows, si >= 0);
  }

  /**
   * Replays on the simulator: from the terminal's present (history before it is warm-up) to the end of
   * its bar data. A real terminal has no coverage: replays need the simulator.
   */
  coverage(symbol: string, timeframe?: Timeframe): Coverage {
    const st = this.session.simStatus;
    if (!st || !this.session.driven) {
      throw new TradekitError('TK_ERR_MT5_REPLAY_UNSUPPORTED', `a live MT5 terminal cannot be replayed (${symbol}): use run.pace: live, or the simulator`);
    }
    const len = TIMEFRAME_MS[timeframe ?? 'M1'];
    const from = Math.floor(st.now_utc_ms / len) * len;
    const to = st.end_utc_ms ?? from + 365 * 86_400_000;
    return { from, to, count: Math.max(1, Math.floor((to - from) / len)), timeAt: (i) => from + i * len };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** Rows of [time, open, high, low, close, tick volume, spread] → columns (spread kept when the terminal sent it). */
function series(symbol: string, timeframe: Timeframe, rows: number[][], withSpread = false): BarSeries {
  const n = rows.length;
  const cols = Array.from({ length: withSpread ? 7 : 6 }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) for (let k = 0; k < cols.length; k++) cols[k]![i] = rows[i]![k]!;
  const [time, open, high, low, close, volume, spread] = cols as [
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array?,
  ];
  return spread
    ? { symbol, timeframe, length: n, time, open, high, low, close, volume, spread }
    : { symbol, timeframe, length: n, time, open, high, low, close, volume };
}
