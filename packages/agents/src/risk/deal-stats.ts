/**
 * Statistics over closed deals from the broker's history (the original's `symbol_stats` and daily P&L):
 * per-symbol last-N net sums (kill switch), average win / loss (payoff mandate), net since UTC
 * midnight (daily loss limit) and this run's closed trades per position (Kelly: the last `kellyTrades`
 * of them by close time, or all in the window when 0). Refreshed at most every `refreshMs`, and after
 * any close the run sees. A refresh reads the history and the open positions again and works only on
 * what differs from the last read: when the window's deals are the last read's minus some of its
 * oldest plus newer ones (the usual case), the deals that left are taken out and the new ones folded
 * in, so a refresh costs a comparison plus the changed deals, not a sort and fold of the whole window;
 * anything else (a deal that appears between others, a history out of time order) rebuilds everything
 * from the sorted history. Either way every figure is the one a full fold of the window in time order
 * gives, bit for bit: sums are added in the same order (a position's net and the daily net again from
 * their first term when a term leaves), and the trades Kelly reads are chosen and summed in the same
 * order.
 */
import { isPromiseLike, roundMoney, type CycleContext, type Deal, type MaybePromise, type Position } from '@tradekit/core';

export interface SymbolDealStats {
  /** Net (profit + commission + swap) of each closing deal, newest last. */
  nets: number[];
}

export interface TradeStats {
  trades: number;
  wins: number;
  avgWin: number;
  avgLoss: number;
}

/** One position of this run with closing deals in the window. */
interface PositionDeals {
  id: string;
  /** Window sequence numbers and nets of its closing deals, oldest first. */
  seqs: number[];
  nets: number[];
  /** Sum of `nets`, from 0 in that order. */
  net: number;
  /** Time of its newest closing deal. */
  closedAt: number;
  /** Visit mark of the last fold that took it. */
  mark: number;
}

export class DealStats {
  private at = Number.NEGATIVE_INFINITY;
  private dirty = true;
  bySymbol = new Map<string, SymbolDealStats>();
  dayNet = 0;
  trades: TradeStats = { trades: 0, wins: 0, avgWin: 0, avgLoss: 0 };
  /** The window's deals in time order (from `head`); `win[i]` has sequence number `base + i`. */
  private win: Deal[] = [];
  /** Per window deal: its position when it is one of this run's closing deals, and its net. */
  private winPos: (PositionDeals | undefined)[] = [];
  private winNet: number[] = [];
  private head = 0;
  private base = 0;
  /** The last history read equals the window (it was in time order), so the next read can be diffed. */
  private diffable = false;
  /** The last history read when it was not in time order (compared whole, like the open positions). */
  private seenRaw: readonly Deal[] = [];
  /** The last read when the broker froze it: the same frozen array again is the same deals. */
  private lastFrozen: readonly Deal[] | undefined;
  private readonly byPosition = new Map<string, PositionDeals>();
  private seenOpen: readonly Position[] = [];
  private readonly open = new Set<string>();
  private seenDay = Number.NaN;
  /** The daily net before rounding, and whether it must be summed again. */
  private dayRaw = 0;
  private dayStale = true;
  private mark = 0;
  private magic: number | undefined;

  constructor(private readonly o: { windowMs: number; refreshMs: number; dailyScope: 'account' | 'run'; kellyTrades?: number }) {}

  invalidate(): void {
    this.dirty = true;
  }

  /** Refreshes when stale; sync when the broker answers sync. */
  refresh(cycle: CycleContext): MaybePromise<void> {
    const now = cycle.clock.now();
    if (!this.dirty && now - this.at < this.o.refreshMs && sameUtcDay(now, this.at)) return;
    const deals = cycle.broker.history({ from: now - this.o.windowMs, to: now });
    if (isPromiseLike(deals)) return deals.then((d) => this.withDeals(cycle, now, d));
    return this.withDeals(cycle, now, deals);
  }

  private withDeals(cycle: CycleContext, now: number, deals: Deal[]): MaybePromise<void> {
    // Trades still open contribute their partial exits only once they are fully closed.
    const positions = cycle.broker.positions({ magic: cycle.run.magic });
    if (isPromiseLike(positions)) return positions.then((p) => this.load(cycle, now, deals, p));
    this.load(cycle, now, deals, positions);
    return undefined;
  }

  private load(cycle: CycleContext, now: number, deals: Deal[], positions: Position[]): void {
    const magic = cycle.run.magic;
    const dayStart = Math.floor(now / 86_400_000) * 86_400_000;
    this.at = now;
    this.dirty = false;
    if (magic !== this.magic) {
      this.magic = magic;
      this.diffable = false;
      this.seenRaw = [];
      this.lastFrozen = undefined;
    }
    let changed = false;
    if (deals !== this.lastFrozen) {
      changed = this.diffable ? this.diffDeals(deals, dayStart) : this.rawChanged(deals, dayStart);
      this.lastFrozen = Object.isFrozen(deals) ? deals : undefined;
    }
    if (!samePositions(positions, this.seenOpen)) {
      this.seenOpen = positions;
      this.open.clear();
      for (const p of positions) this.open.add(p.id);
      changed = true;
    }
    if (dayStart !== this.seenDay) {
      this.seenDay = dayStart;
      this.dayStale = true;
    }
    if (this.dayStale) this.sumDay(dayStart);
    if (changed) this.foldTrades();
  }

  /**
   * Applies a history read to the window when it is the window minus its oldest deals plus newer ones
   * in time order; otherwise rebuilds. Returns whether the deals changed.
   */
  private diffDeals(deals: readonly Deal[], dayStart: number): boolean {
    const win = this.win;
    const n = win.length - this.head;
    const m = deals.length;
    // How many of the oldest deals left: the window's position of the read's first deal.
    let k = 0;
    if (m === 0) k = n;
    else {
      const first = deals[0]!;
      while (k < n && !sameDeal(win[this.head + k]!, first)) k++;
    }
    const kept = n - k;
    if (kept > m) return this.rebuild(deals, dayStart);
    // The kept deals: the same objects in the same slots (a broker that hands out its own records), else
    // the same ids and times (one that copies them).
    const from = this.head + k;
    let i = 0;
    while (i < kept && win[from + i] === deals[i]) i++;
    for (; i < kept; i++) if (!sameDeal(win[from + i]!, deals[i]!)) return this.rebuild(deals, dayStart);
    let prev = kept > 0 ? deals[kept - 1]!.time : Number.NEGATIVE_INFINITY;
    for (let i = kept; i < m; i++) {
      const t = deals[i]!.time;
      if (!(t >= prev)) return this.rebuild(deals, dayStart);
      prev = t;
    }
    if (k === 0 && kept === m) return false;
    for (let i = 0; i < k; i++) this.dropOldest(dayStart);
    for (let i = kept; i < m; i++) this.append(deals[i]!, dayStart);
    this.compact();
    return true;
  }

  /** A history read out of time order: compared with the last one whole; when it differs, a rebuild. */
  private rawChanged(deals: readonly Deal[], dayStart: number): boolean {
    if (this.seenRaw.length > 0 && sameDeals(deals, this.seenRaw)) return false;
    return this.rebuild(deals, dayStart);
  }

  private rebuild(deals: readonly Deal[], dayStart: number): true {
    this.win = [];
    this.winPos = [];
    this.winNet = [];
    this.head = 0;
    this.base = 0;
    this.byPosition.clear();
    this.bySymbol = new Map();
    let ordered = true;
    for (let i = 1; i < deals.length && ordered; i++) if (!(deals[i]!.time >= deals[i - 1]!.time)) ordered = false;
    this.diffable = ordered;
    this.seenRaw = ordered ? [] : deals;
    for (const d of ordered ? deals : [...deals].sort((a, b) => a.time - b.time)) this.append(d, dayStart);
    this.dayStale = true;
    return true;
  }

  /** Folds in a deal newer than every deal of the window. */
  private append(d: Deal, dayStart: number): void {
    const seq = this.base + this.win.length;
    this.win.push(d);
    const counted = this.o.dailyScope === 'account' || d.magic === this.magic;
    if (d.entry !== 'out') {
      if (d.time >= dayStart && counted) this.dayRaw += d.commission + d.swap;
      this.winPos.push(undefined);
      this.winNet.push(0);
      return;
    }
    const net = d.profit + d.commission + d.swap;
    if (d.time >= dayStart && counted) this.dayRaw += net;
    this.winNet.push(net);
    if (d.magic !== this.magic) {
      this.winPos.push(undefined);
      return;
    }
    let s = this.bySymbol.get(d.symbol);
    if (!s) this.bySymbol.set(d.symbol, (s = { nets: [] }));
    s.nets.push(net);
    let p = this.byPosition.get(d.positionId);
    if (!p) this.byPosition.set(d.positionId, (p = { id: d.positionId, seqs: [], nets: [], net: 0, closedAt: d.time, mark: 0 }));
    p.seqs.push(seq);
    p.nets.push(net);
    p.net += net;
    p.closedAt = d.time;
    this.winPos.push(p);
  }

  /** Takes the window's oldest deal out. */
  private dropOldest(dayStart: number): void {
    const i = this.head++;
    const d = this.win[i]!;
    const p = this.winPos[i];
    this.win[i] = undefined as unknown as Deal;
    this.winPos[i] = undefined;
    if (d.time >= dayStart) this.dayStale = true;
    if (!p) return;
    const s = this.bySymbol.get(d.symbol)!;
    s.nets.shift();
    if (s.nets.length === 0) this.bySymbol.delete(d.symbol);
    p.seqs.shift();
    p.nets.shift();
    if (p.nets.length === 0) {
      this.byPosition.delete(p.id);
      return;
    }
    let net = 0;
    for (const x of p.nets) net += x;
    p.net = net;
  }

  /** Drops the slots of deals that left once they are most of the arrays. */
  private compact(): void {
    const h = this.head;
    if (h < 1024 || h * 2 < this.win.length) return;
    this.win.splice(0, h);
    this.winPos.splice(0, h);
    this.winNet.splice(0, h);
    this.base += h;
    this.head = 0;
  }

  /** The daily net: the window's deals since `dayStart` (its newest ones) summed oldest first. */
  private sumDay(dayStart: number): void {
    const win = this.win;
    let i = win.length;
    while (i > this.head && win[i - 1]!.time >= dayStart) i--;
    let sum = 0;
    for (; i < win.length; i++) {
      const d = win[i]!;
      if (!(this.o.dailyScope === 'account' || d.magic === this.magic)) continue;
      sum += d.entry === 'out' ? this.winNet[i]! : d.commission + d.swap;
    }
    this.dayRaw = sum;
    this.dayStale = false;
    this.dayNet = roundMoney(sum);
  }

  /**
   * Kelly's trades: this run's positions with closing deals in the window that are no longer open, in
   * the order of their first closing deal; when there are more than `kellyTrades`, the last that many
   * by close time (ties in that order). Summed in that order.
   */
  private foldTrades(): void {
    this.dayNet = roundMoney(this.dayRaw);
    const last = this.o.kellyTrades ?? 0;
    let openWithDeals = 0;
    for (const id of this.open) if (this.byPosition.has(id)) openWithDeals++;
    const closed = this.byPosition.size - openWithDeals;
    const mark = ++this.mark;
    let wins = 0;
    let trades = 0;
    let sumW = 0;
    let sumL = 0;
    const add = (net: number): void => {
      trades++;
      if (net > 0) {
        wins++;
        sumW += net;
      } else sumL += -net;
    };
    if (last > 0 && closed > last) {
      // Newest closing deals first: a position's first sighting is its close; once `last` are taken,
      // an older deal can only belong to a position that closed earlier than the last one taken (or
      // at the same time: those are taken too, and the sort orders them).
      const picked: PositionDeals[] = [];
      let bound = Number.NEGATIVE_INFINITY;
      for (let i = this.win.length - 1; i >= this.head; i--) {
        const p = this.winPos[i];
        if (!p || p.mark === mark || this.open.has(p.id)) continue;
        if (picked.length >= last && p.closedAt < bound) break;
        p.mark = mark;
        picked.push(p);
        if (picked.length === last) bound = p.closedAt;
      }
      picked.sort((a, b) => a.closedAt - b.closedAt || a.seqs[0]! - b.seqs[0]!);
      for (let j = picked.length - last; j < picked.length; j++) add(picked[j]!.net);
    } else {
      for (let i = this.head; i < this.win.length; i++) {
        const p = this.winPos[i];
        if (!p || p.mark === mark || this.open.has(p.id)) continue;
        p.mark = mark;
        add(p.net);
      }
    }
    this.trades = { trades, wins, avgWin: wins ? sumW / wins : 0, avgLoss: trades - wins ? sumL / (trades - wins) : 0 };
  }
}

/** The same deal (a deal is a record: its id and time say which one it is). */
function sameDeal(x: Deal, y: Deal): boolean {
  return x === y || (x.id === y.id && x.time === y.time);
}

/** The same deals in the same order. */
function sameDeals(a: readonly Deal[], b: readonly Deal[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameDeal(a[i]!, b[i]!)) return false;
  return true;
}

function samePositions(a: readonly Position[], b: readonly Position[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.id !== b[i]!.id) return false;
  return true;
}

function sameUtcDay(a: number, b: number): boolean {
  return Math.floor(a / 86_400_000) === Math.floor(b / 86_400_000);
}

/** Average win and loss (positive numbers) over deal nets. */
export function payoff(nets: readonly number[]): { avgWin: number; avgLoss: number; wins: number; losses: number } {
  let w = 0;
  let l = 0;
  let sw = 0;
  let sl = 0;
  for (const n of nets) {
    if (n > 0) {
      w++;
      sw += n;
    } else if (n < 0) {
      l++;
      sl -= n;
    }
  }
  return { avgWin: w ? sw / w : 0, avgLoss: l ? sl / l : 0, wins: w, losses: l };
}
