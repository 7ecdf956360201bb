/** What a backtest takes and gives back. Reports, sweeps and the dashboard consume `BacktestResult`. */
import type { Account, Side, Timeframe } from '../types.js';

export interface BacktestOptions {
  configFile: string;
  env?: NodeJS.ProcessEnv;
  searchPaths?: readonly string[];
  /** ISO dates (UTC); default: the data's span after warm-up. */
  from?: string;
  to?: string;
  /** Replace the config's symbols. */
  symbols?: string[];
  /** Primary timeframe (one cycle per closed bar); default `run.timeframe` or the finest the data has. */
  timeframe?: Timeframe;
  /** Values set at config JSON paths before validation, e.g. `{ 'agents[0].with.fast': 5 }` (sweeps). */
  set?: Record<string, unknown>;
  /** Close positions still open at the last cycle (default true), so every trade has an exit. */
  closeAtEnd?: boolean;
  /** Called every few thousand cycles (and at the end). */
  onProgress?(done: number, total: number): void;
  /** Include each symbol's primary-timeframe bars in the result (for charts). Default false. */
  includeBars?: boolean;
  /** The run's id (default `name@session`, a wall-clock stamp): fixed, client order ids repeat from run to run (the test kit). */
  runId?: string;
  /** Record per-hook timings (default false in backtests: two clock reads per tap call). */
  hookTimings?: boolean;
}

export interface BacktestTrade {
  id: string;
  symbol: string;
  side: Side;
  volume: number;
  entryTime: number;
  entryPrice: number;
  exitTime: number;
  exitPrice: number;
  exitReason: string;
  /** Net of commission and swap, account currency. */
  profit: number;
  commission: number;
  agent?: string;
}

/**
 * The closed trades as columns, by entry time (then id): what the report writers read, without an
 * object per trade. Row `i` of every column is trade `i`.
 */
export interface BacktestTradeColumns {
  readonly length: number;
  readonly id: readonly string[];
  readonly symbol: readonly string[];
  readonly side: readonly Side[];
  readonly volume: Float64Array;
  readonly entryTime: Float64Array;
  readonly entryPrice: Float64Array;
  readonly exitTime: Float64Array;
  readonly exitPrice: Float64Array;
  /** '' when none was recorded. */
  readonly exitReason: readonly string[];
  /** Net of commission and swap, account currency. */
  readonly profit: Float64Array;
  readonly commission: Float64Array;
  readonly agent: readonly (string | undefined)[];
}

/** An equity curve as columns (one point per row). */
export interface EquityColumns {
  time: Float64Array;
  balance: Float64Array;
  equity: Float64Array;
}

export interface EquityPoint {
  time: number;
  balance: number;
  equity: number;
}

export interface BacktestStats {
  startBalance: number;
  endBalance: number;
  endEquity: number;
  totalReturnPct: number;
  cagrPct: number;
  maxDrawdownPct: number;
  /** Longest time from a peak to the recovery of that peak (or to the end), ms. */
  maxDrawdownDurationMs: number;
  /** Annualised from per-cycle equity returns. */
  sharpe: number;
  sortino: number;
  winRatePct: number;
  profitFactor: number;
  /** Average net profit per trade. */
  expectancy: number;
  /** Share of time with at least one position open, %. */
  exposurePct: number;
  trades: number;
  wins: number;
  losses: number;
}

export interface BacktestSeries {
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
}

export interface BacktestResult {
  name: string;
  configFile: string;
  symbols: string[];
  timeframe: Timeframe;
  from: number;
  to: number;
  currency: string;
  /** The closed trades, by entry time. Built from `tradeColumns` on first read. */
  trades: BacktestTrade[];
  tradeColumns: BacktestTradeColumns;
  /** At most 20,000 points of the equity curve (statistics use every cycle). Built from `equityColumns` on first read. */
  equity: EquityPoint[];
  equityColumns: EquityColumns;
  stats: BacktestStats;
  finalAccount: Account;
  /** Per symbol, when `includeBars`. */
  bars?: Record<string, BacktestSeries>;
  perf: {
    cycles: number;
    /** Primary-timeframe bars processed across symbols. */
    bars: number;
    /** Time inside the cycle loop (engine, plugins, broker). */
    engineMs: number;
    /** Config load, data load and plugin setup. */
    setupMs: number;
  };
}
