/**
 * The paper account moved by the clock: every symbol with exposure is brought up to `clock.now()`
 * lazily (closed bars since the last sync, then the current quote): pending orders trigger, SL/TP
 * hit, the margin level is judged, marks move. Bars are bid prices (the ask adds the spread); gaps
 * fill at the open; when SL and TP are both inside one bar the pessimistic outcome (SL) is taken.
 *
 * The common case of a backtest — one cycle per bar, the symbols already known — costs a comparison
 * per call after the first, and per bar only the work of the symbols that hold something.
 */
import type { BarSeries, PendingOrder, Side, SymbolInfo, Tick } from '../types.js';
import { isPromiseLike } from '../util/maybe.js';
import { TIMEFRAME_MS } from '../data/timeframes.js';
import { roundTo } from '../util/round.js';
import { PaperAccount, type PaperPosition, type SymbolState } from './account.js';
import { triggerPrice } from './rules.js';

export abstract class PaperMarket extends PaperAccount {
  /** Clock time at which every exposed symbol was last synced. */
  protected syncedAt = -Infinity;
  /** Bar cursors restored from a saved account, used when each symbol is first synced. */
  protected restoredCursors?: Record<string, number>;
  /** The symbols to sync without an extra one, in order, valid while `version` is unchanged. */
  private exposedList: SymbolState[] = [];
  private exposedVersion = -1;

  /**
   * Brings every symbol with exposure (and `extra`) up to now: closed bars since the last sync, then
   * the current quote. Nothing to do (already synced at this time) is the common case and costs a
   * comparison; a synchronous data source keeps it synchronous.
   */
  protected sync(extra?: string): Promise<void> | undefined {
    const now = this.clock.now();
    if (this.syncedAt === now && (extra === undefined || this.symbols.get(extra)?.syncedAt === now)) return undefined;
    this.at = now;
    if (extra === undefined && this.exposedVersion === this.version) {
      const list = this.exposedList;
      for (let i = 0; i < list.length; i++) {
        const r = this.syncState(list[i]!);
        if (r) return this.syncLater(r, extra);
      }
      this.syncedAt = now;
      return undefined;
    }
    // Every exposed symbol known first: a bar of one symbol can stop out positions of all of them
    // (a restored account has positions on symbols this process has not synced yet).
    const need = this.exposedSymbols(extra);
    for (const symbol of need) {
      if (this.symbols.has(symbol)) continue;
      const info = this.data.symbolInfo(symbol);
      if (isPromiseLike(info)) return this.initLater(info as Promise<SymbolInfo>, symbol, extra);
      this.initSymbol(symbol, info as SymbolInfo);
    }
    if (extra === undefined) {
      // Remember the order for the next calls at this version (the common, per-bar case).
      // (A loop, not `map` with an arrow: an arrow reading `this` here would make every call of
      // `sync` allocate a context, also the per-bar calls that never get this far.)
      const list: SymbolState[] = [];
      for (const s of need) list.push(this.symbols.get(s)!);
      this.exposedList = list;
      this.exposedVersion = this.version;
    }
    for (const symbol of need) {
      this.at = now;
      const r = this.syncState(this.symbols.get(symbol)!);
      if (r) return this.syncLater(r, extra);
    }
    this.syncedAt = now;
    return undefined;
  }

  // Continuations in methods of their own: a closure in `sync`, `syncState` or `finishSync` would
  // allocate a context for what it captures on every call (several per bar), also when the data
  // source answers synchronously.
  private syncLater(p: Promise<void>, extra: string | undefined): Promise<void> {
    return p.then(() => this.sync(extra));
  }

  private initLater(info: Promise<SymbolInfo>, symbol: string, extra: string | undefined): Promise<void> {
    return info.then((i) => (this.symbols.has(symbol) || this.initSymbol(symbol, i), this.sync(extra)));
  }

  private walkLater(bars: Promise<BarSeries>, st: SymbolState, now: number): Promise<void> {
    return bars.then((b) => {
      this.at = now;
      this.walkBars(st, b, 0);
      return this.finishSync(st);
    });
  }

  private quoteLater(q: Promise<Tick>, st: SymbolState, now: number): Promise<void> {
    return q.then((x) => {
      this.at = now;
      this.applyQuote(st, x);
    });
  }

  /**
   * The time the sync in progress brings the account to (set by `sync` before each step, and by a
   * continuation before it goes on): read by the steps instead of passed to them, since a double
   * passed to a call the compiler does not inline is boxed (several per bar).
   */
  private at = 0;

  /** Symbols to sync: `extra`, then every symbol with a position, then with a pending order. */
  private exposedSymbols(extra?: string): Set<string> {
    const need = new Set<string>();
    if (extra) need.add(extra);
    for (const p of this.positionsById.values()) need.add(p.symbol);
    for (const o of this.pending.values()) need.add(o.symbol);
    return need;
  }

  private syncState(st: SymbolState): Promise<void> | undefined {
    const now = this.at;
    if (st.syncedAt === now) return undefined;
    if (now - st.tfMs > st.cursor && this.hasExposure(st)) {
      if (st.cols) {
        // Columnar history: walk an index, no allocation. Bars closing after now are not touched.
        st.idx = this.walkBars(st, st.cols, st.idx);
      } else {
        const bars = this.data.bars(st.info.symbol, st.tf, { from: st.cursor + 1, to: now - st.tfMs });
        if (isPromiseLike(bars)) return this.walkLater(bars as Promise<BarSeries>, st, now);
        this.walkBars(st, bars as BarSeries, 0);
      }
      // (Whatever ran while the bars were walked cannot have moved this sync's time.)
      this.at = now;
    }
    return this.finishSync(st);
  }

  /**
   * Processes the bars of `b` from index `i` that open after the cursor and close by `now`, each priced
   * with its recorded spread (or the fixed one); returns the index after the last one processed.
   */
  private walkBars(st: SymbolState, b: BarSeries, i: number): number {
    const now = this.at;
    const tfMs = st.tfMs;
    const time = b.time;
    const n = b.length;
    while (i < n && time[i]! <= st.cursor) i++;
    if (i >= n || time[i]! + tfMs > now) return i;
    const { open, high, low, close, spread } = b;
    const point = st.info.point;
    const fixed = this.fixedSpread(st);
    const bar = this.bar;
    for (; i < n && time[i]! + tfMs <= now; i++) {
      bar[0] = time[i]!;
      bar[1] = open[i]!;
      bar[2] = high[i]!;
      bar[3] = low[i]!;
      bar[4] = close[i]!;
      bar[5] = spread === undefined ? fixed : spread[i]! * point;
      this.processBar(st, bar);
    }
    return i;
  }

  /** The spread (price) of a bar without a recorded one: the last quote's, else the symbol's. */
  private fixedSpread(st: SymbolState): number {
    return st.quote ? st.quote.ask - st.quote.bid : st.info.spread * st.info.point;
  }

  private finishSync(st: SymbolState): Promise<void> | undefined {
    const now = this.at;
    const c = now - st.tfMs;
    if (c > st.cursor) st.cursor = c;
    const data = this.data;
    // A synchronous source writes the quote into a scratch object: no Tick per bar.
    if (data.quoteInto !== undefined) {
      data.quoteInto(st.info.symbol, this.scratchQuote);
      this.applyQuote(st, this.scratchQuote);
      return undefined;
    }
    const q = data.tick(st.info.symbol);
    if (isPromiseLike(q)) return this.quoteLater(q as Promise<Tick>, st, now);
    this.applyQuote(st, q as Tick);
    return undefined;
  }

  private readonly scratchQuote: Tick = { symbol: '', time: 0, bid: 0, ask: 0, closed: false };

  /**
   * Copies `q` into the symbol's own quote (nobody else holds it), then processes it as a bar. Conversion
   * rates are recomputed only when a price moved: they are a function of the quotes' prices.
   */
  private applyQuote(st: SymbolState, q: Tick): void {
    const now = this.at;
    const own = st.quote;
    if (own === undefined) {
      st.quote = { symbol: q.symbol, time: q.time, bid: q.bid, ask: q.ask, closed: q.closed === true };
      this.quoteMoved();
    } else {
      if (!Object.is(own.bid, q.bid) || !Object.is(own.ask, q.ask)) {
        own.bid = q.bid;
        own.ask = q.ask;
        this.quoteMoved();
      }
      own.time = q.time;
      own.closed = q.closed === true;
    }
    if (this.hasExposure(st)) {
      const bar = this.bar;
      bar[0] = q.time;
      bar[1] = bar[2] = bar[3] = bar[4] = q.bid;
      bar[5] = q.ask - q.bid;
      this.processBar(st, bar);
    }
    st.syncedAt = now;
  }

  /**
   * The bar `processBar` works on: time, open, high, low, close (bid) and spread (price), written by
   * the caller (six doubles passed as arguments to a call the compiler does not inline would each be
   * boxed: a few hundred bytes of garbage per bar).
   */
  private readonly bar = new Float64Array(6);

  private quoteMoved(): void {
    this.rates = undefined;
    if (this.sumsConverted) this.sumsFresh = false;
  }

  protected initSymbol(symbol: string, info: SymbolInfo): SymbolState {
    const tf = this.opts.triggerTimeframe ?? this.data.timeframes?.(symbol)[0] ?? 'M1';
    let cols: BarSeries | undefined;
    try {
      cols = this.data.columns?.(symbol, tf);
    } catch {
      cols = undefined;
    }
    // A restored account walks the bars it missed (its positions' SL/TP while the process was down).
    const tfMs = TIMEFRAME_MS[tf];
    const cursor = this.restoredCursors?.[symbol] ?? this.clock.now() - tfMs;
    const st = this.newSymbolState(info, tf, tfMs, cursor, cols);
    this.symbols.set(symbol, st);
    this.syncedAt = -Infinity;
    this.exposedVersion = -1;
    return st;
  }

  /** One bar of bid prices (`sp`: its spread as a price): pending activations, then SL/TP, then stop-out. */
  private processBar(st: SymbolState, bar: Float64Array): void {
    // Read once: what runs below (a close, a fill) may write the shared bar again.
    const time = bar[0]!;
    const o = bar[1]!;
    const h = bar[2]!;
    const l = bar[3]!;
    const c = bar[4]!;
    const sp = bar[5]!;
    const closeTime = time + st.tfMs;
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
    if (st.orders > 0) {
      for (const ord of this.pending.values()) {
        if (ord.symbol !== symbol) continue;
        if (ord.expiresAt !== undefined && time >= ord.expiresAt) {
          this.removePending(ord);
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
    const list = st.positions;
    if (list.length === 0) {
      if (this.positionsById.size && this.nearStopOut()) this.stopOut(closeTime);
      return;
    }
    // Closing removes the position from `list`: the next one then sits at the same index.
    for (let i = 0; i < list.length; ) {
      const p = list[i]!;
      // A position without SL and TP cannot hit one (every test below needs one of them).
      if ((p.sl || p.tp) && p.openTime <= time) this.checkStops(st, p, time, closeTime, o, h, l, sp);
      if (list[i] === p) i++;
    }
    // Positions filled from a pending order inside this bar: only the pessimistic SL applies.
    if (filledInside) {
      for (let i = 0; i < list.length; ) {
        const p = list[i]!;
        if (p.openTime > time && p.openTime <= closeTime && p.sl && (p.side === 'buy' ? l <= p.sl : h + sp >= p.sl))
          this.closeAt(p, p.volume, p.sl, closeTime, 'sl', st.info);
        if (list[i] === p) i++;
      }
    }
    // Stop-out is judged at the bar's worst price for each side (pessimistic), then marks move to the close.
    if (this.positionsById.size) {
      if (h !== l || o !== c) {
        this.marks[0] = l;
        this.marks[1] = h + sp;
        this.updateMarks(st, this.marks);
      }
      if (this.nearStopOut()) this.stopOut(closeTime);
    }
    this.marks[0] = c;
    this.marks[1] = c + sp;
    this.updateMarks(st, this.marks);
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

  /**
   * The cheap test of `stopOut`, without its time argument (a double passed to a call that is not
   * inlined is boxed: twice per bar for nothing, since a stop-out is rare): the margin level only needs
   * exact figures when it could be near the level. (The figures are usually fresh from the marks just
   * moved: see `updateMarks`.)
   */
  private nearStopOut(): boolean {
    this.exposure();
    const margin = this.sums[1]!;
    return !(margin <= 0 || ((this.balance + this.sums[0]!) / margin) * 100 > this.opts.stopOutLevel + 0.01);
  }

  private stopOut(time: number): void {
    for (;;) {
      if (!this.nearStopOut()) return;
      const a = this.accountNow();
      if (a.margin <= 0 || a.marginLevel > this.opts.stopOutLevel || this.positionsById.size === 0) return;
      let worst: PaperPosition | undefined;
      for (const p of this.positionsById.values()) if (!worst || p.profit < worst.profit) worst = p;
      const info = this.symbols.get(worst!.symbol)!.info;
      this.closeAt(worst!, worst!.volume, worst!.currentPrice, time, 'stopout', info);
    }
  }

  private fillPending(st: SymbolState, ord: PendingOrder, price: number, time: number): void {
    this.removePending(ord);
    this.changed();
    const required = this.marginFor(st.info, ord.volume, price);
    if (required > this.freeMargin()) return; // cancelled for lack of margin, as a broker would
    this.open(st.info, ord.id, Object.assign({}, ord, { clientId: ord.clientId ?? ord.id }), price, time);
  }
}
