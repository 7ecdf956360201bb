/**
 * A deterministic MetaTrader 5 terminal + trade server: seeded randomness, a clock the caller moves
 * (`advance`, `advanceTo`), ticks from real bars or a random walk, and the trade server's behaviour
 * (docs/reference/mt5-notes.md §4.3): SL/TP and pending activations on the tick stream with gap fills, expirations,
 * swaps at rollover, stop-out, hedging and netting accounts, history that appears with a lag.
 * The MT5 function surface lives in terminal-api.ts, order handling in trading.ts.
 */
import { roundMoney, roundTo, type ServerTimeConfig } from '@tradekit/core';
import { ACCOUNT_MARGIN_MODE, DEAL_ENTRY, DEAL_REASON, DEAL_TYPE, ORDER_STATE, ORDER_TIME, ORDER_TYPE } from '../mt5/constants.js';
import { catalogSpec, cfdSpec, FILLING_PROFILES, pointOf, type FillingProfile, type SymbolSpec } from './catalog.js';
import { BarsFeed, DEFAULT_SPREAD_MODEL, ManualFeed, WalkFeed, type BarsInput, type SpreadModel, type TickFeed } from './feed.js';
import { FaultPlan } from './faults.js';
import { Rng } from './rng.js';
import { DEFAULT_SERVER_TIME, ServerClock, sessionOpen } from './schedule.js';
import { RatesBook, TickSeries } from './series.js';
import type { SimDeal, SimOrder, SimPosition, SymState } from './state.js';
import { conversion, marginOf, profitOf, tickValue, type Quotes } from './accounting.js';
import { mt5Error } from '../errors.js';

export type SimFeedOptions = { kind: 'bars'; bars: BarsInput } | { kind: 'walk'; meanTickMs?: number } | { kind: 'manual'; bid: number; ask: number };

export interface SimSymbolOptions extends Partial<Omit<SymbolSpec, 'name'>> {
  /** Canonical name; the broker name adds the simulator's suffix. */
  name: string;
  feed?: SimFeedOptions;
}

export interface SimAccountOptions {
  login: number;
  password: string;
  server: string;
  name: string;
  company: string;
  currency: string;
  balance: number;
  leverage: number;
  marginMode: 'hedging' | 'netting';
  /** Max pending orders (0 = no limit) → 10033. */
  limitOrders: number;
  /** Max open positions (0 = no limit) → 10040. */
  limitPositions: number;
  fifoClose: boolean;
  /** Opposite positions on one symbol are refused (→ 10046). */
  hedgeProhibited: boolean;
  /** Margin call / stop-out levels, percent. */
  marginCall: number;
  stopOut: number;
  /** 0 demo, 1 contest, 2 real. */
  tradeMode: number;
}

export interface SimExecutionOptions {
  /** Max adverse slippage on market fills, points (the actual slippage is drawn from the seeded RNG). */
  slippagePoints: number;
  /** Per lot per side, account currency. */
  commissionPerLot: number;
  /** Market orders are accepted with 10008 and filled `asyncDelayMs` later (the vnpy#2623 pattern). */
  async: boolean;
  asyncDelayMs: number;
  /** Instant/request execution: probability of a requote even within the deviation. */
  requoteProbability: number;
  /** FOK with insufficient liquidity: 10006 (default) or 10030 [unverified which a real server gives]. */
  fokShortfallRetcode: number;
  /** Closing or modifying an unknown position ticket: 10036 (default) or 10013. */
  unknownPositionRetcode: number;
}

export interface SimulatorOptions {
  seed?: number | string;
  /** The terminal's time at construction (UTC ms). History before it exists; nothing after. */
  start: number;
  serverTime?: ServerTimeConfig;
  symbols: SimSymbolOptions[];
  /** Broker suffix on every symbol name (`m` → `EURUSDm`). */
  suffix?: string;
  /** Filling bits and execution mode for every symbol. */
  filling?: FillingProfile;
  /** Canonical names not in Market Watch at start (no tick or rates until `symbol_select`). */
  hidden?: string[];
  account?: Partial<SimAccountOptions>;
  execution?: Partial<SimExecutionOptions>;
  /** Closed deals and orders appear in `history_*_get` this long after they happen. */
  historyLagMs?: number;
  /** `order_send` calls per second (sim clock) before 10024; 0 = unlimited. */
  rateLimitPerSecond?: number;
  /** The terminal's "Max bars in chart". */
  maxBars?: number;
  /** Comments are truncated to this many characters. */
  commentLength?: number;
  /** Trading or reading a symbol that is not selected selects it (instead of failing). */
  autoSelect?: boolean;
  spreadModel?: Partial<SpreadModel>;
  /** Random-walk symbols: history generated before `start` (default 2 days). */
  historyMs?: number;
  /** First order ticket (deals use their own sequence). Above 2^53 to prove tickets stay strings. */
  ticketBase?: bigint;
  /** Terminal login: wrong credentials → -6. */
  requireCredentials?: boolean;
}

export const ACCOUNT_DEFAULTS: SimAccountOptions = {
  login: 5_001_234,
  password: 'sim-password',
  server: 'TradekitSim-Demo',
  name: 'tradekit simulator',
  company: 'tradekit',
  currency: 'USD',
  balance: 10_000,
  leverage: 100,
  marginMode: 'hedging',
  limitOrders: 0,
  limitPositions: 0,
  fifoClose: false,
  hedgeProhibited: false,
  marginCall: 100,
  stopOut: 50,
  tradeMode: 0,
};

export const EXECUTION_DEFAULTS: SimExecutionOptions = {
  slippagePoints: 0,
  commissionPerLot: 0,
  async: false,
  asyncDelayMs: 500,
  requoteProbability: 0,
  fokShortfallRetcode: 10006,
  unknownPositionRetcode: 10036,
};

const DAY = 86_400_000;

export class Simulator implements Quotes {
  readonly clock: ServerClock;
  readonly rng: Rng;
  readonly account: SimAccountOptions;
  readonly exec: SimExecutionOptions;
  readonly faults = new FaultPlan();
  readonly symbols = new Map<string, SymState>();
  readonly byCanonical = new Map<string, SymState>();
  readonly positions = new Map<bigint, SimPosition>();
  readonly orders = new Map<bigint, SimOrder>();
  readonly historyOrders: SimOrder[] = [];
  readonly deals: SimDeal[] = [];
  readonly maxBars: number;
  readonly commentLength: number;
  readonly historyLagMs: number;
  readonly rateLimitPerSecond: number;
  readonly autoSelect: boolean;
  readonly requireCredentials: boolean;
  readonly hedging: boolean;
  balance: number;
  credit = 0;
  nextTicket: bigint;
  nextDeal: bigint;
  requestId = 0;
  /** Recent `order_send` times (sim clock) for the rate limit. */
  readonly sendTimes: number[] = [];
  // Terminal/account flags a test can flip.
  connected = true;
  autoTrading = true;
  tradeExpert = true;
  tradeAllowed = true;
  /** `initialize` fails with this (then clears). */
  initFailure: 'timeout' | 'ipc' | undefined;
  private t: number;
  private lastRollover: number;
  private readonly listeners = new Set<(ev: SimEvent) => void>();

  constructor(readonly options: SimulatorOptions) {
    this.t = options.start;
    this.clock = new ServerClock(options.serverTime ?? DEFAULT_SERVER_TIME);
    this.rng = new Rng(options.seed ?? 1);
    this.account = { ...ACCOUNT_DEFAULTS, ...options.account };
    this.exec = { ...EXECUTION_DEFAULTS, ...options.execution };
    this.balance = this.account.balance;
    this.hedging = this.account.marginMode === 'hedging';
    this.maxBars = options.maxBars ?? 100_000;
    this.commentLength = options.commentLength ?? 31;
    this.historyLagMs = options.historyLagMs ?? 0;
    this.rateLimitPerSecond = options.rateLimitPerSecond ?? 0;
    this.autoSelect = options.autoSelect ?? false;
    this.requireCredentials = options.requireCredentials ?? false;
    this.nextTicket = options.ticketBase ?? 500_000_001n;
    this.nextDeal = (options.ticketBase ?? 500_000_001n) * 2n + 7n;
    const spread = { ...DEFAULT_SPREAD_MODEL, ...options.spreadModel };
    const hidden = new Set((options.hidden ?? []).map((s) => s.toUpperCase()));
    for (const o of options.symbols) {
      const base = catalogSpec(o.name);
      const { feed: feedOpt, ...over } = o;
      if (!base && (over.digits === undefined || over.contractSize === undefined)) {
        throw mt5Error('TK_ERR_MT5_SIM', `simulator: no catalog entry for ${o.name}; give digits, contractSize and the currencies`);
      }
      const spec: SymbolSpec = { ...(base ?? defaultSpec(o.name, over.digits!)), ...stripUndefined(over), name: o.name };
      if (options.filling) Object.assign(spec, FILLING_PROFILES[options.filling]);
      if (over.point === undefined && over.digits !== undefined) spec.point = pointOf(spec.digits);
      if (over.tickSize === undefined) spec.tickSize = spec.point;
      if (hidden.has(o.name.toUpperCase())) spec.visible = false;
      const name = o.name + (options.suffix ?? '');
      const rng = this.rng.fork(o.name);
      const ticks = new TickSeries();
      let feed: TickFeed;
      const f = feedOpt ?? { kind: 'walk' as const };
      if (f.kind === 'bars') feed = new BarsFeed(f.bars, spec, spread, rng, this.clock);
      else if (f.kind === 'walk') feed = new WalkFeed(spec, spread, rng, this.clock, options.start - (options.historyMs ?? 2 * DAY), f.meanTickMs ?? 10_000);
      else feed = new ManualFeed();
      const st: SymState = { name, spec, feed, rng, ticks, rates: new RatesBook(ticks, this.clock, spec.point), selected: spec.visible, forcedClosed: false };
      if (f.kind === 'manual') {
        ticks.push(options.start, f.bid, f.ask, 1);
        st.last = { time: options.start, bid: f.bid, ask: f.ask };
      }
      this.symbols.set(name, st);
      this.byCanonical.set(o.name.toUpperCase(), st);
    }
    this.lastRollover = Math.floor(this.clock.toServerMs(this.t) / DAY);
    this.seedBalanceDeal();
    this.pump(this.t);
  }

  // ------------------------------------------------------------------ time

  now(): number {
    return this.t;
  }

  /** Last time any bars feed has data for (Infinity when every feed is generated). */
  get dataEnd(): number {
    let end = 0;
    let finite = false;
    for (const s of this.symbols.values()) {
      if (Number.isFinite(s.feed.end)) {
        finite = true;
        end = Math.max(end, s.feed.end);
      }
    }
    return finite ? end : Infinity;
  }

  advance(ms: number): void {
    this.advanceTo(this.t + ms);
  }

  /** Moves the clock to `t`, replaying every tick and time event on the way in time order. */
  advanceTo(t: number): void {
    if (t < this.t) throw mt5Error('TK_ERR_MT5_SIM', `the simulator clock cannot go back (${new Date(t).toISOString()} < ${new Date(this.t).toISOString()})`);
    this.pump(t);
    this.t = t;
    this.timeEvents(t);
  }

  private pump(t: number): void {
    for (;;) {
      let best: SymState | undefined;
      let bestT = Infinity;
      for (const s of this.symbols.values()) {
        const pt = s.feed.peek();
        if (pt < bestT) {
          bestT = pt;
          best = s;
        }
      }
      if (!best || bestT > t) return;
      if (bestT > this.t) {
        this.timeEvents(bestT);
        this.t = bestT;
      }
      const k = best.feed.take();
      this.applyTick(best, k.time, k.bid, k.ask, k.vol);
    }
  }

  /** A tick at the current time (tests): the market moves there and triggers run. */
  setPrice(symbol: string, bid: number, ask: number): void {
    const s = this.sym(symbol);
    this.applyTick(s, this.t, bid, ask, 1);
  }

  /** Forces a symbol's (or every symbol's) market closed / open on top of the schedule. */
  closeMarket(symbol?: string): void {
    for (const s of symbol ? [this.sym(symbol)] : this.symbols.values()) s.forcedClosed = true;
  }

  openMarket(symbol?: string): void {
    for (const s of symbol ? [this.sym(symbol)] : this.symbols.values()) s.forcedClosed = false;
  }

  sym(name: string): SymState {
    const s = this.symbols.get(name) ?? this.byCanonical.get(name.toUpperCase());
    if (!s) throw mt5Error('TK_ERR_MT5_SIM', `simulator has no symbol ${name}`);
    return s;
  }

  isOpen(s: SymState, utc = this.t): boolean {
    return !s.forcedClosed && sessionOpen(this.clock, utc, s.spec.dailyBreak, s.spec.weekends);
  }

  onEvent(fn: (ev: SimEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(ev: SimEvent): void {
    for (const l of this.listeners) l(ev);
  }

  // ------------------------------------------------------------------ quotes and money

  mid(base: string, profit: string): number | undefined {
    for (const s of this.symbols.values()) {
      if (s.spec.currencyBase === base && s.spec.currencyProfit === profit && s.last) return (s.last.bid + s.last.ask) / 2;
    }
    return undefined;
  }

  reference(ccy: string): number | undefined {
    if (ccy === 'USD') return 1;
    const a = catalogSpec(`${ccy}USD`);
    if (a) return a.refPrice;
    const b = catalogSpec(`USD${ccy}`);
    return b ? 1 / b.refPrice : undefined;
  }

  tickValue(s: SymState, kind: 'profit' | 'loss' | 'mid' = 'mid'): number {
    return tickValue(this, s, this.account.currency, kind);
  }

  profit(s: SymState, type: 0 | 1, volume: number, open: number, close: number): number {
    return profitOf(this, s, this.account.currency, type, volume, open, close);
  }

  margin(s: SymState, volume: number, price: number): number {
    return marginOf(this, s, this.account.currency, this.account.leverage, volume, price);
  }

  convert(amount: number, ccy: string): number {
    return amount * conversion(this, ccy, this.account.currency);
  }

  /** Account figures now (MT5 identities: equity = balance + credit + Σ(profit + swap)). */
  accountState(): { balance: number; credit: number; profit: number; equity: number; margin: number; marginFree: number; marginLevel: number } {
    let profit = 0;
    let margin = 0;
    for (const p of this.positions.values()) {
      const s = this.symbols.get(p.symbol)!;
      profit += p.profit + p.swap;
      margin += this.margin(s, p.volume, p.priceCurrent || p.priceOpen);
    }
    profit = roundMoney(profit);
    margin = roundMoney(margin);
    const equity = roundMoney(this.balance + this.credit + profit);
    return {
      balance: this.balance,
      credit: this.credit,
      profit,
      equity,
      margin,
      marginFree: roundMoney(equity - margin),
      marginLevel: margin > 0 ? roundMoney((equity / margin) * 100) : 0,
    };
  }

  // ------------------------------------------------------------------ ticks and triggers

  private applyTick(s: SymState, time: number, bid: number, ask: number, vol: number): void {
    s.ticks.push(time, bid, ask, vol);
    s.last = { time, bid, ask };
    if (!this.hasExposure(s.name)) return;
    this.markPositions(s);
    this.activatePending(s);
    this.checkStops(s);
    this.stopOut();
  }

  hasExposure(symbol: string): boolean {
    for (const p of this.positions.values()) if (p.symbol === symbol) return true;
    for (const o of this.orders.values()) if (o.symbol === symbol) return true;
    return false;
  }

  markPositions(s: SymState): void {
    if (!s.last) return;
    for (const p of this.positions.values()) {
      if (p.symbol !== s.name) continue;
      p.priceCurrent = p.type === 0 ? s.last.bid : s.last.ask;
      p.profit = roundMoney(this.profit(s, p.type, p.volume, p.priceOpen, p.priceCurrent));
    }
  }

  private activatePending(s: SymState): void {
    const q = s.last!;
    for (const o of [...this.orders.values()]) {
      if (o.symbol !== s.name || o.dueAt !== undefined) continue;
      if (o.type === ORDER_TYPE.BUY || o.type === ORDER_TYPE.SELL) {
        // A RETURN remainder keeps working at the market.
        this.fillMarketRemainder(s, o);
        continue;
      }
      let hit = false;
      switch (o.type) {
        case ORDER_TYPE.BUY_LIMIT:
          hit = q.ask <= o.priceOpen;
          break;
        case ORDER_TYPE.SELL_LIMIT:
          hit = q.bid >= o.priceOpen;
          break;
        case ORDER_TYPE.BUY_STOP:
        case ORDER_TYPE.BUY_STOP_LIMIT:
          hit = q.ask >= o.priceOpen;
          break;
        case ORDER_TYPE.SELL_STOP:
        case ORDER_TYPE.SELL_STOP_LIMIT:
          hit = q.bid <= o.priceOpen;
          break;
      }
      if (!hit) continue;
      if (o.type === ORDER_TYPE.BUY_STOP_LIMIT || o.type === ORDER_TYPE.SELL_STOP_LIMIT) {
        // The stop triggered: the order becomes a limit at the stop-limit price.
        o.type = o.type === ORDER_TYPE.BUY_STOP_LIMIT ? ORDER_TYPE.BUY_LIMIT : ORDER_TYPE.SELL_LIMIT;
        o.priceOpen = o.priceStoplimit;
        o.priceStoplimit = 0;
        continue;
      }
      const side: 0 | 1 = o.type === ORDER_TYPE.BUY_LIMIT || o.type === ORDER_TYPE.BUY_STOP ? 0 : 1;
      const price = side === 0 ? q.ask : q.bid;
      this.orders.delete(o.ticket);
      const need = this.margin(s, o.volumeCurrent, price);
      if (need > this.accountState().marginFree) {
        this.finishOrder(o, ORDER_STATE.REJECTED, this.t);
        this.emit({ type: 'order', order: o, state: 'rejected' });
        continue;
      }
      this.execute(s, {
        side,
        volume: o.volumeCurrent,
        price,
        magic: o.magic,
        comment: o.comment,
        sl: o.sl,
        tp: o.tp,
        reason: o.reason,
        orderTicket: o.ticket,
      });
      o.volumeCurrent = 0;
      this.finishOrder(o, ORDER_STATE.FILLED, this.t);
    }
  }

  private fillMarketRemainder(s: SymState, o: SimOrder): void {
    const q = s.last!;
    const side: 0 | 1 = o.type === ORDER_TYPE.BUY ? 0 : 1;
    const vol = Math.min(o.volumeCurrent, s.spec.liquidity ?? o.volumeCurrent);
    const into = o.closes ?? (o.fillsInto !== undefined && this.positions.has(o.fillsInto) ? o.fillsInto : undefined);
    const x = this.execute(s, {
      side,
      volume: vol,
      price: side === 0 ? q.ask : q.bid,
      magic: o.magic,
      comment: o.comment,
      sl: o.sl,
      tp: o.tp,
      reason: o.reason,
      orderTicket: o.ticket,
      positionTicket: into,
    });
    if (o.closes === undefined) o.fillsInto = x.position;
    o.volumeCurrent = roundVol(o.volumeCurrent - vol);
    if (o.volumeCurrent <= 1e-9) {
      this.orders.delete(o.ticket);
      this.finishOrder(o, ORDER_STATE.FILLED, this.t);
    }
  }

  private checkStops(s: SymState): void {
    const q = s.last!;
    for (const p of [...this.positions.values()]) {
      if (p.symbol !== s.name) continue;
      if (p.type === 0) {
        if (p.sl && q.bid <= p.sl) this.closeBy(s, p, p.volume, q.bid, DEAL_REASON.SL, `[sl ${p.sl.toFixed(s.spec.digits)}]`);
        else if (p.tp && q.bid >= p.tp) this.closeBy(s, p, p.volume, q.bid, DEAL_REASON.TP, `[tp ${p.tp.toFixed(s.spec.digits)}]`);
      } else {
        if (p.sl && q.ask >= p.sl) this.closeBy(s, p, p.volume, q.ask, DEAL_REASON.SL, `[sl ${p.sl.toFixed(s.spec.digits)}]`);
        else if (p.tp && q.ask <= p.tp) this.closeBy(s, p, p.volume, q.ask, DEAL_REASON.TP, `[tp ${p.tp.toFixed(s.spec.digits)}]`);
      }
    }
  }

  /** Closes the largest loser while margin level ≤ stop-out (reason SO). */
  private stopOut(): void {
    for (let guard = 0; guard < 10_000; guard++) {
      if (this.positions.size === 0) return;
      const a = this.accountState();
      if (a.margin <= 0 || a.marginLevel > this.account.stopOut) return;
      let worst: SimPosition | undefined;
      for (const p of this.positions.values()) if (!worst || p.profit < worst.profit) worst = p;
      const s = this.symbols.get(worst!.symbol)!;
      this.closeBy(s, worst!, worst!.volume, worst!.priceCurrent, DEAL_REASON.SO, `[so ${a.marginLevel.toFixed(2)}%]`);
    }
  }

  /** A server-initiated close (SL, TP, stop-out): order + deal, like MT5 records them. */
  private closeBy(s: SymState, p: SimPosition, volume: number, price: number, reason: number, comment: string): void {
    const ticket = this.nextTicket++;
    const order: SimOrder = this.newOrder(s, {
      ticket,
      type: p.type === 0 ? ORDER_TYPE.SELL : ORDER_TYPE.BUY,
      volume,
      price,
      magic: p.magic,
      comment,
      reason,
      positionId: p.identifier,
    });
    this.execute(s, { side: p.type === 0 ? 1 : 0, volume, price, magic: p.magic, comment, reason, orderTicket: ticket, positionTicket: p.ticket });
    order.volumeCurrent = 0;
    this.finishOrder(order, ORDER_STATE.FILLED, this.t);
  }

  // ------------------------------------------------------------------ time events

  private timeEvents(t: number): void {
    for (const o of [...this.orders.values()]) {
      if (o.dueAt !== undefined && o.dueAt <= t) this.settleAsync(o, Math.max(this.t, o.dueAt));
      else if (o.expirationMs && o.expirationMs <= t && o.dueAt === undefined) {
        this.orders.delete(o.ticket);
        this.finishOrder(o, ORDER_STATE.EXPIRED, o.expirationMs);
        this.emit({ type: 'order', order: o, state: 'expired' });
      }
    }
    const day = Math.floor(this.clock.toServerMs(t) / DAY);
    while (this.lastRollover < day) {
      // Rollover at the end of server day `lastRollover`: swap for Mon–Fri nights, triple on rollover3days.
      const weekday = new Date(this.lastRollover * DAY).getUTCDay();
      this.lastRollover++;
      if (weekday === 0 || weekday === 6) continue;
      for (const p of this.positions.values()) {
        const s = this.symbols.get(p.symbol)!;
        const pts = p.type === 0 ? s.spec.swapLong : s.spec.swapShort;
        const mult = weekday === s.spec.swapRollover3days ? 3 : 1;
        p.swap = roundMoney(p.swap + ((pts * s.spec.point) / s.spec.tickSize) * this.tickValue(s) * p.volume * mult);
      }
    }
  }

  /** An asynchronously accepted market order: fills now, or is rejected when the market has closed. */
  private settleAsync(o: SimOrder, t: number): void {
    this.orders.delete(o.ticket);
    o.dueAt = undefined;
    const s = this.symbols.get(o.symbol)!;
    const pos = o.closes !== undefined ? this.positions.get(o.closes) : undefined;
    if (pos) pos.closing = undefined;
    if (!this.isOpen(s, t) || !s.last || (o.closes !== undefined && !pos)) {
      this.finishOrder(o, ORDER_STATE.REJECTED, t);
      this.emit({ type: 'order', order: o, state: 'rejected', retcode: 10018 });
      return;
    }
    const side: 0 | 1 = o.type === ORDER_TYPE.BUY ? 0 : 1;
    const price = side === 0 ? s.last.ask : s.last.bid;
    this.execute(s, {
      side,
      volume: o.volumeCurrent,
      price,
      magic: o.magic,
      comment: o.comment,
      sl: o.sl,
      tp: o.tp,
      reason: o.reason,
      orderTicket: o.ticket,
      positionTicket: o.closes,
    });
    o.priceOpen = price;
    o.volumeCurrent = 0;
    this.finishOrder(o, ORDER_STATE.FILLED, t);
  }

  // ------------------------------------------------------------------ execution (shared by trading.ts)

  newOrder(
    s: SymState,
    o: {
      ticket: bigint;
      type: number;
      volume: number;
      price: number;
      magic: number;
      comment: string;
      reason: number;
      positionId?: bigint;
      sl?: number;
      tp?: number;
      typeFilling?: number;
      typeTime?: number;
      expirationMs?: number;
      stoplimit?: number;
    },
  ): SimOrder {
    return {
      ticket: o.ticket,
      symbol: s.name,
      type: o.type,
      typeTime: o.typeTime ?? ORDER_TIME.GTC,
      typeFilling: o.typeFilling ?? 0,
      state: ORDER_STATE.STARTED,
      magic: o.magic,
      positionId: o.positionId ?? 0n,
      positionById: 0n,
      reason: o.reason,
      volumeInitial: o.volume,
      volumeCurrent: o.volume,
      priceOpen: o.price,
      sl: o.sl ?? 0,
      tp: o.tp ?? 0,
      priceStoplimit: o.stoplimit ?? 0,
      comment: o.comment,
      timeSetupMs: this.t,
      timeDoneMs: 0,
      expirationMs: o.expirationMs ?? 0,
      visibleAt: Infinity,
    };
  }

  finishOrder(o: SimOrder, state: number, t: number): void {
    o.state = state;
    o.timeDoneMs = t;
    o.visibleAt = t + this.historyLagMs;
    this.historyOrders.push(o);
  }

  /**
   * Executes a deal: opens, adds to, reduces, closes or reverses a position (hedging: `positionTicket`
   * selects the position to close, otherwise a new position opens; netting: one position per symbol).
   * Returns the deal and the position ticket.
   */
  execute(
    s: SymState,
    x: {
      side: 0 | 1;
      volume: number;
      price: number;
      magic: number;
      comment: string;
      reason: number;
      orderTicket: bigint;
      positionTicket?: bigint;
      sl?: number;
      tp?: number;
    },
  ): { deal: SimDeal; position: bigint } {
    const commission = roundMoney(-this.exec.commissionPerLot * x.volume);
    let target: SimPosition | undefined;
    if (x.positionTicket !== undefined) target = this.positions.get(x.positionTicket);
    else if (!this.hedging) for (const p of this.positions.values()) if (p.symbol === s.name) target = p;

    if (!target) return { deal: this.open(s, x, commission, x.orderTicket), position: x.orderTicket };
    if (target.type === x.side) {
      // Netting: same direction adds volume at the weighted price.
      const v = roundVol(target.volume + x.volume);
      target.priceOpen = roundTo((target.priceOpen * target.volume + x.price * x.volume) / v, s.spec.digits);
      target.volume = v;
      target.timeUpdateMs = this.t;
      this.balance = roundMoney(this.balance + commission);
      const deal = this.addDeal(s, x, DEAL_ENTRY.IN, target.identifier, 0, commission);
      this.markPositions(s);
      return { deal, position: target.ticket };
    }
    const closeVol = Math.min(x.volume, target.volume);
    const profit = roundMoney(this.profit(s, target.type, closeVol, target.priceOpen, x.price));
    const rest = roundVol(x.volume - closeVol);
    this.balance = roundMoney(this.balance + profit + commission);
    const entry = rest > 1e-9 ? DEAL_ENTRY.INOUT : DEAL_ENTRY.OUT;
    const deal = this.addDeal(s, x, entry, target.identifier, profit, commission, target.swap && closeVol >= target.volume - 1e-9 ? target.swap : 0);
    if (closeVol >= target.volume - 1e-9) {
      if (target.swap) this.balance = roundMoney(this.balance + target.swap);
      this.positions.delete(target.ticket);
      if (rest > 1e-9) {
        // Netting reversal: the remainder opens the opposite position under the same identifier.
        const p = this.openPosition(s, { ...x, volume: rest }, target.ticket, target.identifier);
        p.timeMs = target.timeMs;
      }
    } else {
      // Partial close: same ticket, smaller volume.
      target.volume = roundVol(target.volume - closeVol);
      target.timeUpdateMs = this.t;
    }
    this.markPositions(s);
    return { deal, position: target.ticket };
  }

  private open(
    s: SymState,
    x: { side: 0 | 1; volume: number; price: number; magic: number; comment: string; reason: number; sl?: number; tp?: number },
    commission: number,
    ticket: bigint,
  ): SimDeal {
    this.openPosition(s, x, ticket, ticket);
    this.balance = roundMoney(this.balance + commission);
    const deal = this.addDeal(s, { ...x, orderTicket: ticket }, DEAL_ENTRY.IN, ticket, 0, commission);
    this.markPositions(s);
    return deal;
  }

  private openPosition(
    s: SymState,
    x: { side: 0 | 1; volume: number; price: number; magic: number; comment: string; reason: number; sl?: number; tp?: number },
    ticket: bigint,
    identifier: bigint,
  ): SimPosition {
    const p: SimPosition = {
      ticket,
      identifier,
      symbol: s.name,
      type: x.side,
      magic: x.magic,
      reason: x.reason,
      volume: x.volume,
      priceOpen: x.price,
      sl: x.sl ?? 0,
      tp: x.tp ?? 0,
      priceCurrent: x.price,
      swap: 0,
      profit: 0,
      comment: x.comment,
      timeMs: this.t,
      timeUpdateMs: this.t,
    };
    this.positions.set(ticket, p);
    return p;
  }

  private addDeal(
    s: SymState,
    x: { side: 0 | 1; volume: number; price: number; magic: number; comment: string; reason: number; orderTicket: bigint },
    entry: number,
    positionId: bigint,
    profit: number,
    commission: number,
    swap = 0,
  ): SimDeal {
    const d: SimDeal = {
      ticket: this.nextDeal++,
      order: x.orderTicket,
      timeMs: this.t,
      type: x.side === 0 ? DEAL_TYPE.BUY : DEAL_TYPE.SELL,
      entry,
      magic: x.magic,
      positionId,
      reason: x.reason,
      volume: x.volume,
      price: x.price,
      commission,
      swap,
      profit,
      fee: 0,
      symbol: s.name,
      comment: x.comment,
      visibleAt: this.t + this.historyLagMs,
    };
    this.deals.push(d);
    this.emit({ type: 'deal', deal: d });
    return d;
  }

  /** Initial balance deal (type 2) so history has one, as a real account does. */
  seedBalanceDeal(): void {
    if (this.deals.some((d) => d.type === DEAL_TYPE.BALANCE)) return;
    this.deals.push({
      ticket: this.nextDeal++,
      order: 0n,
      timeMs: this.options.start - DAY,
      type: DEAL_TYPE.BALANCE,
      entry: DEAL_ENTRY.IN,
      magic: 0,
      positionId: 0n,
      reason: DEAL_REASON.CLIENT,
      volume: 0,
      price: 0,
      commission: 0,
      swap: 0,
      profit: this.account.balance,
      fee: 0,
      symbol: '',
      comment: 'Initial deposit',
      visibleAt: -Infinity,
    });
  }

  get marginModeValue(): number {
    return this.hedging ? ACCOUNT_MARGIN_MODE.RETAIL_HEDGING : ACCOUNT_MARGIN_MODE.RETAIL_NETTING;
  }
}

export type SimEvent = { type: 'deal'; deal: SimDeal } | { type: 'order'; order: SimOrder; state: 'rejected' | 'expired'; retcode?: number };

/** A symbol the catalog does not know: a plain USD CFD the options complete. */
function defaultSpec(name: string, digits: number): SymbolSpec {
  return cfdSpec(name, { digits, contractSize: 1, refPrice: 100, spread: 10, path: `Other\\${name}`, swapLong: 0, swapShort: 0, swapRollover3days: 3 });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** Volumes are kept to 8 decimals (no binary noise from partial fills and closes). */
export function roundVol(v: number): number {
  return roundTo(v, 8);
}
