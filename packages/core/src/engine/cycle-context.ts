import type { TradekitError } from '../errors.js';
import type { Broker, Clock, CycleContext, DataSource, Logger, RunInfo, StateStore } from '../interfaces.js';
import type { Account, Action, Candidate, PendingOrder, Position, SymbolScan, TradingState } from '../types.js';

export class SymbolScanImpl implements SymbolScan {
  status = '';
  readonly candidates: Candidate[] = [];
  readonly errors: TradekitError[] = [];
  private skipReason: string | undefined;

  constructor(readonly symbol: string) {}

  propose(candidate: Candidate): void {
    this.candidates.push(candidate);
  }

  skip(reason: string): void {
    if (this.skipReason === undefined) this.skipReason = reason;
  }

  get skipped(): string | undefined {
    return this.skipReason;
  }

  /** The dashboard status: a candidate wins, then errors, then the first skip reason. */
  finish(): void {
    if (this.candidates.length) {
      const best = this.candidates.reduce((a, b) => (b.score > a.score || (b.score === a.score && b.probability > a.probability) ? b : a));
      this.status = `CANDIDATE (${best.side.toUpperCase()})`;
    } else if (this.errors.length) this.status = `Error: ${this.errors[0]!.message}`;
    else this.status = this.skipReason ?? 'No Setup';
  }
}

export class CycleContextImpl implements CycleContext {
  account?: Account;
  positions: Position[] = [];
  orders: PendingOrder[] = [];
  readonly actions: Action[] = [];
  readonly scans = new Map<string, SymbolScan>();
  readonly bag = new Map<string, unknown>();

  constructor(
    readonly seq: number,
    readonly startedAt: number,
    readonly run: RunInfo,
    readonly clock: Clock,
    readonly data: DataSource,
    readonly broker: Broker,
    readonly state: StateStore,
    readonly log: Logger,
    readonly signal: AbortSignal,
    readonly symbols: readonly string[],
    readonly tradingState: TradingState,
  ) {}
}
