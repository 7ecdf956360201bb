/**
 * The journal of a backtest (`state.url: memory:compact`): the Journal contract of the other stores,
 * kept as columns. A million-bar backtest journals tens of thousands of orders and trades; as objects
 * (with their boxed numbers) they were most of its heap and of its garbage collector's work. Here a
 * write copies fields into typed arrays (no object per record, no clone), repeated strings (symbols,
 * agents, exit reasons) are stored once, and records are built only when one is read.
 *
 * Differences from `memory:`, by design: an order's `intent` and broker `result` payloads are not
 * kept (nobody reads them after a backtest; they cost kilobytes per trade), and an optional number
 * that is NaN reads back as undefined.
 */
import type { Journal, OpenTradeRecord, OrderRecord, OrderStatus, TradeQuery, TradeRecord } from '../interfaces.js';
import type { ClosedTrade } from '../types.js';
import type { TradekitEvent } from '../events/types.js';
import { exitTotals, type ExitTotals } from './trade-math.js';
import { StringTable, grown, numOpt, optNum } from './columns.js';
import { appendBySeq } from './event-log.js';

const TRADE_NUMS = [
  'volume',
  'openVolume',
  'entryTime',
  'entryPrice',
  'sl',
  'tp',
  'exitTime',
  'exitPrice',
  'profit',
  'commission',
  'swap',
  'score',
  'probability',
] as const;
const TRADE_INTS = ['symbol', 'side', 'closed', 'agent', 'exitReason'] as const;
const ORDER_NUMS = ['volume', 'price', 'sl', 'tp', 'createdAt', 'updatedAt'] as const;
const ORDER_INTS = ['symbol', 'side', 'type', 'status', 'agent'] as const;

/** Rows of float and int columns, grown together. */
class Table<F extends string, I extends string> {
  length = 0;
  readonly f = {} as Record<F, Float64Array>;
  readonly i = {} as Record<I, Int32Array>;
  private cap = 0;

  constructor(
    private readonly floats: readonly F[],
    private readonly ints: readonly I[],
  ) {
    for (const k of floats) this.f[k] = new Float64Array(0);
    for (const k of ints) this.i[k] = new Int32Array(0);
  }

  /** A new row (its fields unset: the caller writes every one); its index. */
  add(): number {
    if (this.length === this.cap) {
      this.cap = Math.max(64, Math.ceil(this.cap * 1.5));
      for (const k of this.floats) this.f[k] = grown(this.f[k], this.cap);
      for (const k of this.ints) this.i[k] = grown(this.i[k], this.cap);
    }
    return this.length++;
  }
}

const SIDES = ['buy', 'sell'] as const;
const sideId = (s: 'buy' | 'sell'): number => (s === 'sell' ? 1 : 0);

/**
 * The journal's trades as columns, for a backtest's report: one row per trade in the order the trades
 * were opened (open ones included: `closed` is 0). Strings are indices into `strings` (−1 = none);
 * `side` is 0 for buy, 1 for sell. Views of the journal's arrays: read them, do not keep writing.
 */
export interface JournalTradeColumns {
  readonly length: number;
  readonly strings: readonly string[];
  readonly positionId: readonly string[];
  readonly closed: Int32Array;
  readonly symbol: Int32Array;
  readonly side: Int32Array;
  readonly agent: Int32Array;
  readonly exitReason: Int32Array;
  readonly volume: Float64Array;
  readonly entryTime: Float64Array;
  readonly entryPrice: Float64Array;
  readonly exitTime: Float64Array;
  readonly exitPrice: Float64Array;
  readonly profit: Float64Array;
  readonly commission: Float64Array;
}

export class CompactJournal implements Journal {
  private readonly strings = new StringTable();
  private readonly trades = new Table(TRADE_NUMS, TRADE_INTS);
  private readonly tradeIds: string[] = [];
  private readonly tradeClientIds: (string | undefined)[] = [];
  private readonly tradeDetails = new Map<number, Record<string, unknown>>();
  private readonly tradeRow = new Map<string, number>();
  private readonly orders = new Table(ORDER_NUMS, ORDER_INTS);
  private readonly orderIds: string[] = [];
  private readonly orderBrokerIds: (string | undefined)[] = [];
  private readonly orderPositionIds: (string | undefined)[] = [];
  private readonly orderReasons: (string | undefined)[] = [];
  private readonly orderRow = new Map<string, number>();
  private readonly dealIds = new Set<string>();
  private readonly log: TradekitEvent[] = [];
  /** Scratch for folding an exit into a row. */
  private readonly before = { volume: 0, openVolume: 0, exitPrice: undefined as number | undefined, profit: 0, commission: 0, swap: 0 };
  private readonly after: ExitTotals = { openVolume: 0, exitPrice: 0, profit: 0, commission: 0, swap: 0, closed: false };

  // Synchronous on purpose, like the memory journal: no promise per write.
  saveOrder(rec: OrderRecord): void {
    const o = this.orders;
    // An order is usually saved again right after its first save (sent, then filled): its row is the last one.
    const last = o.length - 1;
    let r = last >= 0 && this.orderIds[last] === rec.clientId ? last : this.orderRow.get(rec.clientId);
    if (r === undefined) {
      r = o.add();
      this.orderRow.set(rec.clientId, r);
      this.orderIds[r] = rec.clientId;
      o.f.createdAt[r] = rec.createdAt;
      o.i.agent[r] = this.strings.id(rec.agent);
    } else if (o.i.agent[r]! < 0) o.i.agent[r] = this.strings.id(rec.agent);
    o.i.symbol[r] = this.strings.id(rec.symbol);
    o.i.side[r] = sideId(rec.side);
    o.i.type[r] = this.strings.id(rec.type);
    o.i.status[r] = this.strings.id(rec.status);
    o.f.volume[r] = rec.volume;
    o.f.price[r] = optNum(rec.price);
    o.f.sl[r] = optNum(rec.sl);
    o.f.tp[r] = optNum(rec.tp);
    o.f.updatedAt[r] = rec.updatedAt;
    this.orderBrokerIds[r] = rec.brokerOrderId;
    this.orderPositionIds[r] = rec.positionId;
    this.orderReasons[r] = rec.reason;
  }

  getOrder(clientId: string): OrderRecord | undefined {
    const r = this.orderRow.get(clientId);
    return r === undefined ? undefined : this.orderAt(r);
  }

  listOrders(filter: { status?: OrderStatus[]; symbol?: string; limit?: number } = {}): OrderRecord[] {
    const o = this.orders;
    const statuses = filter.status?.length ? new Set(filter.status.map((s) => this.strings.id(s))) : undefined;
    const symbol = filter.symbol ? this.strings.id(filter.symbol) : -1;
    const rows: number[] = [];
    for (let r = 0; r < o.length; r++) {
      if (statuses && !statuses.has(o.i.status[r]!)) continue;
      if (symbol >= 0 && o.i.symbol[r] !== symbol) continue;
      rows.push(r);
    }
    // Newest first; equal times in the order first saved (a stable sort, as the memory journal).
    rows.sort((a, b) => o.f.createdAt[b]! - o.f.createdAt[a]!);
    return (filter.limit ? rows.slice(0, filter.limit) : rows).map((r) => this.orderAt(r));
  }

  recordFill(order: OrderRecord, trade: OpenTradeRecord): void {
    this.saveOrder(order);
    this.openTrade(trade);
  }

  openTrade(rec: OpenTradeRecord): void {
    if (this.tradeRow.has(rec.positionId)) return;
    const t = this.trades;
    const r = t.add();
    this.tradeRow.set(rec.positionId, r);
    this.tradeIds[r] = rec.positionId;
    this.tradeClientIds[r] = rec.clientId;
    if (rec.details !== undefined) this.tradeDetails.set(r, rec.details);
    const commission = rec.commission ?? 0;
    t.i.symbol[r] = this.strings.id(rec.symbol);
    t.i.side[r] = sideId(rec.side);
    t.i.closed[r] = 0;
    t.i.agent[r] = this.strings.id(rec.agent);
    t.i.exitReason[r] = this.strings.id(rec.exitReason);
    t.f.volume[r] = rec.volume;
    t.f.openVolume[r] = rec.volume;
    t.f.entryTime[r] = rec.entryTime;
    t.f.entryPrice[r] = rec.entryPrice;
    t.f.sl[r] = optNum(rec.sl);
    t.f.tp[r] = optNum(rec.tp);
    t.f.exitTime[r] = optNum(rec.exitTime);
    t.f.exitPrice[r] = optNum(rec.exitPrice);
    t.f.profit[r] = commission;
    t.f.commission[r] = commission;
    t.f.swap[r] = 0;
    t.f.score[r] = optNum(rec.score);
    t.f.probability[r] = optNum(rec.probability);
  }

  recordExit(exit: ClosedTrade): boolean {
    if (exit.dealId) {
      const n = this.dealIds.size;
      this.dealIds.add(exit.dealId);
      if (this.dealIds.size === n) return false;
    }
    const t = this.trades;
    let r = this.rowOfTrade(exit.positionId);
    if (r === undefined) {
      // An exit of a position never journaled as opened (adopted, or its entry was lost).
      this.openTrade({
        positionId: exit.positionId,
        clientId: exit.clientId,
        symbol: exit.symbol,
        side: exit.side,
        volume: exit.volume,
        entryTime: exit.openTime,
        entryPrice: exit.openPrice,
      });
      r = this.tradeRow.get(exit.positionId)!;
    }
    const b = this.before;
    b.volume = t.f.volume[r]!;
    b.openVolume = t.f.openVolume[r]!;
    b.exitPrice = numOpt(t.f.exitPrice[r]!);
    b.profit = t.f.profit[r]!;
    b.commission = t.f.commission[r]!;
    b.swap = t.f.swap[r]!;
    const x = exitTotals(b, exit, this.after);
    t.f.openVolume[r] = x.openVolume;
    t.f.exitPrice[r] = x.exitPrice;
    t.f.exitTime[r] = exit.closeTime;
    t.i.exitReason[r] = this.strings.id(exit.reason);
    t.f.profit[r] = x.profit;
    t.f.commission[r] = x.commission;
    t.f.swap[r] = x.swap;
    t.i.closed[r] = x.closed ? 1 : 0;
    return true;
  }

  getTrade(positionId: string): TradeRecord | undefined {
    const r = this.rowOfTrade(positionId);
    return r === undefined ? undefined : this.tradeAt(r);
  }

  /** The row of a trade: the last one opened when it is that one (a backtest closes the trade it opened last), else looked up. */
  private rowOfTrade(positionId: string): number | undefined {
    const last = this.trades.length - 1;
    return last >= 0 && this.tradeIds[last] === positionId ? last : this.tradeRow.get(positionId);
  }

  listTrades(q: TradeQuery = {}): TradeRecord[] {
    const t = this.trades;
    const closed = q.status === undefined ? -1 : q.status === 'closed' ? 1 : 0;
    const symbol = q.symbol ? this.strings.id(q.symbol) : -1;
    const rows: number[] = [];
    for (let r = 0; r < t.length; r++) {
      if (closed >= 0 && t.i.closed[r] !== closed) continue;
      if (symbol >= 0 && t.i.symbol[r] !== symbol) continue;
      const entry = t.f.entryTime[r]!;
      if ((q.from !== undefined && entry < q.from) || (q.to !== undefined && entry > q.to)) continue;
      rows.push(r);
    }
    const ids = this.tradeIds;
    rows.sort((a, b) => t.f.entryTime[b]! - t.f.entryTime[a]! || (ids[b]! < ids[a]! ? -1 : 1));
    const start = q.offset ?? 0;
    return rows.slice(start, q.limit ? start + q.limit : undefined).map((r) => this.tradeAt(r));
  }

  /** Every trade as columns (see JournalTradeColumns), without a record per trade. */
  tradeColumns(): JournalTradeColumns {
    const t = this.trades;
    const n = t.length;
    return {
      length: n,
      strings: this.strings.list,
      positionId: this.tradeIds,
      closed: t.i.closed.subarray(0, n),
      symbol: t.i.symbol.subarray(0, n),
      side: t.i.side.subarray(0, n),
      agent: t.i.agent.subarray(0, n),
      exitReason: t.i.exitReason.subarray(0, n),
      volume: t.f.volume.subarray(0, n),
      entryTime: t.f.entryTime.subarray(0, n),
      entryPrice: t.f.entryPrice.subarray(0, n),
      exitTime: t.f.exitTime.subarray(0, n),
      exitPrice: t.f.exitPrice.subarray(0, n),
      profit: t.f.profit.subarray(0, n),
      commission: t.f.commission.subarray(0, n),
    };
  }

  appendEvents(events: readonly TradekitEvent[]): void {
    for (const e of events) appendBySeq(this.log, Object.assign({}, e));
  }

  events(sinceSeq: number, limit = 1000): TradekitEvent[] {
    return this.log
      .filter((e) => e.seq > sinceSeq)
      .slice(0, limit)
      .map((e) => Object.assign({}, e));
  }

  lastEventSeq(): number {
    return this.log.length ? this.log[this.log.length - 1]!.seq : 0;
  }

  private orderAt(r: number): OrderRecord {
    const o = this.orders;
    const s = this.strings;
    return {
      clientId: this.orderIds[r]!,
      symbol: s.at(o.i.symbol[r]!)!,
      side: SIDES[o.i.side[r]!]!,
      type: s.at(o.i.type[r]!)!,
      volume: o.f.volume[r]!,
      price: numOpt(o.f.price[r]!),
      sl: numOpt(o.f.sl[r]!),
      tp: numOpt(o.f.tp[r]!),
      status: s.at(o.i.status[r]!) as OrderStatus,
      brokerOrderId: this.orderBrokerIds[r],
      positionId: this.orderPositionIds[r],
      reason: this.orderReasons[r],
      agent: s.at(o.i.agent[r]!),
      createdAt: o.f.createdAt[r]!,
      updatedAt: o.f.updatedAt[r]!,
      intent: undefined,
      result: undefined,
    };
  }

  private tradeAt(r: number): TradeRecord {
    const t = this.trades;
    const s = this.strings;
    return {
      positionId: this.tradeIds[r]!,
      clientId: this.tradeClientIds[r],
      symbol: s.at(t.i.symbol[r]!)!,
      side: SIDES[t.i.side[r]!]!,
      volume: t.f.volume[r]!,
      openVolume: t.f.openVolume[r]!,
      entryTime: t.f.entryTime[r]!,
      entryPrice: t.f.entryPrice[r]!,
      sl: numOpt(t.f.sl[r]!),
      tp: numOpt(t.f.tp[r]!),
      exitTime: numOpt(t.f.exitTime[r]!),
      exitPrice: numOpt(t.f.exitPrice[r]!),
      exitReason: s.at(t.i.exitReason[r]!),
      profit: t.f.profit[r]!,
      commission: t.f.commission[r]!,
      swap: t.f.swap[r]!,
      status: t.i.closed[r] ? 'closed' : 'open',
      agent: s.at(t.i.agent[r]!),
      score: numOpt(t.f.score[r]!),
      probability: numOpt(t.f.probability[r]!),
      details: this.tradeDetails.get(r),
    };
  }
}
