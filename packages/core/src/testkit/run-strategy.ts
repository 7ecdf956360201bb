/**
 * `runStrategy`: a whole config, or one agent plugin on the paper broker, over fixture bars (a
 * directory of CSV files), as a backtest through the real Run and Engine; what comes back is what the
 * strategy decided (every symbol's scan status per cycle), the candidates it proposed, the orders
 * and the closed trades. The look-ahead and warm-up checks are built on it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBacktest } from '../backtest/driver.js';
import { SimClock } from '../clock/sim-clock.js';
import { CsvDataSource } from '../data/csv-source.js';
import type { BacktestResult, BacktestTrade } from '../backtest/types.js';
import type { ServerTimeConfig } from '../data/server-time.js';
import { TIMEFRAME_MS } from '../data/timeframes.js';
import type { TradekitEvent } from '../events/types.js';
import type { Sink } from '../interfaces.js';
import { setAtPath } from '../kernel/run.js';
import { loadConfig } from '../loader/load-config.js';
import { silentLogger } from '../log/logger.js';
import type { RunOptions } from '../kernel/run.js';
import type { Candidate, SymbolInfo, Timeframe } from '../types.js';
import { testkitInput } from './assertion.js';
import { readFixtureBars, type FixtureBars } from './fixture-bars.js';

export interface FixtureDataOptions {
  /** Directory of `{symbol}_{timeframe}.csv` files (relative: to `cwd`). */
  dir: string;
  timeframes?: Timeframe[];
  /** Default `{ utcOffsetHours: 2, dst: 'us' }` (as the CSV plugin's). */
  serverTime?: Partial<ServerTimeConfig>;
  pattern?: string;
  symbolInfo?: Record<string, Partial<SymbolInfo>>;
}

export interface StrategyRunOptions {
  /** A tradekit config file (its data must be `@tradekit/core/csv`). Or `agent`. */
  config?: string;
  /**
   * One agent plugin (a package name resolved from `cwd`, or a path to its module relative to `cwd`)
   * with its `with:`; it runs on the paper broker (10 000 USD, 1:100) over `data`.
   */
  agent?: { use: string; with?: Record<string, unknown> };
  /** The bars: replaces the config's `data.with.dir` (and with `agent`, says where they are). */
  data?: string | FixtureDataOptions;
  symbols?: string[];
  /** Primary timeframe (one cycle per closed bar; default the config's or the finest). */
  timeframe?: Timeframe;
  /** `run.warmupBars` (finest bars before the first cycle); with `agent` default 300. */
  warmupBars?: number;
  /** Replay window (ISO or epoch ms UTC); default the data's span after the warm-up. */
  from?: string | number;
  to?: string | number;
  /** Config values at JSON paths (`{ 'agents[0].with.fast': 5 }`). */
  set?: Record<string, unknown>;
  /** Close what is still open at the end (default true). */
  closeAtEnd?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Where package names resolve from (default `[cwd]`). */
  searchPaths?: string[];
  /** Base of relative paths (default `process.cwd()`). */
  cwd?: string;
  /** Default: silent. */
  logger?: RunOptions['logger'];
}

/** One symbol's scan status in one cycle (`No Cross`, `Insufficient Data`, `signal`, `filled` …). */
export interface Decision {
  /** The cycle time (epoch ms UTC). */
  time: number;
  /** `*` for a cycle a gate skipped. */
  symbol: string;
  status: string;
}

export interface SignalRecord {
  time: number;
  candidate: Candidate;
}

export interface OrderRecord {
  time: number;
  event: 'placed' | 'filled' | 'rejected' | 'cancelled';
  /** The event's payload (intent and result, or the cancelled order). */
  data: unknown;
}

export interface StrategyRun {
  decisions: Decision[];
  signals: SignalRecord[];
  orders: OrderRecord[];
  /** Closed trades, by entry time. */
  trades: BacktestTrade[];
  /** The backtest (statistics, equity, final account). */
  result: BacktestResult;
}

/** What the checks need to know about a config's data and run. */
export interface StrategySetup {
  configFile: string;
  symbols: string[];
  warmupBars: number;
  cycleMs: number;
  csv: {
    dir: string;
    serverTime: ServerTimeConfig;
    pattern: string;
    timeframes?: Timeframe[];
    symbolInfo: Record<string, Partial<SymbolInfo>>;
    digitsFromBars?: number;
  };
  /** Removes the temporary config (agent mode). */
  dispose(): Promise<void>;
}

const cloneJson = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Collects decisions, signals and orders from the run's events. */
class Recorder implements Sink {
  readonly name = 'testkit-recorder';
  readonly decisions: Decision[] = [];
  readonly signals: SignalRecord[] = [];
  readonly orders: OrderRecord[] = [];

  publish(e: TradekitEvent): void {
    switch (e.type) {
      case 'scan.summary': {
        const d = e.data as TradekitEvent<'scan.summary'>['data'];
        if (d.gated) this.decisions.push({ time: d.startedAt, symbol: '*', status: `gated: ${d.gated}` });
        for (const [symbol, status] of Object.entries(d.symbols)) this.decisions.push({ time: d.startedAt, symbol, status });
        break;
      }
      case 'signal':
        this.signals.push({ time: e.time, candidate: cloneJson((e.data as TradekitEvent<'signal'>['data']).candidate) });
        break;
      case 'order.placed':
      case 'order.filled':
      case 'order.rejected':
      case 'order.cancelled':
        this.orders.push({ time: e.time, event: e.type.slice(6) as OrderRecord['event'], data: cloneJson(e.data) });
        break;
      default:
    }
  }
}

/** Reads the config (or builds one for `agent`) and finds its CSV data. */
/** The fixture bars a prepared strategy runs over (its CSV folder, symbols and timeframes). */
export function setupBars(setup: StrategySetup): Promise<FixtureBars> {
  return readFixtureBars(setup.csv.dir, {
    serverTime: setup.csv.serverTime,
    pattern: setup.csv.pattern,
    symbols: setup.symbols,
    timeframes: setup.csv.timeframes,
  });
}

export async function prepareStrategy(o: StrategyRunOptions): Promise<StrategySetup> {
  const cwd = o.cwd ?? process.cwd();
  let configFile: string;
  let tmp: string | undefined;
  const dataDir = o.data === undefined ? undefined : path.resolve(cwd, typeof o.data === 'string' ? o.data : o.data.dir);
  if (o.config && o.agent) throw testkitInput('give either config or agent, not both');
  if (o.config) configFile = path.resolve(cwd, o.config);
  else if (o.agent) {
    if (!dataDir) throw testkitInput('with agent, say where the bars are: data');
    if (!o.symbols?.length) throw testkitInput('with agent, name the symbols');
    const d: FixtureDataOptions = typeof o.data === 'object' ? o.data : { dir: dataDir };
    const use = o.agent.use.startsWith('.') ? path.resolve(cwd, o.agent.use) : o.agent.use;
    const tf = o.timeframe ?? d.timeframes?.[0] ?? 'M5';
    const config = {
      run: { name: 'testkit', mode: 'paper', cycleSeconds: TIMEFRAME_MS[tf] / 1000, pace: 'max', warmupBars: o.warmupBars ?? 300 },
      symbols: o.symbols,
      data: {
        use: '@tradekit/core/csv',
        with: {
          dir: dataDir,
          ...(d.timeframes && { timeframes: d.timeframes }),
          ...(d.serverTime && { serverTime: d.serverTime }),
          ...(d.pattern && { pattern: d.pattern }),
          ...(d.symbolInfo && { symbolInfo: d.symbolInfo }),
        },
      },
      broker: { use: '@tradekit/core/paper', with: { balance: 10000, currency: 'USD', leverage: 100 } },
      agents: [{ use, with: o.agent.with ?? {} }],
      state: { url: 'memory:' },
    };
    tmp = await mkdtemp(path.join(tmpdir(), 'tk-testkit-'));
    configFile = path.join(tmp, 'tradekit.yaml');
    // JSON is YAML.
    await writeFile(configFile, JSON.stringify(config, null, 2));
  } else throw testkitInput('runStrategy needs a config file or an agent');
  const dispose = async (): Promise<void> => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  };
  try {
    const loaded = await loadConfig(configFile, {
      env: o.env,
      searchPaths: o.searchPaths ?? [cwd],
      overrides: (raw) => {
        for (const [k, v] of Object.entries(o.set ?? {})) setAtPath(raw, k, v);
        if (o.symbols) raw.symbols = o.symbols;
        if (dataDir) setAtPath(raw, 'data.with.dir', dataDir);
        if (o.warmupBars !== undefined) setAtPath(raw, 'run.warmupBars', o.warmupBars);
      },
    });
    if (loaded.errors.length) throw loaded.errors[0]!;
    const data = loaded.plugins.find((p) => p.slot === 'data');
    if (data?.manifest.name !== '@tradekit/core/csv') {
      throw testkitInput(`the test kit replays CSV bars: the config's data must use @tradekit/core/csv (it uses ${data?.manifest.name ?? 'nothing'})`);
    }
    const c = data.config as StrategySetup['csv'];
    return {
      configFile,
      symbols: [...loaded.config.symbols],
      warmupBars: loaded.config.run.warmupBars,
      cycleMs: loaded.config.run.cycleSeconds * 1000,
      csv: {
        dir: path.resolve(loaded.source.dir, c.dir),
        serverTime: c.serverTime,
        pattern: c.pattern,
        timeframes: c.timeframes,
        symbolInfo: c.symbolInfo ?? {},
        digitsFromBars: c.digitsFromBars,
      },
      dispose,
    };
  } catch (e) {
    await dispose();
    throw e;
  }
}

const isoOf = (t: string | number | undefined): string | undefined => (typeof t === 'number' ? new Date(t).toISOString() : t);

/**
 * The symbols' contracts as the CSV source infers them from the original bars (digits from a prefix of
 * the data, profiles, the config's overrides).
 */
export async function inferredSymbolInfo(setup: StrategySetup): Promise<Record<string, SymbolInfo>> {
  const src = new CsvDataSource(new SimClock(0), {
    dir: setup.csv.dir,
    symbols: setup.symbols,
    timeframes: setup.csv.timeframes,
    serverTime: setup.csv.serverTime,
    pattern: setup.csv.pattern,
    symbolInfo: setup.csv.symbolInfo,
    digitsFromBars: setup.csv.digitsFromBars,
    columnCache: false,
  });
  await src.load();
  return Object.fromEntries(setup.symbols.map((s) => [s, src.symbolInfo(s)]));
}

/** Runs a prepared strategy, optionally over another directory of bars. */
export async function runPrepared(setup: StrategySetup, o: StrategyRunOptions, dataDir?: string): Promise<StrategyRun> {
  const rec = new Recorder();
  const set: Record<string, unknown> = { ...o.set };
  if (o.warmupBars !== undefined) set['run.warmupBars'] = o.warmupBars;
  set['data.with.dir'] = dataDir ?? setup.csv.dir;
  // Variants are written once and read once: no column cache beside them.
  if (dataDir) set['data.with.columnCache'] = false;
  const result = await runBacktest(
    {
      configFile: setup.configFile,
      env: o.env,
      searchPaths: o.searchPaths ?? [o.cwd ?? process.cwd()],
      from: isoOf(o.from),
      to: isoOf(o.to),
      symbols: o.symbols,
      timeframe: o.timeframe,
      set,
      closeAtEnd: o.closeAtEnd,
      runId: 'testkit',
    },
    { logger: o.logger ?? silentLogger(), sinks: [rec] },
  );
  return { decisions: rec.decisions, signals: rec.signals, orders: rec.orders, trades: result.trades, result };
}

/** Runs a config or an agent over fixture bars and returns its decisions, signals, orders and trades. */
export async function runStrategy(o: StrategyRunOptions): Promise<StrategyRun> {
  const setup = await prepareStrategy(o);
  try {
    return await runPrepared(setup, o);
  } finally {
    await setup.dispose();
  }
}
