/**
 * A DataSource whose market a test writes: `quote(symbol, bid, ask)` records a quote at `clock.now()`;
 * `tick()` is the latest quote at or before now; `bars()` are M1 bars of bid prices built from the
 * quotes (closed bars only). For testing brokers (the paper broker's conformance run) and agents.
 */
import { TradekitError } from '../errors.js';
import type { Clock, Coverage, DataSource } from '../interfaces.js';
import type { BarQuery, BarSeries, SymbolInfo, Tick, Timeframe } from '../types.js';
import { TIMEFRAME_MS } from '../data/timeframes.js';

interface Quote {
  time: number;
  bid: number;
  ask: number;
}

export class ScriptedMarket implements DataSource {
  readonly name = 'scripted';
  private readonly quotes = new Map<string, Quote[]>();
  private readonly infos = new Map<string, SymbolInfo>();

  constructor(
    private readonly clock: Clock,
    infos: readonly SymbolInfo[],
  ) {
    for (const i of infos) {
      this.infos.set(i.symbol, i);
      this.quotes.set(i.symbol, []);
    }
  }

  /** The market at `clock.now()`. Quotes must not go back in time. */
  quote(symbol: string, bid: number, ask: number): void {
    const q = this.series(symbol);
    const time = this.clock.now();
    const last = q[q.length - 1];
    if (last && time < last.time)
      throw new TradekitError('TK_ERR_DATA_BAD_BAR', `quote for ${symbol} at ${new Date(time).toISOString()} is before the previous one`);
    if (!(bid > 0) || !(ask >= bid)) throw new TradekitError('TK_ERR_DATA_NO_PRICE', `bad quote for ${symbol}: bid ${bid} ask ${ask}`);
    if (last && last.time === time) q[q.length - 1] = { time, bid, ask };
    else q.push({ time, bid, ask });
  }

  /** The last quote again at the current time (time passed, the market did not move). */
  refresh(symbol: string): void {
    const q = this.series(symbol);
    const last = q[q.length - 1];
    if (last) this.quote(symbol, last.bid, last.ask);
  }

  listSymbols(): string[] {
    return [...this.infos.keys()];
  }

  symbolInfo(symbol: string): SymbolInfo {
    const i = this.infos.get(symbol);
    if (!i) throw new TradekitError('TK_ERR_DATA_SYMBOL', `unknown symbol ${symbol}`, { symbol });
    return i;
  }

  timeframes(): readonly Timeframe[] {
    return ['M1'];
  }

  tick(symbol: string): Tick {
    const q = this.series(symbol);
    const now = this.clock.now();
    for (let i = q.length - 1; i >= 0; i--) if (q[i]!.time <= now) return { symbol, time: q[i]!.time, bid: q[i]!.bid, ask: q[i]!.ask };
    throw new TradekitError('TK_ERR_DATA_NO_PRICE', `no quote for ${symbol} yet`, { symbol });
  }

  bars(symbol: string, timeframe: Timeframe, query: BarQuery): BarSeries {
    const len = TIMEFRAME_MS[timeframe];
    const now = this.clock.now();
    const out: { t: number; o: number; h: number; l: number; c: number; v: number }[] = [];
    for (const q of this.series(symbol)) {
      const t = Math.floor(q.time / len) * len;
      if (t + len > now) break;
      const b = out[out.length - 1];
      if (b && b.t === t) {
        b.h = Math.max(b.h, q.bid);
        b.l = Math.min(b.l, q.bid);
        b.c = q.bid;
        b.v++;
      } else out.push({ t, o: q.bid, h: q.bid, l: q.bid, c: q.bid, v: 1 });
    }
    const sel = typeof query === 'number' ? out.slice(Math.max(0, out.length - query)) : out.filter((b) => b.t >= query.from && b.t <= query.to);
    const col = (f: (b: (typeof out)[number]) => number) => Float64Array.from(sel, f);
    return {
      symbol,
      timeframe,
      length: sel.length,
      time: col((b) => b.t),
      open: col((b) => b.o),
      high: col((b) => b.h),
      low: col((b) => b.l),
      close: col((b) => b.c),
      volume: col((b) => b.v),
    };
  }

  coverage(symbol: string): Coverage {
    const q = this.series(symbol);
    const from = q[0]?.time ?? 0;
    const to = q[q.length - 1]?.time ?? 0;
    return { from, to, count: q.length, timeAt: (i) => q[Math.max(0, Math.min(q.length - 1, i))]?.time ?? 0 };
  }

  private series(symbol: string): Quote[] {
    const q = this.quotes.get(symbol);
    if (!q) throw new TradekitError('TK_ERR_DATA_SYMBOL', `unknown symbol ${symbol}`, { symbol });
    return q;
  }
}
