/**
 * Turns broker deals into the journal's trades and the run's events: closes (SL, TP, agent, stop-out)
 * become `position.closed` + the `positionClosed` hook; fills of pending orders become
 * `order.filled` + `afterExecute`; pending orders that vanished without a fill are marked expired or
 * cancelled. Deals arrive pushed (paper) or polled from history (other brokers), each processed once.
 */
import type { EngineHooks } from '../hooks.js';
import type { Broker, ClientIdLookup, CycleContext, Journal, Logger, OrderRecord, RunInfo, TradeRecord } from '../interfaces.js';
import type { Deal, FilledResult, PendingOrder } from '../types.js';
import type { EventBus } from '../events/bus.js';
import { extend, isPromiseLike, type Flow } from '../util/maybe.js';
import { failpoint } from '../util/failpoints.js';
import { series } from './dispatch.js';
import { exitOfDeal, fillOfDeal, filledOrder, intentOf, sourceOfOrder, tradeOfFill } from './records.js';

const SEEN_LIMIT = 10_000;

export class TradeLedger {
  /** Orders placed at the broker and still pending, by client id. */
  readonly pending = new Map<string, OrderRecord>();
  /** Positions the journal has as open trades (anything else at the broker is adopted by recovery). */
  readonly known = new Set<string>();
  private readonly queue: Deal[] = [];
  private readonly seen = new Set<string>();
  private readonly closeReasons = new Map<string, string>();
  private subscribed = false;
  /** Deals with time ≥ cursor are polled (brokers without push). */
  cursor = 0;

  constructor(
    private readonly broker: Broker,
    private readonly journal: Journal,
    private readonly bus: EventBus,
    private readonly hooks: EngineHooks,
    private readonly run: RunInfo,
    private readonly log: Logger,
  ) {
    if (broker.subscribeDeals) {
      broker.subscribeDeals((d) => this.queue.push(d));
      this.subscribed = true;
    }
  }

  isOurs(d: { magic?: number; clientId?: string }): boolean {
    return d.magic === this.run.magic || (d.clientId !== undefined && this.pending.has(d.clientId));
  }

  /** Remember why the engine closed a position, for the journal's exit reason. */
  noteClose(positionId: string, reason: string): void {
    this.closeReasons.set(positionId, reason);
  }

  get hasWork(): boolean {
    return !this.subscribed || this.queue.length > 0 || this.pending.size > 0;
  }

  /** Processes new deals and vanished pending orders. `ctx.orders` must be the current broker orders. */
  *process(ctx: CycleContext): Flow<void> {
    let deals: Deal[];
    if (this.subscribed) {
      deals = this.queue.splice(0);
    } else {
      const now = ctx.clock.now();
      deals = (yield this.broker.history({ from: this.cursor, to: now })) as Deal[];
      deals.sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : 1));
      if (deals.length) this.cursor = Math.max(this.cursor, deals[deals.length - 1]!.time);
    }
    for (const d of deals) {
      // Pushed deals arrive exactly once; polled ones overlap between polls.
      if (!this.isOurs(d) || (!this.subscribed && this.seen.has(d.id))) continue;
      if (!this.subscribed) this.remember(d.id);
      if (d.entry === 'in') {
        const rec = d.clientId ? this.pending.get(d.clientId) : undefined;
        if (rec) {
          this.pending.delete(rec.clientId);
          yield* this.filled(ctx, rec, fillOfDeal(rec, d));
        }
      } else yield* this.closed(d);
    }
    if (this.pending.size) yield* this.vanished(ctx);
  }

  private remember(id: string): void {
    this.seen.add(id);
    // Keep the newest half when full (cheaper than evicting one by one).
    if (this.seen.size > SEEN_LIMIT) {
      const keep = [...this.seen].slice(SEEN_LIMIT / 2);
      this.seen.clear();
      for (const k of keep) this.seen.add(k);
    }
  }

  /**
   * An order of ours filled after its send returned (a pending order, or an outcome that was unknown):
   * journaled with its trade in one write, then `order.filled` and `afterExecute`.
   */
  *filled(ctx: CycleContext, rec: OrderRecord, result: FilledResult): Flow<void> {
    failpoint('fill.beforeJournal');
    yield this.journal.recordFill(filledOrder(rec, result, ctx.clock.now()), tradeOfFill(rec.clientId, result, sourceOfOrder(rec)));
    this.known.add(result.positionId);
    if (this.bus.hasConsumers) this.bus.emit('order.filled', { intent: rec.intent, result });
    if (this.hooks.afterExecute.taps.length) yield series(this.hooks.afterExecute, result, ctx, intentOf(rec));
  }

  private *closed(d: Deal): Flow<void> {
    // Answers already there are not yielded (no generator round trip with a synchronous journal).
    const got = this.journal.getTrade(d.positionId);
    const trade = (isPromiseLike(got) ? yield got : got) as TradeRecord | undefined;
    const reason = d.reason === 'client' ? (this.closeReasons.get(d.positionId) ?? 'client') : d.reason;
    const exit = exitOfDeal(d, trade, reason);
    if (!exit.partial) this.closeReasons.delete(d.positionId);
    failpoint('exit.beforeJournal');
    // Idempotent by deal: an exit recovery already recorded is not announced twice.
    const written = this.journal.recordExit(exit);
    const recorded = (isPromiseLike(written) ? yield written : written) as boolean;
    failpoint('exit.afterJournal');
    if (!exit.partial) this.known.delete(d.positionId);
    if (!recorded) return;
    if (this.bus.hasConsumers) this.bus.emit('position.closed', { trade: exit });
    if (this.hooks.positionClosed.taps.length) yield series(this.hooks.positionClosed, exit);
  }

  /** Pending orders the broker no longer lists and that did not fill: expired or cancelled. */
  private *vanished(ctx: CycleContext): Flow<void> {
    const live = new Set(ctx.orders.map((o: PendingOrder) => o.clientId));
    for (const rec of [...this.pending.values()]) {
      if (live.has(rec.clientId)) continue;
      const found = (yield this.broker.lookup(rec.clientId)) as ClientIdLookup;
      const fill = found.deals.find((d) => d.entry === 'in');
      if (fill) {
        if (!this.seen.has(fill.id)) {
          this.remember(fill.id);
          this.pending.delete(rec.clientId);
          yield* this.filled(ctx, rec, fillOfDeal(rec, fill));
        }
        continue;
      }
      if (found.orders.length) continue; // still working (the snapshot was filtered or stale)
      this.pending.delete(rec.clientId);
      const expired = rec.intent?.expiresAt !== undefined && ctx.clock.now() >= rec.intent.expiresAt;
      const status = expired ? 'expired' : 'cancelled';
      yield this.journal.saveOrder(extend(rec, { status, reason: expired ? 'expired unfilled' : 'cancelled before fill', updatedAt: ctx.clock.now() }));
      this.bus.emit('order.cancelled', {
        order: {
          id: rec.brokerOrderId ?? '',
          clientId: rec.clientId,
          symbol: rec.symbol,
          side: rec.side,
          type: rec.type === 'stop' ? 'stop' : 'limit',
          volume: rec.volume,
          price: rec.price ?? 0,
          placedAt: rec.createdAt,
        },
        reason: status,
      });
      this.log.info({ clientId: rec.clientId, symbol: rec.symbol }, `pending order ${status}`);
    }
  }
}
