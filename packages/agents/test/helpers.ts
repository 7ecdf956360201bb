/** Shared test fixtures: real core parts (CSV source, SimClock, paper broker, memory store) only. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  compileSchema,
  CsvDataSource,
  MemoryStateStore,
  PaperBroker,
  type SimClock,
  silentLogger,
  TIMEFRAME_MS,
  type Broker,
  type CycleContext,
  type DataSource,
  type PendingOrder,
  type Position,
  type RunInfo,
  type StateStore,
  type SymbolInfo,
  type SymbolScan,
  type Timeframe,
} from '@tradekit/core';

export const SAMPLE_DIR = fileURLToPath(new URL('../../../../examples/data/', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
export const SIX = ['EURUSD', 'GBPUSD', 'USDJPY', 'XAUUSD', 'NAS100', 'US30'];

/** Applies a plugin schema's defaults (what the loader does before setup). */
export function withDefaults<T>(schema: object, partial: Record<string, unknown> = {}): T {
  const v = JSON.parse(JSON.stringify(partial)) as Record<string, unknown>;
  const validate = compileSchema(schema);
  if (!validate(v)) throw new Error(`invalid test config: ${JSON.stringify(validate.errors)}`);
  return v as T;
}

export async function sampleSource(
  clock: SimClock,
  symbols: string[] = SIX,
  timeframes: Timeframe[] = ['M5', 'H1', 'H4'],
  symbolInfo: Record<string, Partial<SymbolInfo>> = {},
): Promise<CsvDataSource> {
  const src = new CsvDataSource(clock, { dir: SAMPLE_DIR, symbols, timeframes, serverTime: { utcOffsetHours: 2, dst: 'us' }, symbolInfo });
  await src.load();
  return src;
}

export interface SynthBar {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume?: number;
}

function stamp(t: number): string {
  return new Date(t).toISOString().slice(0, 19).replace('T', ' ');
}

/** Writes bars (times in UTC) as an MT5-style CSV; read back with serverTime {0, none}. */
export function writeBars(dir: string, symbol: string, tf: Timeframe, bars: readonly SynthBar[], digits = 5): void {
  const lines = ['time,open,high,low,close,volume'];
  for (const b of bars)
    lines.push(`${stamp(b.time)},${b.open.toFixed(digits)},${b.high.toFixed(digits)},${b.low.toFixed(digits)},${b.close.toFixed(digits)},${b.volume ?? 100}`);
  writeFileSync(path.join(dir, `${symbol}_${tf}.csv`), `${lines.join('\n')}\n`);
}

export function tempDir(prefix = 'tk-agents-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export async function synthSource(
  dir: string,
  clock: SimClock,
  symbols: string[],
  timeframes: Timeframe[],
  symbolInfo: Record<string, Partial<SymbolInfo>> = {},
): Promise<CsvDataSource> {
  const src = new CsvDataSource(clock, { dir, symbols, timeframes, serverTime: { utcOffsetHours: 0, dst: 'none' }, symbolInfo });
  await src.load();
  return src;
}

/**
 * Bars from a path of closes: open = previous close, high/low = max/min(open, close) ± `wick`.
 * `start` is the open time of the first bar.
 */
export function barsFromCloses(start: number, tf: Timeframe, closes: readonly number[], wick: number, first?: number): SynthBar[] {
  const ms = TIMEFRAME_MS[tf];
  const out: SynthBar[] = [];
  let prev = first ?? closes[0]!;
  closes.forEach((c, i) => {
    const o = prev;
    out.push({ time: start + i * ms, open: o, high: Math.max(o, c) + wick, low: Math.min(o, c) - wick, close: c, volume: 100 });
    prev = c;
  });
  return out;
}

/** Deterministic pseudo-random numbers (LCG) so synthetic data is the same on every run. */
export function rng(seed = 1): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** An approximately standard normal draw from a uniform generator (sum of 12 uniforms − 6). */
export function gauss(r: () => number): number {
  let s = 0;
  for (let i = 0; i < 12; i++) s += r();
  return s - 6;
}

export const RUN: RunInfo = Object.freeze({ id: 'test@1', name: 'test', mode: 'paper', magic: 4242 });

export interface CycleParts {
  clock: SimClock;
  data: DataSource;
  broker?: Broker;
  state?: StateStore;
  positions?: Position[];
  orders?: PendingOrder[];
  symbols?: readonly string[];
}

/** A CycleContext as the engine builds it (plain data; no engine needed for unit tests). */
export function cycleOf(p: CycleParts): CycleContext {
  const broker = p.broker ?? new PaperBroker(p.clock, p.data);
  return {
    seq: 1,
    startedAt: p.clock.now(),
    run: RUN,
    clock: p.clock,
    data: p.data,
    broker,
    state: p.state ?? new MemoryStateStore(() => p.clock.now()),
    log: silentLogger(),
    signal: new AbortController().signal,
    symbols: p.symbols ?? [],
    tradingState: 'ACTIVE',
    positions: p.positions ?? [],
    orders: p.orders ?? [],
    actions: [],
    scans: new Map<string, SymbolScan>(),
    bag: new Map(),
  };
}

export function utc(s: string): number {
  return Date.parse(s.endsWith('Z') ? s : `${s}Z`);
}
