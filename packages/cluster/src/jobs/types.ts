/** What travels through the `tk-jobs` queue and what a worker records for each job. */
import type { BacktestStats } from '@tradekit/core';

/**
 * What every combination of a sweep shares: the local sweep's `SweepBase` without the search paths
 * (a worker resolves plugins from its own install). `configFile` is an absolute path that every
 * worker must be able to read (a shared checkout or volume).
 */
export interface BacktestBase {
  configFile: string;
  from?: string;
  to?: string;
  symbols?: string[];
  timeframe?: string;
  /** `--set` values, applied before the combination's own. */
  set: Record<string, unknown>;
}

interface JobBase {
  /** The sweep (or batch) the job belongs to: its result goes to that sweep's results hash. */
  sweep: string;
  /** Combination index: the key of the result (recorded once). */
  index: number;
  /** How long the sweep's results stay in Redis after the last write, seconds. */
  ttlSeconds: number;
}

/** One full backtest: `runBacktest` with `set = { ...base.set, ...params }`. */
export interface BacktestJobData extends JobBase {
  kind: 'backtest';
  base: BacktestBase;
  params: Record<string, unknown>;
}

/** A job that does nothing but record a result: a health probe, and what the queue costs per job. */
export interface NoopJobData extends JobBase {
  kind: 'noop';
}

export type JobData = BacktestJobData | NoopJobData;

export interface JobError {
  code: string;
  message: string;
  path?: string;
  plugin?: string;
}

export interface CombinationPerf {
  cycles: number;
  bars: number;
  engineMs: number;
  setupMs: number;
}

/** `worker` names the process and thread that ran it: `host:pid/thread`. */
export type CombinationResult =
  | { index: number; ok: true; stats: BacktestStats; perf: CombinationPerf; wallMs: number; worker: string }
  | { index: number; ok: false; error: JobError; wallMs: number; worker: string };
