/**
 * The shipped strategies as backtests over the sample data (6 symbols × M5, with H1/H4), in process:
 *  - examples/institutional.yaml (institutional agents, risk policy, trade manager);
 *  - stat-arb over four pairs (test/fixtures/backtest/stat-arb.yaml: H1 cointegration, M5 cycles).
 * Engine throughput = bars / engineMs as `runBacktest(...).perf` reports it (wall time of the cycle
 * loop), one unmeasured warm-up run then RUNS measured runs: median (min–max). The CPU figure is the
 * process's CPU time over the same loop (less sensitive to other load on the machine; it counts GC
 * threads too). Targets (issue 12): institutional ≥ 300k bars/s, stat-arb ≥ 30k bars/s.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBacktest, silentLogger } from '@tradekit/core';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const RUNS = Number(process.env.TK_BENCH_RUNS ?? 5);

interface Figure {
  median: number;
  min: number;
  max: number;
}

function figure(xs: number[]): Figure {
  const s = [...xs].sort((a, b) => a - b);
  return { median: Math.round(s[Math.floor(s.length / 2)]!), min: Math.round(s[0]!), max: Math.round(s[s.length - 1]!) };
}

async function measure(configFile: string): Promise<{ barsPerSec: Figure; cpuBarsPerSec: Figure; bars: number; cycles: number; trades: number }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  let bars = 0;
  let cycles = 0;
  let trades = 0;
  for (let i = 0; i <= RUNS; i++) {
    let c0: NodeJS.CpuUsage | undefined;
    let used: NodeJS.CpuUsage | undefined;
    const r = await runBacktest(
      {
        configFile,
        searchPaths: [import.meta.url],
        onProgress: (n, total) => {
          if (n === 0 && !c0) c0 = process.cpuUsage();
          if (n === total) used = process.cpuUsage(c0);
        },
      },
      { logger: silentLogger() },
    );
    bars = r.perf.bars;
    cycles = r.perf.cycles;
    trades = r.trades.length;
    if (i === 0) continue; // warm-up
    wall.push(bars / (r.perf.engineMs / 1000));
    if (used) cpu.push(bars / ((used.user + used.system) / 1e6));
  }
  return { barsPerSec: figure(wall), cpuBarsPerSec: figure(cpu), bars, cycles, trades };
}

export default async function bench() {
  const institutional = await measure(path.join(ROOT, 'examples', 'institutional.yaml'));
  const statArb = await measure(fileURLToPath(new URL('../../test/fixtures/backtest/stat-arb.yaml', import.meta.url)));
  return {
    name: 'shipped strategies as backtests over the sample data (engine bars/s)',
    results: { institutional, statArb },
    targets: { institutional: '≥ 300k bars/s', statArb: '≥ 30k bars/s' },
    notes: `${RUNS} measured runs after one warm-up, in one process; median (min–max). bars = primary-timeframe bars of all symbols; engine time excludes config and data loading`,
  };
}
