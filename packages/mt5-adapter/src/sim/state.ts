/** The simulated trade server's records. Times are UTC ms; the API layer converts to server time. */
import type { TickFeed } from './feed.js';
import type { Rng } from './rng.js';
import type { SymbolSpec } from './catalog.js';
import type { RatesBook, TickSeries } from './series.js';

export interface SimPosition {
  ticket: bigint;
  identifier: bigint;
  symbol: string;
  type: 0 | 1;
  magic: number;
  reason: number;
  volume: number;
  priceOpen: number;
  sl: number;
  tp: number;
  priceCurrent: number;
  swap: number;
  profit: number;
  comment: string;
  timeMs: number;
  timeUpdateMs: number;
  /** An asynchronous close order for this position is in progress (→ 10039 on a second close). */
  closing?: bigint;
}

export interface SimOrder {
  ticket: bigint;
  symbol: string;
  type: number;
  typeTime: number;
  typeFilling: number;
  state: number;
  magic: number;
  positionId: bigint;
  positionById: bigint;
  reason: number;
  volumeInitial: number;
  volumeCurrent: number;
  priceOpen: number;
  sl: number;
  tp: number;
  priceStoplimit: number;
  comment: string;
  timeSetupMs: number;
  timeDoneMs: number;
  /** UTC ms; 0 = none. */
  expirationMs: number;
  /** History records become visible at this time (history lag). */
  visibleAt: number;
  /** Market orders accepted asynchronously (10008): fill due at this time. */
  dueAt?: number;
  /** The position an asynchronous market order closes. */
  closes?: bigint;
  /** The position the order's earlier fills opened (later partial fills join it). */
  fillsInto?: bigint;
}

export interface SimDeal {
  ticket: bigint;
  order: bigint;
  timeMs: number;
  type: number;
  entry: number;
  magic: number;
  positionId: bigint;
  reason: number;
  volume: number;
  price: number;
  commission: number;
  swap: number;
  profit: number;
  fee: number;
  symbol: string;
  comment: string;
  visibleAt: number;
}

export interface SymState {
  /** Broker name (canonical + suffix). */
  name: string;
  spec: SymbolSpec;
  feed: TickFeed;
  rng: Rng;
  ticks: TickSeries;
  rates: RatesBook;
  selected: boolean;
  /** Forced closed by a test (`closeMarket`), on top of the session schedule. */
  forcedClosed: boolean;
  last?: { time: number; bid: number; ask: number };
}
