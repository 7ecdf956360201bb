/**
 * A simulated hedging account, as a Broker. Market orders fill at the current quote (ask for buys,
 * bid for sells) plus configured slippage; pending limits/stops, SL and TP trigger on the finest bars'
 * high/low (market.ts); the book and the money rules are in account.ts. The broker brings itself up to
 * `clock.now()` lazily on every call, so the same object serves live paper trading, replays and
 * backtests. Orders are idempotent by client id.
 */
// tsyringe needs the Reflect polyfill loaded first, whichever module is imported first.
import 'reflect-metadata';
import { inject, injectable } from 'tsyringe';
import { TradekitError, type ErrorCode } from '../errors.js';
import { ClockToken, DataSourceToken, PaperBrokerOptionsToken } from '../tokens.js';
import type { ActionResult, Broker, ClientIdLookup, Clock, DataSource } from '../interfaces.js';
import type {
  Account,
  Deal,
  DealReason,
  OrderIntent,
  OrderResult,
  PendingOrder,
  Position,
  PositionFilter,
  RejectedResult,
  Side,
  SymbolInfo,
  Tick,
} from '../types.js';
import { roundTo } from '../util/round.js';
import { isVolumeStepMultiple, roundMoney } from './money.js';
import { PAPER_DEFAULTS, type PaperBrokerOptions } from './account.js';
import { PaperMarket } from './market.js';
import { checkStops, reject, snapshotOf } from './rules.js';

export { PAPER_DEFAULTS, type PaperBrokerOptions };

/** How many client ids the broker remembers for idempotency (the oldest are forgotten first). */
export const CLIENT_ID_MEMORY = 50_000;

/** Deals kept in a saved account (lookups and recovery read recent history; a long paper run has many). */
export const SAVED_DEALS = 10_000;

/**
 * The whole account as plain data (JSON): what a paper run persists after every change so it can
 * restart like a live one (see persistent-paper.ts). `cursors`: per symbol, the open time of the last
 * bar whose triggers were processed, so bars missed while the process was down are walked on restart.
 */
export interface PaperAccountState {
  v: 1;
  balance: number;
  nextTicket: number;
  nextDeal: number;
  positions: (Position & { entryCommissionLeft: number })[];
  pending: PendingOrder[];
  pendingCloses: [string, number | null][];
  deals: Deal[];
  cursors: Record<string, number>;
}

@injectable()
export class PaperBroker extends PaperMarket implements Broker {
  readonly name = 'paper';
  private posCache?: { version: number; filter?: PositionFilter; list: Position[] };
  private ordCache?: { version: number; filter?: PositionFilter; list: PendingOrder[] };
  private readonly byClientId = new Map<string, OrderResult>();

  constructor(
    @inject(ClockToken) clock: Clock,
    @inject(DataSourceToken) data: DataSource,
    @inject(PaperBrokerOptionsToken) options: Partial<PaperBrokerOptions> = {},
  ) {
    super(clock, data, options);
  }

  // ---------------------------------------------------------------- queries

  account(): Account | Promise<Account> {
    const r = this.sync();
    return r ? r.then(() => this.accountNow()) : this.accountNow();
  }

  /**
   * Balance and equity exactly as `account()` reports them, into `out[0]` and `out[1]`, without an
   * Account object: what the backtest driver reads after every bar.
   */
  balanceInto(out: Float64Array): void | Promise<void> {
    const r = this.sync();
    if (r) return r.then(() => this.fillBalance(out));
    this.fillBalance(out);
  }

  private fillBalance(out: Float64Array): void {
    let profit = 0;
    // The same sum as `exposure`'s profit (same order and terms), so its fresh figure serves.
    if (this.sumsFresh) profit = this.sums[0]!;
    else {
      const open = this.openList;
      for (let i = 0; i < open.length; i++) profit += open[i]!.profit + open[i]!.swap;
    }
    out[0] = this.balance;
    out[1] = roundMoney(this.balance + profit);
  }

  positions(filter?: PositionFilter): Position[] | Promise<Position[]> {
    const r = this.sync();
    return r ? r.then(() => this.positionSnapshot(filter)) : this.positionSnapshot(filter);
  }

  orders(filter?: PositionFilter): PendingOrder[] | Promise<PendingOrder[]> {
    const r = this.sync();
    return r ? r.then(() => this.orderSnapshot(filter)) : this.orderSnapshot(filter);
  }

  history(range: { from: number; to: number }): Deal[] | Promise<Deal[]> {
    const get = () => this.dealsBetween(range.from, range.to);
    const r = this.sync();
    return r ? r.then(get) : get();
  }

  /** Deals with from ≤ time ≤ to (frozen, shared): a binary search while they are in time order. */
  private dealsBetween(from: number, to: number): Deal[] {
    const deals = this.deals;
    if (!this.dealsInTimeOrder) return deals.filter((d) => d.time >= from && d.time <= to);
    let lo = 0;
    let hi = deals.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (deals[mid]!.time < from) lo = mid + 1;
      else hi = mid;
    }
    const out: Deal[] = [];
    for (let i = lo; i < deals.length && deals[i]!.time <= to; i++) out.push(deals[i]!);
    return out;
  }

  lookup(clientId: string): ClientIdLookup | Promise<ClientIdLookup> {
    const get = (): ClientIdLookup => ({
      positions: this.positionList().filter((p) => p.clientId === clientId),
      orders: [...this.pending.values()].filter((o) => o.clientId === clientId).map((o) => ({ ...o })),
      deals: this.deals.filter((d) => d.clientId === clientId),
    });
    const r = this.sync();
    return r ? r.then(get) : get();
  }

  // ---------------------------------------------------------------- commands

  place(intent: OrderIntent): OrderResult | Promise<OrderResult> {
    const prior = this.byClientId.get(intent.clientId);
    if (prior) return prior;
    // An unknown symbol or a missing quote is a rejection, not a throw (which the engine would have
    // to treat as an unknown outcome and reconcile an order that never existed).
    let r: Promise<void> | undefined;
    try {
      r = this.sync(intent.symbol);
    } catch (e) {
      return this.remember(intent, rejection(intent, e));
    }
    return r
      ? r.then(
          () => this.placeSynced(intent),
          (e: unknown) => this.remember(intent, rejection(intent, e)),
        )
      : this.placeSynced(intent);
  }

  private placeSynced(intent: OrderIntent): OrderResult {
    // Re-check: a concurrent call with the same client id may have completed while we synced.
    const again = this.byClientId.get(intent.clientId);
    if (again) return again;
    let result: OrderResult;
    try {
      result = this.placeNow(intent);
    } catch (e) {
      result = rejection(intent, e);
    }
    return this.remember(intent, result);
  }

  private remember(intent: OrderIntent, result: OrderResult): OrderResult {
    const known = this.byClientId;
    const before = known.size;
    known.set(intent.clientId, result);
    if (known.size === before) return result;
    // Idempotency needs recent ids, not every id of a year-long backtest: keep the newest ones. The
    // ids in the order first remembered (the map's order), so the oldest is found without walking the
    // map from its start (which, past the first deletions, walks every deleted entry: ≈ 45 µs an order).
    const ids = this.rememberedIds;
    ids.push(intent.clientId);
    if (known.size > CLIENT_ID_MEMORY) {
      known.delete(ids[this.oldestId]!);
      ids[this.oldestId++] = undefined;
      if (this.oldestId >= CLIENT_ID_MEMORY) {
        ids.splice(0, this.oldestId);
        this.oldestId = 0;
      }
    }
    return result;
  }
  /** The remembered client ids from `oldestId` on, oldest first (forgotten ones are undefined). */
  private readonly rememberedIds: (string | undefined)[] = [];
  private oldestId = 0;

  modify(positionId: string, stops: { sl?: number; tp?: number }): ActionResult | Promise<ActionResult> {
    const r = this.sync(this.positionsById.get(positionId)?.symbol);
    return r ? r.then(() => this.modifyNow(positionId, stops)) : this.modifyNow(positionId, stops);
  }

  close(positionId: string, volume?: number): ActionResult | Promise<ActionResult> {
    const r = this.sync(this.positionsById.get(positionId)?.symbol);
    return r ? r.then(() => this.closeNow(positionId, volume, 'client')) : this.closeNow(positionId, volume, 'client');
  }

  closeAtLast(positionId: string): ActionResult | Promise<ActionResult> {
    const go = (): ActionResult => {
      const p = this.positionsById.get(positionId);
      if (!p) return reject('TK_ERR_BROKER_POSITION_NOT_FOUND', `position ${positionId} does not exist (closed?)`, false);
      const st = this.symbols.get(p.symbol)!;
      this.pendingCloses.delete(positionId);
      const price = roundTo((p.side === 'buy' ? st.quote!.bid : st.quote!.ask) + this.slip(st.info, p.side === 'buy' ? 'sell' : 'buy'), st.info.digits);
      return { status: 'done', deal: this.closeAt(p, p.volume, price, this.clock.now(), 'client', st.info) };
    };
    const r = this.sync(this.positionsById.get(positionId)?.symbol);
    return r ? r.then(go) : go();
  }

  cancel(orderId: string): ActionResult | Promise<ActionResult> {
    const go = (): ActionResult => {
      const o = this.pending.get(orderId);
      if (!o) return reject('TK_ERR_BROKER_ORDER_NOT_FOUND', `order ${orderId} does not exist (filled, expired or cancelled)`, false);
      this.removePending(o);
      this.changed();
      return { status: 'done' };
    };
    const r = this.sync();
    return r ? r.then(go) : go();
  }

  subscribeDeals(listener: (deal: Deal) => void): () => void {
    this.dealListeners.add(listener);
    return () => this.dealListeners.delete(listener);
  }

  // ---------------------------------------------------------------- snapshots

  /** Grows on every change of the account (positions, orders, balance, deals): what to persist, and when. */
  get revision(): number {
    return this.version;
  }

  /** The account as plain data (see PaperAccountState). */
  exportState(): PaperAccountState {
    const cursors: Record<string, number> = { ...this.restoredCursors };
    for (const [sym, st] of this.symbols) cursors[sym] = st.cursor;
    return {
      v: 1,
      balance: this.balance,
      nextTicket: this.nextTicket,
      nextDeal: this.nextDeal,
      positions: [...this.positionsById.values()].map((p) => ({ ...p })),
      pending: [...this.pending.values()].map((o) => ({ ...o })),
      pendingCloses: [...this.pendingCloses].map(([id, v]) => [id, v ?? null]),
      deals: this.deals.slice(-SAVED_DEALS).map((d) => ({ ...d })),
      cursors,
    };
  }

  /** Restores a saved account before the first call (deals already seen are not announced again). */
  importState(s: PaperAccountState): void {
    if (s.v !== 1) throw new TradekitError('TK_ERR_STATE_IO', `saved paper account has version ${String(s.v)}, this broker reads version 1`);
    this.balance = s.balance;
    this.nextTicket = s.nextTicket;
    this.nextDeal = s.nextDeal;
    this.symbols.clear();
    this.positionsById.clear();
    this.openList.length = 0;
    this.sumsFresh = false;
    for (const p of s.positions) this.addPosition({ ...p });
    this.pending.clear();
    for (const o of s.pending) this.addPending({ ...o });
    this.pendingCloses.clear();
    for (const [id, v] of s.pendingCloses) this.pendingCloses.set(id, v ?? undefined);
    this.deals.length = 0;
    this.dealsInTimeOrder = true;
    for (const d of s.deals) this.bookDeal({ ...d });
    this.restoredCursors = { ...s.cursors };
    this.syncedAt = -Infinity;
    this.changed();
  }

  private positionSnapshot(filter?: PositionFilter): Position[] {
    const c = this.posCache;
    if (c && c.version === this.version && c.filter === filter) return c.list;
    const list = Object.freeze(this.positionList(filter)) as Position[];
    this.posCache = { version: this.version, filter, list };
    return list;
  }

  private orderSnapshot(filter?: PositionFilter): PendingOrder[] {
    // No pending order (a backtest of market orders, every cycle after a trade): the one empty list.
    if (this.pending.size === 0) return NO_ORDERS;
    const c = this.ordCache;
    if (c && c.version === this.version && c.filter === filter) return c.list;
    const list = [...this.pending.values()]
      .filter((o) => (!filter?.symbol || o.symbol === filter.symbol) && (filter?.magic === undefined || o.magic === filter.magic))
      .map((o) => Object.freeze({ ...o }));
    Object.freeze(list);
    this.ordCache = { version: this.version, filter, list };
    return list;
  }

  // ---------------------------------------------------------------- execution

  private placeNow(intent: OrderIntent): OrderResult {
    const st = this.symbols.get(intent.symbol)!;
    const info = st.info;
    const q = st.quote!;
    const now = this.clock.now();
    const base = intent;

    if (info.tradeMode === 'disabled' || info.tradeMode === 'closeonly')
      return rej(intent, 'TK_ERR_BROKER_TRADE_DISABLED', `trading ${intent.symbol} is ${info.tradeMode}`);
    if (info.tradeMode === 'longonly' && intent.side === 'sell')
      return rej(intent, 'TK_ERR_BROKER_TRADE_DISABLED', `${intent.symbol} allows long positions only`);
    if (info.tradeMode === 'shortonly' && intent.side === 'buy')
      return rej(intent, 'TK_ERR_BROKER_TRADE_DISABLED', `${intent.symbol} allows short positions only`);
    const volErr = this.checkVolume(info, intent.volume);
    if (volErr) return rej(intent, 'TK_ERR_BROKER_INVALID_VOLUME', volErr);
    const closed = this.isClosed(q, now);
    if (closed && this.opts.whenClosed === 'reject') {
      return rej(intent, 'TK_ERR_BROKER_MARKET_CLOSED', `no fresh quote for ${intent.symbol} (last ${new Date(q.time).toISOString()}): market closed`, true);
    }

    if (intent.type === 'market' && closed) {
      const stopsErr = checkStops(info, intent.side, q, intent.sl, intent.tp);
      if (stopsErr) return rej(intent, 'TK_ERR_BROKER_INVALID_STOPS', stopsErr);
      const id = String(this.nextTicket++);
      const price = intent.side === 'buy' ? q.ask : q.bid;
      this.changed();
      this.addPending({
        id,
        clientId: intent.clientId,
        symbol: intent.symbol,
        side: intent.side,
        type: 'market',
        volume: intent.volume,
        price,
        sl: intent.sl || undefined,
        tp: intent.tp || undefined,
        placedAt: now,
        expiresAt: intent.expiresAt,
        magic: intent.magic,
        comment: intent.comment,
      });
      return {
        status: 'placed',
        clientId: base.clientId,
        symbol: base.symbol,
        orderId: id,
        side: intent.side,
        type: 'market',
        volume: intent.volume,
        price,
        time: now,
      };
    }

    if (intent.type === 'market') {
      const price = roundTo((intent.side === 'buy' ? q.ask : q.bid) + this.slip(info, intent.side), info.digits);
      const stopsErr = checkStops(info, intent.side, q, intent.sl, intent.tp);
      if (stopsErr) return rej(intent, 'TK_ERR_BROKER_INVALID_STOPS', stopsErr);
      const required = this.marginFor(info, intent.volume, price);
      const free = this.freeMargin();
      if (required > free)
        return rej(intent, 'TK_ERR_BROKER_NO_MONEY', `margin ${required.toFixed(2)} ${this.opts.currency} needed, free margin is ${free.toFixed(2)}`);
      const ticket = String(this.nextTicket++);
      const pos = this.open(info, ticket, intent, price, now);
      return {
        status: 'filled',
        clientId: base.clientId,
        symbol: base.symbol,
        orderId: ticket,
        positionId: pos.id,
        side: intent.side,
        volume: intent.volume,
        requestedVolume: intent.volume,
        price,
        time: now,
        commission: pos.commission,
      };
    }

    const price = intent.price;
    if (price === undefined || !(price > 0)) return rej(intent, 'TK_ERR_BROKER_INVALID_PRICE', `${intent.type} order needs a positive price`);
    const p = roundTo(price, info.digits);
    const minDist = info.stopsLevel * info.point;
    const ok =
      intent.type === 'limit'
        ? intent.side === 'buy'
          ? p <= q.ask - minDist
          : p >= q.bid + minDist
        : intent.side === 'buy'
          ? p >= q.ask + minDist
          : p <= q.bid - minDist;
    if (!ok)
      return rej(
        intent,
        'TK_ERR_BROKER_INVALID_PRICE',
        `${intent.side} ${intent.type} at ${p} is on the wrong side of the market (bid ${q.bid} / ask ${q.ask})`,
      );
    if (intent.expiresAt !== undefined && intent.expiresAt <= now)
      return rej(intent, 'TK_ERR_BROKER_INVALID_PRICE', `expiration ${new Date(intent.expiresAt).toISOString()} is not in the future`);
    const fakeQuote = { ...q, bid: intent.side === 'buy' ? p : p - (q.ask - q.bid), ask: intent.side === 'sell' ? p : p + (q.ask - q.bid) };
    const stopsErr = checkStops(info, intent.side, fakeQuote, intent.sl, intent.tp);
    if (stopsErr) return rej(intent, 'TK_ERR_BROKER_INVALID_STOPS', stopsErr);
    const id = String(this.nextTicket++);
    const order: PendingOrder = {
      id,
      clientId: intent.clientId,
      symbol: intent.symbol,
      side: intent.side,
      type: intent.type,
      volume: intent.volume,
      price: p,
      sl: intent.sl || undefined,
      tp: intent.tp || undefined,
      placedAt: now,
      expiresAt: intent.expiresAt,
      magic: intent.magic,
      comment: intent.comment,
    };
    this.addPending(order);
    this.changed();
    return {
      status: 'placed',
      clientId: base.clientId,
      symbol: base.symbol,
      orderId: id,
      side: intent.side,
      type: intent.type,
      volume: intent.volume,
      price: p,
      time: now,
    };
  }

  private modifyNow(positionId: string, stops: { sl?: number; tp?: number }): ActionResult {
    const p = this.positionsById.get(positionId);
    if (!p) return reject('TK_ERR_BROKER_POSITION_NOT_FOUND', `position ${positionId} does not exist (closed?)`, false);
    const st = this.symbols.get(p.symbol)!;
    const sl = stops.sl === undefined ? p.sl : stops.sl ? roundTo(stops.sl, st.info.digits) : undefined;
    const tp = stops.tp === undefined ? p.tp : stops.tp ? roundTo(stops.tp, st.info.digits) : undefined;
    if (sl === p.sl && tp === p.tp) return { status: 'done' };
    const err = checkStops(st.info, p.side, st.quote!, sl, tp);
    if (err) return reject('TK_ERR_BROKER_INVALID_STOPS', err, false);
    this.changed();
    p.sl = sl;
    p.tp = tp;
    return { status: 'done' };
  }

  private closeNow(positionId: string, volume: number | undefined, reason: DealReason): ActionResult {
    const p = this.positionsById.get(positionId);
    if (!p) return reject('TK_ERR_BROKER_POSITION_NOT_FOUND', `position ${positionId} does not exist (closed?)`, false);
    const st = this.symbols.get(p.symbol)!;
    const vol = volume ?? p.volume;
    if (vol > p.volume + 1e-9) return reject('TK_ERR_BROKER_INVALID_VOLUME', `close volume ${vol} exceeds position volume ${p.volume}`, false);
    if (vol < p.volume - 1e-9) {
      const err = this.checkVolume(st.info, vol);
      if (err) return reject('TK_ERR_BROKER_INVALID_VOLUME', `partial close: ${err}`, false);
    }
    if (this.isClosed(st.quote!, this.clock.now())) {
      if (this.opts.whenClosed === 'queue') {
        this.pendingCloses.set(p.id, vol < p.volume - 1e-9 ? vol : undefined);
        return { status: 'queued', reason: `market closed: ${p.symbol} closes at the next open` };
      }
      return reject('TK_ERR_BROKER_MARKET_CLOSED', `no fresh quote for ${p.symbol}: market closed`, true);
    }
    const exitSide: Side = p.side === 'buy' ? 'sell' : 'buy';
    const price = roundTo((p.side === 'buy' ? st.quote!.bid : st.quote!.ask) + this.slip(st.info, exitSide), st.info.digits);
    const deal = this.closeAt(p, Math.min(vol, p.volume), price, this.clock.now(), reason, st.info);
    return { status: 'done', deal };
  }

  private isClosed(q: Tick, now: number): boolean {
    return q.closed === true || now - q.time > this.opts.maxQuoteAgeMs;
  }

  // ---------------------------------------------------------------- rules

  private checkVolume(info: SymbolInfo, v: number): string | undefined {
    if (!(v > 0) || !Number.isFinite(v)) return `volume ${v} must be a positive number`;
    if (v < info.volumeMin - 1e-9) return `volume ${v} is below the minimum ${info.volumeMin} for ${info.symbol}`;
    if (v > info.volumeMax + 1e-9) return `volume ${v} is above the maximum ${info.volumeMax} for ${info.symbol}`;
    if (!isVolumeStepMultiple(v, info.volumeStep)) return `volume ${v} is not a multiple of the step ${info.volumeStep} for ${info.symbol}`;
    return undefined;
  }

  private positionList(filter?: PositionFilter): Position[] {
    const out: Position[] = [];
    for (const p of this.positionsById.values()) {
      if (filter?.symbol && p.symbol !== filter.symbol) continue;
      if (filter?.magic !== undefined && p.magic !== filter.magic) continue;
      out.push(snapshotOf(p));
    }
    return out;
  }
}

const NO_ORDERS: PendingOrder[] = Object.freeze([]) as unknown as PendingOrder[];

/** The order's rejection (a function, not a closure per order: most orders are not rejected). */
function rej(intent: OrderIntent, code: ErrorCode, reason: string, retryable = false): RejectedResult {
  return {
    status: 'rejected',
    clientId: intent.clientId,
    symbol: intent.symbol,
    code,
    reason,
    retryable,
  };
}

/** A thrown TradekitError as the order's rejection (anything else is a bug: thrown on). */
function rejection(intent: OrderIntent, e: unknown): OrderResult {
  if (!(e instanceof TradekitError)) throw e;
  return { status: 'rejected', clientId: intent.clientId, symbol: intent.symbol, code: e.code, reason: e.message, retryable: e.retryable };
}
