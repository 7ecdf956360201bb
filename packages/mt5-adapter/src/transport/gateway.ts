/**
 * The Mt5Gateway: one terminal's MetaTrader5 function surface, remote or in-process, with the same
 * contract: `call(method, args, kwargs)` → `{ value, lastError }` exactly as Python would see it, or a
 * TradekitError for a transport failure whose `details.outcome` says `not_sent` or `unknown`.
 */
import type { FencingToken } from '@tradekit/core';
import type { LastError } from '../mt5/types.js';
import type { BridgeHello } from '../wire/protocol.js';

export interface CallResult<T = unknown> {
  /** null = Python None. */
  value: T | null;
  lastError: LastError;
  /** The bridge host's UTC wall clock when the call finished (informational). */
  utcMs?: number;
}

export interface CallOptions {
  /** The bridge gives up on the call after this many ms (default: the gateway's). */
  deadlineMs?: number;
  clientOrderId?: string;
  attempt?: number;
  /** Writes: the run's fencing token, checked by the bridge before the terminal sees the call. */
  fence?: FencingToken;
}

export type GatewayState = 'connecting' | 'up' | 'down' | 'closed';

export interface GatewayEvents {
  /** The link came (back) up: re-run the health gate. */
  up: (hello: BridgeHello) => void;
  /** The link went down; `lostWrites` were in flight and may have executed. */
  down: (info: { reason: string; lostWrites: LostWrite[] }) => void;
}

export interface LostWrite {
  method: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  clientOrderId?: string;
}

export interface Mt5Gateway {
  readonly hello: BridgeHello | undefined;
  readonly state: GatewayState;
  connect(): Promise<BridgeHello>;
  call<T = unknown>(method: string, args?: unknown[], kwargs?: Record<string, unknown>, opts?: CallOptions): Promise<CallResult<T>>;
  on<K extends keyof GatewayEvents>(event: K, fn: GatewayEvents[K]): () => void;
  close(): Promise<void>;
}
