/** Typed, versioned events: `{ v, type, run, seq, time, data }`; `seq` is per run and gap-free. */
import type { Account, ClosedTrade, CycleSummary, OrderIntent, OrderResult, Position, TradingState, Candidate, PendingOrder } from '../types.js';

export const EVENT_VERSION = 1 as const;

export interface EventPayloads {
  'cycle.start': { cycle: number; symbols: number };
  'scan.summary': Omit<CycleSummary, 'executions'> & { executions: { symbol: string; side: string; status: string; reason?: string }[] };
  signal: { cycle: number; candidate: Candidate };
  'order.placed': { intent: OrderIntent; result: OrderResult };
  'order.filled': { intent?: OrderIntent; result: OrderResult };
  'order.rejected': { intent: OrderIntent; result: OrderResult };
  'order.cancelled': { order: PendingOrder; reason: string };
  'position.update': { positions: Position[]; orders: PendingOrder[] };
  'position.closed': { trade: ClosedTrade };
  'account.update': { account: Account; dayProfit?: number };
  'state.changed': { from: TradingState; to: TradingState; reason?: string; by?: string };
  error: { code: string; message: string; plugin?: string; hook?: string; symbol?: string };
  /** Sequence numbers `from`..`to` will never be delivered (a crash lost them before they were persisted). */
  'stream.gap': { from: number; to: number; reason: string };
}

export type EventType = keyof EventPayloads;

export interface TradekitEvent<K extends EventType = EventType> {
  v: typeof EVENT_VERSION;
  type: K;
  run: string;
  seq: number;
  time: number;
  data: EventPayloads[K];
}
