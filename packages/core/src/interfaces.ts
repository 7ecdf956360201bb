/**
 * The DI interfaces every plugin implements or consumes. Each has an InjectionToken in tokens.ts.
 * Methods may answer synchronously (paper broker, CSV data) or with a promise (MT5 over a bridge):
 * the engine runs without a promise per step when every answer is synchronous.
 */
import type {
  Account,
  Action,
  BarQuery,
  BarSeries,
  BarFeed,
  Candidate,
  ClosedBar,
  ClosedTrade,
  Deal,
  MaybePromise,
  OrderIntent,
  OrderResult,
  PendingOrder,
  Position,
  PositionFilter,
  RiskVerdict,
  RunMode,
  ScanResult,
  SymbolInfo,
  SymbolScan,
  Tick,
  Timeframe,
  TradingState,
} from './types.js';
import type { TradekitEvent } from './events/types.js';

export interface Clock {
  readonly kind: 'live' | 'sim';
  /** Epoch ms UTC. The only source of time for engine and plugin code. */
  now(): number;
  /** Live: waits `ms`. Sim: advances simulated time by `ms` and resolves without a timer. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface DataSource {
  readonly name: string;
  listSymbols(signal?: AbortSignal): MaybePromise<string[]>;
  symbolInfo(symbol: string, signal?: AbortSignal): MaybePromise<SymbolInfo>;
  /**
   * Closed bars only, oldest first: never a bar whose close time is after `clock.now()`.
   * `query` is a count (the last N closed bars) or an open-time range.
   */
  bars(symbol: string, timeframe: Timeframe, query: BarQuery, signal?: AbortSignal): MaybePromise<BarSeries>;
  /** Latest quote at `clock.now()`. */
  tick(symbol: string, signal?: AbortSignal): MaybePromise<Tick>;
  /**
   * Synchronous sources: the figures `tick` would return, written into `out` (every field, `closed`
   * as true or false) instead of a new object. For simulation components that copy what they keep
   * (the paper broker reads a quote per bar); anything else calls `tick`.
   */
  quoteInto?(symbol: string, out: Tick): void;
  /** Timeframes this source can serve for a symbol (finest first). */
  timeframes?(symbol: string): readonly Timeframe[];
  /** Historical sources: the time span of a symbol's bars (replays and backtests start from it). */
  coverage?(symbol: string, timeframe?: Timeframe): Coverage;
  /**
   * A wrapper (a cache) that always has a `coverage` method but can answer it only when what it wraps
   * can says so here: `false` means "no coverage" whatever `coverage` is. Sources that are not
   * wrappers leave it out.
   */
  readonly hasCoverage?: boolean;
  /**
   * Historical sources: every bar of a symbol and timeframe, including bars after `now`. For trusted
   * simulation components (the paper broker's trigger scan), never for agents: it can see the future.
   */
  columns?(symbol: string, timeframe: Timeframe): BarSeries;
  close?(): MaybePromise<void>;
}

export interface Coverage {
  /** Open time of the first bar. */
  from: number;
  /** Close time of the last bar. */
  to: number;
  count: number;
  /** Open time of bar `index` (0 = oldest). */
  timeAt(index: number): number;
}

export type ActionResult =
  | { status: 'done'; deal?: Deal }
  /** Accepted while the market is closed; executes at the next open (simulated brokers). */
  | { status: 'queued'; reason: string }
  | { status: 'rejected'; code: string; reason: string; retryable: boolean }
  | { status: 'unknown'; reason: string };

/** What the broker knows about a client order id: used to reconcile "maybe sent" orders. */
export interface ClientIdLookup {
  positions: Position[];
  orders: PendingOrder[];
  deals: Deal[];
}

/**
 * The run's fencing token: the lease generation a writer holds. A newer holder always has a larger
 * token; a broker or store that has seen a token refuses writes carrying a smaller one for that run.
 */
export interface FencingToken {
  readonly run: string;
  readonly token: number;
}

export interface Broker {
  readonly name: string;
  /**
   * Brokers that can enforce one writer per run remotely (the MT5 bridge): every later write carries
   * this token, and the far side refuses a write whose token is smaller than the largest it has seen
   * for the run (`TK_ERR_RUN_FENCED`). Called after the run lease is acquired, before recovery.
   */
  fence?(token: FencingToken): MaybePromise<void>;
  account(signal?: AbortSignal): MaybePromise<Account>;
  positions(filter?: PositionFilter, signal?: AbortSignal): MaybePromise<Position[]>;
  orders(filter?: PositionFilter, signal?: AbortSignal): MaybePromise<PendingOrder[]>;
  /** Deals with time in [from, to]. */
  history(range: { from: number; to: number }, signal?: AbortSignal): MaybePromise<Deal[]>;
  /** Idempotent by `intent.clientId`: placing the same id twice returns the first result. */
  place(intent: OrderIntent, signal?: AbortSignal): MaybePromise<OrderResult>;
  modify(positionId: string, stops: { sl?: number; tp?: number }, signal?: AbortSignal): MaybePromise<ActionResult>;
  /** Full close, or partial when `volume` is less than the position's volume. */
  close(positionId: string, volume?: number, signal?: AbortSignal): MaybePromise<ActionResult>;
  cancel(orderId: string, signal?: AbortSignal): MaybePromise<ActionResult>;
  /** Everything carrying this client id: positions, pending orders, deals. */
  lookup(clientId: string, signal?: AbortSignal): MaybePromise<ClientIdLookup>;
  /**
   * Simulated brokers: close at the last known price even when the market is closed (the end of a
   * backtest, where there is no next open to wait for).
   */
  closeAtLast?(positionId: string, reason?: string): MaybePromise<ActionResult>;
  /** Push notification of new deals (fills, SL/TP, closes). Brokers without it are polled via `history`. */
  subscribeDeals?(listener: (deal: Deal) => void): () => void;
  shutdown?(): MaybePromise<void>;
}

export interface Logger {
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export interface RunInfo {
  readonly id: string;
  readonly name: string;
  readonly mode: RunMode;
  /** Broker tag for this run's orders (MT5 magic number). */
  readonly magic: number;
}

/** What every hook receives for the cycle in progress. */
export interface CycleContext {
  readonly seq: number;
  readonly startedAt: number;
  readonly run: RunInfo;
  readonly clock: Clock;
  readonly data: DataSource;
  readonly broker: Broker;
  readonly state: StateStore;
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly symbols: readonly string[];
  readonly tradingState: TradingState;
  /** Snapshot at cycle start (this run's positions only). */
  account?: Account;
  positions: Position[];
  orders: PendingOrder[];
  /** Management actions collected by the `manage` hook. */
  readonly actions: Action[];
  readonly scans: Map<string, SymbolScan>;
  /** Scratch space shared by plugins within one cycle. */
  readonly bag: Map<string, unknown>;
}

export interface ScanContext {
  readonly cycle: CycleContext;
  readonly symbol: string;
  readonly scan: SymbolScan;
}

export interface Agent {
  /** Display name (defaults to the plugin name). */
  readonly name?: string;
  /** Symbols this agent scans; all run symbols when absent. */
  readonly symbols?: readonly string[];
  scan(ctx: ScanContext): MaybePromise<ScanResult>;
  manage?(ctx: CycleContext, position: Position): MaybePromise<Action[] | void>;
  onFill?(fill: OrderResult, ctx: CycleContext): MaybePromise<void>;
  onClose?(trade: ClosedTrade): MaybePromise<void>;
  /**
   * Timeframes whose closed bars this agent receives one at a time through `onBar`, for each of its
   * symbols: the way to keep indicator state up to date per bar instead of re-reading a window.
   */
  readonly barFeeds?: readonly BarFeed[];
  /**
   * Each newly closed bar of the `barFeeds`, oldest first, at the start of the cycle in which it closed
   * (before `manage` and `scan`, in every mode): all of them when several closed since the last
   * cycle, the feed's `history` before the newest at the first cycle of a run (also after a restart).
   */
  onBar?(bar: ClosedBar, ctx: CycleContext): MaybePromise<void>;
}

export interface RiskPolicy {
  readonly name?: string;
  preScan?(ctx: CycleContext, symbol: string): MaybePromise<RiskVerdict>;
  preTrade?(ctx: CycleContext, candidate: Candidate, intent: OrderIntent): MaybePromise<RiskVerdict>;
  /** Volume for this candidate; several policies → the smallest wins; 0 skips the trade. */
  size?(ctx: CycleContext, candidate: Candidate, intent: OrderIntent): MaybePromise<number | undefined>;
  manage?(ctx: CycleContext, position: Position): MaybePromise<Action[] | void>;
}

export interface Sink {
  readonly name?: string;
  /** Must not block: buffer and drop oldest with a counter when the consumer is slow. */
  publish(event: TradekitEvent): void;
  close?(): MaybePromise<void>;
}

export interface KeyValueStore {
  get<T = unknown>(key: string): Promise<T | undefined>;
  /**
   * Optional: the value now, synchronously, from a store that answers without I/O (the in-process
   * memory store of backtests). A caller polling a key every cycle uses it when present and falls
   * back to `get` (a cycle then stays synchronous in a backtest).
   */
  peek?<T = unknown>(key: string): T | undefined;
  set<T = unknown>(key: string, value: T): Promise<void>;
  delete(key: string): Promise<boolean>;
  all(prefix?: string): Promise<Record<string, unknown>>;
  /** Epoch ms of the last write, or undefined when the key does not exist. */
  updatedAt(key: string): Promise<number | undefined>;
}

export type OrderStatus = 'pending' | 'placed' | 'filled' | 'rejected' | 'unknown' | 'cancelled' | 'expired' | 'failed';

export interface OrderRecord {
  clientId: string;
  symbol: string;
  side: 'buy' | 'sell';
  type: string;
  volume: number;
  price?: number;
  sl?: number;
  tp?: number;
  status: OrderStatus;
  brokerOrderId?: string;
  positionId?: string;
  reason?: string;
  agent?: string;
  createdAt: number;
  updatedAt: number;
  intent?: OrderIntent;
  result?: OrderResult;
}

export interface TradeRecord {
  positionId: string;
  clientId?: string;
  symbol: string;
  side: 'buy' | 'sell';
  volume: number;
  /** Volume still open. */
  openVolume: number;
  entryTime: number;
  entryPrice: number;
  sl?: number;
  tp?: number;
  exitTime?: number;
  /** Volume-weighted exit price over all exits. */
  exitPrice?: number;
  exitReason?: string;
  profit: number;
  commission: number;
  swap: number;
  status: 'open' | 'closed';
  agent?: string;
  score?: number;
  probability?: number;
  details?: Record<string, unknown>;
}

export interface TradeQuery {
  status?: 'open' | 'closed';
  symbol?: string;
  from?: number;
  to?: number;
  limit?: number;
  offset?: number;
}

/**
 * The trade journal. Methods may answer synchronously (the in-memory journal of a backtest) or with
 * a promise (SQLite, PostgreSQL): `await` works for both.
 */
export interface Journal {
  /** Insert or update by client id. */
  saveOrder(rec: OrderRecord): MaybePromise<void>;
  getOrder(clientId: string): MaybePromise<OrderRecord | undefined>;
  listOrders(filter?: { status?: OrderStatus[]; symbol?: string; limit?: number }): MaybePromise<OrderRecord[]>;
  openTrade(rec: OpenTradeRecord): MaybePromise<void>;
  /**
   * Records an exit (partial or full). Closes the trade when no volume remains. Idempotent by
   * `exit.dealId`: returns false (and changes nothing) when that deal was recorded before.
   */
  recordExit(exit: ClosedTrade): MaybePromise<boolean>;
  getTrade(positionId: string): MaybePromise<TradeRecord | undefined>;
  listTrades(query?: TradeQuery): MaybePromise<TradeRecord[]>;
  appendEvents(events: readonly TradekitEvent[]): MaybePromise<void>;
  events(sinceSeq: number, limit?: number): MaybePromise<TradekitEvent[]>;
  /** The largest persisted event sequence number (0 when none). */
  lastEventSeq(): MaybePromise<number>;
  /**
   * An entry fill as one atomic write: the order's new status and its trade row (an order is never
   * journaled `filled` without its trade).
   */
  recordFill(order: OrderRecord, trade: OpenTradeRecord): MaybePromise<void>;
}

/** What `Journal.openTrade` takes: a trade as it opens. */
export type OpenTradeRecord = Omit<TradeRecord, 'openVolume' | 'profit' | 'commission' | 'swap' | 'status'> & { commission?: number };

export interface RunRecord {
  id: string;
  name: string;
  mode: string;
  configFile?: string;
  startedAt: number;
  endedAt?: number;
  /** `running`, or how it ended: `maxCycles`, `endOfData`, `stopped`, `error`, `crashed` (its process died: lease expired). */
  status: string;
  summary?: unknown;
}

/** Who holds (or asks for) a run lease: one process. */
export interface LeaseHolder {
  /** Unique per process and start (`host:pid:random`). */
  readonly id: string;
  readonly host: string;
  readonly pid: number;
}

/** A run lease as stored. Times are wall-clock epoch ms. */
export interface LeaseState {
  run: string;
  holder: string;
  host?: string;
  pid?: number;
  /** Fencing token: grows by one at every acquisition. */
  token: number;
  acquiredAt: number;
  renewedAt: number;
  /** 0 once released. */
  expiresAt: number;
  /** Event sequence numbers up to this one may have been published (see EventBus). */
  seqHwm: number;
}

export interface LeaseOptions {
  holder: LeaseHolder;
  /** How long a lease stays valid without renewal (wall clock). */
  ttlMs: number;
  /** Wall clock (leases are about real processes, never simulated time). */
  clock: Clock;
}

/**
 * One writer per run: a lease in the run's state store with a monotonically increasing fencing
 * token. A second process asking for a held lease gets TK_ERR_RUN_LOCKED (naming the holder); a
 * holder that died is taken over only once its lease expired. Once acquired, every write of the
 * store carries the token, and a holder whose lease was taken over is refused (TK_ERR_RUN_FENCED).
 */
export interface RunLease {
  readonly run: string;
  /** The fencing token held (0 before `acquire`). */
  readonly token: number;
  /** The lease as it was when acquired (`previous`: the state found, when it was taken over). */
  acquire(): Promise<{ state: LeaseState; previous?: LeaseState }>;
  /** Extends the lease; `seqHwm` raises the durable event-sequence reservation. */
  renew(opts?: { seqHwm?: number }): Promise<void>;
  /** Gives the lease up (expires now), recording the final event sequence number. */
  release(opts?: { seqHwm?: number }): Promise<void>;
  /** Held by this process as far as it can tell: acquired, not fenced, last renewal within the TTL (minus a margin). */
  readonly held: boolean;
  read(): Promise<LeaseState | undefined>;
}

export interface StateStore extends KeyValueStore {
  readonly url: string;
  readonly journal: Journal;
  /** The lease of this store's run; once acquired, every write of the store is fenced by it. */
  lease(opts: LeaseOptions): RunLease;
  registerRun(r: RunRecord): Promise<void>;
  finishRun(id: string, status: string, summary?: unknown): Promise<void>;
  listRuns(): Promise<RunRecord[]>;
  close(): Promise<void>;
}
