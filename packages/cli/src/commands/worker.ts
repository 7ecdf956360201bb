/**
 * `tradekit worker --queue redis://… [--state postgres://…]`: takes work off the queues until
 * SIGINT/SIGTERM. Two parts: the jobs (sweep combinations on `tk-jobs`) and, with a shared state store,
 * the runs (`tk-runs`: each live or paper run held here with its lease). Each part is started here and
 * closed in reverse order on the first signal: runs are handed back to the queue (another worker takes
 * them over at once), jobs in flight are finished. A second signal exits at once: what was running goes
 * back to the queue when its lock lapses, nothing is lost.
 */
import os from 'node:os';
import { createLogger } from '@tradekit/core';
import { redactUrl, redactorFor, startJobsWorker, startRunsWorker, type StallSettings, type WorkerPart } from '@tradekit/cluster';
import { hostedRunPolicy, loadServerConfig } from '@tradekit/dashboard';
import { cliError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { exitCodeFor } from '../exit-for.js';
import { parseCount } from '../options.js';
import { printError } from '../report-errors.js';
import { searchPaths } from '../search-paths.js';
import { parseQueueUrl } from '../sweep/queue-options.js';

export interface WorkerFlags {
  queue?: string;
  state?: string;
  config?: string;
  runsConcurrency?: string;
  /** Work items at once for every part (default: the cores). */
  concurrency?: string;
  /** Sweep combinations at once (default --concurrency). */
  jobsConcurrency?: string;
  /** A job's lock, seconds (checked every third of it): a dead worker's runs and jobs move within about 1.33 times this. */
  lockSeconds?: string;
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

export async function workerCommand(flags: WorkerFlags): Promise<number> {
  let url: string;
  let jobs: number;
  let runs: number;
  let stall: Partial<StallSettings> = {};
  let state: string | undefined;
  let policy: ReturnType<typeof hostedRunPolicy>;
  try {
    url = parseQueueUrl(flags.queue ?? process.env.TRADEKIT_QUEUE_URL ?? '');
    state = flags.state ?? process.env.TRADEKIT_STATE_URL;
    if (state !== undefined && !/^(postgres(ql)?|sqlite):/.test(state))
      throw cliError('TK_ERR_CLI_ARG', `--state must be postgres://… (sqlite:// only when every worker is on one machine), not "${redactUrl(state)}"`);
    // Configs started through the API are held to the server's policy here too (roots, plugins, env).
    policy = hostedRunPolicy(loadServerConfig(flags.config));
    runs = parseCount('--runs-concurrency', flags.runsConcurrency) ?? 20;
    const all = parseCount('--concurrency', flags.concurrency) ?? os.availableParallelism();
    jobs = parseCount('--jobs-concurrency', flags.jobsConcurrency) ?? all;
    const lock = parseCount('--lock-seconds', flags.lockSeconds);
    // Checked every third of the lock: a lost worker's runs move about lock + lock/3 after it died
    // (within lease + one cycle when the lock equals the lease and a third of it is at most a cycle).
    if (lock !== undefined) stall = { lockDurationMs: lock * 1000, stalledIntervalMs: Math.round((lock * 1000) / 3) };
  } catch (e) {
    printError(e);
    return exitCodeFor(e);
  }
  const log = createLogger({ level: flags.logLevel ?? 'info', redact: redactorFor(url) });
  const parts: WorkerPart[] = [];
  const closeAll = async () => {
    for (const p of parts.splice(0).reverse()) {
      try {
        await p.close();
      } catch (e) {
        printError(e);
      }
    }
  };
  try {
    parts.push(await startJobsWorker({ url, concurrency: jobs, searchPaths: searchPaths(), log, stall }));
    // Runs close before the jobs: they are handed to other workers while this one finishes its jobs.
    if (state) {
      parts.push(
        await startRunsWorker({
          url,
          stateUrl: state,
          concurrency: runs,
          log,
          searchPaths: searchPaths(),
          env: process.env,
          policy,
          lockMs: stall.lockDurationMs,
          stalledIntervalMs: stall.stalledIntervalMs,
          prefix: process.env.TRADEKIT_QUEUE_PREFIX || undefined,
        }),
      );
    }
  } catch (e) {
    await closeAll();
    printError(e);
    return EXIT.FAILURE;
  }
  process.stderr.write(
    `worker: ${parts.map((p) => p.name).join(', ')} on ${redactUrl(url)} (${jobs} job${jobs > 1 ? 's' : ''}${state ? `, ${runs} runs` : ''} at once${state ? `; state ${redactUrl(state)}` : '; no --state: sweep jobs only'}); SIGINT/SIGTERM hands runs to other workers and finishes jobs in flight, then exits\n`,
  );

  const signal = await new Promise<string>((resolve) => {
    let seen = 0;
    const on = (sig: string) => {
      if (++seen > 1) {
        process.stderr.write(`worker: ${sig} again: exiting now (jobs in flight go back to the queue when their locks lapse)\n`);
        process.exit(EXIT.INTERRUPTED);
      }
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
  process.stderr.write(`worker: ${signal}: finishing the work in flight (press again to exit at once)\n`);
  await closeAll();
  process.stderr.write('worker: stopped\n');
  return EXIT.OK;
}
