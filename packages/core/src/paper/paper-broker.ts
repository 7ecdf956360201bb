/**
 * A simulated hedging account. Market orders fill at the current quote (ask for buys, bid for sells)
 * plus configured slippage; pending limits/stops, SL and TP trigger on the finest bars' high/low
 * (bars are bid prices, the ask side adds the spread) with gap fills at the bar's open; when SL and TP
 * are both inside one bar the pessimistic outcome (SL) is taken. The broker brings itself up to
 * `clock.now()` lazily on every call, so the same object serves live paper trading, replays and
 * backtests. Orders are idempotent by client id.
 */
import { TradekitError, type ErrorCode } from '../errors.js';
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
  Timeframe,
} from '../types.js';
import { runFlow, wait, type Flow } from '../util/maybe.js';
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
}

export const PAPER_DEFAULTS: PaperBrokerOptions = {
  balance: 10_000,
  currency: 'USD',
  leverage: 100,
  commissionPerLot: 0,
  slippagePoints: 0,
  stopOutLevel: 50,
  maxQuoteAgeMs: 15 * 60_000,
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
}

export class PaperBroker implements Broker {
  readonly name = 'paper';
  private balance: number;
  private readonly positionsById = new Map<string, PaperPosition>();
  private readonly pending = new Map<string, PendingOrder>();
  private readonly deals: Deal[] = [];
  private readonly dealListeners = new Set<(d: Deal) => void>();
  private readonly byClientId = new Map<string, OrderResult>();
  private readonly symbols = new Map<string, SymbolState>();
  private nextTicket = 1_000_001;
  private nextDeal = 5_000_001;
  private readonly opts: PaperBrokerOptions;

  constructor(
    private readonly clock: Clock,
    private readonly data: DataSource,
    options: Partial<PaperBrokerOptions> = {},
  ) {
    this.opts = { ...PAPER_DEFAULTS, ...options };
    this.balance = this.opts.balance;
  }

  // ---------------------------------------------------------------- queries

  account(): Account | Promise<Account> {
    return runFlow(this.withSync(() => this.accountNow()));
  }

  positions(filter?: PositionFilter): Position[] | Promise<Position[]> {
    return runFlow(this.withSync(() => this.positionList(filter)));
  }

  orders(filter?: PositionFilter): PendingOrder[] | Promise<PendingOrder[]> {
    return runFlow(
      this.withSync(() =>
        [...this.pending.values()].filter((o) => (!filter?.symbol || o.symbol === filter.symbol) && (filter?.magic === undefined || o.magic === filter.magic)).map((o) => ({ ...o })),
      ),
    );
  }

  history(range: { from: number; to: number }): Deal[] | Promise<Deal[]> {
    return runFlow(this.withSync(() => this.deals.filter((d) => d.time >= range.from && d.time <= range.to).map((d) => ({ ...d }))));
  }

  lookup(clientId: string): ClientIdLookup | Promise<ClientIdLookup> {
    return runFlow(
      this.withSync(() => ({
        positions: this.positionList().filter((p) => p.clientId === clientId),
        orders: [...this.pending.values()].filter((o) => o.clientId === clientId).map((o) => ({ ...o })),
        deals: this.deals.filter((d) => d.clientId === clientId).map((d) => ({ ...d })),
      })),
    );
  }

  // ---------------------------------------------------------------- commands

  place(intent: OrderIntent): OrderResult | Promise<OrderResult> {
    const prior = this.byClientId.get(intent.clientId);
    if (prior) return prior;
    const self = this;
    return runFlow(
      (function* (): Flow<OrderResult> {
        let result: OrderResult;
        try {
          // Inside the try: an unknown symbol or a missing quote is a rejection, not a throw (which
          // the engine would have to treat as an unknown outcome).
          yield* self.syncFlow(intent.symbol);
          // Re-check: a concurrent call with the same client id may have completed while we synced.
          const again = self.byClientId.get(intent.clientId);
          if (again) return again;
          result = self.placeNow(intent);
        } catch (e) {
          if (!(e instanceof TradekitError)) throw e;
          result = { status: 'rejected', clientId: intent.clientId, symbol: intent.symbol, code: e.code, reason: e.message, retryable: e.retryable };
        }
        self.byClientId.set(intent.clientId, result);
        return result;
      })(),
    );
  }

  modify(positionId: string, stops: { sl?: number; tp?: number }): ActionResult | Promise<ActionResult> {
    return runFlow(this.withSync(() => this.modifyNow(positionId, stops), this.positionsById.get(positionId)?.symbol));
  }

  close(positionId: string, volume?: number): ActionResult | Promise<ActionResult> {
    return runFlow(this.withSync(() => this.closeNow(positionId, volume, 'client'), this.positionsById.get(positionId)?.symbol));
  }

  cancel(orderId: string): ActionResult | Promise<ActionResult> {
    return runFlow(
      this.withSync(() => {
        const o = this.pending.get(orderId);
        if (!o) return reject('TK_ERR_BROKER_ORDER_NOT_FOUND', `order ${orderId} does not exist (filled, expired or cancelled)`, false);
        this.pending.delete(orderId);
        return { status: 'done' } as const;
      }),
    );
  }

  subscribeDeals(listener: (deal: Deal) => void): () => void {
    this.dealListeners.add(listener);
    return () => this.dealListeners.delete(listener);
  }

  private recordDeal(d: Deal): void {
    this.deals.push(d);
    for (const l of this.dealListeners) l({ ...d });
  }

  // ---------------------------------------------------------------- sync with the clock

  private *withSync<T>(fn: () => T, symbol?: string): Flow<T> {
    yield* this.syncFlow(symbol);
    return fn();
  }

  /** Brings every symbol with exposure (and `extra`) up to now: processes closed bars, then the current quote. */
  private *syncFlow(extra?: string): Flow<void> {
    const now = this.clock.now();
    const need = new Set<string>();
    for (const p of this.positionsById.values()) need.add(p.symbol);
    for (const o of this.pending.values()) need.add(o.symbol);
    if (extra) need.add(extra);
    for (const symbol of need) {
      const st = yield* this.stateFlow(symbol);
      if (st.syncedAt === now) continue;
      if (this.hasExposure(symbol)) {
        const from = st.cursor + 1;
        const tfMs = TIMEFRAME_MS[st.tf];
        if (now - tfMs >= from) {
          const bars = yield* wait(this.data.bars(symbol, st.tf, { from, to: now - tfMs }));
          for (let i = 0; i < bars.length; i++) {
            this.processBar(st, bars.time[i]!, bars.open[i]!, bars.high[i]!, bars.low[i]!, bars.close[i]!);
          }
          if (bars.length > 0) st.cursor = bars.time[bars.length - 1]!;
        }
      }
      st.cursor = Math.max(st.cursor, now - TIMEFRAME_MS[st.tf]);
      st.quote = yield* wait(this.data.tick(symbol));
      if (this.hasExposure(symbol)) this.processQuote(st, st.quote);
      st.syncedAt = now;
    }
  }

  private *stateFlow(symbol: string): Flow<SymbolState> {
    let st = this.symbols.get(symbol);
    if (!st) {
      const info = yield* wait(this.data.symbolInfo(symbol));
      const tf = this.opts.triggerTimeframe ?? this.data.timeframes?.(symbol)[0] ?? 'M1';
      st = { info, tf, cursor: this.clock.now() - TIMEFRAME_MS[tf], syncedAt: -Infinity };
      this.symbols.set(symbol, st);
    }
    return st;
  }

  private hasExposure(symbol: string): boolean {
    for (const p of this.positionsById.values()) if (p.symbol === symbol) return true;
    for (const o of this.pending.values()) if (o.symbol === symbol) return true;
    return false;
  }

  /** One bar of bid prices: pending activations, then SL/TP, then stop-out. */
  private processBar(st: SymbolState, time: number, o: number, h: number, l: number, c: number): void {
    const sp = st.quote ? st.quote.ask - st.quote.bid : st.info.spread * st.info.point;
    const closeTime = time + TIMEFRAME_MS[st.tf];
    const symbol = st.info.symbol;
    for (const ord of [...this.pending.values()]) {
      if (ord.symbol !== symbol) continue;
      if (ord.expiresAt !== undefined && time >= ord.expiresAt) {
        this.pending.delete(ord.id);
        continue;
      }
      if (ord.placedAt > time) continue;
      const fill = triggerPrice(ord, o, h, l, sp);
      if (fill === undefined) continue;
      const slip = ord.type === 'stop' ? this.slip(st.info, ord.side) : 0;
      const gapped = fill !== ord.price;
      this.fillPending(st, ord, roundTo(fill + slip, st.info.digits), gapped ? time : closeTime);
    }
    for (const p of [...this.positionsById.values()]) {
      if (p.symbol !== symbol || p.openTime > time) continue;
      this.checkStops(st, p, time, closeTime, o, h, l, sp);
    }
    // Positions filled from a pending order inside this bar: only the pessimistic SL applies.
    for (const p of [...this.positionsById.values()]) {
      if (p.symbol !== symbol || p.openTime <= time || p.openTime > closeTime || !p.sl) continue;
      if (p.side === 'buy' ? l <= p.sl : h + sp >= p.sl) this.closeAt(p, p.volume, p.sl, closeTime, 'sl', st.info);
    }
    this.updateMarks(st, c, c + sp);
    this.stopOut(closeTime);
  }

  private processQuote(st: SymbolState, q: Tick): void {
    const sp = q.ask - q.bid;
    this.processBar(st, q.time, q.bid, q.bid, q.bid, q.bid);
    this.updateMarks(st, q.bid, q.bid + sp);
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

  private updateMarks(st: SymbolState, bid: number, ask: number): void {
    for (const p of this.positionsById.values()) {
      if (p.symbol !== st.info.symbol) continue;
      p.currentPrice = p.side === 'buy' ? bid : roundTo(ask, st.info.digits);
      p.profit = this.profitOf(p.symbol, p.side, p.volume, p.openPrice, p.currentPrice, st.info);
    }
  }

  private stopOut(time: number): void {
    for (;;) {
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
    const rej = (code: ErrorCode, reason: string, retryable = false): RejectedResult => ({ status: 'rejected', ...base, code, reason, retryable });

    if (info.tradeMode === 'disabled' || info.tradeMode === 'closeonly') return rej('TK_ERR_BROKER_TRADE_DISABLED', `trading ${intent.symbol} is ${info.tradeMode}`);
    if (info.tradeMode === 'longonly' && intent.side === 'sell') return rej('TK_ERR_BROKER_TRADE_DISABLED', `${intent.symbol} allows long positions only`);
    if (info.tradeMode === 'shortonly' && intent.side === 'buy') return rej('TK_ERR_BROKER_TRADE_DISABLED', `${intent.symbol} allows short positions only`);
    const volErr = this.checkVolume(info, intent.volume);
    if (volErr) return rej('TK_ERR_BROKER_INVALID_VOLUME', volErr);
    if (now - q.time > this.opts.maxQuoteAgeMs) {
      return rej('TK_ERR_BROKER_MARKET_CLOSED', `no fresh quote for ${intent.symbol} (last ${new Date(q.time).toISOString()}): market closed`, true);
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
        ...base,
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
    return { status: 'placed', ...base, orderId: id, side: intent.side, type: intent.type, volume: intent.volume, price: p, time: now };
  }

  private fillPending(st: SymbolState, ord: PendingOrder, price: number, time: number): void {
    this.pending.delete(ord.id);
    const required = this.marginFor(st.info, ord.volume, price);
    if (required > this.accountNow().freeMargin) return; // cancelled for lack of margin, as a broker would
    this.open(st.info, ord.id, { ...ord, clientId: ord.clientId ?? ord.id }, price, time);
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
    if (this.clock.now() - st.quote!.time > this.opts.maxQuoteAgeMs) {
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
    if (full) this.positionsById.delete(p.id);
    else {
      p.volume = roundTo(p.volume - vol, 8);
      p.profit = this.profitOf(p.symbol, p.side, p.volume, p.openPrice, p.currentPrice, info);
    }
    return deal;
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
    const acct = this.opts.currency;
    // The symbol itself often is the conversion pair (USDJPY's profit is in JPY, its base in USD).
    for (const st of this.symbols.values()) {
      const i = st.info;
      if (!st.quote) continue;
      const mid = (st.quote.bid + st.quote.ask) / 2;
      if (i.baseCurrency === from && i.profitCurrency === acct) return mid;
      if (i.baseCurrency === acct && i.profitCurrency === from) return 1 / mid;
    }
    return undefined;
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
      const { entryCommissionLeft: _e, ...pub } = p;
      out.push({ ...pub, profit: roundMoney(p.profit) });
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
  if (o.type === 'limit') {
    if (o.side === 'buy') return open + sp <= o.price ? open + sp : low + sp <= o.price ? o.price : undefined;
    return open >= o.price ? open : high >= o.price ? o.price : undefined;
  }
  if (o.side === 'buy') return open + sp >= o.price ? open + sp : high + sp >= o.price ? o.price : undefined;
  return open <= o.price ? open : low <= o.price ? o.price : undefined;
}
