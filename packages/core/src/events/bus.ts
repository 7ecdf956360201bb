/**
 * Numbers events per run (gap-free `seq`), stamps them with clock time, redacts secrets, fans them
 * out to sinks (a sink that throws is counted, never fatal) and persists them to the journal in
 * batches, one write in flight at a time.
 *
 * Two guarantees a restart relies on:
 * - **No sequence number is ever used twice.** Sinks see an event before it is persisted, so a crash
 *   can lose events that clients already saw. The bus therefore never publishes a number above a
 *   durable reservation (`reserve`, the run lease's high-water mark), reserved a block ahead; after a
 *   crash, numbering continues above it and the first event is a `stream.gap` naming the numbers that
 *   may have been seen but were never persisted. (A clean stop records the exact last number: no gap.)
 * - **The backlog is bounded.** Events waiting for the journal are counted; above `highWater` the run
 *   waits at the end of its cycle (`drain`), so a slow or failing disk slows the run down instead of
 *   filling memory. A failed write keeps its batch and is retried; beyond `maxBacklog` (persistence has
 *   been failing for long: the run has halted by then) the oldest events are dropped and counted.
 */
import type { Clock, Journal, Logger, Sink } from '../interfaces.js';
import { NO_REDACTION, type Redactor } from '../log/redact.js';
import { EVENT_VERSION, type EventPayloads, type EventType, type TradekitEvent } from './types.js';

export interface EventBusOptions {
  run: string;
  clock: Clock;
  journal?: Journal;
  redact?: Redactor;
  log?: Logger;
  /** Persist every event (default true). */
  persist?: boolean;
  /** Makes sequence numbers up to `upTo` durable (the run lease's high-water mark). Without it numbers are not reserved. */
  reserve?: (upTo: number) => Promise<void>;
  /** Numbers reserved at once (default 1000). */
  reserveBlock?: number;
  /** Unpersisted events above which `drain()` makes the run wait (default 5000). */
  highWater?: number;
  /** Unpersisted events kept while persistence fails (default 100 000); older ones are dropped and counted. */
  maxBacklog?: number;
  /**
   * Publish an event to sinks and listeners only once it is persisted (in order, right after its batch
   * is written; a write is scheduled as soon as an event is emitted). Nothing published is ever lost
   * to a crash, so no numbers need reserving. Needs `journal`.
   */
  durable?: boolean;
  /** A batch could not be persisted (the run halts on it) / persistence works again. */
  onPersistError?: (err: unknown) => void;
  onPersistRecovered?: () => void;
}

const MAX_BATCH = 2000;

export class EventBus {
  private seq = 0;
  /** Numbers up to this one are durably reserved (Infinity when reservation is off). */
  private reserved = Infinity;
  private reserving?: Promise<void>;
  /** Events numbered above the reservation, published once it is durable (in order). */
  private held: TradekitEvent[] = [];
  private readonly sinks: Sink[] = [];
  private queue: TradekitEvent[] = [];
  private writing?: Promise<void>;
  private failing = false;
  private readonly listeners = new Set<(e: TradekitEvent) => void>();
  private readonly block: number;
  private readonly highWater: number;
  private readonly maxBacklog: number;
  readonly counters = { emitted: 0, sinkErrors: 0, persistErrors: 0, dropped: 0, held: 0 };

  constructor(private readonly o: EventBusOptions) {
    this.block = Math.max(1, o.reserveBlock ?? 1000);
    this.highWater = o.highWater ?? 5000;
    this.maxBacklog = Math.max(this.highWater, o.maxBacklog ?? 100_000);
  }

  /**
   * Continues numbering after the last persisted event, or after `resumeFrom` (the reservation a
   * previous process made) when that is higher: then the first event is a `stream.gap`.
   */
  async init(resumeFrom = 0): Promise<void> {
    const last = this.o.journal ? await this.o.journal.lastEventSeq() : 0;
    this.seq = Math.max(last, resumeFrom);
    if (this.o.reserve) {
      this.reserved = this.seq;
      await this.reserveAhead();
    }
    if (resumeFrom > last && this.persisting) {
      this.emit('stream.gap', {
        from: last + 1,
        to: resumeFrom,
        reason: 'the previous process stopped without persisting these events (crash); some may have been published',
      });
    }
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** The highest number that is durably reserved (or Infinity). */
  get reservedSeq(): number {
    return this.reserved;
  }

  /** Events not yet persisted. */
  get backlog(): number {
    return this.queue.length;
  }

  /** Whether the last attempt to persist failed. */
  get persistFailing(): boolean {
    return this.failing;
  }

  addSink(s: Sink): void {
    this.sinks.push(s);
  }

  /** In-process listeners (the orchestrator, tests). */
  subscribe(fn: (e: TradekitEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private get persisting(): boolean {
    return this.o.journal !== undefined && (this.o.persist ?? true);
  }

  get hasConsumers(): boolean {
    return this.sinks.length > 0 || this.listeners.size > 0 || (this.o.persist ?? true);
  }

  /** Publishes an event; nothing happens (no number is used) when nobody consumes events. */
  emit<K extends EventType>(type: K, data: EventPayloads[K]): TradekitEvent<K> | undefined {
    if (!this.hasConsumers) return undefined;
    const redact = this.o.redact;
    const clean = redact && redact !== NO_REDACTION ? (JSON.parse(redact(JSON.stringify(data))) as EventPayloads[K]) : data;
    const e: TradekitEvent<K> = { v: EVENT_VERSION, type, run: this.o.run, seq: ++this.seq, time: this.o.clock.now(), data: clean };
    this.counters.emitted++;
    if (this.persisting) {
      this.queue.push(e as TradekitEvent);
      if (this.queue.length > this.maxBacklog) this.dropOldest();
    }
    if (this.o.durable && this.persisting) {
      // Published by the pump once its batch is written.
      this.flushSoon();
    } else if (e.seq > this.reserved || this.held.length) {
      this.held.push(e as TradekitEvent);
      this.counters.held++;
      void this.reserveAhead();
    } else {
      this.publish(e as TradekitEvent);
      if (this.reserved - e.seq < this.block / 2) void this.reserveAhead();
    }
    return e;
  }

  private publish(e: TradekitEvent): void {
    for (const s of this.sinks) {
      try {
        s.publish(e);
      } catch (err) {
        this.counters.sinkErrors++;
        this.o.log?.warn({ err, sink: s.name }, 'sink failed to take an event');
      }
    }
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.o.log?.warn({ err }, 'event listener threw');
      }
    }
  }

  /** Reserves a block above the current number; publishes what waited for it. One reservation at a time. */
  private reserveAhead(): Promise<void> {
    const reserve = this.o.reserve;
    if (!reserve) return Promise.resolve();
    this.reserving ??= (async () => {
      try {
        while (this.reserved - this.seq < this.block / 2) {
          const upTo = this.seq + this.block;
          await reserve(upTo);
          this.reserved = upTo;
          this.publishHeld();
        }
      } catch (err) {
        // Events stay held (not published) until a reservation succeeds: the run is halting on the store.
        this.o.log?.warn({ code: (err as { code?: string }).code }, 'could not reserve event numbers; events are held');
      } finally {
        this.reserving = undefined;
      }
    })();
    return this.reserving;
  }

  private publishHeld(): void {
    let i = 0;
    for (; i < this.held.length && this.held[i]!.seq <= this.reserved; i++) this.publish(this.held[i]!);
    if (i) this.held.splice(0, i);
  }

  private dropOldest(): void {
    const n = this.queue.length - this.maxBacklog;
    this.queue.splice(0, n);
    if (this.counters.dropped === 0)
      this.o.log?.error({ kept: this.maxBacklog }, 'event backlog full while persistence fails: dropping the oldest unpersisted events');
    this.counters.dropped += n;
  }

  private flushScheduled = false;

  /** A write right after the current synchronous work (a cycle emits several events at once: one batch). */
  private flushSoon(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  /** Persists what is queued; resolves when the queue is empty or a write failed (the batch stays queued). */
  flush(): Promise<void> {
    if (!this.persisting || this.queue.length === 0) return this.writing ?? Promise.resolve();
    this.writing ??= this.pump().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  private async pump(): Promise<void> {
    const journal = this.o.journal!;
    while (this.queue.length) {
      const batch = this.queue.slice(0, MAX_BATCH);
      try {
        await journal.appendEvents(batch);
      } catch (err) {
        this.counters.persistErrors++;
        if (!this.failing) {
          this.failing = true;
          this.o.log?.error({ code: (err as { code?: string }).code, events: this.queue.length }, `could not persist ${batch.length} events; they stay queued`);
        }
        this.o.onPersistError?.(err);
        return;
      }
      // Only the persisted ones: a drop while writing removed from the front, so find where the batch ends.
      const lastSeq = batch[batch.length - 1]!.seq;
      let n = 0;
      while (n < this.queue.length && this.queue[n]!.seq <= lastSeq) n++;
      const done = this.queue.splice(0, n);
      if (this.o.durable) for (const e of done) this.publish(e);
      if (this.failing) {
        this.failing = false;
        this.o.onPersistRecovered?.();
      }
    }
  }

  /** Waits while the backlog is above the high-water mark (back-pressure at the end of a cycle). */
  async drain(): Promise<void> {
    while (this.queue.length > this.highWater) {
      await this.flush();
      if (this.failing) return;
    }
  }

  /** Persists everything and closes the sinks. */
  async close(): Promise<void> {
    await this.flush();
    for (const s of this.sinks) {
      try {
        await s.close?.();
      } catch (err) {
        this.o.log?.warn({ err, sink: s.name }, 'sink failed to close');
      }
    }
  }
}
