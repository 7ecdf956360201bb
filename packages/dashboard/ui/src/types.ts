/** Shapes the API returns (see docs/api.md). Domain types come from @tradekit/core (types only). */
import type { Position as CorePosition, PendingOrder, TradeRecord, TradingState } from '@tradekit/core';
import type { AccountView, CriticReviewView, LlmDecisionView, LlmJournalView, RunSummaryView, ScanRow } from '../../src/shared/api-types';

export type { CriticReviewView, LlmDecisionView, LlmJournalView };

export type { PendingOrder, TradingState };

export interface TkEvent {
  v: number;
  type: string;
  run: string;
  seq: number;
  time: number;
  // biome-ignore lint/suspicious/noExplicitAny: the shape follows `type` (docs/api.md lists each event's data); views read the fields of the types they handle
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
  orders: PendingOrder[];
  scan: Scan | null;
  recent: TkEvent[];
}

export interface Me {
  name: string;
  scopes: string[];
  canStart: boolean;
}
