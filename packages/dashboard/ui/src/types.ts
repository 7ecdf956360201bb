/** Shapes the API returns (see docs/api.md). Domain types come from @tradekit/core (types only). */
import type { Position as CorePosition, TradeRecord, TradingState } from '@tradekit/core';
import type { AccountView, CriticReviewView, LlmDecisionView, LlmJournalView, RunSummaryView, ScanRow } from '../../src/shared/api-types';

export type { CriticReviewView, LlmDecisionView, LlmJournalView };

export type { TradingState };

export interface TkEvent {
  v: number;
  type: string;
  run: string;
  seq: number;
  time: number;
  data: any;
}

/** A run as GET /api/runs lists it (`hosted: false`: a run of an earlier server process). */
export interface RunSummary extends RunSummaryView {
  hosted?: false;
}

export type Account = AccountView;

export type Position = CorePosition;

export type { ScanRow };

export interface Scan {
  cycle: number;
  time: number | null;
  state: TradingState;
  gated?: string;
  rows: ScanRow[];
  candidates: number;
}

export type Trade = TradeRecord;

export interface Snapshot {
  seq: number;
  run: RunSummary;
  account: Account | null;
  positions: Position[];
  orders: any[];
  scan: Scan | null;
  recent: TkEvent[];
}

export interface Me {
  name: string;
  scopes: string[];
  canStart: boolean;
}
