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
    if (extra === undefined && this.exposedVersion === this.version) {
      const list = this.exposedList;
      for (let i = 0; i < list.length; i++) {
        const r = this.syncState(list[i]!, now);
        if (r) return r.then(() => this.sync(extra));
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
      if (isPromiseLike(info)) return (info as Promise<SymbolInfo>).then((i) => (this.symbols.has(symbol) || this.initSymbol(symbol, i), this.sync(extra)));
      this.initSymbol(symbol, info as SymbolInfo);
    }
    if (extra === undefined) {
      // Remember the order for the next calls at this version (the common, per-bar case).
      this.exposedList = [...need].map((s) => this.symbols.get(s)!);
      this.exposedVersion = this.version;
    }
    for (const symbol of need) {
      const r = this.syncState(this.symbols.get(symbol)!, now);
      if (r) return r.then(() => this.sync(extra));
    }
    this.syncedAt = now;
    return undefined;
  }

  /** Symbols to sync: `extra`, then every symbol with a position, then with a pending order. */
  private exposedSymbols(extra?: string): Set<string> {
    const need = new Set<string>();
    if (extra) need.add(extra);
    for (const p of this.positionsById.values()) need.add(p.symbol);
    for (const o of this.pending.values()) need.add(o.symbol);
    return need;
  }

  private syncState(st: SymbolState, now: number): Promise<void> | undefined {
    if (st.syncedAt === now) return undefined;
    if (now - st.tfMs > st.cursor && this.hasExposure(st)) {
      if (st.cols) {
        // Columnar history: walk an index, no allocation. Bars closing after now are not touched.
        st.idx = this.walkBars(st, st.cols, st.idx, now);
      } else {
        const bars = this.data.bars(st.info.symbol, st.tf, { from: st.cursor + 1, to: now - st.tfMs });
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
    const tfMs = st.tfMs;
    const time = b.time;
    const n = b.length;
    while (i < n && time[i]! <= st.cursor) i++;
    if (i >= n || time[i]! + tfMs > now) return i;
    const { open, high, low, close, spread } = b;
    const point = st.info.point;
    const fixed = this.fixedSpread(st);
    for (; i < n && time[i]! + tfMs <= now; i++) {
      this.processBar(st, time[i]!, open[i]!, high[i]!, low[i]!, close[i]!, spread === undefined ? fixed : spread[i]! * point);
    }
    return i;
  }

  /** The spread (price) of a bar without a recorded one: the last quote's, else the symbol's. */
  private fixedSpread(st: SymbolState): number {
    return st.quote ? st.quote.ask - st.quote.bid : st.info.spread * st.info.point;
  }

  private finishSync(st: SymbolState, now: number): Promise<void> | undefined {
    const c = now - st.tfMs;
    if (c > st.cursor) st.cursor = c;
    const data = this.data;
    // A synchronous source writes the quote into a scratch object: no Tick per bar.
    if (data.quoteInto !== undefined) {
      data.quoteInto(st.info.symbol, this.scratchQuote);
      this.applyQuote(st, this.scratchQuote, now);
      return undefined;
    }
    const q = data.tick(st.info.symbol);
    if (isPromiseLike(q)) return (q as Promise<Tick>).then((x) => this.applyQuote(st, x, now));
    this.applyQuote(st, q as Tick, now);
    return undefined;
  }

  private readonly scratchQuote: Tick = { symbol: '', time: 0, bid: 0, ask: 0, closed: false };

  /**
   * Copies `q` into the symbol's own quote (nobody else holds it), then processes it as a bar. Conversion
   * rates are recomputed only when a price moved: they are a function of the quotes' prices.
   */
  private applyQuote(st: SymbolState, q: Tick, now: number): void {
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
    if (this.hasExposure(st)) this.processBar(st, q.time, q.bid, q.bid, q.bid, q.bid, q.ask - q.bid);
    st.syncedAt = now;
  }

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
  private processBar(st: SymbolState, time: number, o: number, h: number, l: number, c: number, sp: number): void {
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
      if (this.positionsById.size) this.stopOut(closeTime);
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
      if (h !== l || o !== c) this.updateMarks(st, l, h + sp);
      this.stopOut(closeTime);
    }
    this.updateMarks(st, c, c + sp);
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

  private stopOut(time: number): void {
    for (;;) {
      // Cheap test first: the margin level only needs exact figures when it could be near the level.
      // (The figures are usually fresh from the marks just moved: see `updateMarks`.)
      this.exposure();
      const margin = this.sums[1]!;
      if (margin <= 0 || ((this.balance + this.sums[0]!) / margin) * 100 > this.opts.stopOutLevel + 0.01) return;
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
