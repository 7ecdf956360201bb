import type { BarQuery, BarSeries, DataSource, SymbolInfo, Tick, Timeframe } from '../../src/index.js';

/**
 * A DataSource that answers after `delayMs` of wall time, like one behind a network bridge,
 * and counts the calls that reach it.
 */
export class SlowSource implements DataSource {
  readonly name = 'slow';
  calls = 0;
  inFlight = 0;
  maxInFlight = 0;
  fail = false;

  constructor(
    private readonly inner: DataSource,
    private readonly delayMs: number,
  ) {}

  private async later<T>(fn: () => T | Promise<T>): Promise<T> {
    this.calls++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((r) => setTimeout(r, this.delayMs));
      if (this.fail) throw new Error('source unavailable');
      return await fn();
    } finally {
      this.inFlight--;
    }
  }

  listSymbols(): Promise<string[]> {
    return this.later(() => this.inner.listSymbols());
  }
  symbolInfo(symbol: string): Promise<SymbolInfo> {
    return this.later(() => this.inner.symbolInfo(symbol));
  }
  bars(symbol: string, tf: Timeframe, q: BarQuery): Promise<BarSeries> {
    return this.later(() => this.inner.bars(symbol, tf, q));
  }
  tick(symbol: string): Promise<Tick> {
    return this.later(() => this.inner.tick(symbol));
  }
  timeframes(symbol: string): readonly Timeframe[] {
    return this.inner.timeframes?.(symbol) ?? [];
  }
}
