/**
 * What travels through Redis about a queued run: the job (how a worker starts it), the control
 * messages (pause/reduce/resume/stop from the API to the worker holding it) and the lifecycle
 * messages (queued → running on a worker → finished | failed). No secret is ever in them: an uploaded
 * config travels as the YAML text the client sent (`${NAME}` unexpanded), expanded on the worker
 * against its own environment and allow-list.
 */
import type { RunOverrides, TradingState } from '@tradekit/core';

/** What an orchestrator replica shows of a run it did not start (no config needed). */
export interface RunView {
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
  /** The token name that started it. */
  startedBy: string;
}

export interface RunJobData {
  v: 1;
  view: RunView;
  /** A config file readable on the workers (same path on every machine), or the uploaded YAML. */
  configFile: string;
  text?: string;
  overrides?: RunOverrides;
  /** Wall-clock runs are taken over after a worker dies; a replay is not (it would replay from its start). */
  resumable: boolean;
}

export type ControlAction = 'pause' | 'reduce' | 'resume' | 'stop';

export const CONTROL_TARGET: Record<Exclude<ControlAction, 'stop'>, TradingState> = { pause: 'HALTED', reduce: 'REDUCING', resume: 'ACTIVE' };

/** A question for the worker holding a run: its bars, quote or symbol spec at the run's clock (the dashboard's chart). */
export type RunQuery =
  | { kind: 'bars'; symbol: string; timeframe: string; query: number | { from: number; to: number } }
  | { kind: 'quote'; symbol: string }
  | { kind: 'symbol'; symbol: string };

export interface ControlRequest {
  id: string;
  action: ControlAction | 'query';
  query?: RunQuery;
  reason: string;
  by: string;
  /** Channel the answer goes to, and the request's nonce. */
  replyTo: string;
  nonce: string;
}

export interface ControlAck {
  nonce: string;
  ok: boolean;
  tradingState?: TradingState;
  code?: string;
  message?: string;
  /** The answer to a query (bars as plain arrays). */
  value?: unknown;
}

export type LifecycleStatus = 'queued' | 'running' | 'finished' | 'failed' | 'crashed';

export interface LifecycleMessage {
  id: string;
  status: LifecycleStatus;
  worker?: string;
  view?: RunView;
  error?: { code: string; message: string };
  tradingState?: TradingState;
  /** Per symbol, the timeframes the run's data serves (finest first). */
  timeframes?: Record<string, string[]>;
}
