/**
 * The bridge wire protocol: JSON-RPC 2.0, one message per line (NDJSON) over TCP. Methods and their
 * arguments are the MetaTrader5 package's, one to one: `params: { args, kwargs }` is
 * `mt5.<method>(*args, **kwargs)`. Every result carries the value (null = Python None) and
 * `last_error()` read right after the call on the same thread. Transport failures are JSON-RPC
 * errors that say whether the call ran: `outcome: "not_sent"` (safe to retry) or `"unknown"`
 * (reconcile first). The first message on a connection must be `auth` with the shared token.
 */
import type { LastError } from '../mt5/types.js';

export const PROTOCOL_VERSION = 1;

export interface RpcMeta {
  /** The bridge answers TIMEOUT when the call has not finished within this many ms. */
  deadline_ms?: number;
  client_order_id?: string;
  attempt?: number;
  /**
   * The writer's fencing token (writes only; reads are never fenced). The bridge refuses the write
   * with FENCED, before it reaches the terminal, when it has seen a larger token for the run.
   */
  fence?: WireFence;
}

/** `{ run, token }`: a run's fencing token as it travels in `meta.fence` and in `tk_fence`. */
export interface WireFence {
  run: string;
  token: number;
}

export interface RpcRequest {
  jsonrpc: '2.0';
  id: string | number;
  method: string;
  params?: { args?: unknown[]; kwargs?: Record<string, unknown>; token?: string; client?: string; [k: string]: unknown };
  meta?: RpcMeta;
}

export interface RpcResultBody {
  value: unknown;
  last_error: LastError;
  /** The bridge host's wall clock (UTC ms) when the call finished: not the broker's server time. */
  utc_ms?: number;
}

export interface RpcSuccess {
  jsonrpc: '2.0';
  id: string | number;
  result: RpcResultBody;
}

export interface RpcErrorBody {
  code: number;
  message: string;
  data?: { outcome?: 'not_sent' | 'unknown'; [k: string]: unknown };
}

export interface RpcFailure {
  jsonrpc: '2.0';
  id: string | number | null;
  error: RpcErrorBody;
}

export type RpcResponse = RpcSuccess | RpcFailure;

export const RPC_ERROR = {
  PARSE: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  UNAUTHORIZED: -32001,
  /** The call did not finish within its deadline (`outcome` says whether it started). */
  TIMEOUT: -32010,
  /** The MT5 function raised (not a None result: an exception in the package). */
  CALL_FAILED: -32011,
  /** Too many queued calls. */
  BUSY: -32012,
  SHUTTING_DOWN: -32013,
  /**
   * A write (or `tk_fence`) carried a fencing token smaller than the largest the bridge has seen for
   * the run: a newer holder took the run over. Nothing reached the terminal (`outcome: not_sent`);
   * `data` carries `run`, `token` and `highest`.
   */
  FENCED: -32014,
} as const;

/**
 * Bridge-level method (not a MetaTrader5 function): `tk_fence` with kwargs `{ run, token }` records the
 * token as the highest seen for the run, or answers FENCED when a larger one was seen. Answered at
 * once, without waiting for the terminal. The table lives in the bridge's memory.
 */
export const FENCE_METHOD = 'tk_fence';

/** `tk_fence` answers this (the `value` of the result). */
export interface FenceValue {
  run: string;
  /** The highest token now recorded for the run (the caller's). */
  highest: number;
}

/** `auth` answers this (the `value` of the result). */
export interface BridgeHello {
  /** `mt5-bridge` (Python, real terminal) or `mt5-sim` (the simulator). */
  server: string;
  version: string;
  protocol: number;
  methods: string[];
  /** The simulator serves `sim_*` control methods (replays drive its clock). */
  control?: boolean;
}

/**
 * `ping` answers this, at once: the bridge does not queue a ping behind the MT5 worker. While the
 * worker is busy, `connected`/`trade_allowed` are the last values read (null before the first read)
 * and `busy` is true, with the MT5 function in flight in `method`.
 */
export interface PingValue {
  connected: boolean | null;
  trade_allowed: boolean | null;
  utc_ms: number;
  busy?: boolean;
  method?: string | null;
}

/** `sim_status` answers this. */
export interface SimStatus {
  now_utc_ms: number;
  /** End of the simulator's bar data (null when every feed is generated). */
  end_utc_ms: number | null;
  driven: boolean;
  symbols: string[];
}

/** Methods only writes use: a transport failure on them goes to reconciliation. */
export const WRITE_METHODS: ReadonlySet<string> = new Set(['order_send']);

export const MAX_LINE_BYTES = 32 * 1024 * 1024;
