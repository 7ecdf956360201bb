/**
 * Warm-up checks: what a strategy does from a time W on must not depend on how much history came
 * before W, once it has its warm-up. `checkWarmup` runs the strategy from W over bars whose history
 * before W is cut to k bars (in every file: MT5 exports keep "max bars" per timeframe) for several k,
 * and compares everything (decisions, candidates, orders, trades) with the run over all the history.
 * `checkIndicatorWarmup` does the same for one indicator's values.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TIMEFRAME_MS, sortTimeframes } from '../data/timeframes.js';
import { TestkitAssertionError, iso, testkitInput } from './assertion.js';
import { compareRuns, describeDiff, type RecordDiff } from './compare.js';
import { trimBefore, writeFixtureBars } from './fixture-bars.js';
import { inferredSymbolInfo, prepareStrategy, runPrepared, setupBars, type StrategyRunOptions } from './run-strategy.js';
import type { SymbolInfo } from '../types.js';

export interface WarmupOptions extends StrategyRunOptions {
  /** Start of the compared window: a cycle time (ISO or epoch ms; default the middle of the data). */
  at?: number | string;
  /**
   * Bars of history before `at` to try, in every file (default: `run.warmupBars + 1` — what a
   * backtest's first cycle has —, twice and four times that). The reference keeps all the data has.
   */
  history?: number[];
  /**
   * Keep each symbol's digits as inferred from all the bars in every variant (default true): a CSV
   * source infers them from the first bars it has, and where the history starts is what varies here,
   * not the contract (a broker states it). `false` checks the inference too.
   */
  pinDigits?: boolean;
  /** `assertWarmup`: fewer decisions than this in the window is TK_ERR_TESTKIT_WEAK (default 1). */
  minDecisions?: number;
}

export interface WarmupVariant {
  /** Bars of history before `at` (per file). */
  bars: number;
  compared: number;
  diff?: RecordDiff;
}

export interface WarmupReport {
  ok: boolean;
  at: number;
  warmupBars: number;
  variants: WarmupVariant[];
  /** The shortest history tried from which every longer one matched the reference (undefined: none did). */
  stableFrom?: number;
  /** Decisions of the reference run in the window. */
  decisions: number;
}

/** Runs the warm-up check and reports every variant (throws only on bad input). */
export async function checkWarmup(o: WarmupOptions): Promise<WarmupReport> {
  const setup = await prepareStrategy(o);
  const tmp = await mkdtemp(path.join(tmpdir(), 'tk-warmup-'));
  try {
    const bars = await setupBars(setup);
    let at: number;
    if (o.at !== undefined) at = typeof o.at === 'number' ? o.at : Date.parse(o.at);
    else {
      // The middle of the finest file of each symbol; the latest of those, on the cycle grid.
      at = -Infinity;
      for (const s of setup.symbols) {
        const files = bars.files.filter((f) => f.symbol === s);
        if (!files.length) throw testkitInput(`no bars for ${s} in ${setup.csv.dir}`);
        const finest = files.find((f) => f.timeframe === sortTimeframes(files.map((x) => x.timeframe))[0])!;
        at = Math.max(at, finest.utc[finest.bars.length >> 1]! + TIMEFRAME_MS[finest.timeframe]);
      }
      at = Math.ceil(at / setup.cycleMs) * setup.cycleMs;
    }
    if (!Number.isFinite(at)) throw testkitInput(`at: not a time (${String(o.at)})`);
    const w = setup.warmupBars + 1;
    const history = [...new Set(o.history ?? [w, 2 * w, 4 * w])].sort((a, b) => a - b);
    if (history.some((k) => !(Number.isInteger(k) && k > 0))) throw testkitInput(`history: whole numbers of bars > 0, got ${history.join(', ')}`);
    const run = { ...o, from: at, closeAtEnd: false };
    if (o.pinDigits !== false) {
      const infos = await inferredSymbolInfo(setup);
      const symbolInfo: Record<string, Partial<SymbolInfo>> = { ...setup.csv.symbolInfo };
      for (const [s, info] of Object.entries(infos)) symbolInfo[s] = { ...symbolInfo[s], digits: info.digits };
      run.set = { ...o.set, 'data.with.symbolInfo': symbolInfo };
    }
    const reference = await runPrepared(setup, run);
    const end = Math.max(...reference.decisions.map((d) => d.time), at);
    const variants: WarmupVariant[] = [];
    // The most bars closed by `at` in any file: a history that long cuts nothing (the reference itself).
    const available = Math.max(
      ...bars.files.map((f) => {
        let i = 0;
        while (i < f.bars.length && f.utc[i]! + TIMEFRAME_MS[f.timeframe] <= at) i++;
        return i;
      }),
    );
    let k = 0;
    for (const n of history) {
      if (n >= available) break;
      const dir = path.join(tmp, `h${k++}`);
      await writeFixtureBars(bars, dir, (f) => trimBefore(f, at, n));
      const r = await runPrepared(setup, run, dir);
      const c = compareRuns(reference, r, at, end);
      variants.push({ bars: n, compared: c.compared, diff: c.diff });
      await rm(dir, { recursive: true, force: true });
    }
    let stableFrom: number | undefined;
    for (let i = variants.length - 1; i >= 0 && !variants[i]!.diff; i--) stableFrom = variants[i]!.bars;
    if (!variants.length) stableFrom = undefined;
    return { ok: variants.every((v) => !v.diff), at, warmupBars: setup.warmupBars, variants, stableFrom, decisions: reference.decisions.length };
  } finally {
    await rm(tmp, { recursive: true, force: true });
    await setup.dispose();
  }
}

/** The warm-up check as an assertion: throws TK_ERR_TESTKIT_WARMUP or TK_ERR_TESTKIT_WEAK; returns the report. */
export async function assertWarmup(o: WarmupOptions): Promise<WarmupReport> {
  const report = await checkWarmup(o);
  const bad = report.variants.filter((v) => v.diff);
  if (bad.length) {
    const v = bad[0]!;
    const d = v.diff!;
    const advice = report.stableFrom !== undefined ? `it was stable from ${report.stableFrom} bars of history` : 'no history tried was enough';
    throw new TestkitAssertionError(
      'TK_ERR_TESTKIT_WARMUP',
      `warm-up: from ${iso(report.at)} on, the strategy did something else with ${v.bars} bars of history than with all of it (run.warmupBars is ${report.warmupBars}; ${advice}); ${describeDiff(d)}`,
      { actual: d.actual, expected: d.expected, details: { at: report.at, bars: v.bars, stableFrom: report.stableFrom, kind: d.kind, time: d.time } },
    );
  }
  if (!report.variants.length)
    throw testkitInput(
      `warm-up: the data has no more than ${Math.min(...(o.history ?? [report.warmupBars + 1]))} bars before ${iso(report.at)}: nothing to compare; choose a later \`at\``,
    );
  if (report.decisions < (o.minDecisions ?? 1)) {
    throw new TestkitAssertionError('TK_ERR_TESTKIT_WEAK', `warm-up check too weak: ${report.decisions} decision(s) from ${iso(report.at)} on`, {
      details: { decisions: report.decisions },
    });
  }
  return report;
}

/** Columns an indicator reads (any of them; a BarSeries or parsed CSV bars fit). */
export interface IndicatorInput {
  readonly length: number;
  readonly open?: ArrayLike<number>;
  readonly high?: ArrayLike<number>;
  readonly low?: ArrayLike<number>;
  readonly close?: ArrayLike<number>;
  readonly volume?: ArrayLike<number>;
}

export interface IndicatorWarmupOptions {
  /** One value per bar of the input (NaN while not ready). */
  compute(bars: IndicatorInput): ArrayLike<number>;
  bars: IndicatorInput;
  /** Bars the indicator's user gives it before reading it. */
  warmup: number;
  /** Offsets where the shortened histories start (default 1, 7, 50 and a quarter of the bars). */
  starts?: number[];
  /** Relative tolerance (default 1e-9; |a − b| ≤ tolerance × max(1, |b|)). */
  tolerance?: number;
  /** For the message. */
  name?: string;
}

export interface IndicatorWarmupReport {
  ok: boolean;
  warmup: number;
  /** Bars after which every shortened history matched (the warm-up the indicator needs, within the tolerance). */
  needed: number;
  compared: number;
  first?: { start: number; bar: number; expected: number; actual: number };
}

const sliceCols = (b: IndicatorInput, from: number): IndicatorInput => {
  const cut = (a?: ArrayLike<number>): Float64Array | undefined => (a ? Float64Array.from(Array.prototype.slice.call(a, from) as number[]) : undefined);
  return { length: b.length - from, open: cut(b.open), high: cut(b.high), low: cut(b.low), close: cut(b.close), volume: cut(b.volume) };
};

/** An indicator's values after `warmup` bars are the same however much earlier its input starts. */
export function checkIndicatorWarmup(o: IndicatorWarmupOptions): IndicatorWarmupReport {
  const n = o.bars.length;
  const tol = o.tolerance ?? 1e-9;
  if (!(o.warmup >= 0 && o.warmup < n - 1)) throw testkitInput(`warmup ${o.warmup} leaves nothing to compare in ${n} bars`);
  const full = o.compute(o.bars);
  const starts = (o.starts ?? [1, 7, 50, n >> 2]).filter((s) => s > 0 && s + o.warmup < n);
  if (!starts.length) throw testkitInput(`no start offset leaves bars to compare (${n} bars, warm-up ${o.warmup})`);
  let needed = 0;
  let compared = 0;
  let first: IndicatorWarmupReport['first'];
  for (const s of starts) {
    const part = o.compute(sliceCols(o.bars, s));
    // The last bar where the shortened history still differs tells the warm-up it needs.
    compared += Math.max(0, part.length - o.warmup);
    for (let i = part.length - 1; i >= 0; i--) {
      const a = part[i]!;
      const b = full[s + i]!;
      if ((Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= tol * Math.max(1, Math.abs(b))) continue;
      needed = Math.max(needed, i + 1);
      if (i >= o.warmup && (!first || i > first.bar)) first = { start: s, bar: i, expected: b, actual: a };
      break;
    }
  }
  return { ok: needed <= o.warmup, warmup: o.warmup, needed, compared, first };
}

/** The indicator check as an assertion (TK_ERR_TESTKIT_WARMUP with the warm-up it needs). */
export function assertIndicatorWarmup(o: IndicatorWarmupOptions): IndicatorWarmupReport {
  const r = checkIndicatorWarmup(o);
  if (!r.ok) {
    const f = r.first!;
    throw new TestkitAssertionError(
      'TK_ERR_TESTKIT_WARMUP',
      `warm-up: ${o.name ?? 'the indicator'} needs ${r.needed} bars to settle within ${o.tolerance ?? 1e-9} (given ${o.warmup}): with the input starting ${f.start} bars later, bar ${f.bar} after the start is ${f.actual} instead of ${f.expected}`,
      { actual: f.actual, expected: f.expected, details: { needed: r.needed, warmup: o.warmup, start: f.start, bar: f.bar } },
    );
  }
  return r;
}
