/**
 * Domain types shared by every package. Prices and volumes are numbers in instrument units; times are
 * epoch milliseconds UTC (broker server time is converted at the adapter edge).
 */
import type { ErrorCode, TradekitError } from './errors.js';

export type MaybePromise<T> = T | Promise<T>;

export type Side = 'buy' | 'sell';

export const TIMEFRAMES = ['M1', 'M5', 'M15', 'M30', 'H1', 'H4', 'D1', 'W1'] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];

/** Columnar bars, oldest first. `time` is the bar's open time (ms UTC). Arrays may be views (subarray). */
export interface BarSeries {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  readonly length: number;
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  /**
   * The spread recorded with each bar, in points (MT5's `spread` rate field), when the source has
   * one. Brokers that simulate fills use it as the bar's cost; absent, they use the symbol's spread.
   */
  readonly spread?: Float64Array;
  /**
   * From sources that keep the history in columns (CSV, the backtest path): how many bars of this
   * symbol and timeframe exist up to and including this series' last one — its absolute position in
   * the history. It grows by one with each newly closed bar, so an agent can key incremental state by
   * it and learn "nothing new" without reading a column. Absent when the source cannot tell.
   */
  readonly end?: number;
}

export interface Bar {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/**
 * A bar that has just closed, as the engine hands it to the `bar` hook and `Agent.onBar`. Valid during
 * the call only, like the cycle's context: the engine writes the same object again for the next bar of
 * that symbol and timeframe (a backtest hands over a million bars without a million objects), so keep
 * its values, not the object. Shared by every tap that follows the feed: do not change it.
 */
export interface ClosedBar {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  /** Its position in the source's history (0 = oldest), when the source tells (`BarSeries.end`). */
  readonly index: number | undefined;
  /** Open time, epoch ms UTC (the bar closed at `time` + the timeframe's length). */
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  /** The spread recorded with the bar, in points, when the source has one. */
  readonly spread: number | undefined;
}

/** Closed bars an agent follows one at a time (`Agent.barFeeds`). */
export interface BarFeed {
  readonly timeframe: Timeframe;
  /**
   * How many closed bars the first cycle hands over (oldest first) before the newest: the history an
   * incremental state starts from (an SMA of 30 needs 30). Default 1: only the newest.
   */
  readonly history?: number;
}

export interface Tick {
  symbol: string;
  time: number;
  bid: number;
  ask: number;
  /** True when the market is closed at this instant (no bar in progress: weekend, session break). */
  closed?: boolean;
}

export type AssetClass = 'forex' | 'metal' | 'index' | 'crypto' | 'commodity' | 'stock' | 'other';
export type FillingMode = 'FOK' | 'IOC' | 'RETURN';
export type TradeMode = 'full' | 'longonly' | 'shortonly' | 'closeonly' | 'disabled';

export interface SymbolInfo {
  symbol: string;
  description?: string;
  assetClass: AssetClass;
  digits: number;
  /** Smallest price increment as quoted (MT5 `point`). */
  point: number;
  tickSize: number;
  /** Value of one tick for one lot, in the account currency (when known; brokers give it). */
  tickValue?: number;
  contractSize: number;
  volumeMin: number;
  volumeMax: number;
  volumeStep: number;
  /** Minimum SL/TP distance from the market, in points. */
  stopsLevel: number;
  /** Distance from the market inside which orders/positions cannot be modified, in points. */
  freezeLevel: number;
  /** Current or typical spread in points. */
  spread: number;
  fillingModes: FillingMode[];
  tradeMode: TradeMode;
  baseCurrency: string;
  profitCurrency: string;
  marginCurrency: string;
}

export interface BarRange {
  from: number;
  to: number;
}

/** Query for bars: the last `count` closed bars, or closed bars with open time in [from, to]. */
export type BarQuery = number | BarRange;

export type OrderType = 'market' | 'limit' | 'stop';

/** What a strategy wants to do; the engine derives a ClientOrderId from it so a retry is idempotent. */
export interface OrderIntent {
  clientId: string;
  symbol: string;
  side: Side;
  type: OrderType;
  volume: number;
  /** Limit/stop price; for market orders the expected price (used for slippage checks and sizing). */
  price?: number;
  sl?: number;
  tp?: number;
  /** Pending orders: epoch ms after which the order expires. */
  expiresAt?: number;
  /** Broker tag identifying our orders (MT5 magic number). */
  magic?: number;
  comment?: string;
  /** The agent plugin and candidate this order came from. */
  source?: { agent: string; score?: number; probability?: number; details?: Record<string, unknown> };
}

export interface FilledResult {
  status: 'filled';
  clientId: string;
  orderId: string;
  positionId: string;
  symbol: string;
  side: Side;
  /** Executed volume: may be less than requested (partial fill). */
  volume: number;
  requestedVolume: number;
  price: number;
  time: number;
  commission: number;
}

export interface PlacedResult {
  status: 'placed';
  clientId: string;
  orderId: string;
  symbol: string;
  side: Side;
  type: OrderType;
  volume: number;
  price: number;
  time: number;
}

export interface RejectedResult {
  status: 'rejected';
  clientId: string;
  symbol: string;
  code: string;
  reason: string;
  retryable: boolean;
  retryAfterMs?: number;
  /** The broker's own class of the refusal (an MT5 retcode's), when it knows one: `fatal` = retrying or waiting will not help. */
  errorClass?: 'retryable' | 'nonRetryable' | 'fatal';
}

/** "Maybe sent": the engine reconciles; it never blindly resends. */
export interface UnknownResult {
  status: 'unknown';
  clientId: string;
  symbol: string;
  reason: string;
}

export type OrderResult = FilledResult | PlacedResult | RejectedResult | UnknownResult;

export interface Position {
  id: string;
  clientId?: string;
  symbol: string;
  side: Side;
  volume: number;
  openPrice: number;
  openTime: number;
  sl?: number;
  tp?: number;
  /** Current close price for this side (bid for buys, ask for sells). */
  currentPrice: number;
  /** Floating profit in account currency (excl. commission). */
  profit: number;
  commission: number;
  swap: number;
  magic?: number;
  comment?: string;
}

export interface PendingOrder {
  id: string;
  clientId?: string;
  symbol: string;
  side: Side;
  /** `market`: a market order waiting for the market to open (simulated brokers). */
  type: OrderType;
  volume: number;
  price: number;
  sl?: number;
  tp?: number;
  placedAt: number;
  expiresAt?: number;
  magic?: number;
  comment?: string;
}

export interface Account {
  currency: string;
  balance: number;
  equity: number;
  /** Floating profit of open positions. */
  profit: number;
  margin: number;
  freeMargin: number;
  /** equity / margin × 100; 0 with no margin used (as MT5 reports it). */
  marginLevel: number;
  leverage: number;
}

export type DealEntry = 'in' | 'out';
export type DealReason = 'client' | 'agent' | 'sl' | 'tp' | 'stopout' | 'expired' | 'manual';

/** One execution (MT5 deal): opening (`in`) or closing (`out`, full or partial). */
export interface Deal {
  id: string;
  orderId: string;
  positionId: string;
  clientId?: string;
  symbol: string;
  side: Side;
  entry: DealEntry;
  volume: number;
  price: number;
  time: number;
  /** Realized profit (out deals), excluding commission and swap. */
  profit: number;
  commission: number;
  swap: number;
  reason: DealReason;
  magic?: number;
  comment?: string;
}

/** A position (or part of it) that closed: entry and exit together. */
export interface ClosedTrade {
  positionId: string;
  /** The closing deal (deduplicates exits seen twice). */
  dealId?: string;
  clientId?: string;
  symbol: string;
  side: Side;
  volume: number;
  /** True when volume remains open after this exit. */
  partial: boolean;
  openPrice: number;
  openTime: number;
  closePrice: number;
  closeTime: number;
  /** A DealReason (`sl`, `tp`, `stopout`, `client`…) or the manage action's reason. */
  reason: string;
  /**
   * Net of this exit's commission and swap. The entry commission was charged when the position opened;
   * the journal's trade record (`TradeRecord.profit`) includes it.
   */
  profit: number;
  commission: number;
  swap: number;
}

export interface PositionFilter {
  symbol?: string;
  magic?: number;
}

/** A management decision for an open position (or pending order). */
export type Action =
  | { type: 'close'; positionId: string; volume?: number; reason: string }
  | { type: 'modify'; positionId: string; sl?: number; tp?: number; reason: string }
  | { type: 'cancel'; orderId: string; reason: string };

export type TradingState = 'ACTIVE' | 'HALTED' | 'REDUCING';
export type RunMode = 'live' | 'paper' | 'backtest';

/** A trade idea from an agent. Distances are in price units. */
export interface Candidate {
  symbol: string;
  side: Side;
  /** Confluence score (higher is better); used with `probability` for ranking. */
  score: number;
  /** Model probability the trade works, 0..1 (0.5 = neutral). */
  probability: number;
  entry: 'market' | 'limit';
  /** Limit entries: the limit price. */
  limitPrice?: number;
  /** Limit entries: expire after this many ms. */
  expiresInMs?: number;
  slDistance?: number;
  tpDistance?: number;
  /** Sizing multiplier for risk policies (1 = normal). */
  scaling?: number;
  /** Fixed volume wish; risk policies may override. */
  volume?: number;
  /** Set by the engine: the agent plugin that proposed it. */
  agent?: string;
  reason?: string;
  details?: Record<string, unknown>;
}

export interface Skip {
  skip: string;
}

export type ScanResult = Candidate | Skip | null | undefined | void;

export function isSkip(r: unknown): r is Skip {
  return typeof r === 'object' && r !== null && typeof (r as Skip).skip === 'string';
}

export interface Veto {
  veto: string;
}

export function isVeto(r: unknown): r is Veto {
  return typeof r === 'object' && r !== null && typeof (r as Veto).veto === 'string';
}

export type RiskVerdict = { ok: true } | { ok: false; reason: string };

/** Per-symbol outcome of one scan. */
export interface SymbolScan {
  readonly symbol: string;
  /** Dashboard status string: "CANDIDATE (BUY)", "Low Score (…)", "Error: …". */
  status: string;
  candidates: Candidate[];
  errors: TradekitError[];
  /** Record a candidate (agents usually return it instead). */
  propose(candidate: Candidate): void;
  /** Record why the symbol is skipped. The first reason wins. */
  skip(reason: string): void;
}

export interface ExecutionRecord {
  candidate: Candidate;
  intent?: OrderIntent;
  result?: OrderResult;
  veto?: string;
  /** Why the engine itself refused the order when that is a coded condition (the trading state: TK_ERR_TRADING_HALTED / TK_ERR_TRADING_REDUCING). */
  vetoCode?: ErrorCode;
}

export interface CycleSummary {
  seq: number;
  startedAt: number;
  endedAt: number;
  state: TradingState;
  /** Set when a gate skipped the whole cycle. */
  gated?: string;
  symbols: Record<string, string>;
  scanned: number;
  candidates: number;
  executions: ExecutionRecord[];
  actions: number;
  account?: Account;
  positions: number;
  errors: number;
  /** Wall time the cycle took (engine work, not the clock). */
  durationMs: number;
}
