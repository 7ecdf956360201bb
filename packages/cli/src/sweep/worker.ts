/**
 * A sweep worker thread: runs one full backtest per message (the same runBacktest as
 * `tradekit backtest`, so a combination's numbers equal a single backtest with the same --set),
 * and answers with its statistics or its error code. Modules stay loaded between jobs.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { ConfigErrors, isTradekitError, runBacktest, silentLogger, type Timeframe } from '@tradekit/core';
import type { JobError, SweepBase, SweepJob, SweepJobResult } from './messages.js';

const base = workerData as SweepBase;
const logger = silentLogger();

function describe(e: unknown): JobError {
  if (e instanceof ConfigErrors) {
    return { code: e.errors[0]!.code, message: e.errors.map((x) => x.format()).join('; '), path: e.errors[0]!.path };
  }
  if (isTradekitError(e)) return { code: e.code, message: e.message, path: e.path, plugin: e.plugin };
  return { code: 'TK_ERR_SWEEP_WORKER', message: e instanceof Error ? e.message : String(e) };
}

parentPort!.on('message', async (job: SweepJob) => {
  const t0 = performance.now();
  let reply: SweepJobResult;
  try {
    const r = await runBacktest(
      {
        configFile: base.configFile,
        searchPaths: base.searchPaths,
        from: base.from,
        to: base.to,
        symbols: base.symbols,
        timeframe: base.timeframe as Timeframe | undefined,
        set: { ...base.set, ...job.params },
      },
      { logger },
    );
    reply = { index: job.index, ok: true, stats: r.stats, perf: r.perf, wallMs: performance.now() - t0, worker: threadId };
  } catch (e) {
    reply = { index: job.index, ok: false, error: describe(e), wallMs: performance.now() - t0, worker: threadId };
  }
  parentPort!.postMessage(reply);
});
