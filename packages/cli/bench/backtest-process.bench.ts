/**
 * The 1M-bar SMA case as a user runs it (issue 12): `tradekit backtest <config> --no-html --out <dir>`
 * in a new Node process — CSV (or column cache) in, output folder out — over 1M H1 bars of EURUSD
 * tiled from examples/data (core/bench/eurusd-1m.ts) with the SMA 10/30 example plugin (H1, volume
 * 0.1, spread 0, no commission, balance 100000, memory state). Reports the child's wall time (spawn
 * to exit) and its peak RSS, read inside the child: it runs with `--import <data: URL>`, a preload that
 * writes `process.resourceUsage()`'s maxRSS and CPU time to a file on exit (no /usr/bin/time needed).
 *  - processCold: once, with no column cache (`<dir>/.tkcache` and the temp-dir fallback removed);
 *  - processWarm: TK_BENCH_RUNS (≥ 5, default 5) runs after one warm-up, with the cache.
 * Each run is paired with the reference process (sma-reference-child.ts: Node starts, reads the CSV
 * with plain JavaScript, runs the hand-written loop), run right after it, so
 * ratioToReference = tradekit ms ÷ reference ms holds on a busy machine. `--json` is passed so the
 * trade count and the in-process timings can be read; the reference's trade count must match.
 * Run: node bench/run.mjs backtest-process
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ROOT, eurusd1m, stats, type Sample, type Summary } from './core-bench.js';

const CLI = path.join(ROOT, 'packages', 'cli', 'bin', 'tradekit.js');
const REFERENCE_CHILD = path.join(ROOT, 'packages', 'cli', 'dist', 'bench', 'sma-reference-child.js');
const PRELOAD =
  'data:text/javascript,' +
  encodeURIComponent(
    'import{writeFileSync}from"node:fs";const f=process.env.TK_BENCH_USAGE_FILE;if(f)process.on("exit",()=>{const u=process.resourceUsage();writeFileSync(f,JSON.stringify({maxRSS:u.maxRSS,cpuMs:(u.userCPUTime+u.systemCPUTime)/1000}))});',
  );

interface ChildRun {
  ms: number;
  maxRssMB: number;
  /** User + system CPU time of the child (all its threads). */
  cpuMs: number;
  out: Record<string, unknown>;
}

function child(args: string[], scratch: string): ChildRun {
  const usageFile = path.join(scratch, 'usage.json');
  rmSync(usageFile, { force: true });
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', PRELOAD, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, TK_BENCH_USAGE_FILE: usageFile },
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).slice(-2000)}`);
  const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { maxRSS: number; cpuMs: number };
  const text = r.stdout.trim();
  return { ms, maxRssMB: usage.maxRSS / 1024, cpuMs: usage.cpuMs, out: JSON.parse(text.slice(text.indexOf('{'))) as Record<string, unknown> };
}

function removeColumnCache(dir: string): void {
  const csv = path.join(dir, 'EURUSD_H1.csv');
  rmSync(path.join(dir, '.tkcache'), { recursive: true, force: true });
  // The column cache's fallback location (used when the data dir is read-only): see core's column-cache.ts.
  const hash = createHash('sha1').update(path.resolve(csv)).digest('hex').slice(0, 16);
  rmSync(path.join(tmpdir(), 'tradekit-cache', `${hash}-EURUSD_H1.csv.tkcol`), { force: true });
}

export default async function bench() {
  const runs = stats.benchRuns();
  const dir = eurusd1m.eurusd1mDir();
  const csv = path.join(dir, 'EURUSD_H1.csv');
  const config = eurusd1m.writeSmaCaseConfig(dir, 'bench-process-sma.yaml');
  const scratch = mkdtempSync(path.join(tmpdir(), 'tk-bench-process-'));
  try {
    const tradekit = (): Sample => {
      const out = path.join(scratch, 'out');
      rmSync(out, { recursive: true, force: true });
      const r = child([CLI, 'backtest', config, '--no-html', '--out', out, '--json'], scratch);
      return {
        ms: r.ms,
        units: (r.out.perf as { bars: number }).bars,
        extra: { maxRssMB: r.maxRssMB, cpuMs: r.cpuMs, trades: (r.out.stats as { trades: number }).trades, ...(r.out.perf as object) },
      };
    };
    const referenceProcess = (): Sample => {
      const r = child([REFERENCE_CHILD, csv, String(eurusd1m.WARMUP_BARS)], scratch);
      return { ms: r.ms, units: r.out.bars as number, extra: { maxRssMB: r.maxRssMB, cpuMs: r.cpuMs, ...r.out } };
    };

    removeColumnCache(dir);
    const cold = await stats.paired(tradekit, referenceProcess, { runs: 1, warmup: 0 });
    const warm = await stats.paired(tradekit, referenceProcess, { runs, warmup: 1 });

    const figure = (p: typeof cold) => {
      const rss = (xs: Sample[]): Summary => stats.summarizeExtra(xs, 'maxRssMB');
      const trades = p.last.trades as number;
      return {
        ms: p.ms,
        maxRssMB: rss(p.samples),
        cpuMs: stats.summarizeExtra(p.samples, 'cpuMs'),
        barsPerSec: p.perSec,
        engineMs: stats.summarizeExtra(p.samples, 'engineMs'),
        setupMs: stats.summarizeExtra(p.samples, 'setupMs'),
        reference: {
          ms: p.reference.ms,
          maxRssMB: rss(p.referenceSamples),
          cpuMs: stats.summarizeExtra(p.referenceSamples, 'cpuMs'),
          loadMs: stats.summarizeExtra(p.referenceSamples, 'loadMs'),
          loopMs: stats.summarizeExtra(p.referenceSamples, 'loopMs'),
        },
        ratioToReference: p.msRatio,
        trades,
        referenceTrades: p.referenceLast.trades,
        tradesMatchReference: trades === p.referenceLast.trades,
      };
    };
    return {
      name: `whole process: tradekit backtest of 1M H1 bars of EURUSD (SMA 10/30 example plugin), CSV → output folder, wall time and peak RSS — cold once, warm median and min–max of ${runs} runs, each paired with a reference process`,
      results: {
        bars: 1_000_000,
        command: `node packages/cli/bin/tradekit.js backtest <config> --no-html --out <tmp dir> --json`,
        processCold: figure(cold),
        processWarm: figure(warm),
      },
      targets: { 'processWarm.ms': '≤ 1500', 'processWarm.maxRssMB': '≤ 200' },
      notes:
        "ms = spawn to exit of the child (Node start, config, data load, plugin setup, cycles, output files); maxRssMB = the child's peak resident set (process.resourceUsage().maxRSS, written on exit by a --import preload); cpuMs = its user + system CPU time, all threads (less sensitive than ms to what else the machine runs). engineMs/setupMs = what the backtest itself reported (--json). The reference process reads the same CSV with plain JavaScript (no column cache) and runs the hand-written SMA loop from bar 300; ratioToReference = tradekit ms ÷ reference ms of the pair.",
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
