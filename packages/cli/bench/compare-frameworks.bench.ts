/**
 * tradekit beside Grademark (an established JavaScript backtester) and a plain reference loop on the
 * same data and strategy: the example SMA-crossover (fast 10 / slow 30 on close, always in the market,
 * fills at the next bar's open), EURUSD M5 from examples/data, 1 lot, no spread or commission.
 * Compares trade count, entry/exit times and prices trade by trade, total P&L, and speed.
 * docs/backtest.md explains every difference. Run: node bench/run.mjs compare-frameworks
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { runBacktest, silentLogger, type BacktestResult } from '@tradekit/core';
import { loadBars, type SimpleTrade } from './compare/bars.js';
import { grademarkTrades } from './compare/grademark-run.js';
import { referenceTrades } from './compare/reference.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const CONFIG = path.join(ROOT, 'packages', 'cli', 'bench', 'fixtures', 'compare-sma-eurusd.yaml');
const FAST = 10;
const SLOW = 30;
/** EURUSD: 1 lot = 100,000 units, so 1.0 price unit = 100,000 USD. */
const USD_PER_UNIT = 100_000;
const RUNS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function round(v: number, d = 2): number {
  return Math.round(v * 10 ** d) / 10 ** d;
}

function agreement(a: readonly SimpleTrade[], b: readonly SimpleTrade[]) {
  const key = (t: SimpleTrade, which: 'entry' | 'exit') =>
    which === 'entry' ? `${t.side}@${t.entryTime}@${t.entryPrice}` : `${t.side}@${t.exitTime}@${t.exitPrice}`;
  const entries = new Set(b.map((t) => key(t, 'entry')));
  const exits = new Set(b.map((t) => key(t, 'exit')));
  const whole = new Set(b.map((t) => `${key(t, 'entry')}|${key(t, 'exit')}`));
  return {
    sameEntries: a.filter((t) => entries.has(key(t, 'entry'))).length,
    sameExits: a.filter((t) => exits.has(key(t, 'exit'))).length,
    identicalTrades: a.filter((t) => whole.has(`${key(t, 'entry')}|${key(t, 'exit')}`)).length,
  };
}

function fromTradekit(r: BacktestResult): SimpleTrade[] {
  return r.trades.map((t) => ({
    side: t.side,
    entryTime: t.entryTime,
    entryPrice: t.entryPrice,
    exitTime: t.exitTime,
    exitPrice: t.exitPrice,
    points: t.side === 'buy' ? t.exitPrice - t.entryPrice : t.entryPrice - t.exitPrice,
  }));
}

export default async function bench() {
  const searchPaths = [pathToCli()];
  // tradekit, in process: config load + CSV load + plugin setup + the cycle loop.
  const walls: number[] = [];
  const engines: number[] = [];
  let tk: BacktestResult | undefined;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    tk = await runBacktest({ configFile: CONFIG, searchPaths }, { logger: silentLogger() });
    walls.push(performance.now() - t0);
    engines.push(tk.perf.engineMs);
  }
  const tkTrades = fromTradekit(tk!);

  // tradekit as a user runs it: a new process, CSV files written (no HTML).
  const out = mkdtempSync(path.join(tmpdir(), 'tk-cmp-'));
  const cliWalls: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const r = spawnSync(
        process.execPath,
        [path.join(ROOT, 'packages', 'cli', 'bin', 'tradekit.js'), 'backtest', CONFIG, '--out', out, '--no-html', '--json'],
        { encoding: 'utf8' },
      );
      cliWalls.push(performance.now() - t0);
      if (r.status !== 0) throw new Error(`tradekit backtest failed: ${r.stderr}`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }

  // The reference loop and Grademark on the same bars.
  const bars = loadBars(ROOT);
  const refTimes: number[] = [];
  let ref = referenceTrades(bars, FAST, SLOW);
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    ref = referenceTrades(bars, FAST, SLOW);
    refTimes.push(performance.now() - t0);
  }
  const gmTimes: number[] = [];
  const gmRunTimes: number[] = [];
  let gm = grademarkTrades(bars, FAST, SLOW);
  for (let i = 0; i < RUNS; i++) {
    gm = grademarkTrades(bars, FAST, SLOW);
    gmTimes.push(gm.prepMs + gm.runMs);
    gmRunTimes.push(gm.runMs);
  }

  const n = bars.length;
  const pnl = (ts: readonly SimpleTrade[]) => round(ts.reduce((s, t) => s + t.points, 0) * USD_PER_UNIT);
  const perSec = (ms: number) => Math.round(n / (ms / 1000));
  const tkVsRef = agreement(tkTrades, ref.trades);
  const gmVsRef = agreement(gm.trades, ref.trades);
  const tkPnlBroker = round(tk!.trades.reduce((s, t) => s + t.profit, 0));
  const results = {
    bars: n,
    'tradekit trades': tkTrades.length,
    'tradekit P&L USD (broker, net)': tkPnlBroker,
    'tradekit P&L USD (from prices)': pnl(tkTrades),
    'tradekit in-process ms (median, config+CSV+setup+cycles)': round(median(walls), 1),
    'tradekit first run ms (cold imports)': round(walls[0]!, 1),
    'tradekit engine ms (median, cycle loop only)': round(median(engines), 1),
    'tradekit engine bars/s': perSec(median(engines)),
    'tradekit CLI process ms (median, node start → files written)': round(median(cliWalls), 1),
    'reference trades': ref.trades.length,
    'reference P&L USD': pnl(ref.trades),
    'reference ms (median)': round(median(refTimes), 2),
    'reference bars/s': perSec(median(refTimes)),
    'tradekit = reference: identical trades': tkVsRef.identicalTrades,
    'grademark trades': gm.trades.length,
    'grademark P&L USD': pnl(gm.trades),
    'grademark ms (median, Data-Forge indicators + backtest)': round(median(gmTimes), 1),
    'grademark backtest() ms (median)': round(median(gmRunTimes), 1),
    'grademark bars/s (backtest() only)': perSec(median(gmRunTimes)),
    'grademark = reference: same exits': gmVsRef.sameExits,
    'grademark = reference: same entries': gmVsRef.sameEntries,
    'grademark = reference: identical trades': gmVsRef.identicalTrades,
    'open at the end (tradekit/reference, not counted)': ref.open
      ? `${ref.open.side} from ${new Date(ref.open.entryTime).toISOString()} @ ${ref.open.entryPrice}`
      : 'none',
    'grademark finalize trade (closed at the last close, not counted)': gm.finalized
      ? `${gm.finalized.side} ${new Date(gm.finalized.entryTime).toISOString()} → ${new Date(gm.finalized.exitTime).toISOString()}`
      : 'none',
  };
  return {
    name: 'SMA 10/30 crossover on EURUSD M5: tradekit vs Grademark vs a reference loop',
    results,
    targets: { 'tradekit = reference: identical trades': `= reference trades (${ref.trades.length})` },
    notes:
      'Same CSV, same rules, 1 lot, no costs. tradekit and the reference reverse at the open after a cross; Grademark exits there and re-enters two bars later (it cannot exit and enter on one bar), so its exits match and its entries after the first do not. See docs/backtest.md.',
  };
}

function pathToCli(): string {
  return path.join(ROOT, 'packages', 'cli', 'dist', 'src', 'main.js');
}
