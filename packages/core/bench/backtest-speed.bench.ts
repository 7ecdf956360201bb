/**
 * Backtest speed on 1M M1 bars (one synthetic symbol): the raw data path, the engine with no strategy,
 * the SMA-crossover example through the full plugin path (trading every ~27 bars, and trading
 * rarely), and the whole process as a user feels it (CSV load included, cold and with the column
 * cache), with peak RSS. Targets (issue 6): ≥ 20M bars/s data path, ≥ 5M bars/s SMA engine time,
 * < 1 s whole process, < 200 MB RSS.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { CsvDataSource, SimClock, runBacktest, silentLogger } from '../src/index.js';
import { smaConfig, syntheticDir } from './synthetic-csv.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const EXAMPLES = path.join(ROOT, 'examples');
const N = 1_000_000;

async function engineRun(file: string): Promise<{ barsPerSec: number; engineMs: number; trades: number }> {
  let best = Infinity;
  let trades = 0;
  let bars = 0;
  for (let i = 0; i < 3; i++) {
    const r = await runBacktest({ configFile: file }, { logger: silentLogger() });
    best = Math.min(best, r.perf.engineMs);
    trades = r.trades.length;
    bars = r.perf.bars;
  }
  return { barsPerSec: Math.round(bars / (best / 1000)), engineMs: Math.round(best), trades };
}

function wholeProcess(file: string): { wallMs: number; maxRssMB: number } {
  const script = `import('${path.join(ROOT, 'packages/core/dist/src/index.js')}').then(async (m) => { await m.runBacktest({ configFile: '${file}' }, { logger: m.silentLogger() }); process.stdout.write(JSON.stringify({ maxRss: process.resourceUsage().maxRSS })); })`;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(r.stderr);
  return { wallMs: Math.round(wallMs), maxRssMB: Math.round((JSON.parse(r.stdout) as { maxRss: number }).maxRss / 1024) };
}

export default async function bench() {
  const dir = syntheticDir(N);
  const results: Record<string, unknown> = {};

  // 1. The raw data path: advance the clock one bar and read the newest closed bar's close.
  {
    let best = Infinity;
    let sum = 0;
    let n = 0;
    for (let rep = 0; rep < 3; rep++) {
      const clock = new SimClock(0);
      const src = new CsvDataSource(clock, { dir, serverTime: { utcOffsetHours: 0, dst: 'none' } });
      await src.load();
      const store = src.store('EURUSD', 'M1');
      n = store.length - 1;
      const t0 = performance.now();
      for (let i = 1; i < store.length; i++) {
        clock.set(store.time[i]!);
        const b = src.bars('EURUSD', 'M1', 1);
        sum += b.close[0]!;
      }
      best = Math.min(best, performance.now() - t0);
    }
    results.dataPathBarsPerSec = Math.round(n / (best / 1000));
    results.dataPathChecksum = Math.round(sum);
  }

  const write = (name: string, agent: string): string => {
    const f = path.join(dir, `${name}.yaml`);
    writeFileSync(f, smaConfig(dir, EXAMPLES, agent));
    return f;
  };
  const none = write('none', '');
  const sma = write('sma', '{ fast: 10, slow: 30, timeframe: M1, volume: 0.1 }');
  const smaRare = write('sma-rare', '{ fast: 10, slow: 30, timeframe: M1, volume: 0.1, alwaysInMarket: false, slPoints: 3000, tpPoints: 3000 }');

  // 2. The whole process (cold: no column cache yet; warm: with it).
  rmSync(path.join(dir, '.tkcache'), { recursive: true, force: true });
  results.processColdNoStrategy = wholeProcess(none);
  results.processWarmNoStrategy = wholeProcess(none);
  results.processWarmSma = wholeProcess(sma);

  // 3. Engine time through the backtest driver (best of 3).
  results.engineNoStrategy = await engineRun(none);
  results.engineSma = await engineRun(sma);
  results.engineSmaRareTrades = await engineRun(smaRare);

  return {
    name: 'backtest speed, 1M synthetic M1 bars (SMA 10/30 example agent)',
    results,
    targets: { dataPathBarsPerSec: '≥ 20M', engineSma: '≥ 5M bars/s', processWarm: '< 1 s', maxRssMB: '< 200 MB' },
    notes: 'engineSma trades every ~27 bars (36k trades); engineSmaRareTrades holds one position the whole time (per-bar cost with a position open).',
  };
}
