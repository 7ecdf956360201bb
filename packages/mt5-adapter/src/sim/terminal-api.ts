/**
 * The MetaTrader5 Python package's function surface over the simulator: Python call semantics
 * (positional args + keyword args, keyword-only filters), the `initialize` state machine, and
 * `last_error()` set by every call. Results are the bridge's JSON shapes (tickets as strings,
 * tables as `{columns, rows}`, times in server-time epoch seconds).
 */
import { roundMoney, roundTo } from '@tradekit/core';
import { COPY_TICKS, ORDER_TYPE, RES, timeframeName } from '../mt5/constants.js';
import type { LastError, Mt5AccountInfo, Mt5Deal, Mt5Order, Mt5Position, Mt5SymbolInfo, Mt5Table, Mt5TerminalInfo, Mt5Tick } from '../mt5/types.js';
import { groupMatcher } from './group.js';
import type { Simulator } from './simulator.js';
import type { SimDeal, SimOrder, SimPosition, SymState } from './state.js';
import { sendRequest, orderSide } from './trading.js';

export interface CallResult {
  value: unknown;
  lastError: LastError;
}

const OK: LastError = [RES.S_OK, 'Success'];
const NO_IPC: LastError = [RES.E_INTERNAL_FAIL_CONNECT, 'No IPC connection'];
const INVALID: LastError = [RES.E_INVALID_PARAMS, 'Invalid arguments'];
const NOT_FOUND: LastError = [RES.E_NOT_FOUND, 'Terminal: Not found'];

/** The functions the bridge and the simulator serve (docs/reference/mt5-notes.md §2.1). */
export const MT5_METHODS = [
  'initialize',
  'login',
  'shutdown',
  'version',
  'last_error',
  'terminal_info',
  'account_info',
  'symbols_total',
  'symbols_get',
  'symbol_info',
  'symbol_info_tick',
  'symbol_select',
  'copy_rates_from',
  'copy_rates_from_pos',
  'copy_rates_range',
  'copy_ticks_from',
  'copy_ticks_range',
  'positions_total',
  'positions_get',
  'orders_total',
  'orders_get',
  'history_orders_total',
  'history_orders_get',
  'history_deals_total',
  'history_deals_get',
  'order_calc_margin',
  'order_calc_profit',
  'order_check',
  'order_send',
] as const;

export type Mt5Method = (typeof MT5_METHODS)[number];

const RATE_COLUMNS = ['time', 'open', 'high', 'low', 'close', 'tick_volume', 'spread', 'real_volume'];
const TICK_COLUMNS = ['time', 'bid', 'ask', 'last', 'volume', 'time_msc', 'flags', 'volume_real'];

/** Binds Python-style arguments to parameter names; `kwOnly` parameters reject positional use. */
function bind(args: unknown[], kwargs: Record<string, unknown>, names: string[], kwOnly: string[] = []): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  const positional = names.filter((n) => !kwOnly.includes(n));
  if (args.length > positional.length) return undefined;
  args.forEach((a, i) => {
    out[positional[i]!] = a;
  });
  for (const [k, v] of Object.entries(kwargs)) {
    if (!names.includes(k) || k in out) return undefined;
    out[k] = v;
  }
  return out;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

function ticketArg(v: unknown): bigint | undefined {
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  return undefined;
}

export class SimTerminal {
  private initialized = false;
  private lastError: LastError = OK;

  constructor(readonly sim: Simulator) {}

  get isInitialized(): boolean {
    return this.initialized;
  }

  /** Faults: what `last_error()` reports after a call whose answer the fault replaced. */
  setLastError(e: LastError): void {
    this.lastError = e;
  }

  /** One call, Python style: `mt5.<method>(*args, **kwargs)`. */
  call(method: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}): CallResult {
    let r: CallResult;
    if (method === 'last_error') return { value: [...this.lastError], lastError: this.lastError };
    if (method === 'initialize') r = this.initialize(args, kwargs);
    else if (method === 'shutdown') {
      this.initialized = false;
      r = { value: null, lastError: OK };
    } else if (!this.initialized) r = { value: null, lastError: NO_IPC };
    else r = this.dispatch(method, args, kwargs);
    this.lastError = r.lastError;
    return r;
  }

  private initialize(args: unknown[], kwargs: Record<string, unknown>): CallResult {
    const a = bind(args, kwargs, ['path', 'login', 'password', 'server', 'timeout', 'portable']);
    if (!a) return { value: false, lastError: INVALID };
    const fail = this.sim.initFailure;
    if (fail) {
      this.sim.initFailure = undefined;
      return {
        value: false,
        lastError:
          fail === 'timeout' ? [RES.E_INTERNAL_FAIL_TIMEOUT, 'IPC timeout'] : [RES.E_INTERNAL_FAIL_INIT, 'IPC initialize failed, MetaTrader 5 x64 not found'],
      };
    }
    if (a.login !== undefined && !this.credentialsOk(a)) return { value: false, lastError: [RES.E_AUTH_FAILED, 'Terminal: Authorization failed'] };
    if (a.login === undefined && this.sim.requireCredentials) return { value: false, lastError: [RES.E_AUTH_FAILED, 'Terminal: Authorization failed'] };
    this.initialized = true;
    return { value: true, lastError: OK };
  }

  private credentialsOk(a: Record<string, unknown>): boolean {
    const acc = this.sim.account;
    return Number(a.login) === acc.login && a.password === acc.password && (a.server === undefined || a.server === acc.server);
  }

  private dispatch(method: string, args: unknown[], kwargs: Record<string, unknown>): CallResult {
    const sim = this.sim;
    switch (method) {
      case 'login': {
        const a = bind(args, kwargs, ['login', 'password', 'server', 'timeout']);
        if (!a || !isInt(a.login)) return { value: null, lastError: INVALID };
        return this.credentialsOk(a) ? { value: true, lastError: OK } : { value: false, lastError: [RES.E_AUTH_FAILED, 'Terminal: Authorization failed'] };
      }
      case 'version':
        return { value: [500, 5200, '20 Nov 2026'], lastError: OK };
      case 'terminal_info':
        return { value: this.terminalInfo(), lastError: OK };
      case 'account_info':
        return { value: this.accountInfo(), lastError: OK };
      case 'symbols_total':
        return { value: sim.symbols.size, lastError: OK };
      case 'symbols_get': {
        const a = bind(args, kwargs, ['group'], ['group']);
        if (!a || (a.group !== undefined && !isStr(a.group))) return { value: null, lastError: INVALID };
        const m = a.group ? groupMatcher(a.group as string) : () => true;
        return { value: [...sim.symbols.values()].filter((s) => m(s.name)).map((s) => this.symbolInfo(s)), lastError: OK };
      }
      case 'symbol_info': {
        const a = bind(args, kwargs, ['symbol']);
        if (!a || !isStr(a.symbol)) return { value: null, lastError: INVALID };
        const s = sim.symbols.get(a.symbol);
        return s ? { value: this.symbolInfo(s), lastError: OK } : { value: null, lastError: NOT_FOUND };
      }
      case 'symbol_info_tick': {
        const a = bind(args, kwargs, ['symbol']);
        if (!a || !isStr(a.symbol)) return { value: null, lastError: INVALID };
        const s = this.visible(a.symbol);
        if (!s) return { value: null, lastError: NOT_FOUND };
        if (!s.last) return { value: null, lastError: [RES.E_FAIL, 'Terminal: Call failed'] };
        return { value: this.tickOf(s), lastError: OK };
      }
      case 'symbol_select': {
        const a = bind(args, kwargs, ['symbol', 'enable']);
        if (!a || !isStr(a.symbol) || (a.enable !== undefined && typeof a.enable !== 'boolean')) return { value: null, lastError: INVALID };
        const s = sim.symbols.get(a.symbol);
        if (!s) return { value: false, lastError: NOT_FOUND };
        const enable = a.enable !== false;
        if (!enable && sim.hasExposure(s.name)) return { value: false, lastError: [RES.E_FAIL, 'Terminal: Call failed'] };
        s.selected = enable;
        return { value: true, lastError: OK };
      }
      case 'copy_rates_from':
      case 'copy_rates_from_pos':
      case 'copy_rates_range':
        return this.rates(method, args, kwargs);
      case 'copy_ticks_from':
      case 'copy_ticks_range':
        return this.ticks(method, args, kwargs);
      case 'positions_total':
        return { value: sim.positions.size, lastError: OK };
      case 'orders_total':
        return { value: sim.orders.size, lastError: OK };
      case 'positions_get':
      case 'orders_get': {
        // Filters are keyword-only: a positional filter returns None (docs/reference/mt5-notes.md §6).
        const a = bind(args, kwargs, ['symbol', 'group', 'ticket'], ['symbol', 'group', 'ticket']);
        if (!a) return { value: null, lastError: INVALID };
        const match = this.filter(a);
        if (!match) return { value: null, lastError: INVALID };
        if (method === 'positions_get')
          return { value: [...sim.positions.values()].filter((p) => match(p.symbol, p.ticket)).map((p) => this.positionOf(p)), lastError: OK };
        return { value: [...sim.orders.values()].filter((o) => match(o.symbol, o.ticket)).map((o) => this.orderOf(o)), lastError: OK };
      }
      case 'history_orders_get':
      case 'history_deals_get':
      case 'history_orders_total':
      case 'history_deals_total':
        return this.history(method, args, kwargs);
      case 'order_calc_margin': {
        const a = bind(args, kwargs, ['action', 'symbol', 'volume', 'price']);
        if (!a || !isInt(a.action) || !isStr(a.symbol) || !isNum(a.volume) || !isNum(a.price)) return { value: null, lastError: INVALID };
        const s = sim.symbols.get(a.symbol);
        if (!s) return { value: null, lastError: NOT_FOUND };
        return { value: roundMoney(sim.margin(s, a.volume, a.price)), lastError: OK };
      }
      case 'order_calc_profit': {
        const a = bind(args, kwargs, ['action', 'symbol', 'volume', 'price_open', 'price_close']);
        if (!a || !isInt(a.action) || !isStr(a.symbol) || !isNum(a.volume) || !isNum(a.price_open) || !isNum(a.price_close))
          return { value: null, lastError: INVALID };
        const s = sim.symbols.get(a.symbol);
        if (!s) return { value: null, lastError: NOT_FOUND };
        const side: 0 | 1 = a.action === ORDER_TYPE.BUY ? 0 : 1;
        return { value: roundMoney(sim.profit(s, side, a.volume, a.price_open, a.price_close)), lastError: OK };
      }
      case 'order_check':
      case 'order_send': {
        let req: unknown;
        if (args.length === 1 && Object.keys(kwargs).length === 0) req = args[0];
        else if (args.length === 0 && Object.keys(kwargs).length === 1 && 'request' in kwargs) req = kwargs.request;
        else if (args.length === 0 && Object.keys(kwargs).length > 0) req = kwargs;
        else return { value: null, lastError: INVALID };
        return sendRequest(sim, req, method === 'order_check');
      }
      default:
        return { value: null, lastError: [RES.E_UNSUPPORTED, `Terminal: Unsupported function ${method}`] };
    }
  }

  /** A selected symbol (or one auto-selected), else undefined. */
  private visible(name: string): SymState | undefined {
    const s = this.sim.symbols.get(name);
    if (!s) return undefined;
    if (!s.selected) {
      if (!this.sim.autoSelect) return undefined;
      s.selected = true;
    }
    return s;
  }

  private filter(a: Record<string, unknown>): ((symbol: string, ticket: bigint) => boolean) | undefined {
    if (a.symbol !== undefined && !isStr(a.symbol)) return undefined;
    if (a.group !== undefined && !isStr(a.group)) return undefined;
    let ticket: bigint | undefined;
    if (a.ticket !== undefined) {
      ticket = ticketArg(a.ticket);
      if (ticket === undefined) return undefined;
    }
    const g = a.group ? groupMatcher(a.group as string) : undefined;
    return (symbol, t) => (a.symbol === undefined || symbol === a.symbol) && (!g || g(symbol)) && (ticket === undefined || t === ticket);
  }

  // ------------------------------------------------------------------ market data

  private rates(method: string, args: unknown[], kwargs: Record<string, unknown>): CallResult {
    const names =
      method === 'copy_rates_from_pos'
        ? ['symbol', 'timeframe', 'start_pos', 'count']
        : method === 'copy_rates_from'
          ? ['symbol', 'timeframe', 'date_from', 'count']
          : ['symbol', 'timeframe', 'date_from', 'date_to'];
    const a = bind(args, kwargs, names);
    if (!a || !isStr(a.symbol) || !isInt(a.timeframe) || names.slice(2).some((n) => !isInt(a[n]))) return { value: null, lastError: INVALID };
    if (!timeframeName(a.timeframe)) return { value: null, lastError: [RES.E_INVALID_PARAMS, 'Invalid timeframe'] };
    const s = this.visible(a.symbol);
    if (!s) return { value: null, lastError: NOT_FOUND };
    const b = s.rates.series(a.timeframe);
    // Only the newest `maxbars` bars are available.
    const first = Math.max(0, b.length - this.sim.maxBars);
    let lo: number;
    let hi: number;
    if (method === 'copy_rates_from_pos') {
      const start = a.start_pos as number;
      const count = a.count as number;
      if (start < 0 || count < 0) return { value: null, lastError: INVALID };
      hi = b.length - start;
      lo = hi - count;
    } else if (method === 'copy_rates_from') {
      hi = b.upperBound((a.date_from as number) * 1000);
      lo = hi - (a.count as number);
    } else {
      lo = b.lowerBound((a.date_from as number) * 1000);
      hi = b.upperBound((a.date_to as number) * 1000);
    }
    lo = Math.max(lo, first);
    hi = Math.min(hi, b.length);
    const rows: unknown[][] = [];
    for (let i = lo; i < hi; i++) rows.push([b.time[i]! / 1000, b.open[i], b.high[i], b.low[i], b.close[i], Math.round(b.tickVolume[i]!), b.spread[i], 0]);
    const t: Mt5Table = { columns: RATE_COLUMNS, rows };
    return { value: t, lastError: OK };
  }

  private ticks(method: string, args: unknown[], kwargs: Record<string, unknown>): CallResult {
    const names = method === 'copy_ticks_from' ? ['symbol', 'date_from', 'count', 'flags'] : ['symbol', 'date_from', 'date_to', 'flags'];
    const a = bind(args, kwargs, names);
    if (!a || !isStr(a.symbol) || names.slice(1).some((n) => !isInt(a[n]))) return { value: null, lastError: INVALID };
    const s = this.visible(a.symbol);
    if (!s) return { value: null, lastError: NOT_FOUND };
    const flags = a.flags as number;
    if (flags !== COPY_TICKS.ALL && flags !== COPY_TICKS.INFO && flags !== COPY_TICKS.TRADE) return { value: null, lastError: INVALID };
    const rows: unknown[][] = [];
    const t: Mt5Table = { columns: TICK_COLUMNS, rows };
    // FX ticks carry bid/ask only: a TRADE (last/volume) request finds none.
    if (flags === COPY_TICKS.TRADE) return { value: t, lastError: OK };
    const k = s.ticks;
    const from = this.sim.clock.fromServerSec(a.date_from as number);
    const lo = Math.max(0, k.lowerBound(from));
    const count = method === 'copy_ticks_from' ? (a.count as number) : Infinity;
    const hi = method === 'copy_ticks_from' ? k.length : k.upperBound(this.sim.clock.fromServerSec(a.date_to as number) + 999);
    for (let i = lo; i < hi && rows.length < count; i++) {
      const msc = this.sim.clock.toServerMs(k.time[i]!);
      const fl = i === 0 ? 6 : (k.bid[i] !== k.bid[i - 1] ? 2 : 0) | (k.ask[i] !== k.ask[i - 1] ? 4 : 0);
      // INFO: only ticks that changed the bid or the ask.
      if (flags === COPY_TICKS.INFO && fl === 0) continue;
      rows.push([Math.floor(msc / 1000), k.bid[i], k.ask[i], 0, 0, msc, fl, 0]);
    }
    return { value: t, lastError: OK };
  }

  // ------------------------------------------------------------------ history

  private history(method: string, args: unknown[], kwargs: Record<string, unknown>): CallResult {
    const a = bind(args, kwargs, ['date_from', 'date_to', 'group', 'ticket', 'position'], ['group', 'ticket', 'position']);
    if (!a) return { value: null, lastError: INVALID };
    const sim = this.sim;
    const now = sim.now();
    const deals = method.startsWith('history_deals');
    const byTicket = a.ticket !== undefined ? ticketArg(a.ticket) : undefined;
    const byPosition = a.position !== undefined ? ticketArg(a.position) : undefined;
    if ((a.ticket !== undefined && byTicket === undefined) || (a.position !== undefined && byPosition === undefined))
      return { value: null, lastError: INVALID };
    let inRange: (t: number) => boolean = () => true;
    if (byTicket === undefined && byPosition === undefined) {
      if (!isNum(a.date_from) || !isNum(a.date_to)) return { value: null, lastError: INVALID };
      const from = a.date_from as number;
      const to = a.date_to as number;
      inRange = (utc) => {
        const sec = sim.clock.toServerSec(utc);
        return sec >= from && sec <= to;
      };
    }
    const g = a.group !== undefined ? (isStr(a.group) ? groupMatcher(a.group) : undefined) : () => true;
    if (!g) return { value: null, lastError: INVALID };
    if (deals) {
      // As documented for the package: `ticket=` is an ORDER ticket (the deals of that order,
      // DEAL_ORDER), `position=` a position identifier (DEAL_POSITION_ID) — not a deal ticket.
      const list = sim.deals.filter(
        (d) =>
          d.visibleAt <= now &&
          inRange(d.timeMs) &&
          (byTicket === undefined || d.order === byTicket) &&
          (byPosition === undefined || d.positionId === byPosition) &&
          (a.group === undefined || g(d.symbol)),
      );
      if (method === 'history_deals_total') return { value: list.length, lastError: OK };
      return { value: list.map((d) => this.dealOf(d)), lastError: OK };
    }
    const list = sim.historyOrders.filter(
      (o) =>
        o.visibleAt <= now &&
        inRange(o.timeSetupMs) &&
        (byTicket === undefined || o.ticket === byTicket) &&
        (byPosition === undefined || o.positionId === byPosition) &&
        (a.group === undefined || g(o.symbol)),
    );
    if (method === 'history_orders_total') return { value: list.length, lastError: OK };
    return { value: list.map((o) => this.orderOf(o)), lastError: OK };
  }

  // ------------------------------------------------------------------ shapes

  private terminalInfo(): Mt5TerminalInfo {
    const sim = this.sim;
    return {
      community_account: false,
      community_connection: false,
      connected: sim.connected,
      dlls_allowed: false,
      trade_allowed: sim.autoTrading,
      tradeapi_disabled: false,
      email_enabled: false,
      ftp_enabled: false,
      notifications_enabled: false,
      mqid: false,
      build: 5200,
      maxbars: sim.maxBars,
      codepage: 0,
      ping_last: 1850,
      community_balance: 0,
      retransmission: 0,
      company: sim.account.company,
      name: 'MetaTrader 5 (tradekit simulator)',
      language: 'English',
      path: 'C:\\Program Files\\MetaTrader 5',
      data_path: 'C:\\Users\\trader\\AppData\\Roaming\\MetaQuotes\\Terminal\\SIM',
      commondata_path: 'C:\\Users\\trader\\AppData\\Roaming\\MetaQuotes\\Terminal\\Common',
    };
  }

  private accountInfo(): Mt5AccountInfo {
    const sim = this.sim;
    const acc = sim.account;
    const a = sim.accountState();
    return {
      login: acc.login,
      trade_mode: acc.tradeMode,
      leverage: acc.leverage,
      limit_orders: acc.limitOrders,
      margin_so_mode: 0,
      trade_allowed: sim.tradeAllowed,
      trade_expert: sim.tradeExpert,
      margin_mode: sim.marginModeValue,
      currency_digits: 2,
      fifo_close: acc.fifoClose,
      balance: a.balance,
      credit: a.credit,
      profit: a.profit,
      equity: a.equity,
      margin: a.margin,
      margin_free: a.marginFree,
      margin_level: a.marginLevel,
      margin_so_call: acc.marginCall,
      margin_so_so: acc.stopOut,
      margin_initial: 0,
      margin_maintenance: 0,
      assets: 0,
      liabilities: 0,
      commission_blocked: 0,
      name: acc.name,
      server: acc.server,
      currency: acc.currency,
      company: acc.company,
    };
  }

  private symbolInfo(s: SymState): Mt5SymbolInfo {
    const sp = s.spec;
    const sim = this.sim;
    const q = s.last;
    return {
      custom: false,
      chart_mode: 0,
      select: s.selected,
      visible: s.selected,
      session_deals: 0,
      session_buy_orders: 0,
      session_sell_orders: 0,
      volume: 0,
      volumehigh: 0,
      volumelow: 0,
      time: q ? sim.clock.toServerSec(q.time) : 0,
      digits: sp.digits,
      spread: q ? Math.round((q.ask - q.bid) / sp.point) : sp.spread,
      spread_float: true,
      ticks_bookdepth: 0,
      trade_calc_mode: sp.calcMode,
      trade_mode: sp.tradeMode,
      start_time: 0,
      expiration_time: 0,
      trade_stops_level: sp.stopsLevel,
      trade_freeze_level: sp.freezeLevel,
      trade_exemode: sp.exeMode,
      swap_mode: 1,
      swap_rollover3days: sp.swapRollover3days,
      margin_hedged_use_leg: false,
      expiration_mode: sp.expirationMode,
      filling_mode: sp.fillingMode,
      order_mode: 127,
      order_gtc_mode: 0,
      option_mode: 0,
      option_right: 0,
      bid: q?.bid ?? 0,
      bidhigh: q?.bid ?? 0,
      bidlow: q?.bid ?? 0,
      ask: q?.ask ?? 0,
      askhigh: q?.ask ?? 0,
      asklow: q?.ask ?? 0,
      last: 0,
      lasthigh: 0,
      lastlow: 0,
      volume_real: 0,
      point: sp.point,
      trade_tick_value: roundTo(sim.tickValue(s), 6),
      trade_tick_value_profit: roundTo(sim.tickValue(s, 'profit'), 6),
      trade_tick_value_loss: roundTo(sim.tickValue(s, 'loss'), 6),
      trade_tick_size: sp.tickSize,
      trade_contract_size: sp.contractSize,
      trade_accrued_interest: 0,
      trade_face_value: 0,
      trade_liquidity_rate: 0,
      volume_min: sp.volumeMin,
      volume_max: sp.volumeMax,
      volume_step: sp.volumeStep,
      volume_limit: sp.volumeLimit,
      swap_long: sp.swapLong,
      swap_short: sp.swapShort,
      margin_initial: 0,
      margin_maintenance: 0,
      session_volume: 0,
      margin_hedged: sp.contractSize,
      currency_base: sp.currencyBase,
      currency_profit: sp.currencyProfit,
      currency_margin: sp.currencyMargin,
      bank: '',
      description: sp.description,
      exchange: '',
      formula: '',
      isin: '',
      name: s.name,
      page: '',
      path: sp.path,
    };
  }

  private tickOf(s: SymState): Mt5Tick {
    const q = s.last!;
    const msc = this.sim.clock.toServerMs(q.time);
    return { time: Math.floor(msc / 1000), bid: q.bid, ask: q.ask, last: 0, volume: 0, time_msc: msc, flags: 6, volume_real: 0 };
  }

  private positionOf(p: SimPosition): Mt5Position {
    const c = this.sim.clock;
    return {
      ticket: String(p.ticket),
      time: c.toServerSec(p.timeMs),
      time_msc: c.toServerMs(p.timeMs),
      time_update: c.toServerSec(p.timeUpdateMs),
      time_update_msc: c.toServerMs(p.timeUpdateMs),
      type: p.type,
      magic: p.magic,
      identifier: String(p.identifier),
      reason: p.reason,
      volume: p.volume,
      price_open: p.priceOpen,
      sl: p.sl,
      tp: p.tp,
      price_current: p.priceCurrent,
      swap: p.swap,
      profit: p.profit,
      symbol: p.symbol,
      comment: p.comment,
      external_id: '',
    };
  }

  private orderOf(o: SimOrder): Mt5Order {
    const c = this.sim.clock;
    const s = this.sim.symbols.get(o.symbol);
    const q = s?.last;
    return {
      ticket: String(o.ticket),
      time_setup: c.toServerSec(o.timeSetupMs),
      time_setup_msc: c.toServerMs(o.timeSetupMs),
      time_done: o.timeDoneMs ? c.toServerSec(o.timeDoneMs) : 0,
      time_done_msc: o.timeDoneMs ? c.toServerMs(o.timeDoneMs) : 0,
      time_expiration: o.expirationMs ? c.toServerSec(o.expirationMs) : 0,
      type: o.type,
      type_time: o.typeTime,
      type_filling: o.typeFilling,
      state: o.state,
      magic: o.magic,
      position_id: String(o.positionId),
      position_by_id: String(o.positionById),
      reason: o.reason,
      volume_initial: o.volumeInitial,
      volume_current: o.volumeCurrent,
      price_open: o.priceOpen,
      sl: o.sl,
      tp: o.tp,
      price_current: q ? (orderSide(o.type) === 0 ? q.ask : q.bid) : 0,
      price_stoplimit: o.priceStoplimit,
      symbol: o.symbol,
      comment: o.comment,
      external_id: '',
    };
  }

  private dealOf(d: SimDeal): Mt5Deal {
    const c = this.sim.clock;
    return {
      ticket: String(d.ticket),
      order: String(d.order),
      time: c.toServerSec(d.timeMs),
      time_msc: c.toServerMs(d.timeMs),
      type: d.type,
      entry: d.entry,
      magic: d.magic,
      position_id: String(d.positionId),
      reason: d.reason,
      volume: d.volume,
      price: d.price,
      commission: d.commission,
      swap: d.swap,
      profit: d.profit,
      fee: d.fee,
      symbol: d.symbol,
      comment: d.comment,
      external_id: '',
    };
  }
}
