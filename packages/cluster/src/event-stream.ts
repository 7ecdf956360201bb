/**
 * Run events across machines: the worker holding a run appends each *persisted* event to the run's
 * Redis stream (the run publishes only persisted events on a worker, so a worker that takes the run
 * over numbers on from the last one: no gap, no number used twice); every orchestrator replica reads
 * the streams of the runs it shows and hands the events to its own socket.io clients. A stream keeps
 * the last `maxLen` events (a replica that starts late primes its snapshot from them; older ones are
 * in the journal, which every replica can read: REST resync as on one machine).
 */
import type { Redis } from 'ioredis';
import type { Logger, Sink, TradekitEvent } from '@tradekit/core';
import { keys as defaultKeys, type ClusterKeys } from './names.js';

export const STREAM_MAX_LEN = 20_000;
/** How long a finished run's stream is kept. */
export const STREAM_TTL_SECONDS = 24 * 3600;

/** A Sink that appends events to the run's stream (pipelined: one round trip per burst). */
export class RedisEventSink implements Sink {
  readonly name = 'redis-stream';
  private batch: TradekitEvent[] = [];
  private scheduled = false;
  private sending: Promise<void> = Promise.resolve();
  dropped = 0;

  constructor(
    private readonly redis: Redis,
    private readonly run: string,
    private readonly log?: Logger,
    private readonly keys: ClusterKeys = defaultKeys,
  ) {}

  publish(e: TradekitEvent): void {
    this.batch.push(e);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      const b = this.batch;
      this.batch = [];
      this.sending = this.sending.then(() => this.send(b));
    });
  }

  private async send(b: TradekitEvent[]): Promise<void> {
    const key = this.keys.events(this.run);
    const p = this.redis.pipeline();
    for (const e of b) p.xadd(key, 'MAXLEN', '~', STREAM_MAX_LEN, '*', 'e', JSON.stringify(e));
    p.expire(key, STREAM_TTL_SECONDS);
    try {
      await p.exec();
    } catch (err) {
      // Clients resync from the journal: the events are persisted, only the live push is lost.
      this.dropped += b.length;
      this.log?.warn({ code: (err as { code?: string }).code, events: b.length }, 'could not push events to Redis; clients will resync from the journal');
    }
  }

  async close(): Promise<void> {
    await this.sending;
    if (this.batch.length) {
      const b = this.batch;
      this.batch = [];
      await this.send(b);
    }
  }
}

type Listener = (e: TradekitEvent) => void;

/**
 * Follows the streams of many runs on one blocking connection (XREAD BLOCK over every followed
 * stream; re-issued within `blockMs` when the set changes).
 */
export class EventFollower {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly cursors = new Map<string, string>();
  private running = false;
  private stopped = false;
  private loop?: Promise<void>;

  constructor(
    /** A connection of its own: XREAD BLOCK holds it. */
    private readonly redis: Redis,
    private readonly log?: Logger,
    private readonly keys: ClusterKeys = defaultKeys,
    private readonly blockMs = 500,
  ) {}

  /**
   * Calls `fn` with each new event of `run`, after handing it the last `prime` events already in the
   * stream (a snapshot for a replica that starts following late). Returns the unfollow function.
   */
  async follow(run: string, fn: Listener, prime = 500): Promise<() => void> {
    let set = this.listeners.get(run);
    const fresh = !set;
    if (!set) {
      set = new Set();
      this.listeners.set(run, set);
    }
    set.add(fn);
    if (fresh) {
      const last = (await this.redis.xrevrange(this.keys.events(run), '+', '-', 'COUNT', prime)) as [string, string[]][];
      this.cursors.set(run, last[0]?.[0] ?? '0-0');
      for (const [, fields] of last.reverse()) this.deliver(run, fields);
    }
    this.start();
    return () => {
      const s = this.listeners.get(run);
      s?.delete(fn);
      if (s && s.size === 0) {
        this.listeners.delete(run);
        this.cursors.delete(run);
      }
    };
  }

  private deliver(run: string, fields: string[]): void {
    const i = fields.indexOf('e');
    if (i < 0) return;
    let e: TradekitEvent;
    try {
      e = JSON.parse(fields[i + 1]!) as TradekitEvent;
    } catch {
      return;
    }
    for (const l of this.listeners.get(run) ?? []) {
      try {
        l(e);
      } catch (err) {
        this.log?.warn({ err }, 'event listener threw');
      }
    }
  }

  private start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.loop = (async () => {
      while (!this.stopped && this.listeners.size) {
        const runs = [...this.cursors.keys()];
        try {
          const r = (await this.redis.xread(
            'COUNT',
            2000,
            'BLOCK',
            this.blockMs,
            'STREAMS',
            ...runs.map((x) => this.keys.events(x)),
            ...runs.map((x) => this.cursors.get(x)!),
          )) as [string, [string, string[]][]][] | null;
          for (const [key, entries] of r ?? []) {
            const run = runs.find((x) => this.keys.events(x) === key);
            if (!run || !this.cursors.has(run)) continue;
            for (const [id, fields] of entries) {
              this.cursors.set(run, id);
              this.deliver(run, fields);
            }
          }
        } catch (err) {
          if (this.stopped) break;
          this.log?.warn({ code: (err as { code?: string }).code }, 'reading run events from Redis failed; retrying');
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      this.running = false;
    })();
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.redis.disconnect();
    await this.loop?.catch(() => undefined);
  }
}
