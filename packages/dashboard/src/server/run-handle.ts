/**
 * One hosted run as the API sees it: the run's parts (store, broker, data, trading state), its
 * lifecycle, and a snapshot kept current from its own event stream (account, positions, scan,
 * equity curve, day P&L, drawdown). The snapshot is what the API serves and what a socket.io client
 * gets on join, so reading the dashboard never calls the broker in the middle of a cycle.
 */
import type {
  Account,
  Broker,
  Clock,
  DataSource,
  PendingOrder,
  Position,
  RunConfig,
  RunInfo,
  Sink,
  StateStore,
  TradekitEvent,
  TradingState,
  TradingStateController,
} from '@tradekit/core';
import { apiError } from '../errors.js';
import { classifyStatus } from '../shared/scan-status.js';
import type { AccountView, LlmDecisionView, RunStatus, RunSummaryView, ScanRow } from '../shared/api-types.js';
import { NEW_ACCOUNT_TRACK, nextAccount, type AccountTrack } from '../shared/account-view.js';
export type { AccountView, RunStatus, RunSummaryView, ScanRow } from '../shared/api-types.js';

/** What the API reads of a run's trading state (a local controller, or one mirrored from a worker). */
export type TradingStateView = Pick<TradingStateController, 'state' | 'set' | 'onChange'>;

/** What the API reads of a run's data: bars and quotes for the chart (local, or asked of a worker). */
export type ChartData = Pick<DataSource, 'name' | 'bars' | 'tick'> & Partial<Pick<DataSource, 'timeframes' | 'symbolInfo'>>;

export interface RunParts {
  info: RunInfo;
  config: Pick<RunConfig, 'symbols'> & { run: Pick<RunConfig['run'], 'pace'> };
  clock: Clock;
  store: StateStore;
  data?: ChartData;
  broker?: Broker;
  tradingState: TradingStateView;
  replayWindow?: { start: number; end: number };
  /** Engine hook timings, bus counters… */
  metrics?: () => Record<string, unknown>;
  /** Graceful stop (after the cycle in flight); absent when the host cannot stop the run. */
  stop?: (reason: string) => void;
  /** The run's language-model calls (what @tradekit/llm plugins registered), newest first. */
  llmCalls?: (q: { kind?: string; limit: number }) => Promise<LlmDecisionView[]>;
}

const CURVE_MAX = 4000;

export class RunHandle {
  status: RunStatus = 'starting';
  error?: { code: string; message: string };
  endedAt?: number;
  parts!: RunParts;
  readonly ring: TradekitEvent[] = [];
  lastSeq = 0;
  cycles = 0;
  time?: number;
  account?: AccountView;
  positions: Position[] = [];
  orders: PendingOrder[] = [];
  scan: { cycle: number; time: number; state: TradingState; gated?: string; rows: ScanRow[]; candidates: number } | undefined;
  /** Equity samples (decimated to stay under CURVE_MAX points). */
  readonly curve: { time: number; equity: number; balance: number }[] = [];
  private curveStride = 1;
  private curveSkip = 0;
  private accountTrack: AccountTrack = NEW_ACCOUNT_TRACK;
  /** Called with every new event (the socket.io hub). */
  onEvent?: (h: RunHandle, e: TradekitEvent) => void;
  readonly sink: Sink;

  constructor(
    readonly source: 'path' | 'upload' | 'adopted',
    readonly startedAt: number,
    readonly ringSize: number,
    readonly configFile?: string,
  ) {
    // Several publishers may hand the same event (the host's sink and the socketio plugin): seq dedupes.
    this.sink = { name: 'tradekit-orchestrator', publish: (e) => this.take(e) };
  }

  attach(parts: RunParts): void {
    this.parts = parts;
    this.status = 'running';
  }

  get id(): string {
    return this.parts.info.id;
  }

  get tradingState(): TradingState {
    return this.parts.tradingState.state;
  }

  get open(): boolean {
    return this.status !== 'closed' && this.status !== 'failed';
  }

  /** Must stay O(1): it runs inside the engine's emit. */
  take(e: TradekitEvent): void {
    if (e.seq <= this.lastSeq) return;
    this.lastSeq = e.seq;
    this.time = e.time;
    this.ring.push(e);
    if (this.ring.length > this.ringSize) this.ring.shift();
    switch (e.type) {
      case 'cycle.start':
        this.cycles = (e as TradekitEvent<'cycle.start'>).data.cycle;
        break;
      case 'account.update':
        this.onAccount((e as TradekitEvent<'account.update'>).data.account, e.time);
        break;
      case 'position.update': {
        const d = (e as TradekitEvent<'position.update'>).data;
        this.positions = d.positions;
        this.orders = d.orders;
        break;
      }
      case 'scan.summary': {
        const d = (e as TradekitEvent<'scan.summary'>).data;
        this.scan = {
          cycle: d.seq,
          time: e.time,
          state: d.state,
          gated: d.gated,
          candidates: d.candidates,
          rows: Object.entries(d.symbols).map(([symbol, status]) => ({ symbol, status, kind: classifyStatus(status) })),
        };
        break;
      }
    }
    this.onEvent?.(this, e);
  }

  private onAccount(a: Account, time: number): void {
    const next = nextAccount(this.accountTrack, a, time);
    this.accountTrack = next.track;
    this.account = next.view;
    if (this.curveSkip++ % this.curveStride === 0) {
      this.curve.push({ time, equity: a.equity, balance: a.balance });
      if (this.curve.length > CURVE_MAX) {
        // Keep every other sample and halve the sampling rate from now on: bounded memory, full span.
        for (let i = 0, j = 0; i < this.curve.length; i += 2, j++) this.curve[j] = this.curve[i]!;
        this.curve.length = Math.ceil(this.curve.length / 2);
        this.curveStride *= 2;
      }
    }
  }

  summary(): RunSummaryView {
    const p = this.parts;
    return {
      id: p.info.id,
      name: p.info.name,
      mode: p.info.mode,
      status: this.status,
      tradingState: p.tradingState.state,
      source: this.source,
      configFile: this.configFile,
      symbols: [...p.config.symbols],
      pace: p.config.run.pace,
      startedAt: this.startedAt,
      endedAt: this.endedAt,
      time: this.time,
      cycles: this.cycles,
      lastSeq: this.lastSeq,
      replayWindow: p.replayWindow,
      equity: this.account?.equity,
      positions: this.positions.length,
      error: this.error,
      canStop: !!p.stop && (this.status === 'running' || this.status === 'starting' || this.status === 'queued'),
    };
  }

  /** What a socket.io client gets on join: everything up to and including `seq`. */
  snapshot(): Record<string, unknown> {
    return {
      seq: this.lastSeq,
      run: this.summary(),
      account: this.account ?? null,
      positions: this.positions,
      orders: this.orders,
      scan: this.scan ?? null,
      recent: this.ring.slice(-100),
    };
  }

  /** Events after `since`: from memory when the ring still has them, else from the journal. */
  async eventsSince(since: number, limit: number): Promise<TradekitEvent[]> {
    const first = this.ring[0]?.seq;
    if (first !== undefined && since + 1 >= first) {
      const start = since + 1 - first;
      return this.ring.slice(start, start + limit);
    }
    if (this.status === 'closed') throw apiError('TK_ERR_API_RUN_STATE', `run ${this.id} is closed; read its journal from the run history`);
    return this.parts.store.journal.events(since, limit);
  }

  requireOpen(what: string): void {
    if (this.status === 'closed') throw apiError('TK_ERR_API_RUN_STATE', `run ${this.id} is closed: ${what} is not available`);
  }
}
