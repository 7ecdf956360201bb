/**
 * A simulated hedging account. Market orders fill at the current quote (ask for buys, bid for sells)
 * plus configured slippage; pending limits/stops, SL and TP trigger on the finest bars' high/low
 * (bars are bid prices, the ask side adds the spread) with gap fills at the bar's open; when SL and TP
 * are both inside one bar the pessimistic outcome (SL) is taken. The broker brings itself up to
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
  BarSeries,
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
  Timeframe,
} from '../types.js';
import { isPromiseLike } from '../util/maybe.js';
import { TIMEFRAME_MS } from '../data/timeframes.js';
import { roundTo } from '../data/csv-source.js';
import { isVolumeStepMultiple, roundMoney } from './money.js';

export interface PaperBrokerOptions {
  balance: number;
  currency: string;
  /** Account leverage (1:N). */
  leverage: number;
  /** Leverage per symbol or asset class, overriding `leverage` (e.g. `{ index: 20, XAUUSD: 50 }`). */
  leverageBy?: Record<string, number>;
  /** Commission per lot per side, in account currency (charged on each deal). */
  commissionPerLot: number;
  /** Adverse slippage on market fills and stop-triggered exits, in points. */
  slippagePoints: number;
  /** Margin level (%) at or below which the largest loser is closed. */
  stopOutLevel: number;
  /** Market orders are rejected (market closed) when the last quote is older than this. */
  maxQuoteAgeMs: number;
  /** Finest timeframe to scan for triggers (default: the source's finest, else M1). */
  triggerTimeframe?: Timeframe;
  /**
   * Market orders and closes while the market is closed: `reject` (retryable, as a live broker does) or
   * `queue` (executed at the next bar's open: the backtest fill model).
   */
  whenClosed: 'reject' | 'queue';
}

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

export const PAPER_DEFAULTS: PaperBrokerOptions = {
  balance: 10_000,
  currency: 'USD',
  leverage: 100,
  commissionPerLot: 0,
  slippagePoints: 0,
  stopOutLevel: 50,
  maxQuoteAgeMs: 15 * 60_000,
  whenClosed: 'reject',
};

interface PaperPosition extends Position {
  /** Entry commission still attributable to the open volume. */
  entryCommissionLeft: number;
}

interface SymbolState {
  info: SymbolInfo;
  tf: Timeframe;
  /** Bars with open time ≤ cursor have been processed. */
  cursor: number;
  quote?: Tick;
  /** Clock time of the last sync. */
  syncedAt: number;
  /** Full history columns when the source has them (no allocation per sync), and the walk index. */
  cols?: BarSeries;
  idx: number;
}

@injectable()
export class PaperBroker implements Broker {
  readonly name = 'paper';
  private balance: number;
  private readonly positionsById = new Map<string, PaperPosition>();
  private readonly pending = new Map<string, PendingOrder>();
  /** Closes accepted while the market was closed (queue mode): volume, or undefined for all. */
  private readonly pendingCloses = new Map<string, number | undefined>();
  private readonly deals: Deal[] = [];
  private readonly dealListeners = new Set<(d: Deal) => void>();
  /** Clock time at which every exposed symbol was last synced. */
  private syncedAt = -Infinity;
  private version = 0;
  private posCache?: { version: number; filter?: PositionFilter; list: Position[] };
  private ordCache?: { version: number; filter?: PositionFilter; list: PendingOrder[] };
  /** Conversion rates, valid until the next quote. */
  private rates?: Map<string, number | undefined>;
  private readonly byClientId = new Map<string, OrderResult>();
  private readonly symbols = new Map<string, SymbolState>();
  private nextTicket = 1_000_001;
  private nextDeal = 5_000_001;
  /** Bar cursors restored from a saved account, used when each symbol is first synced. */
  private restoredCursors?: Record<string, number>;
  private readonly opts: PaperBrokerOptions;

  constructor(
    @inject(ClockToken) private readonly clock: Clock,
    @inject(DataSourceToken) private readonly data: DataSource,
    @inject(PaperBrokerOptionsToken) options: Partial<PaperBrokerOptions> = {},
  ) {
    this.opts = { ...PAPER_DEFAULTS, ...options };
    this.balance = this.opts.balance;
  }

  // ---------------------------------------------------------------- queries

  account(): Account | Promise<Account> {
    const r = this.sync();
    return r ? r.then(() => this.accountNow()) : this.accountNow();
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
    const get = () => this.deals.filter((d) => d.time >= range.from && d.time <= range.to).map((d) => ({ ...d }));
    const r = this.sync();
    return r ? r.then(get) : get();
  }

  lookup(clientId: string): ClientIdLookup | Promise<ClientIdLookup> {
    const get = (): ClientIdLookup => ({
      positions: this.positionList().filter((p) => p.clientId === clientId),
      orders: [...this.pending.values()].filter((o) => o.clientId === clientId).map((o) => ({ ...o })),
      deals: this.deals.filter((d) => d.clientId === clientId).map((d) => ({ ...d })),
    });
    const r = this.sync();
    return r ? r.then(get) : get();
  }

  // ---------------------------------------------------------------- commands

  place(intent: OrderIntent): OrderResult | Promise<OrderResult> {
    const prior = this.byClientId.get(intent.clientId);
    if (prior) return prior;
    const reject = (e: unknown): OrderResult => {
      if (!(e instanceof TradekitError)) throw e;
      return { status: 'rejected', clientId: intent.clientId, symbol: intent.symbol, code: e.code, reason: e.message, retryable: e.retryable };
    };
    const remember = (result: OrderResult): OrderResult => {
      this.byClientId.set(intent.clientId, result);
      // Idempotency needs recent ids, not every id of a year-long backtest: keep the newest ones.
      if (this.byClientId.size > CLIENT_ID_MEMORY) this.byClientId.delete(this.byClientId.keys().next().value as string);
      return result;
    };
    const go = (): OrderResult => {
      // Re-check: a concurrent call with the same client id may have completed while we synced.
      const again = this.byClientId.get(intent.clientId);
      if (again) return again;
      let result: OrderResult;
      try {
        result = this.placeNow(intent);
      } catch (e) {
        result = reject(e);
      }
      return remember(result);
    };
    // An unknown symbol or a missing quote is a rejection, not a throw (which the engine would have
    // to treat as an unknown outcome and reconcile an order that never existed).
    let r: Promise<void> | undefined;
    try {
      r = this.sync(intent.symbol);
    } catch (e) {
      return remember(reject(e));
    }
    return r ? r.then(go, (e: unknown) => remember(reject(e))) : go();
  }

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
      this.pending.delete(orderId);
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

  private recordDeal(d: Deal): void {
    this.deals.push(d);
    for (const l of this.dealListeners) l({ ...d });
  }

  // ---------------------------------------------------------------- snapshots

  /** Anything a snapshot shows changed: positions, orders or marks. */
  private changed(): void {
    this.version++;
  }

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
    this.positionsById.clear();
    for (const p of s.positions) this.positionsById.set(p.id, { ...p });
    this.pending.clear();
    for (const o of s.pending) this.pending.set(o.id, { ...o });
    this.pendingCloses.clear();
    for (const [id, v] of s.pendingCloses) this.pendingCloses.set(id, v ?? undefined);
    this.deals.length = 0;
    for (const d of s.deals) this.deals.push({ ...d });
    this.restoredCursors = { ...s.cursors };
    this.symbols.clear();
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
    const c = this.ordCache;
    if (c && c.version === this.version && c.filter === filter) return c.list;
    const list = [...this.pending.values()].filter((o) => (!filter?.symbol || o.symbol === filter.symbol) && (filter?.magic === undefined || o.magic === filter.magic)).map((o) => Object.freeze({ ...o }));
    Object.freeze(list);
    this.ordCache = { version: this.version, filter, list };
    return list;
  }

  // ---------------------------------------------------------------- sync with the clock

  /**
   * Brings every symbol with exposure (and `extra`) up to now: closed bars since the last sync, then
   * the current quote. Nothing to do (already synced at this time) is the common case and costs a
   * comparison; a synchronous data source keeps it synchronous.
   */
  private sync(extra?: string): Promise<void> | undefined {
    const now = this.clock.now();
    if (this.syncedAt === now && (extra === undefined || this.symbols.get(extra)?.syncedAt === now)) return undefined;
    // Every exposed symbol known first: a bar of one symbol can stop out positions of all of them
    // (a restored account has positions on symbols this process has not synced yet).
    for (const symbol of this.exposedSymbols(extra)) {
      if (this.symbols.has(symbol)) continue;
      const info = this.data.symbolInfo(symbol);
      if (isPromiseLike(info)) return (info as Promise<SymbolInfo>).then((i) => (this.symbols.has(symbol) || this.initSymbol(symbol, i), this.sync(extra)));
      this.initSymbol(symbol, info as SymbolInfo);
    }
    for (const symbol of this.exposedSymbols(extra)) {
      const r = this.syncSymbol(symbol, now);
      if (r) return r.then(() => this.sync(extra));
    }
    this.syncedAt = now;
    return undefined;
  }

  /** Symbols to sync: `extra`, and every symbol with a position or a pending order (a reused set). */
  private exposedSymbols(extra?: string): Set<string> {
    const need = this.need;
    need.clear();
    if (extra) need.add(extra);
    for (const p of this.positionsById.values()) need.add(p.symbol);
    for (const o of this.pending.values()) need.add(o.symbol);
    return need;
  }
  private readonly need = new Set<string>();

  private syncSymbol(symbol: string, now: number): Promise<void> | undefined {
    const st = this.symbols.get(symbol);
    if (!st) {
      const info = this.data.symbolInfo(symbol);
      if (isPromiseLike(info)) return (info as Promise<SymbolInfo>).then((i) => void this.initSymbol(symbol, i));
      this.initSymbol(symbol, info as SymbolInfo);
      return this.syncSymbol(symbol, now);
    }
    if (st.syncedAt === now) return undefined;
    const tfMs = TIMEFRAME_MS[st.tf];
    if (this.hasExposure(symbol) && now - tfMs > st.cursor) {
      if (st.cols) {
        // Columnar history: walk an index, no allocation. Bars closing after now are not touched.
        st.idx = this.walkBars(st, st.cols, st.idx, now);
      } else {
        const bars = this.data.bars(symbol, st.tf, { from: st.cursor + 1, to: now - tfMs });
        if (isPromiseLike(bars)) {
          return (bars as Promise<BarSeries>).then((b) => {
            this.walkBars(st, b, 0, now);
            return this.finishSync(st, now);
          });
        }
        this.walkBars(st, bars as BarSeries, 0, now);
      }
    }
    return this.finishSync(st, now);
  }

  /**
   * Processes the bars of `b` from index `i` that open after the cursor and close by `now`, each priced
   * with its recorded spread (or the fixed one); returns the index after the last one processed.
   */
  private walkBars(st: SymbolState, b: BarSeries, i: number, now: number): number {
    const tfMs = TIMEFRAME_MS[st.tf];
    while (i < b.length && b.time[i]! <= st.cursor) i++;
    const spread = b.spread;
    const point = st.info.point;
    const fixed = this.fixedSpread(st);
    for (; i < b.length && b.time[i]! + tfMs <= now; i++) {
      this.processBar(st, b.time[i]!, b.open[i]!, b.high[i]!, b.low[i]!, b.close[i]!, spread === undefined ? fixed : spread[i]! * point);
    }
    return i;
  }

  /** The spread (price) of a bar without a recorded one: the last quote's, else the symbol's. */
  private fixedSpread(st: SymbolState): number {
    return st.quote ? st.quote.ask - st.quote.bid : st.info.spread * st.info.point;
  }

  private finishSync(st: SymbolState, now: number): Promise<void> | undefined {
    st.cursor = Math.max(st.cursor, now - TIMEFRAME_MS[st.tf]);
    const q = this.data.tick(st.info.symbol);
    if (isPromiseLike(q)) return (q as Promise<Tick>).then((x) => this.applyQuote(st, x, now));
    this.applyQuote(st, q as Tick, now);
    return undefined;
  }

  private applyQuote(st: SymbolState, q: Tick, now: number): void {
    st.quote = q;
    this.rates = undefined;
    if (this.hasExposure(st.info.symbol)) this.processQuote(st, q);
    st.syncedAt = now;
  }

  private initSymbol(symbol: string, info: SymbolInfo): SymbolState {
    const tf = this.opts.triggerTimeframe ?? this.data.timeframes?.(symbol)[0] ?? 'M1';
    let cols: BarSeries | undefined;
    try {
      cols = this.data.columns?.(symbol, tf);
    } catch {
      cols = undefined;
    }
    // A restored account walks the bars it missed (its positions' SL/TP while the process was down).
    const cursor = this.restoredCursors?.[symbol] ?? this.clock.now() - TIMEFRAME_MS[tf];
    const st: SymbolState = { info, tf, cursor, syncedAt: -Infinity, cols, idx: 0 };
    this.symbols.set(symbol, st);
    this.syncedAt = -Infinity;
    return st;
  }

  private hasExposure(symbol: string): boolean {
    for (const p of this.positionsById.values()) if (p.symbol === symbol) return true;
    for (const o of this.pending.values()) if (o.symbol === symbol) return true;
    return false;
  }

  /** One bar of bid prices (`sp`: its spread as a price): pending activations, then SL/TP, then stop-out. */
  private processBar(st: SymbolState, time: number, o: number, h: number, l: number, c: number, sp: number): void {
    const closeTime = time + TIMEFRAME_MS[st.tf];
    const symbol = st.info.symbol;
    // (Maps tolerate deleting the current entry while iterating; nothing is copied per bar.)
    if (this.pendingCloses.size) {
      for (const [id, vol] of this.pendingCloses) {
        const p = this.positionsById.get(id);
        if (!p) this.pendingCloses.delete(id);
        if (!p || p.symbol !== symbol) continue;
        this.pendingCloses.delete(id);
        const exitSide: Side = p.side === 'buy' ? 'sell' : 'buy';
        const price = roundTo((p.side === 'buy' ? o : o + sp) + this.slip(st.info, exitSide), st.info.digits);
        this.closeAt(p, Math.min(vol ?? p.volume, p.volume), price, time, 'client', st.info);
      }
    }
    let filledInside = false;
    if (this.pending.size) {
      for (const ord of this.pending.values()) {
        if (ord.symbol !== symbol) continue;
        if (ord.expiresAt !== undefined && time >= ord.expiresAt) {
          this.pending.delete(ord.id);
          this.changed();
          continue;
        }
        if (ord.placedAt > time) continue;
        const fill = triggerPrice(ord, o, h, l, sp);
        if (fill === undefined) continue;
        const slip = ord.type === 'limit' ? 0 : this.slip(st.info, ord.side);
        const gapped = ord.type === 'market' || fill !== ord.price;
        if (!gapped) filledInside = true;
        this.fillPending(st, ord, roundTo(fill + slip, st.info.digits), gapped ? time : closeTime);
      }
    }
    if (!this.positionsById.size) return;
    for (const p of this.positionsById.values()) {
      if (p.symbol !== symbol || p.openTime > time) continue;
      this.checkStops(st, p, time, closeTime, o, h, l, sp);
    }
    // Positions filled from a pending order inside this bar: only the pessimistic SL applies.
    if (filledInside) {
      for (const p of this.positionsById.values()) {
        if (p.symbol !== symbol || p.openTime <= time || p.openTime > closeTime || !p.sl) continue;
        if (p.side === 'buy' ? l <= p.sl : h + sp >= p.sl) this.closeAt(p, p.volume, p.sl, closeTime, 'sl', st.info);
      }
    }
    // Stop-out is judged at the bar's worst price for each side (pessimistic), then marks move to the close.
    if (this.positionsById.size) {
      if (h !== l || o !== c) this.updateMarks(st, l, h + sp);
      this.stopOut(closeTime);
    }
    this.updateMarks(st, c, c + sp);
  }

  /** The quote as a one-price bar: gap triggers at the open of the bar in progress; marks move to it. */
  private processQuote(st: SymbolState, q: Tick): void {
    this.processBar(st, q.time, q.bid, q.bid, q.bid, q.bid, q.ask - q.bid);
  }

  private checkStops(st: SymbolState, p: PaperPosition, time: number, closeTime: number, o: number, h: number, l: number, sp: number): void {
    const info = st.info;
    if (p.side === 'buy') {
      if (p.sl && o <= p.sl) return void this.closeAt(p, p.volume, roundTo(o + this.slip(info, 'sell'), info.digits), time, 'sl', info);
      if (p.tp && o >= p.tp) return void this.closeAt(p, p.volume, o, time, 'tp', info);
      if (p.sl && l <= p.sl) return void this.closeAt(p, p.volume, roundTo(p.sl + this.slip(info, 'sell'), info.digits), closeTime, 'sl', info);
      if (p.tp && h >= p.tp) return void this.closeAt(p, p.volume, p.tp, closeTime, 'tp', info);
    } else {
      const ao = o + sp;
      if (p.sl && ao >= p.sl) return void this.closeAt(p, p.volume, roundTo(ao + this.slip(info, 'buy'), info.digits), time, 'sl', info);
      if (p.tp && ao <= p.tp) return void this.closeAt(p, p.volume, roundTo(ao, info.digits), time, 'tp', info);
      if (p.sl && h + sp >= p.sl) return void this.closeAt(p, p.volume, roundTo(p.sl + this.slip(info, 'buy'), info.digits), closeTime, 'sl', info);
      if (p.tp && l + sp <= p.tp) return void this.closeAt(p, p.volume, p.tp, closeTime, 'tp', info);
    }
  }

  /** Adverse slippage for an execution on `side` (buying pays more, selling gets less). */
  private slip(info: SymbolInfo, side: Side): number {
    const s = this.opts.slippagePoints * info.point;
    return side === 'buy' ? s : -s;
  }

  /** Marks this symbol's positions to market: buys at `bid`, sells at `ask` (snapshots read marks through getters, so a move rebuilds nothing). */
  private updateMarks(st: SymbolState, bid: number, ask: number): void {
    for (const p of this.positionsById.values()) {
      if (p.symbol !== st.info.symbol) continue;
      p.currentPrice = p.side === 'buy' ? bid : roundTo(ask, st.info.digits);
      p.profit = this.profitOf(p.symbol, p.side, p.volume, p.openPrice, p.currentPrice, st.info);
    }
  }

  private stopOut(time: number): void {
    for (;;) {
      // Cheap test first: the margin level only needs exact figures when it could be near the level.
      let profit = 0;
      let margin = 0;
      for (const p of this.positionsById.values()) {
        profit += p.profit + p.swap;
        margin += this.marginFor(this.symbols.get(p.symbol)!.info, p.volume, p.currentPrice);
      }
      if (margin <= 0 || ((this.balance + profit) / margin) * 100 > this.opts.stopOutLevel + 0.01) return;
      const a = this.accountNow();
      if (a.margin <= 0 || a.marginLevel > this.opts.stopOutLevel || this.positionsById.size === 0) return;
      let worst: PaperPosition | undefined;
      for (const p of this.positionsById.values()) if (!worst || p.profit < worst.profit) worst = p;
      const info = this.symbols.get(worst!.symbol)!.info;
      this.closeAt(worst!, worst!.volume, worst!.currentPrice, time, 'stopout', info);
    }
  }

  // ---------------------------------------------------------------- execution

  private placeNow(intent: OrderIntent): OrderResult {
    const st = this.symbols.get(intent.symbol)!;
    const info = st.info;
    const q = st.quote!;
    const now = this.clock.now();
    const base = { clientId: intent.clientId, symbol: intent.symbol };
    const rej = (code: ErrorCode, reason: string, retryable = false): RejectedResult => ({ status: 'rejected', clientId: base.clientId, symbol: base.symbol, code, reason, retryable });

    if (info.tradeMode === 'disabled' || info.tradeMode === 'closeonly') return rej('TK_ERR_BROKER_TRADE_DISABLED', `trading ${intent.symbol} is ${info.tradeMode}`);
    if (info.tradeMode === 'longonly' && intent.side === 'sell') return rej('TK_ERR_BROKER_TRADE_DISABLED', `${intent.symbol} allows long positions only`);
    if (info.tradeMode === 'shortonly' && intent.side === 'buy') return rej('TK_ERR_BROKER_TRADE_DISABLED', `${intent.symbol} allows short positions only`);
    const volErr = this.checkVolume(info, intent.volume);
    if (volErr) return rej('TK_ERR_BROKER_INVALID_VOLUME', volErr);
    const closed = this.isClosed(q, now);
    if (closed && this.opts.whenClosed === 'reject') {
      return rej('TK_ERR_BROKER_MARKET_CLOSED', `no fresh quote for ${intent.symbol} (last ${new Date(q.time).toISOString()}): market closed`, true);
    }

    if (intent.type === 'market' && closed) {
      const stopsErr = checkStops(info, intent.side, q, intent.sl, intent.tp);
      if (stopsErr) return rej('TK_ERR_BROKER_INVALID_STOPS', stopsErr);
      const id = String(this.nextTicket++);
      const price = intent.side === 'buy' ? q.ask : q.bid;
      this.changed();
      this.pending.set(id, { id, clientId: intent.clientId, symbol: intent.symbol, side: intent.side, type: 'market', volume: intent.volume, price, sl: intent.sl || undefined, tp: intent.tp || undefined, placedAt: now, expiresAt: intent.expiresAt, magic: intent.magic, comment: intent.comment });
      return { status: 'placed', clientId: base.clientId, symbol: base.symbol, orderId: id, side: intent.side, type: 'market', volume: intent.volume, price, time: now };
    }

    if (intent.type === 'market') {
      const price = roundTo((intent.side === 'buy' ? q.ask : q.bid) + this.slip(info, intent.side), info.digits);
      const stopsErr = checkStops(info, intent.side, q, intent.sl, intent.tp);
      if (stopsErr) return rej('TK_ERR_BROKER_INVALID_STOPS', stopsErr);
      const required = this.marginFor(info, intent.volume, price);
      const acct = this.accountNow();
      if (required > acct.freeMargin) {
        return rej('TK_ERR_BROKER_NO_MONEY', `margin ${required.toFixed(2)} ${this.opts.currency} needed, free margin is ${acct.freeMargin.toFixed(2)}`);
      }
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
    if (price === undefined || !(price > 0)) return rej('TK_ERR_BROKER_INVALID_PRICE', `${intent.type} order needs a positive price`);
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
    if (!ok) return rej('TK_ERR_BROKER_INVALID_PRICE', `${intent.side} ${intent.type} at ${p} is on the wrong side of the market (bid ${q.bid} / ask ${q.ask})`);
    if (intent.expiresAt !== undefined && intent.expiresAt <= now) return rej('TK_ERR_BROKER_INVALID_PRICE', `expiration ${new Date(intent.expiresAt).toISOString()} is not in the future`);
    const fakeQuote = { ...q, bid: intent.side === 'buy' ? p : p - (q.ask - q.bid), ask: intent.side === 'sell' ? p : p + (q.ask - q.bid) };
    const stopsErr = checkStops(info, intent.side, fakeQuote, intent.sl, intent.tp);
    if (stopsErr) return rej('TK_ERR_BROKER_INVALID_STOPS', stopsErr);
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
    this.pending.set(id, order);
    this.changed();
    return { status: 'placed', clientId: base.clientId, symbol: base.symbol, orderId: id, side: intent.side, type: intent.type, volume: intent.volume, price: p, time: now };
  }

  private fillPending(st: SymbolState, ord: PendingOrder, price: number, time: number): void {
    this.pending.delete(ord.id);
    this.changed();
    const required = this.marginFor(st.info, ord.volume, price);
    if (required > this.accountNow().freeMargin) return; // cancelled for lack of margin, as a broker would
    this.open(st.info, ord.id, Object.assign({}, ord, { clientId: ord.clientId ?? ord.id }), price, time);
  }

  private open(info: SymbolInfo, ticket: string, intent: Pick<OrderIntent, 'clientId' | 'symbol' | 'side' | 'volume' | 'sl' | 'tp' | 'magic' | 'comment'>, price: number, time: number): PaperPosition {
    const commission = roundMoney(-this.opts.commissionPerLot * intent.volume);
    this.balance = roundMoney(this.balance + commission);
    const pos: PaperPosition = {
      id: ticket,
      clientId: intent.clientId,
      symbol: intent.symbol,
      side: intent.side,
      volume: intent.volume,
      openPrice: price,
      openTime: time,
      sl: intent.sl || undefined,
      tp: intent.tp || undefined,
      currentPrice: price,
      profit: 0,
      commission,
      swap: 0,
      magic: intent.magic,
      comment: intent.comment,
      entryCommissionLeft: commission,
    };
    this.positionsById.set(ticket, pos);
    this.changed();
    const st = this.symbols.get(info.symbol)!;
    if (st.quote) this.updateMarks(st, st.quote.bid, st.quote.ask);
    this.recordDeal({
      id: String(this.nextDeal++),
      orderId: ticket,
      positionId: ticket,
      clientId: intent.clientId,
      symbol: intent.symbol,
      side: intent.side,
      entry: 'in',
      volume: intent.volume,
      price,
      time,
      profit: 0,
      commission,
      swap: 0,
      reason: 'client',
      magic: intent.magic,
      comment: intent.comment,
    });
    return pos;
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

  /** Realizes `vol` of `p` at `price`. */
  private closeAt(p: PaperPosition, vol: number, price: number, time: number, reason: DealReason, info: SymbolInfo): Deal {
    const full = vol >= p.volume - 1e-9;
    const profit = roundMoney(this.profitOf(p.symbol, p.side, vol, p.openPrice, price, info));
    const commission = roundMoney(-this.opts.commissionPerLot * vol);
    this.balance = roundMoney(this.balance + profit + commission);
    const deal: Deal = {
      id: String(this.nextDeal++),
      orderId: String(this.nextTicket++),
      positionId: p.id,
      clientId: p.clientId,
      symbol: p.symbol,
      side: p.side === 'buy' ? 'sell' : 'buy',
      entry: 'out',
      volume: vol,
      price,
      time,
      profit,
      commission,
      swap: 0,
      reason,
      magic: p.magic,
      comment: p.comment,
    };
    this.recordDeal(deal);
    this.changed();
    if (full) this.positionsById.delete(p.id);
    else {
      p.volume = roundTo(p.volume - vol, 8);
      p.profit = this.profitOf(p.symbol, p.side, p.volume, p.openPrice, p.currentPrice, info);
    }
    return deal;
  }

  private isClosed(q: Tick, now: number): boolean {
    return q.closed === true || now - q.time > this.opts.maxQuoteAgeMs;
  }

  // ---------------------------------------------------------------- money

  private checkVolume(info: SymbolInfo, v: number): string | undefined {
    if (!(v > 0) || !Number.isFinite(v)) return `volume ${v} must be a positive number`;
    if (v < info.volumeMin - 1e-9) return `volume ${v} is below the minimum ${info.volumeMin} for ${info.symbol}`;
    if (v > info.volumeMax + 1e-9) return `volume ${v} is above the maximum ${info.volumeMax} for ${info.symbol}`;
    if (!isVolumeStepMultiple(v, info.volumeStep)) return `volume ${v} is not a multiple of the step ${info.volumeStep} for ${info.symbol}`;
    return undefined;
  }

  private leverageFor(info: SymbolInfo): number {
    const by = this.opts.leverageBy;
    return by?.[info.symbol] ?? by?.[info.assetClass] ?? this.opts.leverage;
  }

  private marginFor(info: SymbolInfo, volume: number, price: number): number {
    return this.convert((volume * info.contractSize * price) / this.leverageFor(info), info.profitCurrency, info);
  }

  private profitOf(symbol: string, side: Side, volume: number, open: number, close: number, info: SymbolInfo): number {
    const diff = side === 'buy' ? close - open : open - close;
    if (info.tickValue !== undefined && info.profitCurrency !== this.opts.currency && !this.canConvert(info.profitCurrency, info)) {
      return (diff / info.tickSize) * info.tickValue * volume;
    }
    return this.convert(diff * volume * info.contractSize, info.profitCurrency, info);
  }

  private canConvert(from: string, info: SymbolInfo): boolean {
    return from === this.opts.currency || this.rate(from) !== undefined;
  }

  /** Converts an amount in `from` currency to the account currency using the quotes this broker has seen. */
  private convert(amount: number, from: string, info: SymbolInfo): number {
    if (from === this.opts.currency) return amount;
    const r = this.rate(from);
    if (r === undefined) {
      throw new TradekitError(
        'TK_ERR_DATA_NO_PRICE',
        `cannot convert ${from} to ${this.opts.currency} for ${info.symbol}: add ${from}${this.opts.currency} or ${this.opts.currency}${from} to the data, or set symbolInfo.tickValue`,
        { symbol: info.symbol },
      );
    }
    return amount * r;
  }

  private rate(from: string): number | undefined {
    const cache = (this.rates ??= new Map());
    if (cache.has(from)) return cache.get(from);
    const acct = this.opts.currency;
    let r: number | undefined;
    // The symbol itself often is the conversion pair (USDJPY's profit is in JPY, its base in USD).
    for (const st of this.symbols.values()) {
      const i = st.info;
      if (!st.quote) continue;
      const mid = (st.quote.bid + st.quote.ask) / 2;
      if (i.baseCurrency === from && i.profitCurrency === acct) r = mid;
      else if (i.baseCurrency === acct && i.profitCurrency === from) r = 1 / mid;
      if (r !== undefined) break;
    }
    if (r !== undefined) cache.set(from, r);
    return r;
  }

  private accountNow(): Account {
    let profit = 0;
    let margin = 0;
    for (const p of this.positionsById.values()) {
      const info = this.symbols.get(p.symbol)!.info;
      profit += p.profit + p.swap;
      margin += this.marginFor(info, p.volume, p.currentPrice);
    }
    const equity = roundMoney(this.balance + profit);
    margin = roundMoney(margin);
    return {
      currency: this.opts.currency,
      balance: this.balance,
      equity,
      profit: roundMoney(profit),
      margin,
      freeMargin: roundMoney(equity - margin),
      marginLevel: margin > 0 ? roundMoney((equity / margin) * 100) : 0,
      leverage: this.opts.leverage,
    };
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

function reject(code: ErrorCode, reason: string, retryable: boolean): ActionResult {
  return { status: 'rejected', code, reason, retryable };
}

/** SL/TP must sit on the right side of the market and at least `stopsLevel` points away. */
function checkStops(info: SymbolInfo, side: Side, q: Tick, sl?: number, tp?: number): string | undefined {
  const d = info.stopsLevel * info.point;
  if (side === 'buy') {
    if (sl && !(sl <= q.bid - d)) return `buy SL ${sl} must be below bid ${q.bid}${d ? ` by ${info.stopsLevel} points` : ''}`;
    if (tp && !(tp >= q.bid + d)) return `buy TP ${tp} must be above bid ${q.bid}${d ? ` by ${info.stopsLevel} points` : ''}`;
  } else {
    if (sl && !(sl >= q.ask + d)) return `sell SL ${sl} must be above ask ${q.ask}${d ? ` by ${info.stopsLevel} points` : ''}`;
    if (tp && !(tp <= q.ask - d)) return `sell TP ${tp} must be below ask ${q.ask}${d ? ` by ${info.stopsLevel} points` : ''}`;
  }
  return undefined;
}

/** Fill price of a pending order inside a bar of bid prices (open gap fills at the open), or undefined. */
function triggerPrice(o: PendingOrder, open: number, high: number, low: number, sp: number): number | undefined {
  if (o.type === 'market') return o.side === 'buy' ? open + sp : open;
  if (o.type === 'limit') {
    if (o.side === 'buy') return open + sp <= o.price ? open + sp : low + sp <= o.price ? o.price : undefined;
    return open >= o.price ? open : high >= o.price ? o.price : undefined;
  }
  if (o.side === 'buy') return open + sp >= o.price ? open + sp : high + sp >= o.price ? o.price : undefined;
  return open <= o.price ? open : low <= o.price ? o.price : undefined;
}

/**
 * A read-only view of a position: fixed fields are copied, the marks (`currentPrice`, `profit`) are
 * enumerable getters over the live position, so JSON, spreading and reading all work and a price
 * move costs no new object. Once the position closes the view keeps its last marks.
 */
function snapshotOf(p: PaperPosition): Position {
  const v = {
    id: p.id,
    clientId: p.clientId,
    symbol: p.symbol,
    side: p.side,
    volume: p.volume,
    openPrice: p.openPrice,
    openTime: p.openTime,
    sl: p.sl,
    tp: p.tp,
    currentPrice: 0,
    profit: 0,
    commission: p.commission,
    swap: p.swap,
    magic: p.magic,
    comment: p.comment,
  };
  Object.defineProperty(v, 'currentPrice', { get: () => p.currentPrice, enumerable: true });
  Object.defineProperty(v, 'profit', { get: () => roundMoney(p.profit), enumerable: true });
  return Object.freeze(v) as Position;
}
