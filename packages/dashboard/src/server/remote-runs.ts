/**
 * Runs that live on queue workers (`tradekit serve --queue`): what the orchestrator needs from the
 * queue (`RemoteRunner`, implemented by `@tradekit/cluster`'s ClusterRunner and wired by the CLI, so
 * this package carries no queue dependency), and the parts a RunHandle gets for such a run — its
 * trading state mirrored from its events and set through the worker holding it, its bars and quotes
 * asked of that worker, its journal read from the cluster's shared state store.
 */
import type { BarQuery, BarSeries, SymbolInfo, Tick, Timeframe, TradekitEvent, TradingState } from '@tradekit/core';
import type { StateListener } from '@tradekit/core';

/** A queued run as every replica sees it (no config, no secret). */
export interface RemoteRunView {
  id: string;
  name: string;
  mode: string;
  magic: number;
  symbols: string[];
  pace: string | number;
  cycleSeconds: number;
  source: 'path' | 'upload';
  configFile: string;
  startedAt: number;
  startedBy: string;
}

export interface RemoteRunJob {
  view: RemoteRunView;
  configFile: string;
  text?: string;
  overrides?: Record<string, unknown>;
  resumable: boolean;
}

export type RemoteStatus = 'queued' | 'running' | 'finished' | 'failed' | 'crashed';

export interface RemoteLifecycle {
  id: string;
  status: RemoteStatus;
  view?: RemoteRunView;
  error?: { code: string; message: string };
  tradingState?: TradingState;
}

export type RemoteQuery =
  | { kind: 'bars'; symbol: string; timeframe: Timeframe; query: BarQuery }
  | { kind: 'quote'; symbol: string }
  | { kind: 'symbol'; symbol: string };

export interface RemoteRunner {
  /** The state store every run on the cluster uses (journals, trading state, leases). */
  readonly stateUrl: string;
  /** Queues a run; TK_ERR_API_RUN_STATE (409) when a run with this id is queued or running. */
  enqueue(job: RemoteRunJob): Promise<void>;
  /** Asks the worker holding the run; when none holds it, the request waits for the next one. */
  control(id: string, action: 'pause' | 'reduce' | 'resume' | 'stop', reason: string, by: string): Promise<{ tradingState?: TradingState; queued: boolean }>;
  query(id: string, q: RemoteQuery): Promise<unknown>;
  /** Every event of the run from now (after the last few already pushed, for a snapshot). */
  follow(id: string, fn: (e: TradekitEvent) => void): Promise<() => void>;
  onLifecycle(fn: (m: RemoteLifecycle) => void): () => void;
  /** Runs queued or running on the cluster now. */
  active(): Promise<{ view: RemoteRunView; status: RemoteStatus }[]>;
  close(): Promise<void>;
}

/** The trading state of a run held elsewhere: mirrored from its `state.changed` events, set through its worker. */
export class RemoteTradingState {
  private current: TradingState;
  private readonly listeners = new Set<StateListener>();

  constructor(
    initial: TradingState,
    private readonly send: (to: TradingState, reason: string, by: string) => Promise<TradingState | undefined>,
  ) {
    this.current = initial;
  }

  get state(): TradingState {
    return this.current;
  }

  /** A `state.changed` event (or a lifecycle message) of the run. */
  observe(to: TradingState, reason?: string, by?: string): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    for (const l of this.listeners) l(from, to, reason, by);
  }

  /**
   * Asks the worker holding the run; with none holding it (queued, or moving to another worker) the
   * state is the one the next holder applies before its first cycle.
   */
  async set(to: TradingState, reason?: string, by?: string): Promise<boolean> {
    const from = this.current;
    const now = await this.send(to, reason ?? '', by ?? 'api');
    this.observe(now ?? to, reason, by);
    return from !== this.current;
  }

  onChange(l: StateListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

/** The bars, quotes and symbol specs a chart asks of a run held by a worker (the worker answers at its run's clock). */
export function remoteData(
  runner: RemoteRunner,
  id: string,
): {
  name: string;
  bars(symbol: string, timeframe: Timeframe, query: BarQuery): Promise<BarSeries>;
  tick(symbol: string): Promise<Tick>;
  symbolInfo(symbol: string): Promise<SymbolInfo>;
} {
  return {
    name: 'remote',
    bars: async (symbol, timeframe, query) => fromWire((await runner.query(id, { kind: 'bars', symbol, timeframe, query })) as WireBars),
    tick: async (symbol) => (await runner.query(id, { kind: 'quote', symbol })) as Tick,
    symbolInfo: async (symbol) => (await runner.query(id, { kind: 'symbol', symbol })) as SymbolInfo,
  };
}

/** Bars as plain arrays (JSON), and back to typed columns. */
export interface WireBars {
  symbol: string;
  timeframe: Timeframe;
  time: number[];
  open: number[];
  high: number[];
  low: number[];
  close: number[];
  volume: number[];
}

export function fromWire(w: WireBars): BarSeries {
  return {
    symbol: w.symbol,
    timeframe: w.timeframe,
    length: w.time.length,
    time: Float64Array.from(w.time),
    open: Float64Array.from(w.open),
    high: Float64Array.from(w.high),
    low: Float64Array.from(w.low),
    close: Float64Array.from(w.close),
    volume: Float64Array.from(w.volume),
  };
}
