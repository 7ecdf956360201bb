/**
 * The orchestrator's side of runs on workers (`tradekit serve --queue`): queues a run (the job id is
 * the run id, so one run is never queued twice), asks the worker holding a run to pause, reduce,
 * resume or stop it, or for its bars and quote, follows its events from Redis, and hears lifecycle
 * changes of every queued run, whichever replica started it. It satisfies the dashboard's
 * `RemoteRunner` shape (structurally: neither package imports the other).
 */
import { randomBytes } from 'node:crypto';
import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { TradekitError, type ErrorCode, type Logger, type TradekitEvent, type TradingState } from '@tradekit/core';
import { clusterError } from './errors.js';
import { EventFollower } from './event-stream.js';
import { connect } from './redis.js';
import { keysOf, PREFIX, RUNS_QUEUE, type ClusterKeys } from './names.js';
import {
  CONTROL_TARGET,
  type ControlAck,
  type ControlAction,
  type ControlRequest,
  type LifecycleMessage,
  type RunJobData,
  type RunQuery,
  type RunView,
} from './run-job.js';

export interface ClusterRunnerOptions {
  url: string;
  /** The state store of every run on the cluster (journals, trading state, leases). */
  stateUrl: string;
  log?: Logger;
  /** How long a control request waits for the worker's answer. */
  controlTimeoutMs?: number;
  /** Redis key and queue prefix (default `tradekit`). */
  prefix?: string;
}

type ActiveState = 'queued' | 'running';

export class ClusterRunner {
  readonly stateUrl: string;
  private readonly queue: Queue<RunJobData>;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly follower: EventFollower;
  private readonly replica = randomBytes(6).toString('hex');
  private readonly waiting = new Map<string, (a: ControlAck) => void>();
  private readonly lifecycleListeners = new Set<(m: LifecycleMessage) => void>();
  private readonly timeoutMs: number;
  private readonly keys: ClusterKeys;

  private constructor(o: ClusterRunnerOptions) {
    this.keys = keysOf(o.prefix ?? PREFIX);
    this.stateUrl = o.stateUrl;
    this.timeoutMs = o.controlTimeoutMs ?? 10_000;
    this.pub = connect(o.url);
    this.sub = connect(o.url);
    this.follower = new EventFollower(connect(o.url), o.log, this.keys);
    this.queue = new Queue<RunJobData>(RUNS_QUEUE, { connection: connect(o.url), prefix: this.keys.prefix });
  }

  static async open(o: ClusterRunnerOptions): Promise<ClusterRunner> {
    const r = new ClusterRunner(o);
    r.sub.on('message', (channel: string, raw: string) => r.onMessage(channel, raw));
    try {
      await r.sub.subscribe(r.keys.lifecycle, r.keys.acks(r.replica));
      await r.queue.waitUntilReady();
    } catch (e) {
      await r.close().catch(() => undefined);
      throw clusterError('TK_ERR_CLUSTER_REDIS', `cannot reach the queue: ${(e as Error).message}`, { cause: e });
    }
    return r;
  }

  private onMessage(channel: string, raw: string): void {
    let m: unknown;
    try {
      m = JSON.parse(raw);
    } catch {
      return;
    }
    if (channel === this.keys.lifecycle) {
      for (const l of this.lifecycleListeners) l(m as LifecycleMessage);
      return;
    }
    const ack = m as ControlAck;
    this.waiting.get(ack.nonce)?.(ack);
  }

  async enqueue(job: { view: RunView; configFile: string; text?: string; overrides?: Record<string, unknown>; resumable: boolean }): Promise<void> {
    const id = job.view.id;
    const prior = await this.queue.getJob(id);
    if (prior) {
      const state = await prior.getState();
      if (state === 'active' || state === 'waiting' || state === 'delayed' || state === 'prioritized') {
        throw new TradekitError('TK_ERR_API_RUN_STATE', `run ${id} is already ${state === 'active' ? 'running' : 'queued'} on the cluster`);
      }
      await prior.remove().catch(() => undefined);
    }
    await this.pub.del(this.keys.stopRequested(id), this.keys.pendingState(id));
    const data: RunJobData = { v: 1, view: job.view, configFile: job.configFile, text: job.text, overrides: job.overrides, resumable: job.resumable };
    await this.queue.add('run', data, { jobId: id, attempts: 1 });
    await this.pub.publish(this.keys.lifecycle, JSON.stringify({ id, status: 'queued', view: job.view } satisfies LifecycleMessage));
  }

  /** Runs queued or held by a worker now. */
  async active(): Promise<{ view: RunView; status: ActiveState }[]> {
    const jobs = (await this.queue.getJobs(['active', 'waiting', 'delayed', 'prioritized'])) as Job<RunJobData>[];
    const out: { view: RunView; status: ActiveState }[] = [];
    for (const j of jobs) {
      if (!j?.data?.view) continue;
      out.push({ view: j.data.view, status: (await j.getState()) === 'active' ? 'running' : 'queued' });
    }
    return out;
  }

  /** Sends a request to the worker holding the run; resolves with its answer. */
  private async ask(id: string, action: ControlRequest['action'], extra: Partial<ControlRequest> = {}): Promise<ControlAck | undefined> {
    const nonce = randomBytes(8).toString('hex');
    const req: ControlRequest = { id, action, reason: '', by: '', replyTo: this.keys.acks(this.replica), nonce, ...extra };
    const answered = new Promise<ControlAck | undefined>((resolve) => {
      const t = setTimeout(() => {
        this.waiting.delete(nonce);
        resolve(undefined);
      }, this.timeoutMs);
      this.waiting.set(nonce, (a) => {
        clearTimeout(t);
        this.waiting.delete(nonce);
        resolve(a);
      });
    });
    const receivers = await this.pub.publish(this.keys.control(id), JSON.stringify(req));
    if (receivers === 0) {
      this.waiting.get(nonce)?.({ nonce, ok: false, code: 'NO_HOLDER' });
    }
    return answered;
  }

  async control(id: string, action: ControlAction, reason: string, by: string): Promise<{ tradingState?: TradingState; queued: boolean }> {
    // A stop is remembered first: a job BullMQ re-queues later (a lost lock while Redis was away) must
    // not start the run again once its holder let go of it.
    if (action === 'stop') await this.pub.set(this.keys.stopRequested(id), by, 'EX', 7 * 86_400);
    const ack = await this.ask(id, action, { reason, by });
    if (ack?.ok) return { tradingState: ack.tradingState, queued: false };
    if (ack && ack.code !== 'NO_HOLDER')
      throw new TradekitError((ack.code ?? 'TK_ERR_CLUSTER_CONTROL') as ErrorCode, ack.message ?? `the worker refused ${action}`);
    if (!ack) throw clusterError('TK_ERR_CLUSTER_CONTROL', `no answer from the worker holding run ${id} within ${this.timeoutMs} ms; try again`);
    // Nobody holds the run now (queued, or between two workers): the next holder applies it.
    if (action === 'stop') {
      const job = await this.queue.getJob(id);
      if (job && (await job.getState()) !== 'active') {
        await job.remove().catch(() => undefined);
        await this.pub.publish(this.keys.lifecycle, JSON.stringify({ id, status: 'finished' } satisfies LifecycleMessage));
      }
    } else {
      await this.pub.set(this.keys.pendingState(id), JSON.stringify({ state: CONTROL_TARGET[action], reason, by }), 'EX', 7 * 86_400);
    }
    return { queued: true };
  }

  async query(id: string, q: RunQuery): Promise<unknown> {
    const ack = await this.ask(id, 'query', { query: q });
    if (!ack || ack.code === 'NO_HOLDER')
      throw new TradekitError('TK_ERR_API_UNAVAILABLE', `run ${id} is not held by a worker right now (queued, or moving to another worker); try again`);
    if (!ack.ok) throw new TradekitError((ack.code ?? 'TK_ERR_CLUSTER_CONTROL') as ErrorCode, ack.message ?? 'the worker could not answer');
    return ack.value;
  }

  follow(id: string, fn: (e: TradekitEvent) => void): Promise<() => void> {
    return this.follower.follow(id, fn);
  }

  onLifecycle(fn: (m: LifecycleMessage) => void): () => void {
    this.lifecycleListeners.add(fn);
    return () => this.lifecycleListeners.delete(fn);
  }

  async close(): Promise<void> {
    await this.follower.close();
    this.sub.disconnect();
    await this.queue.close().catch(() => undefined);
    await this.pub.quit().catch(() => undefined);
  }
}
