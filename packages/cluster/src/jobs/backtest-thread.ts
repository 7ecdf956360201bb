/**
 * A jobs worker's thread: runs backtests one at a time, off the worker process's main thread, so the
 * main thread stays free to renew BullMQ's job locks (a backtest is synchronous for long stretches;
 * on the main thread it would let the locks expire and every job look stalled). Modules stay loaded
 * between jobs.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { hostname } from 'node:os';
import { runBacktestJob } from './run-backtest-job.js';
import type { ThreadRequest, ThreadReply } from './thread-messages.js';

const { searchPaths } = workerData as { searchPaths: string[] };
const worker = `${hostname()}:${process.pid}/${threadId}`;

parentPort!.on('message', async (req: ThreadRequest) => {
  const result = await runBacktestJob(req.base, req.index, req.params, searchPaths, worker);
  const reply: ThreadReply = { id: req.id, result };
  parentPort!.postMessage(reply);
});
