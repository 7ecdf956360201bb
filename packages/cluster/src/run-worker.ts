/**
 * The runs part of `tradekit worker`: a BullMQ worker on `tk-runs`. Each job *is* a live or paper run,
 * processed for as long as the run goes on; the run holds its lease in the cluster's state store
 * (PostgreSQL), renewed every cycle. If the worker dies, its job lock lapses, BullMQ's stalled-job
 * check hands the job to another worker, and that worker's run takes the lease once it expired and
 * reconciles with the broker before its first cycle. Events are pushed to the run's Redis stream once
 * persisted; control requests reach the worker holding the run on its control channel. A worker that is
 * shut down hands its runs back to the queue (another worker takes them over) instead of ending them.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { DelayedError, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { LiveClock, Run, redactUrl, type Logger, type RunOptions, type Timeframe, type TradingState } from '@tradekit/core';
import { RedisEventSink } from './event-stream.js';
import type { WorkerPart } from './part.js';
import { connect } from './redis.js';
import { keysOf, PREFIX, RUNS_QUEUE } from './names.js';
import { CONTROL_TARGET, type ControlAck, type ControlRequest, type LifecycleMessage, type RunJobData, type RunQuery } from './run-job.js';

export interface RunsWorkerOptions {
  /** redis:// URL of the queue. */
  url: string;
  /** The state store every run on the cluster uses (postgres://…): a config's own state.url is replaced. */
  stateUrl: string;
  /** Runs held at once by this worker. */
  concurrency: number;
  log: Logger;
  searchPaths?: readonly string[];
  /** Environment a run's `${NAME}` may read, and the policy an API-started config is held to. */
  env?: NodeJS.ProcessEnv;
  policy?: Pick<RunOptions, 'envAllow' | 'plugins' | 'paths' | 'limits'>;
  /**
   * How long a job's lock lasts without renewal, and how often workers look for jobs whose lock
   * lapsed (a dead worker's runs). Keep the lock at most the runs' lease TTL: then a run resumes within
   * about lease TTL + stalled interval + one cycle.
   */
  lockMs?: number;
  stalledIntervalMs?: number;
  /** Redis key and queue prefix (default `tradekit`): several clusters on one Redis. */
  prefix?: string;
}

interface Held {
  run?: Run;
  /** Set when this worker shuts down: the run is handed back to the queue, not ended. */
  handover: boolean;
  job: Job<RunJobData>;
}

/** Bars (as plain arrays), the quote or the symbol spec of a held run, at its clock: what its data source would give an agent. */
async function answer(run: Run, q: RunQuery): Promise<unknown> {
  if (!run.config.symbols.includes(q.symbol)) throw Object.assign(new Error(`run ${run.id} does not trade ${q.symbol}`), { code: 'TK_ERR_DATA_SYMBOL' });
  if (q.kind === 'quote') return await run.data.tick(q.symbol);
  if (q.kind === 'symbol') return await run.data.symbolInfo(q.symbol);
  const b = await run.data.bars(q.symbol, q.timeframe as Timeframe, q.query);
  return {
    symbol: b.symbol,
    timeframe: b.timeframe,
    time: [...b.time],
    open: [...b.open],
    high: [...b.high],
    low: [...b.low],
    close: [...b.close],
    volume: [...b.volume],
  };
}

export async function startRunsWorker(o: RunsWorkerOptions): Promise<WorkerPart & { readonly id: string; holding(): string[] }> {
  const wall = new LiveClock();
  const keys = keysOf(o.prefix ?? PREFIX);
  const id = `${hostname()}:${process.pid}:${randomBytes(2).toString('hex')}`;
  const pub = connect(o.url);
  const sub = connect(o.url);
  const held = new Map<string, Held>();
  const log = o.log.child({ worker: id });

  sub.on('message', (channel: string, raw: string) => {
    const run = [...held.keys()].find((r) => keys.control(r) === channel);
    if (!run) return;
    let req: ControlRequest;
    try {
      req = JSON.parse(raw) as ControlRequest;
    } catch {
      return;
    }
    void control(run, req);
  });

  async function control(runId: string, req: ControlRequest): Promise<void> {
    const h = held.get(runId);
    let ack: ControlAck;
    try {
      if (!h?.run) throw Object.assign(new Error(`run ${runId} is starting on this worker`), { code: 'TK_ERR_API_UNAVAILABLE' });
      if (req.action === 'query') {
        ack = { nonce: req.nonce, ok: true, value: await answer(h.run, req.query!) };
      } else if (req.action === 'stop') {
        h.run.stop(`${req.reason} (by ${req.by})`);
        ack = { nonce: req.nonce, ok: true, tradingState: h.run.tradingState.state };
      } else {
        await h.run.tradingState.set(CONTROL_TARGET[req.action as Exclude<typeof req.action, 'stop' | 'query'>], req.reason, req.by);
        ack = { nonce: req.nonce, ok: true, tradingState: h.run.tradingState.state };
      }
    } catch (e) {
      ack = { nonce: req.nonce, ok: false, code: (e as { code?: string }).code ?? 'TK_ERR_CLUSTER_CONTROL', message: (e as Error).message };
    }
    await pub.publish(req.replyTo, JSON.stringify(ack)).catch(() => undefined);
  }

  const lifecycle = (m: LifecycleMessage) => pub.publish(keys.lifecycle, JSON.stringify(m)).catch(() => undefined);

  async function processRun(job: Job<RunJobData>, token?: string): Promise<unknown> {
    const d = job.data;
    const runId = d.view.id;
    if (await pub.get(keys.stopRequested(runId))) {
      await lifecycle({ id: runId, status: 'finished' });
      return { id: runId, reason: 'stopped', cycles: 0 };
    }
    if (!d.resumable && !(await pub.set(keys.started(runId), id, 'EX', 7 * 86_400, 'NX'))) {
      // A replay cannot continue where a dead worker left it (its simulated account is gone).
      await lifecycle({
        id: runId,
        status: 'crashed',
        error: { code: 'TK_ERR_CLUSTER_JOB', message: 'the worker replaying this run died; a replay is not resumed: start it again' },
      });
      throw new UnrecoverableError('TK_ERR_CLUSTER_JOB: the worker replaying this run died; a replay is not resumed: start it again');
    }
    const h: Held = { handover: false, job };
    held.set(runId, h);
    const sink = new RedisEventSink(pub, runId, log, keys);
    let run: Run;
    try {
      run = await Run.load({
        configFile: d.configFile,
        text: d.text,
        env: o.env,
        searchPaths: o.searchPaths,
        overrides: { ...d.overrides, stateUrl: o.stateUrl },
        sinks: [sink],
        runId,
        durableEvents: true,
        logger: log.child({ run: runId }),
        ...o.policy,
      });
      h.run = run;
      await sub.subscribe(keys.control(runId));
      await run.start();
    } catch (e) {
      held.delete(runId);
      await sub.unsubscribe(keys.control(runId)).catch(() => undefined);
      await h.run?.close().catch(() => undefined);
      const code = (e as { code?: string }).code;
      if (code === 'TK_ERR_RUN_LOCKED') {
        // The previous holder's lease has not expired yet (it died moments ago, or it stalled): try again then.
        const after = Math.max(250, Math.min(60_000, (e as { retryAfterMs?: number }).retryAfterMs ?? 1000));
        await job.moveToDelayed(wall.now() + after, token);
        throw new DelayedError();
      }
      await lifecycle({ id: runId, status: 'failed', error: { code: code ?? 'TK_ERR_CLUSTER_JOB', message: (e as Error).message } });
      throw new UnrecoverableError(`${code ?? 'TK_ERR_CLUSTER_JOB'}: ${(e as Error).message}`);
    }
    // Control asked for while no worker held the run.
    const pending = (await pub.getdel(keys.pendingState(runId)).catch(() => null)) as string | null;
    if (pending) {
      const p = JSON.parse(pending) as { state: TradingState; reason: string; by: string };
      await run.tradingState.set(p.state, p.reason, p.by).catch(() => undefined);
    }
    await pub.set(keys.holder(runId), JSON.stringify({ worker: id, since: wall.now() }), 'EX', 7 * 86_400);
    const timeframes: Record<string, string[]> = {};
    for (const s of d.view.symbols) timeframes[s] = [...(run.data.timeframes?.(s) ?? [])];
    await lifecycle({ id: runId, status: 'running', worker: id, view: d.view, tradingState: run.tradingState.state, timeframes });
    log.info({ run: runId, token: run.lease.token }, 'holding run');
    let failure: unknown;
    let summary: unknown;
    try {
      summary = await run.loop();
    } catch (e) {
      failure = e;
    }
    await sub.unsubscribe(keys.control(runId)).catch(() => undefined);
    await run.close().catch((e: unknown) => log.warn({ run: runId, code: (e as { code?: string }).code }, 'closing the run failed'));
    await sink.close();
    held.delete(runId);
    if (h.handover) {
      // This worker is shutting down: the run goes back to the queue for another worker (lease released).
      log.info({ run: runId }, 'handing the run back to the queue');
      await job.moveToWait(token);
      throw new WaitingError();
    }
    if (failure) {
      const code = (failure as { code?: string }).code ?? 'TK_ERR_CLUSTER_JOB';
      await lifecycle({ id: runId, status: 'failed', error: { code, message: (failure as Error).message } });
      throw new UnrecoverableError(`${code}: ${(failure as Error).message}`);
    }
    await lifecycle({ id: runId, status: 'finished' });
    return summary;
  }

  const worker = new Worker<RunJobData>(RUNS_QUEUE, processRun, {
    connection: connect(o.url),
    prefix: keys.prefix,
    concurrency: o.concurrency,
    lockDuration: o.lockMs ?? 30_000,
    stalledInterval: o.stalledIntervalMs ?? 10_000,
    // A run may be taken over any number of times (each worker death is one "stall").
    maxStalledCount: 1_000_000,
    removeOnComplete: { age: 7 * 86_400, count: 10_000 },
    removeOnFail: { age: 30 * 86_400, count: 10_000 },
  });
  worker.on('error', (e) => log.warn({ code: (e as { code?: string }).code }, `runs worker: ${e.message}`));
  await worker.waitUntilReady();
  log.info({ queue: redactUrl(o.url), concurrency: o.concurrency }, 'runs worker ready');

  return {
    name: 'runs',
    id,
    holding: () => [...held.keys()],
    async close() {
      // Hand every run back (each stops after its cycle in flight and releases its lease), then stop.
      for (const h of held.values()) {
        h.handover = true;
        h.run?.stop('worker shutting down: handing the run to another worker');
      }
      await worker.close();
      sub.disconnect();
      await pub.quit().catch(() => undefined);
    },
  };
}
