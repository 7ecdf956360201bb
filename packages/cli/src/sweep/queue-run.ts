/**
 * `tradekit sweep --queue redis://…`: the combinations as jobs on the `tk-jobs` queue for any number of
 * `tradekit worker` processes, each result recorded once in Redis under the sweep id, read back when
 * all are in (or at Ctrl-C: the sweep's waiting jobs are removed and what is done is ranked). The
 * ranking and the files are the local sweep's (sweep.ts), from the same results.
 */
import { RESULTS_TTL_SECONDS, SweepQueue, backtestJobs, sweepFingerprint, waitForSweep, type BacktestBase, type CombinationResult } from '@tradekit/cluster';
import type { GridAxis } from './grid.js';
import type { SweepBase, SweepJob, SweepJobResult } from './messages.js';

export interface QueuedSweepOptions {
  url: string;
  sweepId: string;
  base: SweepBase;
  axes: readonly GridAxis[];
  signal: AbortSignal;
  onProgress(done: number, total: number): void;
  /** A line for stderr. */
  note(line: string): void;
}

export interface QueuedSweep {
  results: SweepJobResult[];
  /** Results recorded again for a combination that already had one (ignored). */
  duplicates: number;
  /** Distinct worker threads that produced the results. */
  workers: number;
  resumed: boolean;
  /** The queue's URL without its password. */
  where: string;
}

export async function runQueued(jobs: readonly SweepJob[], o: QueuedSweepOptions): Promise<QueuedSweep> {
  const q = await SweepQueue.open(o.url);
  try {
    const base: BacktestBase = {
      configFile: o.base.configFile,
      from: o.base.from,
      to: o.base.to,
      symbols: o.base.symbols,
      timeframe: o.base.timeframe,
      set: o.base.set,
    };
    const data = backtestJobs(o.sweepId, base, jobs, RESULTS_TTL_SECONDS);
    const { resumed } = await q.begin(o.sweepId, {
      fingerprint: sweepFingerprint(
        base,
        o.axes,
        jobs.map((j) => j.index),
      ),
      total: jobs.length,
      ttlSeconds: RESULTS_TTL_SECONDS,
    });
    const { added, done } = await q.enqueue(data);
    o.note(
      `sweep: ${resumed ? 'resumed' : 'started'} sweep ${o.sweepId} on ${q.where}: ${added} job${added === 1 ? '' : 's'} queued${done ? `, ${done} already done` : ''}; results kept ${RESULTS_TTL_SECONDS / 86_400} days (resume with --sweep-id ${o.sweepId})`,
    );
    let lastError = '';
    const offError = q.onError((m) => {
      if (m !== lastError) o.note(`sweep: Redis error, still waiting: ${m}`);
      lastError = m;
    });
    try {
      await waitForSweep(q, data, {
        signal: o.signal,
        onProgress: (n, total) => {
          lastError = '';
          o.onProgress(n, total);
        },
        onRepair: (r) =>
          o.note(
            `sweep: ${r.readded ? `${r.readded} lost job(s) queued again` : ''}${r.readded && r.failed ? ', ' : ''}${r.failed ? `${r.failed} job(s) failed for good` : ''}`,
          ),
      });
      if (o.signal.aborted) {
        const removed = await q.removeWaiting(data);
        o.note(`sweep: removed ${removed} waiting job${removed === 1 ? '' : 's'} of sweep ${o.sweepId}; jobs already running finish on their workers`);
      }
    } finally {
      offError();
    }
    const wanted = new Set(jobs.map((j) => j.index));
    const results = (await q.results(o.sweepId)).filter((r) => wanted.has(r.index)).map(toJobResult);
    return { results, duplicates: await q.duplicates(o.sweepId), workers: new Set(results.map((r) => r.worker)).size, resumed, where: q.where };
  } finally {
    await q.close();
  }
}

function toJobResult(r: CombinationResult): SweepJobResult {
  return r.ok
    ? { index: r.index, ok: true, stats: r.stats, perf: r.perf, wallMs: r.wallMs, worker: r.worker }
    : { index: r.index, ok: false, error: r.error, wallMs: r.wallMs, worker: r.worker };
}
