/**
 * Numbers events per run (gap-free `seq`, continued across restarts from the journal), stamps them
 * with clock time, redacts secrets, fans them out to sinks (a sink that throws is counted, never
 * fatal) and persists them to the journal in batches, one write in flight at a time.
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
}

export class EventBus {
  private seq = 0;
  private readonly sinks: Sink[] = [];
  private queue: TradekitEvent[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<(e: TradekitEvent) => void>();
  readonly counters = { emitted: 0, sinkErrors: 0, persistErrors: 0 };

  constructor(private readonly o: EventBusOptions) {}

  /** Continues numbering after the last persisted event. */
  async init(): Promise<void> {
    if (!this.o.journal) return;
    let last = 0;
    for (;;) {
      const batch = await this.o.journal.events(last, 5000);
      if (batch.length === 0) break;
      last = batch[batch.length - 1]!.seq;
    }
    this.seq = last;
  }

  get lastSeq(): number {
    return this.seq;
  }

  addSink(s: Sink): void {
    this.sinks.push(s);
  }

  /** In-process listeners (the orchestrator, tests). */
  subscribe(fn: (e: TradekitEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
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
    for (const s of this.sinks) {
      try {
        s.publish(e as TradekitEvent);
      } catch (err) {
        this.counters.sinkErrors++;
        this.o.log?.warn({ err, sink: s.name }, 'sink failed to take an event');
      }
    }
    for (const l of this.listeners) {
      try {
        l(e as TradekitEvent);
      } catch (err) {
        this.o.log?.warn({ err }, 'event listener threw');
      }
    }
    if (this.o.journal && (this.o.persist ?? true)) this.queue.push(e as TradekitEvent);
    return e;
  }

  /** Writes queued events; resolves when everything queued so far is persisted. */
  flush(): Promise<void> {
    if (!this.o.journal || this.queue.length === 0) return this.flushing;
    const batch = this.queue;
    this.queue = [];
    const journal = this.o.journal;
    this.flushing = this.flushing
      .then(() => journal.appendEvents(batch))
      .catch((err: unknown) => {
        this.counters.persistErrors++;
        this.o.log?.error({ err }, `could not persist ${batch.length} events`);
      });
    return this.flushing;
  }

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
