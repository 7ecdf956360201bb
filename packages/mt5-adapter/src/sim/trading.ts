/**
 * `order_send` and `order_check` on the simulated trade server. Checks run in the server's order so
 * the first violated rule decides the retcode (docs/reference/mt5-notes.md §4.3 items 9–24): argument types (client
 * side: `None` + -2), AutoTrading, connection, rate limit, account permissions, symbol and session,
 * trade mode, volume, price grid, filling mode, execution mode (requotes), stops and freeze levels,
 * account limits, margin, liquidity — then execution.
 */
import { roundMoney } from '@tradekit/core';
import {
  DEAL_REASON,
  ORDER_FILLING,
  ORDER_REASON,
  ORDER_STATE,
  ORDER_TIME,
  ORDER_TYPE,
  RES,
  SYMBOL_FILLING,
  SYMBOL_TRADE_EXECUTION,
  SYMBOL_TRADE_MODE,
  TRADE_ACTION,
} from '../mt5/constants.js';
import { RETCODE, retcodeDescription } from '../mt5/retcodes.js';
import type { LastError, Mt5OrderCheckResult, Mt5OrderSendResult, Mt5TradeRequest } from '../mt5/types.js';
import { roundVol, type Simulator } from './simulator.js';
import type { SimOrder, SimPosition, SymState } from './state.js';

export interface ParsedRequest {
  action: number;
  magic: number;
  order: bigint;
  symbol: string;
  volume: number;
  price: number;
  stoplimit: number;
  sl: number;
  tp: number;
  deviation: number;
  type: number;
  typeFilling: number;
  typeTime: number;
  expiration: number;
  comment: string;
  position: bigint;
  positionBy: bigint;
}

const FLOAT_FIELDS = new Set(['volume', 'price', 'stoplimit', 'sl', 'tp']);
const INT_FIELDS = new Set(['action', 'magic', 'deviation', 'type', 'type_filling', 'type_time', 'expiration']);
const TICKET_REQ_FIELDS = new Set(['order', 'position', 'position_by']);

export type SendOutcome = { value: Mt5OrderSendResult | Mt5OrderCheckResult | null; lastError: LastError };

/** Strict argument types, as the package checks them before anything reaches the terminal. */
export function parseRequest(raw: unknown): ParsedRequest | LastError {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [RES.E_INVALID_PARAMS, 'Invalid arguments'];
  const r = raw as Record<string, unknown>;
  for (const [k, v] of Object.entries(r)) {
    if (FLOAT_FIELDS.has(k) || INT_FIELDS.has(k)) {
      if (typeof v !== 'number' || !Number.isFinite(v) || (INT_FIELDS.has(k) && !Number.isInteger(v))) return [RES.E_INVALID_PARAMS, `Invalid "${k}" argument`];
    } else if (TICKET_REQ_FIELDS.has(k)) {
      if (!(typeof v === 'string' && /^\d+$/.test(v)) && !(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0))
        return [RES.E_INVALID_PARAMS, `Invalid "${k}" argument`];
    } else if (k === 'symbol' || k === 'comment') {
      if (typeof v !== 'string') return [RES.E_INVALID_PARAMS, `Invalid "${k}" argument`];
    } else return [RES.E_INVALID_PARAMS, `Invalid "${k}" argument`];
  }
  if (r.action === undefined) return [RES.E_INVALID_PARAMS, 'Invalid "action" argument'];
  const action = r.action as number;
  if ((action === TRADE_ACTION.DEAL || action === TRADE_ACTION.PENDING) && r.type === undefined) return [RES.E_INVALID_PARAMS, 'Invalid "type" argument'];
  const t = (k: string): bigint => (r[k] === undefined ? 0n : BigInt(r[k] as string | number));
  return {
    action,
    magic: (r.magic as number) ?? 0,
    order: t('order'),
    symbol: (r.symbol as string) ?? '',
    volume: (r.volume as number) ?? 0,
    price: (r.price as number) ?? 0,
    stoplimit: (r.stoplimit as number) ?? 0,
    sl: (r.sl as number) ?? 0,
    tp: (r.tp as number) ?? 0,
    deviation: (r.deviation as number) ?? 0,
    type: (r.type as number) ?? 0,
    typeFilling: (r.type_filling as number) ?? ORDER_FILLING.FOK,
    typeTime: (r.type_time as number) ?? ORDER_TIME.GTC,
    expiration: (r.expiration as number) ?? 0,
    comment: (r.comment as string) ?? '',
    position: t('position'),
    positionBy: t('position_by'),
  };
}

function echo(p: ParsedRequest): Mt5TradeRequest {
  return {
    action: p.action,
    magic: p.magic,
    order: String(p.order),
    symbol: p.symbol,
    volume: p.volume,
    price: p.price,
    stoplimit: p.stoplimit,
    sl: p.sl,
    tp: p.tp,
    deviation: p.deviation,
    type: p.type,
    type_filling: p.typeFilling,
    type_time: p.typeTime,
    expiration: p.expiration,
    comment: p.comment,
    position: String(p.position),
    position_by: String(p.positionBy),
  };
}

const OK: LastError = [RES.S_OK, 'Success'];

/** Is `v` on the `step` grid (epsilon-aware: 1.0819995946276046 is not, 1.08200 is)? */
export function onGrid(v: number, step: number): boolean {
  const n = v / step;
  return Math.abs(n - Math.round(n)) < 1e-7;
}

/** Filling rule: FOK/IOC need their `filling_mode` bit; RETURN is for exchange execution, pending orders, or symbols with no FOK/IOC bit. */
export function fillingAllowed(s: SymState, typeFilling: number, pending: boolean): boolean {
  const bits = s.spec.fillingMode;
  switch (typeFilling) {
    case ORDER_FILLING.FOK:
      return (bits & SYMBOL_FILLING.FOK) !== 0;
    case ORDER_FILLING.IOC:
      return (bits & SYMBOL_FILLING.IOC) !== 0;
    case ORDER_FILLING.RETURN:
      return pending || s.spec.exeMode === SYMBOL_TRADE_EXECUTION.EXCHANGE || (bits & (SYMBOL_FILLING.FOK | SYMBOL_FILLING.IOC)) === 0;
    case ORDER_FILLING.BOC:
      return pending && (bits & SYMBOL_FILLING.BOC) !== 0;
    default:
      return false;
  }
}

class Reply {
  constructor(
    readonly sim: Simulator,
    readonly p: ParsedRequest,
    readonly check: boolean,
  ) {}

  fail(code: number, comment = retcodeDescription(code), s?: SymState): SendOutcome {
    if (this.check) return { value: this.checkResult(code, comment), lastError: OK };
    const q = s?.last;
    return {
      value: {
        retcode: code,
        deal: '0',
        order: '0',
        volume: 0,
        price: 0,
        bid: code === RETCODE.REQUOTE && q ? q.bid : 0,
        ask: code === RETCODE.REQUOTE && q ? q.ask : 0,
        comment,
        request_id: ++this.sim.requestId,
        retcode_external: 0,
        request: echo(this.p),
      },
      lastError: OK,
    };
  }

  done(code: number, x: { deal?: bigint; order?: bigint; volume?: number; price?: number; s?: SymState; comment?: string }): SendOutcome {
    const q = x.s?.last;
    return {
      value: {
        retcode: code,
        deal: String(x.deal ?? 0n),
        order: String(x.order ?? 0n),
        volume: x.volume ?? 0,
        price: x.price ?? 0,
        bid: q?.bid ?? 0,
        ask: q?.ask ?? 0,
        comment: x.comment ?? (code === RETCODE.DONE || code === RETCODE.DONE_PARTIAL ? 'Request executed' : retcodeDescription(code)),
        request_id: ++this.sim.requestId,
        retcode_external: 0,
        request: echo(this.p),
      },
      lastError: OK,
    };
  }

  /** `order_check` answer: retcode 0 on success plus the projected account. */
  checkResult(code: number, comment: string, extraMargin = 0): Mt5OrderCheckResult {
    const a = this.sim.accountState();
    const margin = roundMoney(a.margin + extraMargin);
    return {
      retcode: code,
      balance: a.balance,
      equity: a.equity,
      profit: a.profit,
      margin,
      margin_free: roundMoney(a.equity - margin),
      margin_level: margin > 0 ? roundMoney((a.equity / margin) * 100) : 0,
      comment,
      request: echo(this.p),
    };
  }

  okCheck(extraMargin: number): SendOutcome {
    return { value: this.checkResult(0, 'Done', extraMargin), lastError: OK };
  }
}

/** `order_send(request)` (check = false) or `order_check(request)` (check = true). */
export function sendRequest(sim: Simulator, raw: unknown, check: boolean): SendOutcome {
  const p = parseRequest(raw);
  if (Array.isArray(p)) return { value: null, lastError: p };
  const r = new Reply(sim, p, check);
  if (!sim.autoTrading) return r.fail(RETCODE.CLIENT_DISABLES_AT, 'AutoTrading disabled by client');
  if (!sim.connected) return r.fail(RETCODE.CONNECTION, 'No connection');
  if (!check && sim.rateLimitPerSecond > 0) {
    const now = sim.now();
    while (sim.sendTimes.length && sim.sendTimes[0]! <= now - 1000) sim.sendTimes.shift();
    if (sim.sendTimes.length >= sim.rateLimitPerSecond) return r.fail(RETCODE.TOO_MANY_REQUESTS, 'Too many requests');
    sim.sendTimes.push(now);
  }
  if (!sim.tradeExpert) return r.fail(RETCODE.SERVER_DISABLES_AT, 'AutoTrading disabled by server');
  if (!sim.tradeAllowed) return r.fail(RETCODE.TRADE_DISABLED, 'Trade disabled');
  switch (p.action) {
    case TRADE_ACTION.DEAL:
      return deal(sim, p, r);
    case TRADE_ACTION.PENDING:
      return pending(sim, p, r);
    case TRADE_ACTION.SLTP:
      return sltp(sim, p, r);
    case TRADE_ACTION.MODIFY:
      return modifyOrder(sim, p, r);
    case TRADE_ACTION.REMOVE:
      return removeOrder(sim, p, r);
    case TRADE_ACTION.CLOSE_BY:
      return closeBy(sim, p, r);
    default:
      return r.fail(RETCODE.INVALID, 'Invalid request');
  }
}

function truncate(sim: Simulator, c: string): string {
  return c.length > sim.commentLength ? c.slice(0, sim.commentLength) : c;
}

function netPosition(sim: Simulator, s: SymState): SimPosition | undefined {
  for (const pos of sim.positions.values()) if (pos.symbol === s.name) return pos;
  return undefined;
}

/** Symbol, selection, trade mode DISABLED, session, quotes: shared by every trade action. */
function market(sim: Simulator, r: Reply, name: string): SymState | SendOutcome {
  const s = sim.symbols.get(name);
  if (!s) return r.fail(RETCODE.INVALID, 'Invalid request');
  if (!s.selected) {
    if (sim.autoSelect) s.selected = true;
    else return r.fail(RETCODE.PRICE_OFF, 'No prices', s);
  }
  if (s.spec.tradeMode === SYMBOL_TRADE_MODE.DISABLED) return r.fail(RETCODE.TRADE_DISABLED, 'Trade disabled', s);
  if (!sim.isOpen(s)) return r.fail(RETCODE.MARKET_CLOSED, 'Market closed', s);
  if (!s.last) return r.fail(RETCODE.PRICE_OFF, 'No prices', s);
  return s;
}

function isReply(x: SymState | SendOutcome): x is SendOutcome {
  return (x as SendOutcome).lastError !== undefined;
}

function volumeOk(s: SymState, v: number): boolean {
  const sp = s.spec;
  return v > 0 && v >= sp.volumeMin - 1e-9 && v <= sp.volumeMax + 1e-9 && onGrid(v, sp.volumeStep);
}

function stopsOk(s: SymState, side: 0 | 1, ref: { bid: number; ask: number }, sl: number, tp: number): boolean {
  const d = s.spec.stopsLevel * s.spec.point + 1e-12;
  if (side === 0) return (!sl || sl <= ref.bid - d + 2e-12) && (!tp || tp >= ref.bid + d - 2e-12);
  return (!sl || sl >= ref.ask + d - 2e-12) && (!tp || tp <= ref.ask - d + 2e-12);
}

function frozen(s: SymState, side: 0 | 1, sl: number, tp: number): boolean {
  const f = s.spec.freezeLevel * s.spec.point;
  if (f <= 0) return false;
  const q = s.last!;
  if (side === 0) return (!!sl && q.bid - sl <= f) || (!!tp && tp - q.bid <= f);
  return (!!sl && sl - q.ask <= f) || (!!tp && q.ask - tp <= f);
}

function directionVolume(sim: Simulator, s: SymState, side: 0 | 1): number {
  let v = 0;
  for (const pos of sim.positions.values()) if (pos.symbol === s.name && pos.type === side) v += pos.volume;
  for (const o of sim.orders.values()) if (o.symbol === s.name && orderSide(o.type) === side) v += o.volumeCurrent;
  return v;
}

export function orderSide(type: number): 0 | 1 {
  return type === ORDER_TYPE.BUY || type === ORDER_TYPE.BUY_LIMIT || type === ORDER_TYPE.BUY_STOP || type === ORDER_TYPE.BUY_STOP_LIMIT ? 0 : 1;
}

function deal(sim: Simulator, p: ParsedRequest, r: Reply): SendOutcome {
  let pos: SimPosition | undefined;
  if (p.position) {
    pos = sim.positions.get(p.position);
    if (!pos) return r.fail(sim.exec.unknownPositionRetcode, "Position doesn't exist");
  }
  const name = p.symbol || pos?.symbol;
  if (!name) return r.fail(RETCODE.INVALID, 'Invalid request');
  const m = market(sim, r, name);
  if (isReply(m)) return m;
  const s = m;
  if (pos && pos.symbol !== s.name) return r.fail(RETCODE.INVALID, 'Invalid request', s);
  if (p.type !== ORDER_TYPE.BUY && p.type !== ORDER_TYPE.SELL) return r.fail(RETCODE.INVALID_ORDER, 'Invalid order type', s);
  const side = p.type as 0 | 1;
  if (pos && pos.type === side) return r.fail(RETCODE.INVALID, 'Invalid request', s);
  // Netting: an opposite deal reduces the symbol's position even without a ticket.
  const net = !sim.hedging && !pos ? netPosition(sim, s) : undefined;
  const closing = pos ?? (net && net.type !== side ? net : undefined);
  const openingVolume = closing ? roundVol(Math.max(0, p.volume - closing.volume)) : p.volume;
  if (openingVolume > 1e-9 || !closing) {
    const refused = tradeModeRefusal(r, s, side);
    if (refused) return refused;
  }
  if (!volumeOk(s, p.volume)) return r.fail(RETCODE.INVALID_VOLUME, 'Invalid volume', s);
  if (pos && p.volume > pos.volume + 1e-9) return r.fail(RETCODE.INVALID_CLOSE_VOLUME, 'Invalid close volume', s);
  if (s.spec.volumeLimit > 0 && openingVolume > 0 && directionVolume(sim, s, side) + openingVolume > s.spec.volumeLimit + 1e-9)
    return r.fail(RETCODE.LIMIT_VOLUME, 'Volume limit reached', s);
  if (p.price && !onGrid(p.price, s.spec.tickSize)) return r.fail(RETCODE.INVALID_PRICE, 'Invalid price', s);
  if (stopsOffGrid(s, p.sl, p.tp)) return r.fail(RETCODE.INVALID_STOPS, 'Invalid stops', s);
  if (!fillingAllowed(s, p.typeFilling, false)) return r.fail(RETCODE.INVALID_FILL, 'Unsupported filling mode', s);
  const q = s.last!;
  const marketPrice = side === 0 ? q.ask : q.bid;
  const exe = s.spec.exeMode;
  let fillPrice = marketPrice;
  if (exe === SYMBOL_TRADE_EXECUTION.INSTANT || exe === SYMBOL_TRADE_EXECUTION.REQUEST) {
    if (!p.price) return r.fail(RETCODE.INVALID_PRICE, 'Invalid price', s);
    if (
      !r.check &&
      (Math.abs(marketPrice - p.price) > p.deviation * s.spec.point + 1e-9 || (sim.exec.requoteProbability > 0 && s.rng.next() < sim.exec.requoteProbability))
    ) {
      return r.fail(RETCODE.REQUOTE, 'Requote', s);
    }
  } else if (sim.exec.slippagePoints > 0 && !r.check) {
    const slip = s.rng.int(sim.exec.slippagePoints + 1) * s.spec.point;
    fillPrice = Number((side === 0 ? marketPrice + slip : marketPrice - slip).toFixed(s.spec.digits));
  }
  if (!closing && !stopsOk(s, side, q, p.sl, p.tp)) return r.fail(RETCODE.INVALID_STOPS, 'Invalid stops', s);
  if (closing && frozen(s, closing.type, closing.sl, closing.tp)) return r.fail(RETCODE.FROZEN, 'Position frozen', s);
  if (closing?.closing !== undefined) return r.fail(RETCODE.CLOSE_ORDER_EXIST, 'Close order already exists', s);
  if (!closing && sim.hedging && sim.account.hedgeProhibited) {
    for (const o of sim.positions.values()) if (o.symbol === s.name && o.type !== side) return r.fail(RETCODE.HEDGE_PROHIBITED, 'Hedge prohibited', s);
  }
  if (pos && sim.account.fifoClose) {
    for (const o of sim.positions.values())
      if (o.symbol === s.name && o !== pos && (o.timeMs < pos.timeMs || (o.timeMs === pos.timeMs && o.ticket < pos.ticket)))
        return r.fail(RETCODE.FIFO_CLOSE, 'FIFO close rule', s);
  }
  if (openingVolume > 0 && !closing && sim.account.limitPositions > 0 && sim.positions.size >= sim.account.limitPositions)
    return r.fail(RETCODE.LIMIT_POSITIONS, 'Positions limit reached', s);
  const needMargin = openingVolume > 0 ? sim.margin(s, openingVolume, fillPrice) : 0;
  if (needMargin > sim.accountState().marginFree + 1e-9) return r.fail(RETCODE.NO_MONEY, 'No money', s);
  let fillVolume = p.volume;
  const liq = s.spec.liquidity;
  if (liq !== undefined && p.volume > liq + 1e-9) {
    if (p.typeFilling === ORDER_FILLING.FOK)
      return r.fail(sim.exec.fokShortfallRetcode, sim.exec.fokShortfallRetcode === RETCODE.INVALID_FILL ? 'Unsupported filling mode' : 'Request rejected', s);
    fillVolume = liq;
  }
  if (r.check) return r.okCheck(needMargin);

  const ticket = sim.nextTicket++;
  const order: SimOrder = sim.newOrder(s, {
    ticket,
    type: p.type,
    volume: p.volume,
    price: p.price || marketPrice,
    magic: p.magic,
    comment: truncate(sim, p.comment),
    reason: ORDER_REASON.EXPERT,
    positionId: closing?.identifier,
    sl: closing ? 0 : p.sl,
    tp: closing ? 0 : p.tp,
    typeFilling: p.typeFilling,
  });
  if (sim.exec.async) {
    // Accepted, not executed: the fill (or a reject) comes later.
    order.state = ORDER_STATE.PLACED;
    order.dueAt = sim.now() + sim.exec.asyncDelayMs;
    if (closing) {
      order.closes = closing.ticket;
      closing.closing = ticket;
    }
    sim.orders.set(ticket, order);
    return r.done(RETCODE.PLACED, { order: ticket, volume: p.volume, price: 0, s, comment: 'Request placed' });
  }
  const x = sim.execute(s, {
    side,
    volume: fillVolume,
    price: fillPrice,
    magic: p.magic,
    comment: order.comment,
    reason: DEAL_REASON.EXPERT,
    orderTicket: ticket,
    positionTicket: pos?.ticket,
    sl: closing ? undefined : p.sl,
    tp: closing ? undefined : p.tp,
  });
  order.positionId = x.deal.positionId;
  order.priceOpen = fillPrice;
  const rest = roundVol(p.volume - fillVolume);
  if (rest > 1e-9 && p.typeFilling === ORDER_FILLING.RETURN) {
    // RETURN: the remainder keeps working as an order.
    order.volumeCurrent = rest;
    order.state = ORDER_STATE.PARTIAL;
    order.closes = pos?.ticket;
    if (!closing) order.fillsInto = x.position;
    sim.orders.set(ticket, order);
  } else {
    order.volumeCurrent = 0;
    sim.finishOrder(order, rest > 1e-9 ? ORDER_STATE.CANCELED : ORDER_STATE.FILLED, sim.now());
  }
  return r.done(rest > 1e-9 ? RETCODE.DONE_PARTIAL : RETCODE.DONE, { deal: x.deal.ticket, order: ticket, volume: fillVolume, price: fillPrice, s });
}

/** Open-price side and distance of a pending order vs the market (10015 when wrong). */
function pendingPriceOk(s: SymState, type: number, price: number, stoplimit: number): boolean {
  const d = s.spec.stopsLevel * s.spec.point;
  const q = s.last!;
  const eps = 1e-12;
  switch (type) {
    case ORDER_TYPE.BUY_LIMIT:
      return price <= q.ask - d + eps;
    case ORDER_TYPE.SELL_LIMIT:
      return price >= q.bid + d - eps;
    case ORDER_TYPE.BUY_STOP:
      return price >= q.ask + d - eps;
    case ORDER_TYPE.SELL_STOP:
      return price <= q.bid - d + eps;
    case ORDER_TYPE.BUY_STOP_LIMIT:
      return price >= q.ask + d - eps && stoplimit > 0 && stoplimit <= price - d + eps;
    case ORDER_TYPE.SELL_STOP_LIMIT:
      return price <= q.bid - d + eps && stoplimit > 0 && stoplimit >= price + d - eps;
  }
  return false;
}

function pendingStopsOk(s: SymState, type: number, open: number, sl: number, tp: number): boolean {
  return stopsOk(s, orderSide(type), { bid: open, ask: open }, sl, tp);
}

/** UTC expiration of a pending order, or a retcode. */
function expirationOf(sim: Simulator, s: SymState, p: ParsedRequest): number | 'invalid' {
  const bit = [1, 2, 4, 8][p.typeTime];
  if (bit === undefined || (s.spec.expirationMode & bit) === 0) return 'invalid';
  const DAY = 86_400_000;
  const serverNow = sim.clock.toServerMs(sim.now());
  switch (p.typeTime) {
    case ORDER_TIME.GTC:
      return 0;
    case ORDER_TIME.DAY:
      return sim.clock.fromServerMs(Math.floor(serverNow / DAY) * DAY + DAY);
    case ORDER_TIME.SPECIFIED: {
      if (!p.expiration || p.expiration * 1000 <= serverNow) return 'invalid';
      return sim.clock.fromServerSec(p.expiration);
    }
    case ORDER_TIME.SPECIFIED_DAY: {
      if (!p.expiration || p.expiration * 1000 <= serverNow) return 'invalid';
      return sim.clock.fromServerMs(Math.floor((p.expiration * 1000) / DAY) * DAY + DAY);
    }
  }
  return 'invalid';
}

function pending(sim: Simulator, p: ParsedRequest, r: Reply): SendOutcome {
  if (!p.symbol) return r.fail(RETCODE.INVALID, 'Invalid request');
  const m = market(sim, r, p.symbol);
  if (isReply(m)) return m;
  const s = m;
  if (p.type < ORDER_TYPE.BUY_LIMIT || p.type > ORDER_TYPE.SELL_STOP_LIMIT) return r.fail(RETCODE.INVALID_ORDER, 'Invalid order type', s);
  const side = orderSide(p.type);
  const refused = tradeModeRefusal(r, s, side);
  if (refused) return refused;
  if (!volumeOk(s, p.volume)) return r.fail(RETCODE.INVALID_VOLUME, 'Invalid volume', s);
  if (s.spec.volumeLimit > 0 && directionVolume(sim, s, side) + p.volume > s.spec.volumeLimit + 1e-9)
    return r.fail(RETCODE.LIMIT_VOLUME, 'Volume limit reached', s);
  const stopLimit = p.type === ORDER_TYPE.BUY_STOP_LIMIT || p.type === ORDER_TYPE.SELL_STOP_LIMIT;
  if (!p.price || !onGrid(p.price, s.spec.tickSize) || (stopLimit && (!p.stoplimit || !onGrid(p.stoplimit, s.spec.tickSize))))
    return r.fail(RETCODE.INVALID_PRICE, 'Invalid price', s);
  if (stopsOffGrid(s, p.sl, p.tp)) return r.fail(RETCODE.INVALID_STOPS, 'Invalid stops', s);
  if (!fillingAllowed(s, p.typeFilling, true)) return r.fail(RETCODE.INVALID_FILL, 'Unsupported filling mode', s);
  if (!pendingPriceOk(s, p.type, p.price, p.stoplimit)) return r.fail(RETCODE.INVALID_PRICE, 'Invalid price', s);
  if (!pendingStopsOk(s, p.type, stopLimit ? p.stoplimit : p.price, p.sl, p.tp)) return r.fail(RETCODE.INVALID_STOPS, 'Invalid stops', s);
  const exp = expirationOf(sim, s, p);
  if (exp === 'invalid') return r.fail(RETCODE.INVALID_EXPIRATION, 'Invalid expiration', s);
  if (sim.account.limitOrders > 0 && sim.orders.size >= sim.account.limitOrders) return r.fail(RETCODE.LIMIT_ORDERS, 'Orders limit reached', s);
  if (r.check) return r.okCheck(0);
  const ticket = sim.nextTicket++;
  const o = sim.newOrder(s, {
    ticket,
    type: p.type,
    volume: p.volume,
    price: p.price,
    stoplimit: p.stoplimit,
    magic: p.magic,
    comment: truncate(sim, p.comment),
    reason: ORDER_REASON.EXPERT,
    sl: p.sl,
    tp: p.tp,
    typeFilling: p.typeFilling,
    typeTime: p.typeTime,
    expirationMs: exp,
  });
  o.state = ORDER_STATE.PLACED;
  sim.orders.set(ticket, o);
  return r.done(RETCODE.PLACED, { order: ticket, volume: p.volume, price: p.price, s, comment: 'Request placed' });
}

function sltp(sim: Simulator, p: ParsedRequest, r: Reply): SendOutcome {
  let pos: SimPosition | undefined;
  if (p.position) pos = sim.positions.get(p.position);
  else if (sim.hedging) return r.fail(RETCODE.INVALID, 'Invalid request');
  else if (p.symbol) {
    const s0 = sim.symbols.get(p.symbol);
    pos = s0 && netPosition(sim, s0);
  }
  if (!pos) return r.fail(sim.exec.unknownPositionRetcode, "Position doesn't exist");
  const m = market(sim, r, pos.symbol);
  if (isReply(m)) return m;
  const s = m;
  if (stopsOffGrid(s, p.sl, p.tp)) return r.fail(RETCODE.INVALID_STOPS, 'Invalid stops', s);
  if (pos.sl === p.sl && pos.tp === p.tp)
    return r.check ? r.fail(RETCODE.NO_CHANGES, 'No changes', s) : r.done(RETCODE.NO_CHANGES, { order: 0n, s, comment: 'No changes' });
  if (frozen(s, pos.type, pos.sl, pos.tp)) return r.fail(RETCODE.FROZEN, 'Position frozen', s);
  if (!stopsOk(s, pos.type, s.last!, p.sl, p.tp)) return r.fail(RETCODE.INVALID_STOPS, 'Invalid stops', s);
  if (r.check) return r.okCheck(0);
  pos.sl = p.sl;
  pos.tp = p.tp;
  pos.timeUpdateMs = sim.now();
  return r.done(RETCODE.DONE, { s, comment: 'Request executed' });
}

function modifyOrder(sim: Simulator, p: ParsedRequest, r: Reply): SendOutcome {
  const o = sim.orders.get(p.order);
  if (!o || o.dueAt !== undefined) return r.fail(RETCODE.INVALID, 'Invalid request');
  const m = market(sim, r, o.symbol);
  if (isReply(m)) return m;
  const s = m;
  const stopLimit = o.type === ORDER_TYPE.BUY_STOP_LIMIT || o.type === ORDER_TYPE.SELL_STOP_LIMIT;
  if (!p.price || !onGrid(p.price, s.spec.tickSize)) return r.fail(RETCODE.INVALID_PRICE, 'Invalid price', s);
  if (stopsOffGrid(s, p.sl, p.tp)) return r.fail(RETCODE.INVALID_STOPS, 'Invalid stops', s);
  const sameExp =
    (p.typeTime === o.typeTime && (p.typeTime !== ORDER_TIME.SPECIFIED || sim.clock.fromServerSec(p.expiration) === o.expirationMs)) ||
    (p.typeTime === ORDER_TIME.GTC && !o.expirationMs);
  if (p.price === o.priceOpen && p.sl === o.sl && p.tp === o.tp && (!stopLimit || p.stoplimit === o.priceStoplimit) && sameExp) {
    return r.check ? r.fail(RETCODE.NO_CHANGES, 'No changes', s) : r.done(RETCODE.NO_CHANGES, { order: o.ticket, s, comment: 'No changes' });
  }
  if (orderFrozen(s, o)) return r.fail(RETCODE.FROZEN, 'Order frozen', s);
  if (!pendingPriceOk(s, o.type, p.price, stopLimit ? p.stoplimit : 0)) return r.fail(RETCODE.INVALID_PRICE, 'Invalid price', s);
  if (!pendingStopsOk(s, o.type, stopLimit ? p.stoplimit : p.price, p.sl, p.tp)) return r.fail(RETCODE.INVALID_STOPS, 'Invalid stops', s);
  const exp = expirationOf(sim, s, p);
  if (exp === 'invalid') return r.fail(RETCODE.INVALID_EXPIRATION, 'Invalid expiration', s);
  if (r.check) return r.okCheck(0);
  o.priceOpen = p.price;
  o.sl = p.sl;
  o.tp = p.tp;
  if (stopLimit) o.priceStoplimit = p.stoplimit;
  o.typeTime = p.typeTime;
  o.expirationMs = exp;
  return r.done(RETCODE.DONE, { order: o.ticket, s, comment: 'Request executed' });
}

function removeOrder(sim: Simulator, p: ParsedRequest, r: Reply): SendOutcome {
  const o = sim.orders.get(p.order);
  if (!o || o.dueAt !== undefined) return r.fail(RETCODE.INVALID, 'Invalid request');
  const s = sim.symbols.get(o.symbol)!;
  if (orderFrozen(s, o)) return r.fail(RETCODE.FROZEN, 'Order frozen', s);
  if (r.check) return r.okCheck(0);
  sim.orders.delete(o.ticket);
  sim.finishOrder(o, ORDER_STATE.CANCELED, sim.now());
  return r.done(RETCODE.DONE, { order: o.ticket, s, comment: 'Request executed' });
}

function closeBy(sim: Simulator, p: ParsedRequest, r: Reply): SendOutcome {
  if (!sim.hedging) return r.fail(RETCODE.INVALID_ORDER, 'Invalid order type');
  const a = sim.positions.get(p.position);
  const b = sim.positions.get(p.positionBy);
  if (!a || !b) return r.fail(sim.exec.unknownPositionRetcode, "Position doesn't exist");
  if (a.symbol !== b.symbol || a.type === b.type) return r.fail(RETCODE.INVALID, 'Invalid request');
  const m = market(sim, r, a.symbol);
  if (isReply(m)) return m;
  const s = m;
  if (r.check) return r.okCheck(0);
  const v = Math.min(a.volume, b.volume);
  const ticket = sim.nextTicket++;
  const order = sim.newOrder(s, {
    ticket,
    type: ORDER_TYPE.CLOSE_BY,
    volume: v,
    price: b.priceOpen,
    magic: p.magic,
    comment: truncate(sim, p.comment),
    reason: ORDER_REASON.EXPERT,
    positionId: a.identifier,
  });
  order.positionById = b.identifier;
  // Each closes at the other's open price: the pair's net result is realized without a spread.
  const d1 = sim.execute(s, {
    side: b.type,
    volume: v,
    price: b.priceOpen,
    magic: p.magic,
    comment: order.comment,
    reason: DEAL_REASON.EXPERT,
    orderTicket: ticket,
    positionTicket: a.ticket,
  });
  sim.execute(s, {
    side: a.type,
    volume: v,
    price: b.priceOpen,
    magic: p.magic,
    comment: order.comment,
    reason: DEAL_REASON.EXPERT,
    orderTicket: ticket,
    positionTicket: b.ticket,
  });
  for (const d of sim.deals.slice(-2)) d.entry = 3;
  order.volumeCurrent = 0;
  sim.finishOrder(order, ORDER_STATE.FILLED, sim.now());
  return r.done(RETCODE.DONE, { deal: d1.deal.ticket, order: ticket, volume: v, price: b.priceOpen, s });
}

/** The symbol's trade mode refuses a deal on `side` (long only, short only, close only). */
function tradeModeRefusal(r: Reply, s: SymState, side: number): SendOutcome | undefined {
  const tm = s.spec.tradeMode;
  if (tm === SYMBOL_TRADE_MODE.LONGONLY && side === 1) return r.fail(RETCODE.LONG_ONLY, 'Long only', s);
  if (tm === SYMBOL_TRADE_MODE.SHORTONLY && side === 0) return r.fail(RETCODE.SHORT_ONLY, 'Short only', s);
  if (tm === SYMBOL_TRADE_MODE.CLOSEONLY) return r.fail(RETCODE.CLOSE_ONLY, 'Close only', s);
  return undefined;
}

/** An SL or TP (0 = none) that is not on the symbol's tick grid. */
function stopsOffGrid(s: SymState, sl: number, tp: number): boolean {
  return (!!sl && !onGrid(sl, s.spec.tickSize)) || (!!tp && !onGrid(tp, s.spec.tickSize));
}

/** A pending order within the freeze level of the market cannot be changed or removed. */
function orderFrozen(s: SymState, o: SimOrder): boolean {
  const f = s.spec.freezeLevel * s.spec.point;
  if (!(f > 0) || !s.last) return false;
  const ref = orderSide(o.type) === 0 ? s.last.ask : s.last.bid;
  return Math.abs(ref - o.priceOpen) <= f;
}
