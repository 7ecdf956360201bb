/**
 * Backtest speed in process on the 1M-bar SMA case of issue 12 (1M H1 bars of EURUSD tiled from
 * examples/data, see eurusd-1m.ts; the SMA 10/30 example plugin, H1, volume 0.1, spread 0):
 *  - dataPath: advance the SimClock one bar and read the newest closed bar through CsvDataSource;
 *  - engineNoStrategy: runBacktest with no agent (the engine, broker and equity curve per bar);
 *  - engineSma: the example plugin always in the market (a trade every ~27 bars, ~36.7k trades);
 *  - engineSmaRareTrades: the same plugin not always in the market, no stops: one position opened
 *    at the first cross and held to the end (the per-bar cost with a position open);
 *  - agentAlone: the example agent's manage + scan per bar over the same source, nothing else
 *    (agent-alone.ts): the floor under engineSma.
 * Engine figures are bars over the cycle loop's time (`perf.engineMs`: config and data load excluded;
 * the whole process is packages/cli/bench/backtest-process.bench.ts).
 *
 * Every figure: median and min–max of TK_BENCH_RUNS (≥ 5, default 5) runs after one warm-up, each
 * run followed by the reference (sma-reference.ts: the same rules by hand with running sums over the
 * same closes, repeated to last ≥ 0.5 s) in the same process, and the per-pair ratio figure ÷
 * reference. The reference's trade count is checked against the backtest's.
 * Run: node bench/run.mjs backtest-speed
 */
import { performance } from 'node:perf_hooks';
import { CsvDataSource, SimClock, runBacktest, silentLogger } from '../src/index.js';
import { WARMUP_BARS, eurusd1mDir, writeSmaCaseConfig } from './eurusd-1m.js';
import { agentAlone, loadSmaAgent } from './agent-alone.js';
import { calibratedReference, smaReferenceWindowSums } from './sma-reference.js';
import { benchRuns, paired, summarizeExtra, throughputFigure, type Sample } from './stats.js';

async function engineSample(configFile: string): Promise<Sample> {
  const r = await runBacktest({ configFile }, { logger: silentLogger() });
  return { ms: r.perf.engineMs, units: r.perf.bars, extra: { trades: r.trades.length, setupMs: r.perf.setupMs } };
}

export default async function bench() {
  const runs = benchRuns();
  const dir = eurusd1mDir();
  const none = writeSmaCaseConfig(dir, 'bench-none.yaml', { agent: null, name: 'none' });
  const sma = writeSmaCaseConfig(dir, 'bench-sma.yaml');
  const rare = writeSmaCaseConfig(dir, 'bench-sma-rare.yaml', { agent: { alwaysInMarket: false } });

  const clock = new SimClock(0);
  const src = new CsvDataSource(clock, { dir, serverTime: { utcOffsetHours: 0, dst: 'none' } });
  await src.load();
  await src.flushCache();
  const store = src.store('EURUSD', 'H1');
  const close = store.close.subarray(0, store.length);
  // The bars the backtest cycles over: after the default 300 warm-up bars, to the last.
  // Each reference sample repeats the pass to last ≥ 0.5 s (one pass takes tens of ms).
  const reference = calibratedReference([{ close, from: WARMUP_BARS }], 500);

  const results: Record<string, unknown> = { bars: store.length, runs };

  // 1. The raw data path (a fresh clock and source per run, loaded before the timing: a SimClock
  // never goes back).
  let checksum = 0;
  const dataPath = await paired(async () => {
    const c = new SimClock(0);
    const s = new CsvDataSource(c, { dir, serverTime: { utcOffsetHours: 0, dst: 'none' } });
    await s.load();
    const st = s.store('EURUSD', 'H1');
    let sum = 0;
    const t0 = performance.now();
    for (let i = 1; i < st.length; i++) {
      c.set(st.time[i]!);
      sum += s.bars('EURUSD', 'H1', 1).close[0]!;
    }
    const ms = performance.now() - t0;
    checksum = sum;
    return { ms, units: st.length - 1 };
  }, reference);
  results.dataPath = { ...throughputFigure(dataPath), checksum: Math.round(checksum) };

  // 2. The engine through the backtest driver.
  const engine = async (file: string, checkTrades: boolean) => {
    const p = await paired(() => engineSample(file), reference);
    const trades = p.last.trades as number;
    const refTrades = p.referenceLast.trades as number;
    return {
      ...throughputFigure(p),
      trades,
      ...(checkTrades ? { referenceTrades: refTrades, tradesMatchReference: trades === refTrades } : {}),
      setupMs: summarizeExtra(p.samples, 'setupMs'),
    };
  };
  results.engineNoStrategy = await engine(none, false);
  results.engineSma = await engine(sma, true);
  results.engineSmaRareTrades = await engine(rare, false);

  // 3. The agent on its own: the floor under engineSma.
  const Sma = await loadSmaAgent();
  const alone = await paired(() => agentAlone(Sma, dir), reference);
  results.agentAlone = { ...throughputFigure(alone), trades: alone.last.trades };

  // 4. The reference itself, and the same rules with the plugin's own window sums (bit-equal averages).
  const windowSums = await paired(calibratedReference([{ close, from: WARMUP_BARS }], 500, smaReferenceWindowSums), reference);
  results.reference = {
    what: 'SMA 10/30 crossover by hand over the same closes with running sums (O(1) per bar), always in the market, trades counted like the example plugin in a backtest',
    barsPerSec: windowSums.reference.perSec,
    trades: windowSums.referenceLast.trades,
    windowSums: {
      what: "the same rules adding each window from scratch in the plugin's order (its arithmetic, bit for bit)",
      barsPerSec: windowSums.perSec,
      ratioToReference: windowSums.ratio,
      trades: windowSums.last.trades,
    },
  };

  return {
    name: `backtest speed in process, 1M H1 bars of EURUSD (tiled examples/data), SMA 10/30 example plugin — median and min–max of ${runs} runs, each paired with the hand-written reference`,
    results,
    targets: {
      'engineSma.barsPerSec': '≥ 2M (moonshot 5M)',
      'engineSmaRareTrades.barsPerSec': '≥ 5M',
      'dataPath.barsPerSec': '≥ 20M (issue 6)',
    },
    notes:
      "ratioToReference = figure bars/s ÷ reference bars/s of the pair measured right after it (0.05: the hand-written loop is 20× faster). The reference keeps running sums (O(1) per bar): the issue's \"JS ceiling\" (≈ 55M bars/s quoted there); reference.windowSums is the same rules with the plugin's own per-bar arithmetic (four window sums), which bounds what an engine running this plugin unchanged can reach. agentAlone is the example agent's manage + scan per bar with nothing around it (no engine, broker or journal): engineSma cannot beat it. Engine figures exclude config and data load (setupMs: config, data load from the column cache, plugin setup).",
  };
}
