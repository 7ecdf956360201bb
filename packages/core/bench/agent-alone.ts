/**
 * The example SMA agent on its own (issue 12's floor for the strategy path): the plugin's `onBar` (the
 * newest closed bar, as the engine's bar feed hands it over; its history first), `manage` and `scan`
 * called once per bar over the same CSV source and SimClock a backtest uses, with one position flipped
 * by hand on each entry — no engine, no broker, no journal, no equity curve. Whatever the engine does
 * per bar comes on top of this, so `engineSma` can never be faster than it. An agent without `onBar`
 * (the plugin before bar feeds) is measured reading its window per bar instead.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import {
  CsvDataSource,
  SimClock,
  type Action,
  type Agent,
  type ClosedBar,
  type CycleContext,
  type Position,
  type ScanContext,
  type ScanResult,
} from '../src/index.js';
import { REPO_ROOT, WARMUP_BARS } from './eurusd-1m.js';
import type { Sample } from './stats.js';

type AgentClass = new (symbols: readonly string[], cfg: Record<string, unknown>) => Agent;

/** The example plugin's agent class, loaded from its build (examples/sma-crossover/dist). */
export async function loadSmaAgent(): Promise<AgentClass> {
  const file = path.join(REPO_ROOT, 'examples', 'sma-crossover', 'dist', 'src', 'index.js');
  const mod = (await import(pathToFileURL(file).href)) as { SmaCrossoverAgent: AgentClass };
  return mod.SmaCrossoverAgent;
}

/** One pass over every bar after the warm-up; `trades` counts entries (a backtest's trades). */
export async function agentAlone(Sma: AgentClass, dir: string): Promise<Sample> {
  const clock = new SimClock(0);
  const data = new CsvDataSource(clock, { dir, serverTime: { utcOffsetHours: 0, dst: 'none' } });
  await data.load();
  const store = data.store('EURUSD', 'H1');
  const agent = new Sma(['EURUSD'], { fast: 10, slow: 30, timeframe: 'H1', volume: 0.1, alwaysInMarket: true, slPoints: 0, tpPoints: 0 });
  const pos = { id: '1', symbol: 'EURUSD', side: 'buy' } as Position;
  const positions: Position[] = [];
  const cycle = { data, positions } as unknown as CycleContext;
  const scanCtx = { cycle, symbol: 'EURUSD' } as ScanContext;
  let trades = 0;
  const onBar = agent.onBar?.bind(agent);
  const history = agent.barFeeds?.[0]?.history ?? 1;
  const bar = (k: number): ClosedBar => ({
    symbol: 'EURUSD',
    timeframe: 'H1',
    index: k,
    time: store.time[k]!,
    open: store.open[k]!,
    high: store.high[k]!,
    low: store.low[k]!,
    close: store.close[k]!,
    volume: store.volume[k]!,
    spread: undefined,
  });
  const t0 = performance.now();
  // The first cycle sees bars 0…WARMUP_BARS − 1 closed: the feed hands over its history first.
  if (onBar) for (let k = Math.max(0, WARMUP_BARS - history); k < WARMUP_BARS; k++) onBar(bar(k), cycle);
  for (let i = WARMUP_BARS + 1; i < store.length; i++) {
    clock.set(store.time[i]!);
    if (onBar) onBar(bar(i - 1), cycle);
    if (positions.length) {
      const acts = agent.manage!(cycle, pos) as Action[];
      if (acts.length) positions.length = 0;
    }
    const r = agent.scan(scanCtx) as ScanResult;
    if (r && 'side' in r) {
      (pos as { side: string }).side = r.side;
      positions[0] = pos;
      trades++;
    }
  }
  return { ms: performance.now() - t0, units: store.length - WARMUP_BARS - 1, extra: { trades } };
}
