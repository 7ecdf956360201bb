/**
 * One sweep combination: the very call the local sweep's worker makes (packages/cli/src/sweep/worker.ts),
 * so a combination's numbers equal `tradekit backtest --set …` with the same values.
 */
import { performance } from 'node:perf_hooks';
import { runBacktest, silentLogger, type Timeframe } from '@tradekit/core';
import { describeError } from './describe-error.js';
import type { BacktestBase, CombinationResult } from './types.js';

const logger = silentLogger();

export async function runBacktestJob(
  base: BacktestBase,
  index: number,
  params: Record<string, unknown>,
  searchPaths: readonly string[],
  worker: string,
): Promise<CombinationResult> {
  const t0 = performance.now();
  try {
    const r = await runBacktest(
      {
        configFile: base.configFile,
        searchPaths,
        from: base.from,
        to: base.to,
        symbols: base.symbols,
        timeframe: base.timeframe as Timeframe | undefined,
        set: { ...base.set, ...params },
      },
      { logger },
    );
    return { index, ok: true, stats: r.stats, perf: r.perf, wallMs: performance.now() - t0, worker };
  } catch (e) {
    return { index, ok: false, error: describeError(e), wallMs: performance.now() - t0, worker };
  }
}
