/** Shapes the API returns (see docs/api.md). Domain types come from @tradekit/core (types only). */
import type { Account as CoreAccount, Position as CorePosition, TradeRecord, TradingState } from '@tradekit/core';

export type { TradingState };

export interface TkEvent {
  v: number;
  type: string;
  run: string;
  seq: number;
  time: number;
  data: any;
}

export interface RunSummary {
  id: string;
  name: string;
  mode: string;
  status: string;
  tradingState: TradingState;
  symbols: string[];
  pace: string | number;
  startedAt: number;
  endedAt?: number;
  time?: number;
  cycles: number;
  lastSeq: number;
  equity?: number;
  positions: number;
  canStop: boolean;
  error?: { code: string; message: string };
  hosted?: false;
}

/** The account as the orchestrator serves it: the broker's figures plus day P&L and drawdown. */
export interface Account extends CoreAccount {
  dayProfit: number;
  drawdownPct: number;
  maxDrawdownPct: number;
  peakEquity: number;
  time: number;
}

export type Position = CorePosition;

export interface ScanRow {
  symbol: string;
  status: string;
  kind: string;
}

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
