/**
 * The paper account's book: balance, positions, pending orders, deals, the per-symbol state the bar
 * walk keeps, and the money rules (margin, profit, currency conversion). `PaperMarket` (market.ts)
 * moves it with the clock and `PaperBroker` (paper-broker.ts) is the Broker facade over both.
 *
 * Per-symbol lists (`SymbolState.positions`, `orders`) keep the per-bar work proportional to what a
 * symbol holds: a bar of a symbol without a position or an order touches nothing.
 */
import { TradekitError } from '../errors.js';
import type { Clock, DataSource } from '../interfaces.js';
import type { Account, BarSeries, Deal, DealReason, OrderIntent, PendingOrder, Position, Side, SymbolInfo, Tick, Timeframe } from '../types.js';
import { roundTo } from '../util/round.js';
import { roundMoney } from './money.js';

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

export interface PaperPosition extends Position {
  /** Entry commission still attributable to the open volume. */
  entryCommissionLeft: number;
}

export interface SymbolState {
  info: SymbolInfo;
  tf: Timeframe;
  tfMs: number;
  /** Bars with open time ≤ cursor have been processed. */
  cursor: number;
  quote?: Tick;
  /** Clock time of the last sync. */
  syncedAt: number;
  /** Full history columns when the source has them (no allocation per sync), and the walk index. */
  cols?: BarSeries;
  idx: number;
  /** This symbol's open positions, in opening order (the order of the account's position map). */
  positions: PaperPosition[];
  /** How many pending orders are on this symbol. */
  orders: number;
  /** Leverage for margin (resolved once). */
  leverage: number;
  /** Profit and margin are in the account currency (no conversion: marks cannot throw). */
  sameCurrency: boolean;
}

export abstract class PaperAccount {
  protected balance: number;
  protected readonly positionsById = new Map<string, PaperPosition>();
  protected readonly pending = new Map<string, PendingOrder>();
  /** Closes accepted while the market was closed (queue mode): volume, or undefined for all. */
  protected readonly pendingCloses = new Map<string, number | undefined>();
  protected readonly deals: Deal[] = [];
  protected readonly dealListeners = new Set<(d: Deal) => void>();
  protected readonly symbols = new Map<string, SymbolState>();
  protected nextTicket = 1_000_001;
  protected nextDeal = 5_000_001;
  /** Grows on every change a snapshot shows (positions, orders, stops); marks are read through getters. */
  protected version = 0;
  /** Conversion rates, valid until the next quote. */
  protected rates?: Map<string, number | undefined>;
  protected readonly opts: PaperBrokerOptions;

  constructor(
    protected readonly clock: Clock,
    protected readonly data: DataSource,
    options: Partial<PaperBrokerOptions>,
  ) {
    this.opts = { ...PAPER_DEFAULTS, ...options };
    this.balance = this.opts.balance;
  }

  /** Anything a snapshot shows changed: positions, orders or stops. */
  protected changed(): void {
    this.version++;
  }

  // ---------------------------------------------------------------- positions and orders

  protected addPosition(p: PaperPosition): void {
    this.sumsFresh = false;
    this.positionsById.set(p.id, p);
    this.openList.push(p);
    this.symbols.get(p.symbol)?.positions.push(p);
  }

  protected removePosition(p: PaperPosition): void {
    this.sumsFresh = false;
    this.positionsById.delete(p.id);
    dropFrom(this.openList, p);
    const list = this.symbols.get(p.symbol)?.positions;
    if (list) dropFrom(list, p);
  }

  /** Every open position in opening order (the map's order), as an array for the per-bar loops. */
  protected readonly openList: PaperPosition[] = [];

  protected addPending(o: PendingOrder): void {
    this.pending.set(o.id, o);
    const st = this.symbols.get(o.symbol);
    if (st) st.orders++;
  }

  protected removePending(o: PendingOrder): void {
    if (!this.pending.delete(o.id)) return;
    const st = this.symbols.get(o.symbol);
    if (st) st.orders--;
  }

  /** A symbol's state, with its share of the book (a restored account may hold it already). */
  protected newSymbolState(info: SymbolInfo, tf: Timeframe, tfMs: number, cursor: number, cols: BarSeries | undefined): SymbolState {
    const positions: PaperPosition[] = [];
    for (const p of this.positionsById.values()) if (p.symbol === info.symbol) positions.push(p);
    let orders = 0;
    for (const o of this.pending.values()) if (o.symbol === info.symbol) orders++;
    const sameCurrency = info.profitCurrency === this.opts.currency;
    return { info, tf, tfMs, cursor, syncedAt: -Infinity, cols, idx: 0, positions, orders, leverage: this.leverageFor(info), sameCurrency };
  }

  protected hasExposure(st: SymbolState): boolean {
    return st.positions.length > 0 || st.orders > 0;
  }

  /** Deals are frozen when booked: history, lookups and listeners share them without copies. */
  protected recordDeal(d: Deal): void {
    this.bookDeal(d);
    for (const l of this.dealListeners) l(d);
  }

  /** Adds a deal to the history (frozen) without announcing it: what a restored account does. */
  protected bookDeal(d: Deal): void {
    const n = this.deals.length;
    if (n && d.time < this.deals[n - 1]!.time) this.dealsInTimeOrder = false;
    this.deals.push(Object.freeze(d));
  }

  /** Whether `deals` is sorted by time (true unless a deal was booked with an earlier time). */
  protected dealsInTimeOrder = true;

  protected open(
    info: SymbolInfo,
    ticket: string,
    intent: Pick<OrderIntent, 'clientId' | 'symbol' | 'side' | 'volume' | 'sl' | 'tp' | 'magic' | 'comment'>,
    price: number,
    time: number,
  ): PaperPosition {
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
    this.addPosition(pos);
    this.changed();
    const st = this.symbols.get(info.symbol)!;
    if (st.quote) {
      const m = this.marks;
      m[0] = st.quote.bid;
      m[1] = st.quote.ask;
      this.updateMarks(st, m);
    }
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

  /** Realizes `vol` of `p` at `price`. */
  protected closeAt(p: PaperPosition, vol: number, price: number, time: number, reason: DealReason, info: SymbolInfo): Deal {
    const full = vol >= p.volume - 1e-9;
    const profit = roundMoney(this.profitOf(p.side, vol, p.openPrice, price, info));
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
    if (full) this.removePosition(p);
    else {
      this.sumsFresh = false;
      p.volume = roundTo(p.volume - vol, 8);
      p.profit = this.profitOf(p.side, p.volume, p.openPrice, p.currentPrice, info);
    }
    return deal;
  }

  /**
   * Where callers put the bid and ask mark for `updateMarks` (two doubles passed to a call the compiler
   * does not inline would each be boxed, several times per bar).
   */
  protected readonly marks = new Float64Array(2);

  /**
   * Marks this symbol's positions to market: buys at `m[0]` (the bid), sells at `m[1]` (the ask;
   * snapshots read marks through getters, so a move rebuilds nothing). When this symbol holds every
   * open position and needs no conversion, the account's exposure is summed in the same pass, in the
   * same order and with the same expressions as `exposure` (so the figures are identical), and left
   * fresh in `sums`.
   */
  protected updateMarks(st: SymbolState, m: Float64Array): void {
    const list = st.positions;
    if (list.length === 0) return;
    const bid = m[0]!;
    const ask = m[1]!;
    const info = st.info;
    const askR = roundTo(ask, info.digits);
    if (!st.sameCurrency || list.length !== this.openList.length) {
      this.sumsFresh = false;
      for (let i = 0; i < list.length; i++) {
        const p = list[i]!;
        p.currentPrice = p.side === 'buy' ? bid : askR;
        p.profit = this.profitOf(p.side, p.volume, p.openPrice, p.currentPrice, info);
      }
      return;
    }
    const cs = info.contractSize;
    const lev = st.leverage;
    let profit = 0;
    let margin = 0;
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!;
      const buy = p.side === 'buy';
      const price = buy ? bid : askR;
      // profitOf for an account-currency symbol, term for term.
      const pr = (buy ? price - p.openPrice : p.openPrice - price) * p.volume * cs;
      p.currentPrice = price;
      p.profit = pr;
      profit += pr + p.swap;
      margin += (p.volume * cs * price) / lev;
    }
    this.sums[0] = profit;
    this.sums[1] = margin;
    this.sumsFresh = true;
    this.sumsConverted = false;
  }

  // ---------------------------------------------------------------- money

  /** Adverse slippage for an execution on `side` (buying pays more, selling gets less). */
  protected slip(info: SymbolInfo, side: Side): number {
    const s = this.opts.slippagePoints * info.point;
    return side === 'buy' ? s : -s;
  }

  protected leverageFor(info: SymbolInfo): number {
    const by = this.opts.leverageBy;
    return by?.[info.symbol] ?? by?.[info.assetClass] ?? this.opts.leverage;
  }

  protected marginFor(info: SymbolInfo, volume: number, price: number): number {
    return this.convert((volume * info.contractSize * price) / this.leverageFor(info), info.profitCurrency, info);
  }

  protected profitOf(side: Side, volume: number, open: number, close: number, info: SymbolInfo): number {
    const diff = side === 'buy' ? close - open : open - close;
    if (info.profitCurrency === this.opts.currency) return diff * volume * info.contractSize;
    if (info.tickValue !== undefined && !this.canConvert(info.profitCurrency)) return (diff / info.tickSize) * info.tickValue * volume;
    return this.convert(diff * volume * info.contractSize, info.profitCurrency, info);
  }

  protected canConvert(from: string): boolean {
    return from === this.opts.currency || this.rate(from) !== undefined;
  }

  /** Converts an amount in `from` currency to the account currency using the quotes this broker has seen. */
  protected convert(amount: number, from: string, info: SymbolInfo): number {
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

  protected rate(from: string): number | undefined {
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

  /**
   * Floating profit (with swap) and margin of every open position, into `sums` [profit, margin]. The
   * figures stay fresh until a mark, the book or (for converted margin) a quote changes.
   */
  protected exposure(): void {
    if (this.sumsFresh) return;
    let profit = 0;
    let margin = 0;
    let converted = false;
    const open = this.openList;
    let sym = '';
    let st: SymbolState | undefined;
    for (let i = 0; i < open.length; i++) {
      const p = open[i]!;
      if (st === undefined || p.symbol !== sym) {
        sym = p.symbol;
        st = this.symbols.get(sym)!;
      }
      const info = st.info;
      profit += p.profit + p.swap;
      const m = (p.volume * info.contractSize * p.currentPrice) / st.leverage;
      if (info.profitCurrency === this.opts.currency) margin += m;
      else {
        margin += this.convert(m, info.profitCurrency, info);
        converted = true;
      }
    }
    this.sums[0] = profit;
    this.sums[1] = margin;
    this.sumsFresh = true;
    this.sumsConverted = converted;
  }
  /** `exposure`'s figures: [floating profit with swap, margin]. */
  protected readonly sums = new Float64Array(2);
  /** Whether `sums` holds the current book's figures (cleared by every change of marks or positions). */
  protected sumsFresh = false;
  /** Whether `sums` used a conversion rate (a new quote then makes them stale). */
  protected sumsConverted = false;

  /** The account's free margin, as `accountNow().freeMargin` (without the Account object). */
  protected freeMargin(): number {
    this.exposure();
    return roundMoney(roundMoney(this.balance + this.sums[0]!) - roundMoney(this.sums[1]!));
  }

  protected accountNow(): Account {
    this.exposure();
    const profit = this.sums[0]!;
    const margin = roundMoney(this.sums[1]!);
    const equity = roundMoney(this.balance + profit);
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
}

/** Removes `x` from `list` in place (as `splice(i, 1)`, without the array of removed elements). */
function dropFrom<T>(list: T[], x: T): void {
  const i = list.indexOf(x);
  if (i < 0) return;
  const last = list.length - 1;
  for (let k = i; k < last; k++) list[k] = list[k + 1]!;
  list.length = last;
}
