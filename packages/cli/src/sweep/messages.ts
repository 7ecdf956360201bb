/** What the sweep's main thread and its workers say to each other (structured-clone friendly). */
import type { BacktestStats } from '@tradekit/core';

/** Everything every combination shares. */
export interface SweepBase {
  configFile: string;
  searchPaths: string[];
  from?: string;
  to?: string;
  symbols?: string[];
  timeframe?: string;
  /** `--set` values, applied before the combination's own. */
  set: Record<string, unknown>;
}

export interface SweepJob {
  index: number;
  params: Record<string, unknown>;
}

export interface JobError {
  code: string;
  message: string;
  path?: string;
  plugin?: string;
}

/** `worker`: the thread id (local sweeps) or `host:pid/thread` (sweeps on the queue). */
export type SweepJobResult =
  | {
      index: number;
      ok: true;
      stats: BacktestStats;
      perf: { cycles: number; bars: number; engineMs: number; setupMs: number };
      wallMs: number;
      worker: number | string;
    }
  | { index: number; ok: false; error: JobError; wallMs: number; worker: number | string };
