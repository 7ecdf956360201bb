/**
 * `runBacktest`: the config's own plugins over history, through the same Run and Engine as a live
 * run. A SimClock steps from one primary-timeframe bar close to the next (the union over symbols);
 * each step is one engine cycle. Orders sent at a bar's close fill at the next bar's open (the paper
 * broker's quote at that instant); SL/TP and limits trigger on the finest bars' high/low.
 */
import { performance } from 'node:perf_hooks';
import { TradekitError } from '../errors.js';
import { Run, type RunOptions } from '../kernel/run.js';
import { SimClock } from '../clock/sim-clock.js';
import { TIMEFRAME_MS } from '../data/timeframes.js';
import { isPromiseLike } from '../util/maybe.js';
import type { Account, Timeframe } from '../types.js';
import { computeStatsColumnar } from './stats.js';
import { closedTradeColumns, equityPointsOf, tradesOf } from './trade-columns.js';
import type { BacktestOptions, BacktestResult, BacktestSeries, BacktestTrade, EquityColumns, EquityPoint } from './types.js';

export async function runBacktest(o: BacktestOptions, extra: Pick<RunOptions, 'logger' | 'sinks'> = {}): Promise<BacktestResult> {
  const t0 = performance.now();
  const run = await Run.load({
    configFile: o.configFile,
    env: o.env,
    searchPaths: o.searchPaths,
    logger: extra.logger,
    sinks: extra.sinks,
    runId: o.runId,
    overrides: {
      mode: 'backtest',
      pace: 'max',
      stateUrl: 'memory:compact',
      from: o.from,
      to: o.to,
      symbols: o.symbols,
      timeframe: o.timeframe,
      set: { 'engine.hookTimings': o.hookTimings ?? false, ...o.set },
    },
  });
  try {
    await run.start();
    const clock = run.clock;
    if (!(clock instanceof SimClock) || !run.replayWindow)
      throw new TradekitError('TK_ERR_ENGINE_STATE', 'a backtest needs a simulated clock and a data source with history');
    const { start, end } = run.replayWindow;
    const data = run.data;
    const symbols = run.config.symbols;
    const tf: Timeframe = (o.timeframe ?? run.config.run.timeframe ?? data.timeframes?.(symbols[0]!)[0] ?? 'M5') as Timeframe;
    const tfMs = TIMEFRAME_MS[tf];
    const { times, bars } = cycleTimes(run, symbols, tf, start, end);
    const setupMs = performance.now() - t0;
    const startBalance = (await run.broker.account()).balance;

    // The equity curve is kept columnar (one point per cycle: 16 bytes, not an object; its times are
    // the cycle times).
    const eqBalance = new Float64Array(times.length);
    const eqEquity = new Float64Array(times.length);
    let exposed = 0;
    const engine = run.engine;
    const broker = run.broker;
    // The paper broker reports balance and equity without an Account object per bar.
    const reader = typeof (broker as Partial<BalanceReader>).balanceInto === 'function' ? (broker as unknown as BalanceReader) : undefined;
    const be = new Float64Array(2);
    const progressEvery = Math.max(1, Math.floor(times.length / 200));
    const e0 = performance.now();
    let n = 0;
    // Reading AbortSignal.aborted costs a brand check per call: a flag set by its event instead.
    let aborted = run.signal.aborted;
    const onAbort = (): void => void (aborted = true);
    run.signal.addEventListener('abort', onAbort, { once: true });
    for (; n < times.length; n++) {
      if (aborted) break;
      const t = times[n]!;
      clock.set(t);
      let open = engine.step();
      if (isPromiseLike(open)) open = await open;
      if (reader) {
        const r = reader.balanceInto(be);
        if (r !== undefined && isPromiseLike(r)) await r;
        eqBalance[n] = be[0]!;
        eqEquity[n] = be[1]!;
      } else {
        let a = broker.account();
        if (isPromiseLike(a)) a = await a;
        eqBalance[n] = a.balance;
        eqEquity[n] = a.equity;
      }
      if (open > 0) exposed++;
      if (n % progressEvery === 0) o.onProgress?.(n, times.length);
      // Let signals and I/O in now and then, without a timer.
      if ((n & 0xffff) === 0xffff) await new Promise<void>((r) => setImmediate(r));
    }
    run.signal.removeEventListener('abort', onAbort);
    if (o.closeAtEnd ?? true) {
      for (const p of await broker.positions({ magic: run.info.magic })) {
        engine.ledger.noteClose(p.id, 'end of backtest');
        // The data has ended, so the market is "closed": close at the last price rather than queue.
        await (broker.closeAtLast ? broker.closeAtLast(p.id) : broker.close(p.id));
      }
      for (const ord of await broker.orders({ magic: run.info.magic })) await broker.cancel(ord.id);
      await engine.settle();
      const a = await broker.account();
      if (n) {
        eqBalance[n - 1] = a.balance;
        eqEquity[n - 1] = a.equity;
      }
    }
    const curve = { time: times.subarray(0, n), balance: eqBalance.subarray(0, n), equity: eqEquity.subarray(0, n) };
    const engineMs = performance.now() - e0;
    o.onProgress?.(n, times.length);

    // Straight from the journal's columns: no record per trade, no list to filter, sort and re-map.
    const tradeColumns = await closedTradeColumns(run.store.journal);
    const equityColumns = downsample(curve, 20_000);
    const finalAccount: Account = await broker.account();
    let trades: BacktestTrade[] | undefined;
    let equity: EquityPoint[] | undefined;
    const result: BacktestResult = {
      name: run.config.run.name,
      configFile: o.configFile,
      symbols: [...symbols],
      timeframe: tf,
      from: times[0] !== undefined ? times[0] - tfMs : start,
      to: times[n - 1] ?? end,
      currency: finalAccount.currency,
      // Objects only for a caller that asks (the report writers and sweeps read the columns).
      get trades(): BacktestTrade[] {
        return (trades ??= tradesOf(tradeColumns));
      },
      set trades(v: BacktestTrade[]) {
        trades = v;
      },
      tradeColumns,
      get equity(): EquityPoint[] {
        return (equity ??= equityPointsOf(equityColumns));
      },
      set equity(v: EquityPoint[]) {
        equity = v;
      },
      equityColumns,
      stats: computeStatsColumnar(tradeColumns.profit, curve, startBalance, exposed),
      finalAccount,
      perf: { cycles: n, bars, engineMs, setupMs },
    };
    if (o.includeBars) result.bars = seriesOf(run, symbols, tf, times[0] ?? start, end);
    return result;
  } finally {
    await run.close();
  }
}

interface BalanceReader {
  balanceInto(out: Float64Array): void | Promise<void>;
}

/**
 * Sorted union of bar close times of `tf` over `symbols` within [start, end] (no boxed numbers), and
 * how many bars of all symbols close in that window.
 */
function cycleTimes(run: Run, symbols: readonly string[], tf: Timeframe, start: number, end: number): { times: Float64Array; bars: number } {
  const tfMs = TIMEFRAME_MS[tf];
  const covs = symbols.map((s) => run.data.coverage!(s, tf));
  const all = new Float64Array(covs.reduce((n, c) => n + c.count, 0));
  let k = 0;
  for (const cov of covs) {
    for (let i = 0; i < cov.count; i++) {
      const close = cov.timeAt(i) + tfMs;
      if (close >= start && close <= end) all[k++] = close;
    }
  }
  const times = all.subarray(0, k);
  if (covs.length > 1) times.sort();
  let u = 0;
  for (let i = 0; i < k; i++) if (u === 0 || times[i] !== times[u - 1]) times[u++] = times[i]!;
  // One symbol: the times are already unique and in order (no second copy of a million stamps).
  return { times: u === all.length ? all : times.slice(0, u), bars: k };
}

function seriesOf(run: Run, symbols: readonly string[], tf: Timeframe, from: number, to: number): Record<string, BacktestSeries> {
  const out: Record<string, BacktestSeries> = {};
  const clock = run.clock as SimClock;
  clock.set(Math.max(clock.now(), to + TIMEFRAME_MS[tf]));
  for (const s of symbols) {
    const b = run.data.bars(s, tf, { from: from - TIMEFRAME_MS[tf], to });
    if (isPromiseLike(b)) continue;
    // Views of the loaded history (it does not change once loaded): no copy of a million bars per column.
    out[s] = { time: b.time, open: b.open, high: b.high, low: b.low, close: b.close };
  }
  return out;
}

/** At most `max` points (plus the last) for reports and charts (statistics use every point): every k-th and the last one. */
function downsample(c: EquityColumns, max: number): EquityColumns {
  const n = c.time.length;
  const step = Math.max(1, Math.ceil(n / max));
  const count = Math.ceil(n / step) + (n && (n - 1) % step !== 0 ? 1 : 0);
  const out: EquityColumns = { time: new Float64Array(count), balance: new Float64Array(count), equity: new Float64Array(count) };
  let k = 0;
  const keep = (i: number): void => {
    out.time[k] = c.time[i]!;
    out.balance[k] = c.balance[i]!;
    out.equity[k++] = c.equity[i]!;
  };
  for (let i = 0; i < n; i += step) keep(i);
  if (k < count) keep(n - 1);
  return out;
}
