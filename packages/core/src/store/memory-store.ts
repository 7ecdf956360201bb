/** An in-process StateStore for backtests and tests: same contract as the SQLite store, no I/O. */
import type {
  Journal,
  LeaseOptions,
  LeaseState,
  OpenTradeRecord,
  OrderRecord,
  OrderStatus,
  RunLease,
  RunRecord,
  StateStore,
  TradeQuery,
  TradeRecord,
} from '../interfaces.js';
import type { ClosedTrade } from '../types.js';
import type { TradekitEvent } from '../events/types.js';
import { applyExit, tradeFromExit } from './trade-math.js';
import { extend } from '../util/maybe.js';
import { LeaseBase } from './lease-base.js';
import { CompactJournal } from './compact-journal.js';
import { appendBySeq } from './event-log.js';

/**
 * Records are copied shallowly on the way in and out (callers cannot change what is stored by
 * mutating their object); nested `intent`/`details` objects are shared — cheap enough for a
 * backtest's thousands of trades.
 */
const clone = <T>(v: T): T =>
  v === undefined || v === null || typeof v !== 'object' ? v : Array.isArray(v) ? (v.map((x) => clone(x)) as T) : (Object.assign({}, v) as T);

export class MemoryStateStore implements StateStore {
  readonly url: string;
  readonly journal: Journal;
  private readonly kv = new Map<string, { value: string; updatedAt: number }>();

  /**
   * `compact` (backtests): the journal is kept as columns (see CompactJournal), without the orders'
   * intent and broker result payloads, which nobody reads after a backtest.
   */
  constructor(
    private readonly now: () => number = () => 0,
    opts: { compact?: boolean } = {},
  ) {
    this.url = opts.compact ? 'memory:compact' : 'memory:';
    this.journal = opts.compact ? new CompactJournal() : new MemoryJournal();
  }

  private leaseState?: LeaseState;

  /** Nothing outside this process can open a memory store: the lease is this process's, with the same API. */
  lease(o: LeaseOptions): RunLease {
    return new MemoryRunLease(this, o);
  }

  /** @internal the lease row of this store. */
  leaseRow(next?: LeaseState): LeaseState | undefined {
    if (next) this.leaseState = next;
    return this.leaseState;
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const e = this.kv.get(key);
    return e ? (JSON.parse(e.value) as T) : undefined;
  }
  peek<T = unknown>(key: string): T | undefined {
    const e = this.kv.get(key);
    return e ? (JSON.parse(e.value) as T) : undefined;
  }
  async set<T = unknown>(key: string, value: T): Promise<void> {
    this.kv.set(key, { value: JSON.stringify(value ?? null), updatedAt: this.now() });
  }
  async delete(key: string): Promise<boolean> {
    return this.kv.delete(key);
  }
  async all(prefix = ''): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of this.kv) if (k.startsWith(prefix)) out[k] = JSON.parse(v.value);
    return out;
  }
  async updatedAt(key: string): Promise<number | undefined> {
    return this.kv.get(key)?.updatedAt;
  }
  private readonly runs = new Map<string, RunRecord>();
  async registerRun(r: RunRecord): Promise<void> {
    this.runs.set(r.id, { ...r });
  }
  async finishRun(id: string, status: string, summary?: unknown): Promise<void> {
    const r = this.runs.get(id);
    if (r) this.runs.set(id, { ...r, status, summary: clone(summary), endedAt: this.now() });
  }
  async listRuns(): Promise<RunRecord[]> {
    return [...this.runs.values()].sort((a, b) => b.startedAt - a.startedAt).map((r) => clone(r));
  }
  async close(): Promise<void> {}
}

class MemoryJournal implements Journal {
  private readonly orders = new Map<string, OrderRecord>();
  private readonly trades = new Map<string, TradeRecord>();
  private readonly dealIds = new Set<string>();
  private readonly log: TradekitEvent[] = [];

  // Synchronous on purpose: a backtest journals thousands of trades without a promise each.
  saveOrder(rec: OrderRecord): void {
    const prev = this.orders.get(rec.clientId);
    const next: OrderRecord = Object.assign({}, rec, {
      createdAt: prev?.createdAt ?? rec.createdAt,
      agent: prev?.agent ?? rec.agent,
      intent: prev?.intent ?? rec.intent,
      result: rec.result,
    });
    this.orders.set(rec.clientId, next);
  }
  getOrder(clientId: string): OrderRecord | undefined {
    return clone(this.orders.get(clientId));
  }
  listOrders(f: { status?: OrderStatus[]; symbol?: string; limit?: number } = {}): OrderRecord[] {
    const out = [...this.orders.values()]
      .filter((o) => (!f.status?.length || f.status.includes(o.status)) && (!f.symbol || o.symbol === f.symbol))
      .sort((a, b) => b.createdAt - a.createdAt);
    return clone(f.limit ? out.slice(0, f.limit) : out);
  }
  recordFill(order: OrderRecord, trade: OpenTradeRecord): void {
    this.saveOrder(order);
    this.openTrade(trade);
  }
  openTrade(rec: OpenTradeRecord): void {
    if (this.trades.has(rec.positionId)) return;
    const commission = rec.commission ?? 0;
    this.trades.set(rec.positionId, extend(rec, { openVolume: rec.volume, profit: commission, commission, swap: 0, status: 'open' }));
  }
  recordExit(exit: ClosedTrade): boolean {
    if (exit.dealId) {
      if (this.dealIds.has(exit.dealId)) return false;
      this.dealIds.add(exit.dealId);
    }
    this.trades.set(exit.positionId, applyExit(this.trades.get(exit.positionId) ?? tradeFromExit(exit), exit));
    return true;
  }
  getTrade(positionId: string): TradeRecord | undefined {
    return clone(this.trades.get(positionId));
  }
  listTrades(q: TradeQuery = {}): TradeRecord[] {
    const out = [...this.trades.values()]
      .filter(
        (t) =>
          (!q.status || t.status === q.status) &&
          (!q.symbol || t.symbol === q.symbol) &&
          (q.from === undefined || t.entryTime >= q.from) &&
          (q.to === undefined || t.entryTime <= q.to),
      )
      .sort((a, b) => b.entryTime - a.entryTime || (b.positionId < a.positionId ? -1 : 1));
    const start = q.offset ?? 0;
    return clone(out.slice(start, q.limit ? start + q.limit : undefined));
  }
  appendEvents(events: readonly TradekitEvent[]): void {
    for (const e of events) appendBySeq(this.log, clone(e));
  }
  events(sinceSeq: number, limit = 1000): TradekitEvent[] {
    return clone(this.log.filter((e) => e.seq > sinceSeq).slice(0, limit));
  }
  lastEventSeq(): number {
    return this.log.length ? this.log[this.log.length - 1]!.seq : 0;
  }
}

class MemoryRunLease extends LeaseBase {
  constructor(
    private readonly store: MemoryStateStore,
    o: LeaseOptions,
  ) {
    super('memory', o);
  }
  /** No other process can reach a memory store: held from acquire to release, renewed or not (a long backtest never renews). */
  override get held(): boolean {
    return this.token > 0 && !this.fenceError && this.store.leaseRow()?.expiresAt !== 0;
  }
  async read(): Promise<LeaseState | undefined> {
    const s = this.store.leaseRow();
    return s && { ...s };
  }
  async acquire(): Promise<{ state: LeaseState; previous?: LeaseState }> {
    const now = this.clock.now();
    const previous = this.store.leaseRow();
    if (previous && previous.expiresAt > now && previous.holder !== this.holder.id) throw this.locked(previous);
    const state: LeaseState = {
      run: this.run,
      holder: this.holder.id,
      host: this.holder.host,
      pid: this.holder.pid,
      token: (previous?.token ?? 0) + 1,
      acquiredAt: now,
      renewedAt: now,
      expiresAt: now + this.ttlMs,
      seqHwm: previous?.seqHwm ?? 0,
    };
    this.store.leaseRow(state);
    this.token = state.token;
    this.renewedAt(now);
    return { state: { ...state }, previous };
  }
  async renew(opts: { seqHwm?: number } = {}): Promise<void> {
    if (this.fenceError) throw this.fenceError;
    const cur = this.store.leaseRow();
    if (!cur || cur.token !== this.token) throw this.fenced(cur);
    const now = this.clock.now();
    this.store.leaseRow({ ...cur, renewedAt: now, expiresAt: now + this.ttlMs, seqHwm: Math.max(cur.seqHwm, opts.seqHwm ?? 0) });
    this.renewedAt(now);
  }
  async release(opts: { seqHwm?: number } = {}): Promise<void> {
    const cur = this.store.leaseRow();
    if (cur && cur.token === this.token) this.store.leaseRow({ ...cur, expiresAt: 0, seqHwm: opts.seqHwm ?? cur.seqHwm });
    this.dropped();
  }
}
