import type { TradekitError } from '../errors.js';
import type { Broker, Clock, CycleContext, DataSource, Logger, RunInfo, ScanContext, StateStore } from '../interfaces.js';
import type { Account, Action, Candidate, ExecutionRecord, PendingOrder, Position, SymbolScan, TradingState } from '../types.js';
import { STATUS, candidateStatus, executionStatus, scanErrorStatus } from './status-text.js';

/** One symbol's scan in a cycle. It is also the agent's ScanContext (no extra object per scan). */
export class SymbolScanImpl implements SymbolScan, ScanContext {
  private statusText = '';
  /** The execution whose status text is not written yet (written on first read: a backtest reads none). */
  private execution: ExecutionRecord | undefined = undefined;
  private cands: Candidate[] | undefined;
  private errs: TradekitError[] | undefined;
  private skipReason: string | undefined;

  constructor(
    readonly symbol: string,
    readonly cycle: CycleContext,
  ) {}

  /** The scanner cell's text (see status-text.ts). */
  get status(): string {
    if (this.execution !== undefined) {
      this.statusText = executionStatus(this.execution);
      this.execution = undefined;
    }
    return this.statusText;
  }
  set status(text: string) {
    this.statusText = text;
    this.execution = undefined;
  }

  /** The engine tried this symbol's candidate: the status becomes `executionStatus(rec)`, written when read. */
  executed(rec: ExecutionRecord): void {
    this.execution = rec;
  }

  get scan(): SymbolScan {
    return this;
  }

  get candidates(): Candidate[] {
    return (this.cands ??= []);
  }

  get errors(): TradekitError[] {
    return (this.errs ??= []);
  }

  get hasCandidates(): boolean {
    return this.cands !== undefined && this.cands.length > 0;
  }

  get errorCount(): number {
    return this.errs?.length ?? 0;
  }

  /** Ready for the next cycle (the engine reuses scans of cycles that ran synchronously). */
  reset(): void {
    this.statusText = '';
    if (this.execution !== undefined) this.execution = undefined;
    if (this.cands !== undefined) this.cands = undefined;
    if (this.errs !== undefined) this.errs = undefined;
    this.skipReason = undefined;
  }

  propose(candidate: Candidate): void {
    (this.cands ??= []).push(candidate);
  }

  skip(reason: string): void {
    if (this.skipReason === undefined) this.skipReason = reason;
  }

  get skipped(): string | undefined {
    return this.skipReason;
  }

  /** The dashboard status: a candidate wins, then errors, then the first skip reason. */
  finish(): void {
    if (this.hasCandidates) {
      const best = this.cands!.reduce((a, b) => (b.score > a.score || (b.score === a.score && b.probability > a.probability) ? b : a));
      this.status = candidateStatus(best.side);
    } else if (this.errs?.length) this.status = scanErrorStatus(this.errs[0]!.message);
    else this.status = this.skipReason ?? STATUS.noSetup;
  }
}

/**
 * A cycle's context. The engine reuses the context (and its scans) of a cycle that ran synchronously
 * for the next one — a backtest allocates none per bar — so it is valid during its cycle only: a
 * plugin keeps what it read from it, not the context itself.
 */
export class CycleContextImpl implements CycleContext {
  account?: Account;
  positions: Position[] = NO_POSITIONS;
  orders: PendingOrder[] = NO_ORDERS;
  private acts?: Action[];
  private scanMap?: Map<string, SymbolScan>;
  private bagMap?: Map<string, unknown>;

  /** Created on first use: a quiet cycle allocates none of them. */
  get actions(): Action[] {
    return (this.acts ??= []);
  }
  get hasActions(): boolean {
    return this.acts !== undefined && this.acts.length > 0;
  }
  get scans(): Map<string, SymbolScan> {
    return (this.scanMap ??= new Map());
  }
  get bag(): Map<string, unknown> {
    return (this.bagMap ??= new Map());
  }

  /** The scans of this context's symbols, in the order of `symbols` (made on first use). */
  scanList?: SymbolScanImpl[];

  /** Ready for cycle `seq` at `startedAt`: as if new (the scans are reset when scanned). */
  reset(seq: number, startedAt: number, tradingState: TradingState): void {
    this.seq = seq;
    this.startedAt = startedAt;
    this.tradingState = tradingState;
    if (this.account !== undefined) this.account = undefined;
    this.positions = NO_POSITIONS;
    this.orders = NO_ORDERS;
    if (this.acts !== undefined) this.acts = undefined;
    if (this.bagMap !== undefined) this.bagMap = undefined;
  }

  constructor(
    public seq: number,
    public startedAt: number,
    readonly run: RunInfo,
    readonly clock: Clock,
    readonly data: DataSource,
    readonly broker: Broker,
    readonly state: StateStore,
    readonly log: Logger,
    readonly signal: AbortSignal,
    readonly symbols: readonly string[],
    public tradingState: TradingState,
  ) {}
}

const NO_POSITIONS: Position[] = Object.freeze([]) as unknown as Position[];
const NO_ORDERS: PendingOrder[] = Object.freeze([]) as unknown as PendingOrder[];
