/**
 * A cluster worker process for tests: the runs part of `tradekit worker` (startRunsWorker) from the
 * environment, with the crash fixtures' directory as its only root. Prints `WORKER <id>` when ready.
 */
import path from 'node:path';
import { createLogger } from '@tradekit/core';
import { hostedRunPolicy, serverConfig } from '@tradekit/dashboard';
import { startRunsWorker } from '@tradekit/cluster';

const root = process.env.TK_WORKER_ROOT!;
const log = createLogger({ level: (process.env.TK_WORKER_LOG as 'warn') ?? 'warn', format: 'json' });
const part = await startRunsWorker({
  url: process.env.TK_QUEUE_URL!,
  stateUrl: process.env.TK_STATE_URL!,
  prefix: process.env.TRADEKIT_QUEUE_PREFIX,
  concurrency: Number(process.env.TK_WORKER_CONCURRENCY ?? 10),
  log,
  lockMs: Number(process.env.TK_WORKER_LOCK_MS ?? 3000),
  stalledIntervalMs: Number(process.env.TK_WORKER_STALLED_MS ?? 1000),
  env: process.env,
  // The policy `tradekit serve` holds API-started configs to, from the same server settings.
  policy: hostedRunPolicy(serverConfig({ runs: { roots: [path.resolve(root)] }, env: { allow: ['MT5_BRIDGE_TOKEN', 'MT5_BRIDGE_PORT'] }, plugins: { allow: ['@tradekit/mt5-adapter'] } }, path.resolve(root))),
});
process.stdout.write(`WORKER ${part.id}\n`);
const stop = () => void part.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
