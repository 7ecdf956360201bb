/**
 * Statistics over closed deals from the broker's history (the original's `symbol_stats` and daily P&L):
 * per-symbol last-N net sums (kill switch), average win / loss (payoff mandate), net since UTC
 * midnight (daily loss limit) and this run's closed trades per position (Kelly: the last `kellyTrades`
 * of them by close time, or all in the window when 0). Refreshed at most
 * every `refreshMs`, and after any close the run sees. A refresh reads the history and the open
 * positions again, but recomputes only when they differ from the last read (a deal, an open position,
 * the UTC day): with one cycle per refresh interval most refreshes find nothing new.
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

export class DealStats {
  private at = Number.NEGATIVE_INFINITY;
  private dirty = true;
  bySymbol = new Map<string, SymbolDealStats>();
  dayNet = 0;
  trades: TradeStats = { trades: 0, wins: 0, avgWin: 0, avgLoss: 0 };
  /** What the statistics were computed from. */
  private seenDeals: readonly Deal[] = [];
  private seenOpen: readonly Position[] = [];
  private seenDay = Number.NaN;

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
    if (dayStart === this.seenDay && sameDeals(deals, this.seenDeals) && samePositions(positions, this.seenOpen)) return;
    this.seenDeals = deals;
    this.seenOpen = positions;
    this.seenDay = dayStart;
    const bySymbol = new Map<string, SymbolDealStats>();
    const byPosition = new Map<string, number>();
    const closedAt = new Map<string, number>();
    let dayNet = 0;
    for (const d of [...deals].sort((a, b) => a.time - b.time)) {
      if (d.entry !== 'out') {
        if (d.time >= dayStart && (this.o.dailyScope === 'account' || d.magic === magic)) dayNet += d.commission + d.swap;
        continue;
      }
      const net = d.profit + d.commission + d.swap;
      if (d.time >= dayStart && (this.o.dailyScope === 'account' || d.magic === magic)) dayNet += net;
      if (d.magic !== magic) continue;
      let s = bySymbol.get(d.symbol);
      if (!s) bySymbol.set(d.symbol, (s = { nets: [] }));
      s.nets.push(net);
      byPosition.set(d.positionId, (byPosition.get(d.positionId) ?? 0) + net);
      closedAt.set(d.positionId, d.time);
    }
    const open = new Set(positions.map((p) => p.id));
    let closed: string[] = [];
    for (const id of byPosition.keys()) if (!open.has(id)) closed.push(id);
    const last = this.o.kellyTrades ?? 0;
    if (last > 0 && closed.length > last) closed = closed.sort((a, b) => closedAt.get(a)! - closedAt.get(b)!).slice(-last);
    let wins = 0;
    let trades = 0;
    let sumW = 0;
    let sumL = 0;
    for (const id of closed) {
      const net = byPosition.get(id)!;
      trades++;
      if (net > 0) {
        wins++;
        sumW += net;
      } else sumL += -net;
    }
    this.bySymbol = bySymbol;
    this.dayNet = roundMoney(dayNet);
    this.trades = { trades, wins, avgWin: wins ? sumW / wins : 0, avgLoss: trades - wins ? sumL / (trades - wins) : 0 };
  }
}

/** The same deals in the same order (a deal is a record: its id and time say which one it is). */
function sameDeals(a: readonly Deal[], b: readonly Deal[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.id !== y.id || x.time !== y.time) return false;
  }
  return true;
}

function samePositions(a: readonly Position[], b: readonly Position[]): boolean {
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
