/** An in-memory DataSource with N synthetic symbols (benchmarks: no file I/O in the measurement). */
import {
  BarStore,
  SimClock,
  TIMEFRAME_MS,
  symbolInfoFor,
  type BarQuery,
  type BarSeries,
  type Clock,
  type DataSource,
  type SymbolInfo,
  type Tick,
  type Timeframe,
} from '../src/index.js';

export class SyntheticSource implements DataSource {
  readonly name = 'synthetic';
  private readonly stores = new Map<string, BarStore>();
  constructor(
    private readonly clock: Clock,
    readonly symbols: string[],
    bars: number,
    start: number,
    private readonly delayMs = 0,
  ) {
    for (const [k, s] of symbols.entries()) {
      const t = new Float64Array(bars);
      const o = new Float64Array(bars);
      const h = new Float64Array(bars);
      const l = new Float64Array(bars);
      const c = new Float64Array(bars);
      const v = new Float64Array(bars);
      let x = 1 + k / 10;
      for (let i = 0; i < bars; i++) {
        t[i] = start + i * TIMEFRAME_MS.M5;
        o[i] = x;
        x += Math.sin(i * 0.37 + k) * 0.0004;
        h[i] = Math.max(o[i]!, x) + 0.0002;
        l[i] = Math.min(o[i]!, x) - 0.0002;
        c[i] = x;
        v[i] = 100;
      }
      this.stores.set(s, new BarStore(s, 'M5', t, o, h, l, c, v));
    }
  }
  private answer<T>(v: () => T): T | Promise<T> {
    if (!this.delayMs) return v();
    return new Promise((r) => setTimeout(() => r(v()), this.delayMs));
  }
  listSymbols(): string[] {
    return [...this.stores.keys()];
  }
  symbolInfo(symbol: string): SymbolInfo {
    return symbolInfoFor('EURUSD', 5, { symbol, spread: 10 });
  }
  timeframes(): readonly Timeframe[] {
    return ['M5'];
  }
  bars(symbol: string, _tf: Timeframe, q: BarQuery): BarSeries | Promise<BarSeries> {
    return this.answer(() => {
      const s = this.stores.get(symbol)!;
      const vis = s.upperBound(this.clock.now() - TIMEFRAME_MS.M5);
      return typeof q === 'number' ? s.slice(vis - q, vis) : s.slice(s.lowerBound(q.from), Math.min(vis, s.upperBound(q.to)));
    });
  }
  tick(symbol: string): Tick {
    const s = this.stores.get(symbol)!;
    const i = Math.max(0, s.upperBound(this.clock.now()) - 1);
    return { symbol, time: this.clock.now(), bid: s.open[i]!, ask: s.open[i]! + 0.0001 };
  }
}

export const BENCH_START = Date.UTC(2026, 0, 5);
export const symbolsN = (n: number): string[] => Array.from({ length: n }, (_, i) => `SYM${String(i).padStart(2, '0')}`);
export { SimClock };
