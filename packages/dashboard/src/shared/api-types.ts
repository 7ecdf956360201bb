/**
 * The API's response shapes, shared by the server and the web UI (which imports them as types only):
 * one definition, so the two cannot drift apart.
 */
import type { Account, TradingState } from '@tradekit/core';
import type { ScanKind } from './scan-status.js';

/** `queued`: on a cluster, waiting for a worker (or between two workers after one was lost). */
export type RunStatus = 'queued' | 'starting' | 'running' | 'stopping' | 'finished' | 'failed' | 'closed';

export interface ScanRow {
  symbol: string;
  status: string;
  kind: ScanKind;
}

export interface AccountView extends Account {
  /** Equity now minus equity at the start of the run's current UTC day. */
  dayProfit: number;
  /** Fall from the run's equity high-water mark, in % of that mark. */
  drawdownPct: number;
  maxDrawdownPct: number;
  peakEquity: number;
  time: number;
}

export interface RunSummaryView {
  id: string;
  name: string;
  mode: string;
  status: RunStatus;
  tradingState: TradingState;
  source: string;
  configFile?: string;
  symbols: string[];
  pace: string | number;
  startedAt: number;
  endedAt?: number;
  /** The run's clock (simulated for replays) at its last event. */
  time?: number;
  cycles: number;
  lastSeq: number;
  replayWindow?: { start: number; end: number };
  equity?: number;
  positions: number;
  error?: { code: string; message: string };
  canStop: boolean;
}

export interface Bucket {
  trades: number;
  wins: number;
  losses: number;
  winRate: number | null;
  netProfit: number;
  expectancy: number | null;
}

export interface FactorEdge {
  factor: string;
  with: Bucket;
  without: Bucket;
  /** Win-rate difference (percentage points) of trades with the factor over those without. */
  winRateEdge: number | null;
  /** Expectancy difference (account currency per trade). */
  expectancyEdge: number | null;
  /** True when both sides have at least `minTrades` trades. */
  significant: boolean;
}

export interface JournalStats {
  trades: number;
  open: number;
  wins: number;
  losses: number;
  breakeven: number;
  winRate: number | null;
  grossProfit: number;
  grossLoss: number;
  netProfit: number;
  profitFactor: number | null;
  expectancy: number | null;
  avgWin: number | null;
  avgLoss: number | null;
  payoffRatio: number | null;
  /** Mean planned reward:risk (|tp − entry| / |entry − sl|) over trades with both stops. */
  avgPlannedRR: number | null;
  /** Mean realized R multiple ((exit − entry)·dir / |entry − sl|) over trades with a stop loss. */
  avgRealizedR: number | null;
  maxConsecutiveLosses: number;
  /** Largest peak-to-trough fall of cumulative realized profit (account currency). */
  maxDrawdown: number;
  bySymbol: Record<string, Bucket>;
  bySide: Record<string, Bucket>;
  byExitReason: Record<string, Bucket>;
  factors: FactorEdge[];
  /** Realized balance curve: cumulative net profit at each exit. */
  curve: { time: number; cumulative: number }[];
}

/** One language-model call of a run (@tradekit/llm), as the journal view shows it. */
export interface LlmDecisionView {
  plugin: string;
  kind: string;
  subject: string;
  time: number;
  provider: string;
  model: string;
  request: { system: string; user: string; schemaName: string };
  response?: string;
  parsed?: unknown;
  outcome: string;
  error?: string;
  promptTokens: number;
  completionTokens: number;
  cost: number;
  latencyMs: number;
}

/** A critic's review of a closed trade (run state `critic:<positionId>`). */
export interface CriticReviewView {
  positionId: string;
  symbol: string;
  time: number;
  grade: number;
  lesson: string;
  analysis: string;
}

/** `GET /runs/:id/llm`: decisions (newest first) and reviews; `available` false when the run is not hosted here. */
export interface LlmJournalView {
  available: boolean;
  items: LlmDecisionView[];
  reviews: CriticReviewView[];
}
