/**
 * Reconciliation: bringing the journal in line with the broker, which is the truth about money.
 * NautilusTrader's crash-only rule: startup *is* recovery, and the same procedure runs whenever the
 * journal may have missed something (the state store came back after failing).
 *
 * - Orders whose outcome the journal does not know (`pending`: written before the send; `unknown`:
 *   the send's answer was lost; `placed`: working when we stopped) are looked up by client id at the
 *   broker — never resent. Found filled → journaled with their trade; working → tracked again; not
 *   found → `failed` (it never reached the broker) or `cancelled` (a working order that is gone).
 * - Every exit deal of a journal trade that the journal lacks (closed or partly closed while we were
 *   down) is recorded from the broker's history; a trade the broker has neither open nor closed is
 *   closed as `missing`.
 * - Positions of this run (its magic) that the journal does not know are adopted.
 *
 * During a run, `pass` does the cheap part every cycle: unknown outcomes are looked up again (and
 * given up as `failed` only after several lookups found nothing), and positions the journal does not
 * know are adopted at once instead of being journaled wrong when they close.
 */
import type { Broker, ClientIdLookup, Clock, CycleContext, Journal, KeyValueStore, Logger, OrderRecord, RunInfo, TradeRecord } from '../interfaces.js';
import type { Deal, Position } from '../types.js';
import type { EventBus } from '../events/bus.js';
import { extend, type Flow } from '../util/maybe.js';
import { failpoint } from '../util/failpoints.js';
import { adoptedTrade, exitOfDeal, filledOrder, intentOf, missingExit, outcomeOfLookup, sourceOfOrder, tradeOfFill } from './records.js';
import type { TradeLedger } from './ledger.js';

export const DEAL_CURSOR_KEY = 'engine.dealCursor';

/** Lookups that found nothing before an unknown outcome is given up as `failed` (never reached the broker). */
export const UNKNOWN_LOOKUPS = 3;

export interface RecoveryReport {
  /** Orders of unknown outcome resolved (filled, failed). */
  resolved: number;
  /** Broker positions adopted into the journal. */
  adopted: number;
  /** Journal trades closed (exits from history, or missing). */
  closed: number;
  /** Exit deals recorded (full and partial). */
  exits: number;
}

export interface ReconcilerDeps {
  broker: Broker;
  journal: Journal;
  kv: KeyValueStore;
  clock: Clock;
  log: Logger;
  run: RunInfo;
  bus: EventBus;
  ledger: TradeLedger;
}

export class Reconciler {
  /** Orders whose send had an unknown outcome, by client id, with the lookups that found nothing. */
  private readonly unknown = new Map<string, { rec: OrderRecord; misses: number }>();
  /** Differences found with the broker since the run started, by kind (read by the metrics module). */
  readonly differences = { resolved: 0, adopted: 0, closed: 0, exits: 0, failed: 0 };

  constructor(private readonly d: ReconcilerDeps) {}

  /** Startup (and after the state store recovered): the journal made equal to the broker. */
  async startup(): Promise<RecoveryReport> {
    const { broker, journal, kv, run, clock, log, ledger } = this.d;
    const out: RecoveryReport = { resolved: 0, adopted: 0, closed: 0, exits: 0 };
    const cursor = await kv.get<number>(DEAL_CURSOR_KEY);
    ledger.cursor = cursor ?? clock.now();
    ledger.pending.clear();
    this.unknown.clear();

    for (const rec of await journal.listOrders({ status: ['pending', 'unknown', 'placed'] })) {
      const found = await broker.lookup(rec.clientId);
      const now = clock.now();
      const outcome = outcomeOfLookup(intentOf(rec), found);
      if (outcome?.status === 'filled') {
        const fill = outcome;
        await journal.recordFill(filledOrder(rec, fill, now), tradeOfFill(rec.clientId, fill, sourceOfOrder(rec)));
        ledger.known.add(fill.positionId);
        this.d.bus.emit('order.filled', { intent: rec.intent, result: fill });
      } else if (outcome?.status === 'placed') {
        const placed = extend(rec, { status: 'placed' as const, brokerOrderId: outcome.orderId });
        if (rec.status !== 'placed') await journal.saveOrder(extend(placed, { updatedAt: now }));
        ledger.pending.set(rec.clientId, placed);
      } else if (rec.status === 'placed') {
        await journal.saveOrder(extend(rec, { status: 'cancelled', reason: 'not at the broker on restart (expired or cancelled)', updatedAt: now }));
      } else {
        await journal.saveOrder(extend(rec, { status: 'failed', reason: 'not found at the broker: it never reached it', updatedAt: now }));
      }
      if (rec.status !== 'placed') out.resolved++;
      failpoint('recovery.order');
    }

    const positions = await broker.positions({ magic: run.magic });
    const atBroker = new Map(positions.map((p) => [p.id, p]));
    let open = await journal.listTrades({ status: 'open' });
    const journaled = new Set(open.map((t) => t.positionId));
    for (const p of positions) {
      if (journaled.has(p.id)) continue;
      await journal.openTrade(adoptedTrade(p));
      out.adopted++;
      log.warn({ positionId: p.id, symbol: p.symbol, clientId: p.clientId }, 'adopted a position of this run the journal did not know');
    }
    if (out.adopted) open = await journal.listTrades({ status: 'open' });

    // Exit deals of journal trades: closed while we were down, or partly closed (volume below the journal's).
    const stale = open.filter((t) => {
      const p = atBroker.get(t.positionId);
      return !p || p.volume < t.openVolume - 1e-9;
    });
    if (stale.length) {
      const from = Math.min(...stale.map((t) => t.entryTime));
      const deals = (await broker.history({ from, to: clock.now() }))
        .filter((x) => x.entry === 'out')
        .sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : 1));
      for (const t of stale) {
        const r = await this.recordExits(
          t,
          deals.filter((x) => x.positionId === t.positionId),
        );
        out.exits += r.exits;
        if (!atBroker.has(t.positionId)) {
          if (r.left > 1e-9) {
            // The broker has neither the position nor (all of) its exit: a paper account that was reset.
            await journal.recordExit(missingExit({ ...t, openVolume: r.left }, clock.now()));
            log.warn({ positionId: t.positionId, symbol: t.symbol }, 'journal had an open trade the broker does not know; marked closed (reason: missing)');
          }
          out.closed++;
        }
      }
    }
    ledger.known.clear();
    for (const t of await journal.listTrades({ status: 'open' })) ledger.known.add(t.positionId);
    if (out.resolved || out.adopted || out.closed || out.exits) log.info(out, 'recovered state from the broker');
    const d = this.differences;
    d.resolved += out.resolved;
    d.adopted += out.adopted;
    d.closed += out.closed;
    d.exits += out.exits;
    return out;
  }

  /** Records a trade's exit deals the journal lacks (each deal once); returns the volume still open. */
  private async recordExits(t: TradeRecord, deals: Deal[]): Promise<{ exits: number; left: number }> {
    let left = t.openVolume;
    let exits = 0;
    for (const x of deals) {
      failpoint('recovery.exit');
      const exit = exitOfDeal(x, { ...t, openVolume: left }, x.reason);
      if (await this.d.journal.recordExit(exit)) {
        left -= x.volume;
        exits++;
        this.d.bus.emit('position.closed', { trade: exit });
      }
    }
    return { exits, left };
  }

  /** An order whose send had an unknown outcome: looked up again every cycle until its outcome is known. */
  trackUnknown(rec: OrderRecord): void {
    this.unknown.set(rec.clientId, { rec, misses: 0 });
  }

  /** Whether `pass` has anything to do this cycle (checked without allocating). */
  needsPass(positions: readonly Position[]): boolean {
    if (this.unknown.size) return true;
    // The paper broker hands back the same frozen snapshot while nothing changed: checked once (a
    // frozen array cannot gain a position, and a known id is only forgotten when its position closes,
    // which makes a new snapshot).
    if (positions === this.allKnown) return false;
    const known = this.d.ledger.known;
    for (let i = 0; i < positions.length; i++) if (!known.has(positions[i]!.id)) return true;
    if (Object.isFrozen(positions)) this.allKnown = positions;
    return false;
  }
  private allKnown?: readonly Position[];

  /** Per cycle: unknown outcomes looked up again; unknown positions of this run adopted. */
  *pass(ctx: CycleContext): Flow<void> {
    const { broker, journal, log, ledger, clock } = this.d;
    for (const [clientId, u] of [...this.unknown]) {
      const found = (yield broker.lookup(clientId)) as ClientIdLookup;
      const outcome = outcomeOfLookup(intentOf(u.rec), found);
      const now = clock.now();
      if (outcome?.status === 'filled') {
        this.unknown.delete(clientId);
        this.differences.resolved++;
        yield* ledger.filled(ctx, u.rec, outcome);
      } else if (outcome?.status === 'placed') {
        this.unknown.delete(clientId);
        this.differences.resolved++;
        const placed = extend(u.rec, { status: 'placed' as const, brokerOrderId: outcome.orderId, updatedAt: now });
        yield journal.saveOrder(placed);
        ledger.pending.set(clientId, placed);
        log.info({ clientId }, 'order of unknown outcome found working at the broker');
      } else if (++u.misses >= UNKNOWN_LOOKUPS) {
        this.unknown.delete(clientId);
        this.differences.failed++;
        yield journal.saveOrder(
          extend(u.rec, {
            status: 'failed',
            reason: `nothing carries the client id after ${UNKNOWN_LOOKUPS} lookups: it never reached the broker`,
            updatedAt: now,
          }),
        );
        log.warn({ clientId }, 'order of unknown outcome not found at the broker: marked failed');
      }
    }
    for (const p of ctx.positions) {
      if (ledger.known.has(p.id)) continue;
      // A position of ours the journal does not know (a fill whose answer was lost): adopt it now.
      const rec = p.clientId ? ((yield journal.getOrder(p.clientId)) as OrderRecord | undefined) : undefined;
      this.differences.adopted++;
      if (rec) {
        this.unknown.delete(rec.clientId);
        yield* ledger.filled(ctx, rec, {
          status: 'filled',
          clientId: rec.clientId,
          orderId: p.id,
          positionId: p.id,
          symbol: p.symbol,
          side: p.side,
          volume: p.volume,
          requestedVolume: rec.volume,
          price: p.openPrice,
          time: p.openTime,
          commission: p.commission,
        });
      } else {
        yield journal.openTrade(adoptedTrade(p));
        ledger.known.add(p.id);
        log.warn({ positionId: p.id, symbol: p.symbol }, 'adopted a position of this run the journal did not know');
      }
    }
  }
}
