/**
 * The JSON shapes of the MetaTrader5 package's results as the bridge sends them: named tuples become
 * objects with the same field names, tickets (ulong) become decimal strings, numpy arrays become
 * `{ columns, rows }`, times stay raw MT5 epoch seconds in the broker's server time.
 */

/** A ticket, order, deal or position id: a decimal string (ulong does not fit a JS number). */
export type Ticket = string;

export type LastError = [code: number, message: string];

export interface Mt5Table {
  columns: string[];
  rows: unknown[][];
}

export interface Mt5TerminalInfo {
  connected: boolean;
  trade_allowed: boolean;
  tradeapi_disabled: boolean;
  dlls_allowed: boolean;
  build: number;
  maxbars: number;
  ping_last: number;
  name: string;
  company: string;
  path: string;
  data_path: string;
  [k: string]: unknown;
}

export interface Mt5AccountInfo {
  login: number;
  trade_mode: number;
  leverage: number;
  limit_orders: number;
  margin_so_mode: number;
  trade_allowed: boolean;
  trade_expert: boolean;
  margin_mode: number;
  currency_digits: number;
  fifo_close: boolean;
  balance: number;
  credit: number;
  profit: number;
  equity: number;
  margin: number;
  margin_free: number;
  margin_level: number;
  margin_so_call: number;
  margin_so_so: number;
  margin_initial: number;
  margin_maintenance: number;
  assets: number;
  liabilities: number;
  commission_blocked: number;
  name: string;
  server: string;
  currency: string;
  company: string;
  [k: string]: unknown;
}

export interface Mt5SymbolInfo {
  name: string;
  description: string;
  path: string;
  visible: boolean;
  select: boolean;
  digits: number;
  point: number;
  spread: number;
  spread_float: boolean;
  trade_tick_value: number;
  trade_tick_value_profit: number;
  trade_tick_value_loss: number;
  trade_tick_size: number;
  trade_contract_size: number;
  volume_min: number;
  volume_max: number;
  volume_step: number;
  volume_limit: number;
  trade_stops_level: number;
  trade_freeze_level: number;
  trade_mode: number;
  trade_exemode: number;
  trade_calc_mode: number;
  filling_mode: number;
  expiration_mode: number;
  order_mode: number;
  order_gtc_mode: number;
  currency_base: string;
  currency_profit: string;
  currency_margin: string;
  swap_long: number;
  swap_short: number;
  swap_mode: number;
  swap_rollover3days: number;
  margin_initial: number;
  margin_hedged: number;
  bid: number;
  ask: number;
  last: number;
  time: number;
  [k: string]: unknown;
}

export interface Mt5Tick {
  time: number;
  bid: number;
  ask: number;
  last: number;
  volume: number;
  time_msc: number;
  flags: number;
  volume_real: number;
}

export interface Mt5Position {
  ticket: Ticket;
  time: number;
  time_msc: number;
  time_update: number;
  time_update_msc: number;
  type: number;
  magic: number;
  identifier: Ticket;
  reason: number;
  volume: number;
  price_open: number;
  sl: number;
  tp: number;
  price_current: number;
  swap: number;
  profit: number;
  symbol: string;
  comment: string;
  external_id: string;
}

export interface Mt5Order {
  ticket: Ticket;
  time_setup: number;
  time_setup_msc: number;
  time_done: number;
  time_done_msc: number;
  time_expiration: number;
  type: number;
  type_time: number;
  type_filling: number;
  state: number;
  magic: number;
  position_id: Ticket;
  position_by_id: Ticket;
  reason: number;
  volume_initial: number;
  volume_current: number;
  price_open: number;
  sl: number;
  tp: number;
  price_current: number;
  price_stoplimit: number;
  symbol: string;
  comment: string;
  external_id: string;
}

export interface Mt5Deal {
  ticket: Ticket;
  order: Ticket;
  time: number;
  time_msc: number;
  type: number;
  entry: number;
  magic: number;
  position_id: Ticket;
  reason: number;
  volume: number;
  price: number;
  commission: number;
  swap: number;
  profit: number;
  fee: number;
  symbol: string;
  comment: string;
  external_id: string;
}

/** `order_send`/`order_check` request (TradeRequest field names). Tickets as strings. */
export interface Mt5TradeRequest {
  action: number;
  magic?: number;
  order?: Ticket;
  symbol?: string;
  volume?: number;
  price?: number;
  stoplimit?: number;
  sl?: number;
  tp?: number;
  deviation?: number;
  type?: number;
  type_filling?: number;
  type_time?: number;
  expiration?: number;
  comment?: string;
  position?: Ticket;
  position_by?: Ticket;
}

export interface Mt5OrderSendResult {
  retcode: number;
  deal: Ticket;
  order: Ticket;
  volume: number;
  price: number;
  bid: number;
  ask: number;
  comment: string;
  request_id: number;
  retcode_external: number;
  request: Mt5TradeRequest;
}

export interface Mt5OrderCheckResult {
  retcode: number;
  balance: number;
  equity: number;
  profit: number;
  margin: number;
  margin_free: number;
  margin_level: number;
  comment: string;
  request: Mt5TradeRequest;
}

/** Field names of MT5 results and requests that hold tickets (sent as decimal strings). */
export const TICKET_FIELDS: ReadonlySet<string> = new Set([
  'ticket',
  'order',
  'deal',
  'position',
  'position_by',
  'position_id',
  'position_by_id',
  'identifier',
]);

/** Converts a `{columns, rows}` table to objects. */
export function tableRows<T>(t: Mt5Table): T[] {
  const out: T[] = [];
  for (const r of t.rows) {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < t.columns.length; i++) o[t.columns[i]!] = r[i];
    out.push(o as T);
  }
  return out;
}
