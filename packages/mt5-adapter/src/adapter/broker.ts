/**
 * The MT5 Broker. Every order is normalized before it leaves (broker symbol, volume floored to the
 * step, prices on the tick grid, SL/TP checked against the stops level, filling mode from the
 * symbol's bits and cached for opens and closes), carries the client id in its comment plus the run's
 * magic number, and its retcode is classified: success, refresh-and-retry, back off, switch filling,
 * reconcile, or reject with a tradekit code. After any unknown outcome the adapter looks the order up
 * by client id through the same serialized terminal (a call that reached the bridge has finished by
 * then) and resends only when nothing carries that id — a lost answer never becomes a second position.
 */
import { TradekitError, type ActionResult, type Account, type Broker, type ClientIdLookup, type Clock, type Deal, type Logger, type OrderIntent, type OrderResult, type PendingOrder, type Position, type PositionFilter, type RejectedResult } from '@tradekit/core';
import { outcomeOf } from '../errors.js';
import { DEAL_ENTRY, ORDER_FILLING, ORDER_TIME, ORDER_TYPE, TRADE_ACTION } from '../mt5/constants.js';
import { classifyRetcode, RETCODE } from '../mt5/retcodes.js';
import type { Mt5AccountInfo, Mt5Deal, Mt5Order, Mt5OrderSendResult, Mt5Position, Mt5Tick } from '../mt5/types.js';
import { systemTimer, type WallTimer } from '../transport/wall-clock.js';
import { decodeComment, encodeComment, DEFAULT_COMMENT_LENGTH } from './comment.js';
import { accountOf, dealsOf, isPendingType, pendingOf, positionOf } from './convert.js';
import { FILLING_VALUE, FillingPolicy, type FillingName } from './filling.js';
import { normalizePrice, normalizeVolume, stopsProblem, volumeProblem } from './normalize.js';
import type { Mt5Session } from './session.js';

export interface Mt5BrokerOptions {
  /** The run's magic number: lookups and deal polling keep to it (intents carry their own). */
  magic?: number;
  /** Max slippage in points for instant/request execution. */
  deviationPoints: number;
  /** Filling modes in order of preference; the symbol's bits filter them. */
  fillingModes: FillingName[];
  /** Requotes / price changes / off quotes retried with a fresh tick. */
  maxRequotes: number;
  /** 10024 back-offs before giving up (exponential from `backoffMs`). */
  maxBackoffs: number;
  backoffMs: number;
  /** Resends after a transport failure (only when nothing carries the client id). */
  maxTransportRetries: number;
  /** Max comment length written (client id first). */
  commentLength: number;
  /** `order_check` before each `order_send`. */
  preflight: boolean;
  /** How far back lookups search history for a client id. */
  lookupDays: number;
  /** Deal polling re-reads this much history (covers the broker's history lag). */
  historyLagMs: number;
  /** Deadline for one `order_send`. */
  sendTimeoutMs: number;
}

export const BROKER_DEFAULTS: Mt5BrokerOptions = {
  deviationPoints: 20,
  fillingModes: ['FOK', 'IOC', 'RETURN'],
  maxRequotes: 3,
  maxBackoffs: 4,
  backoffMs: 250,
  maxTransportRetries: 2,
  commentLength: DEFAULT_COMMENT_LENGTH,
  preflight: false,
  lookupDays: 7,
  historyLagMs: 10 * 60_000,
  sendTimeoutMs: 10_000,
};

const DAY = 86_400_000;
const EPS = 1e-9;

type Raw = { positions: Mt5Position[]; orders: Mt5Order[]; deals: Mt5Deal[] };

export class Mt5Broker implements Broker {
  readonly name = 'mt5';
  readonly opts: Mt5BrokerOptions;
  readonly filling: FillingPolicy;
  private readonly results = new Map<string, OrderResult>();
  private readonly inflight = new Map<string, Promise<OrderResult>>();
  private readonly listeners = new Set<(d: Deal) => void>();
  private readonly seen = new Set<string>();
  private baselined = false;
  private lastPoll = 0;

  constructor(
    readonly session: Mt5Session,
    private readonly clock: Clock,
    options: Partial<Mt5BrokerOptions> = {},
    private readonly log: Logger = session.log,
    private readonly timer: WallTimer = systemTimer,
  ) {
    this.opts = { ...BROKER_DEFAULTS, ...options };
    this.filling = new FillingPolicy(this.opts.fillingModes);
  }

  private get sc() {
    return this.session.serverClock;
  }

  // ------------------------------------------------------------------ queries

  async account(): Promise<Account> {
    const a = await this.session.must<Mt5AccountInfo>('account_info', [], {}, 'read the account');
    return accountOf(a);
  }

  async positions(filter?: PositionFilter): Promise<Position[]> {
    await this.pollDeals();
    const kw: Record<string, unknown> = {};
    if (filter?.symbol) kw.symbol = await this.session.brokerSymbol(filter.symbol);
    const list = await this.session.must<Mt5Position[]>('positions_get', [], kw, 'read positions');
    return list.filter((p) => filter?.magic === undefined || p.magic === filter.magic).map((p) => positionOf(p, this.sc, this.session.canonical(p.symbol)));
  }

  async orders(filter?: PositionFilter): Promise<PendingOrder[]> {
    const kw: Record<string, unknown> = {};
    if (filter?.symbol) kw.symbol = await this.session.brokerSymbol(filter.symbol);
    const list = await this.session.must<Mt5Order[]>('orders_get', [], kw, 'read orders');
    return list.filter((o) => isPendingType(o.type) && (filter?.magic === undefined || o.magic === filter.magic)).map((o) => pendingOf(o, this.sc, this.session.canonical(o.symbol)));
  }

  async history(range: { from: number; to: number }): Promise<Deal[]> {
    const raw = await this.session.must<Mt5Deal[]>('history_deals_get', [this.sc.toServerSec(range.from), this.sc.toServerSec(range.to) + 1], {}, 'read deal history');
    const out: Deal[] = [];
    for (const d of raw) for (const x of await this.toDeals(d)) if (x.time >= range.from && x.time <= range.to) out.push(x);
    return out;
  }

  private async toDeals(d: Mt5Deal): Promise<Deal[]> {
    let prior: number | undefined;
    if (d.entry === DEAL_ENTRY.INOUT) {
      // Netting reversal: the position's volume before this deal splits it into out + in.
      const legs = await this.session.must<Mt5Deal[]>('history_deals_get', [], { position: d.position_id }, 'read the position history');
      prior = 0;
      for (const l of legs) {
        if (l.ticket === d.ticket) break;
        const same = l.type === legs[0]!.type;
        prior += same ? l.volume : -l.volume;
      }
      prior = Math.abs(prior);
    }
    return dealsOf(d, this.sc, this.session.canonical(d.symbol), prior);
  }

  /** Positions, pending orders and deals whose comment carries `clientId` (and our magic, when known). */
  private async findRaw(clientId: string, magic = this.opts.magic): Promise<Raw> {
    const ours = (x: { comment: string; magic: number }) => decodeComment(x.comment) === clientId && (magic === undefined || x.magic === magic);
    const positions = (await this.session.must<Mt5Position[]>('positions_get', [], {}, 'read positions')).filter(ours);
    const orders = (await this.session.must<Mt5Order[]>('orders_get', [], {}, 'read orders')).filter(ours);
    const now = this.clock.now();
    // Padded window: history is keyed on server time and may lag behind the execution.
    const deals = (await this.session.must<Mt5Deal[]>('history_deals_get', [this.sc.toServerSec(now - this.opts.lookupDays * DAY), this.sc.toServerSec(now + 3_600_000)], {}, 'read deal history')).filter(
      (d) => ours(d) && (d.type === 0 || d.type === 1),
    );
    return { positions, orders, deals };
  }

  async lookup(clientId: string): Promise<ClientIdLookup> {
    const raw = await this.findRaw(clientId);
    const deals: Deal[] = [];
    for (const d of raw.deals) deals.push(...(await this.toDeals(d)));
    return {
      positions: raw.positions.map((p) => positionOf(p, this.sc, this.session.canonical(p.symbol))),
      orders: raw.orders.filter((o) => isPendingType(o.type)).map((o) => pendingOf(o, this.sc, this.session.canonical(o.symbol))),
      deals,
    };
  }

  // ------------------------------------------------------------------ deals (push, by polling)

  subscribeDeals(listener: (deal: Deal) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(deals: Deal[]): void {
    for (const d of deals) {
      if (this.seen.has(d.id)) continue;
      this.remember(d.id);
      for (const l of this.listeners) l({ ...d });
    }
  }

  private remember(id: string): void {
    this.seen.add(id);
    if (this.seen.size > 20_000) this.seen.delete(this.seen.values().next().value as string);
  }

  /** New deals since the last poll (re-reading `historyLagMs` for late arrivals) go to the listeners. */
  async pollDeals(): Promise<void> {
    if (this.listeners.size === 0) return;
    const now = this.clock.now();
    const from = this.baselined ? this.lastPoll - this.opts.historyLagMs : now - this.opts.lookupDays * DAY;
    const raw = await this.session.must<Mt5Deal[]>('history_deals_get', [this.sc.toServerSec(from), this.sc.toServerSec(now + 3_600_000)], {}, 'poll deals');
    this.lastPoll = now;
    if (!this.baselined) {
      // Deals that existed before this run are history, not news.
      for (const d of raw) {
        this.remember(d.ticket);
        this.remember(`${d.ticket}:out`);
        this.remember(`${d.ticket}:in`);
      }
      this.baselined = true;
      return;
    }
    const fresh: Deal[] = [];
    for (const d of raw) {
      if (this.seen.has(d.ticket) || this.seen.has(`${d.ticket}:out`)) continue;
      if (this.opts.magic !== undefined && d.magic !== this.opts.magic) continue;
      fresh.push(...(await this.toDeals(d)));
    }
    fresh.sort((a, b) => a.time - b.time);
    this.emit(fresh);
  }

  // ------------------------------------------------------------------ place

  async place(intent: OrderIntent): Promise<OrderResult> {
    const prior = this.results.get(intent.clientId);
    if (prior && prior.status !== 'unknown') return prior;
    let p = this.inflight.get(intent.clientId);
    if (!p) {
      p = this.placeOnce(intent, prior !== undefined).finally(() => this.inflight.delete(intent.clientId));
      this.inflight.set(intent.clientId, p);
    }
    const r = await p;
    this.results.set(intent.clientId, r);
    if (this.results.size > 10_000) this.results.delete(this.results.keys().next().value as string);
    return r;
  }

  private async tick(sym: string): Promise<Mt5Tick> {
    let r = await this.session.call<Mt5Tick>('symbol_info_tick', [sym]);
    if (!r.value) {
      await this.session.call('symbol_select', [sym, true]);
      r = await this.session.call<Mt5Tick>('symbol_info_tick', [sym]);
    }
    if (!r.value) throw new TradekitError('TK_ERR_MT5_NO_QUOTES', `no quote for ${sym}: last_error (${r.lastError[0]}, '${r.lastError[1]}')`, { classification: 'retryable', symbol: sym });
    return r.value;
  }

  /** Fill or placement found by client id, as an OrderResult. */
  private async reconciled(intent: OrderIntent): Promise<OrderResult | undefined> {
    const raw = await this.findRaw(intent.clientId, intent.magic ?? this.opts.magic);
    const base = { clientId: intent.clientId, symbol: intent.symbol };
    const deal = raw.deals.find((d) => d.entry === DEAL_ENTRY.IN || d.entry === DEAL_ENTRY.INOUT);
    const pos = raw.positions[0];
    if (pos || deal) {
      this.log.info({ clientId: intent.clientId, position: pos?.ticket ?? deal?.position_id }, 'reconciled: the order had executed; not resending');
      return {
        status: 'filled',
        ...base,
        orderId: deal?.order ?? pos!.ticket,
        positionId: deal?.position_id ?? pos!.identifier,
        side: intent.side,
        volume: deal?.volume ?? pos!.volume,
        requestedVolume: intent.volume,
        price: deal?.price ?? pos!.price_open,
        time: this.sc.fromServerMs(deal?.time_msc ?? pos!.time_msc),
        commission: deal?.commission ?? 0,
      };
    }
    const o = raw.orders[0];
    if (o) {
      this.log.info({ clientId: intent.clientId, order: o.ticket }, 'reconciled: the order is working; not resending');
      return { status: 'placed', ...base, orderId: o.ticket, side: intent.side, type: intent.type, volume: o.volume_current, price: o.price_open || 0, time: this.sc.fromServerMs(o.time_setup_msc) };
    }
    return undefined;
  }

  private async placeOnce(intent: OrderIntent, afterUnknown: boolean): Promise<OrderResult> {
    const base = { clientId: intent.clientId, symbol: intent.symbol };
    const rej = (code: string, reason: string, retryable = false, extra: Partial<RejectedResult> = {}): RejectedResult => ({ status: 'rejected', ...base, code, reason, retryable, ...extra });
    try {
      const sym = await this.session.brokerSymbol(intent.symbol);
      if (afterUnknown) {
        const found = await this.reconciled(intent);
        if (found) return found;
      }
      const info = await this.session.spec(sym);
      const volume = normalizeVolume(intent.volume, info);
      const vp = volumeProblem(volume, info);
      if (vp) return rej('TK_ERR_BROKER_INVALID_VOLUME', volume !== intent.volume ? `${vp} (${intent.volume} floored to the step ${info.volume_step})` : vp);
      const market = intent.type === 'market';
      const buy = intent.side === 'buy';
      const sl = intent.sl ? normalizePrice(intent.sl, info) : 0;
      const tp = intent.tp ? normalizePrice(intent.tp, info) : 0;
      const req: Record<string, unknown> = {
        action: market ? TRADE_ACTION.DEAL : TRADE_ACTION.PENDING,
        symbol: sym,
        volume,
        type: market ? (buy ? ORDER_TYPE.BUY : ORDER_TYPE.SELL) : intent.type === 'limit' ? (buy ? ORDER_TYPE.BUY_LIMIT : ORDER_TYPE.SELL_LIMIT) : buy ? ORDER_TYPE.BUY_STOP : ORDER_TYPE.SELL_STOP,
        sl,
        tp,
        deviation: this.opts.deviationPoints,
        magic: intent.magic ?? this.opts.magic ?? 0,
        comment: encodeComment(intent.clientId, intent.comment, this.opts.commentLength),
        type_time: ORDER_TIME.GTC,
      };
      if (!market) {
        if (!(intent.price! > 0)) return rej('TK_ERR_BROKER_INVALID_PRICE', `${intent.type} order needs a positive price`);
        req.price = normalizePrice(intent.price!, info);
        if (intent.expiresAt !== undefined) {
          if (intent.expiresAt <= this.clock.now()) return rej('TK_ERR_MT5_INVALID_EXPIRATION', `expiration ${new Date(intent.expiresAt).toISOString()} is not in the future`);
          req.type_time = ORDER_TIME.SPECIFIED;
          req.expiration = Math.ceil(this.sc.toServerMs(intent.expiresAt) / 1000);
        }
      }
      let tick = await this.tick(sym);
      if (market) {
        const sp = stopsProblem(intent.side, tick, sl, tp, info);
        if (sp) return rej('TK_ERR_BROKER_INVALID_STOPS', sp);
      }
      // Pending orders rest in the book: RETURN; market orders take the symbol's cached mode.
      let filling: FillingName = market ? this.filling.current(sym, info) : 'RETURN';
      const tried = new Set<FillingName>([filling]);
      let requotes = 0;
      let backoffs = 0;
      let transport = 0;
      let retries = 0;
      let attempt = 0;
      for (;;) {
        attempt++;
        if (market) req.price = normalizePrice(buy ? tick.ask : tick.bid, info);
        req.type_filling = FILLING_VALUE[filling];
        if (this.opts.preflight && attempt === 1) {
          const chk = await this.session.call<{ retcode: number; comment: string }>('order_check', [req]);
          if (chk.value && chk.value.retcode !== 0) {
            const c = classifyRetcode(chk.value.retcode);
            if (c.action === 'reject') return rej(c.errorCode, `order_check: ${c.name} (${chk.value.retcode}): ${chk.value.comment}`, c.errorClass === 'retryable', { retryAfterMs: undefined });
          }
        }
        let res;
        try {
          res = await this.session.call<Mt5OrderSendResult>('order_send', [req], {}, { deadlineMs: this.opts.sendTimeoutMs, clientOrderId: intent.clientId, attempt });
        } catch (e) {
          const outcome = outcomeOf(e);
          if (!outcome) throw e;
          if (outcome === 'unknown') {
            // Through the same serialized terminal: a send that reached it has finished by now.
            let found: OrderResult | undefined;
            try {
              found = await this.reconciled(intent);
            } catch (e2) {
              // Cannot tell whether it executed: never resend blindly.
              return { status: 'unknown', ...base, reason: `${(e as Error).message}; reconciliation failed: ${(e2 as Error).message}` };
            }
            if (found) return found;
          }
          if (transport < this.opts.maxTransportRetries) {
            transport++;
            this.log.warn({ clientId: intent.clientId, outcome, attempt }, `order_send transport failure (${(e as Error).message}); nothing carries the client id, resending`);
            await this.timer.sleep(this.opts.backoffMs * transport);
            if (market) tick = await this.tick(sym);
            continue;
          }
          if (outcome === 'not_sent') return rej('TK_ERR_MT5_TRANSPORT', `order_send never reached the terminal: ${(e as Error).message}`, true);
          return { status: 'unknown', ...base, reason: (e as Error).message };
        }
        const v = res.value;
        if (!v) {
          return rej('TK_ERR_MT5_INVALID_REQUEST', `order_send returned None: last_error (${res.lastError[0]}, '${res.lastError[1]}') — the request never reached the terminal`, false, {});
        }
        const cls = classifyRetcode(v.retcode);
        const reason = `${cls.name} (${v.retcode}): ${v.comment || cls.description}`;
        switch (cls.action) {
          case 'success':
            return this.filledOrPlaced(intent, sym, v, volume, req);
          case 'refresh':
            if (market && requotes < this.opts.maxRequotes) {
              requotes++;
              tick = v.retcode === RETCODE.REQUOTE && v.bid > 0 ? { ...tick, bid: v.bid, ask: v.ask } : await this.tick(sym);
              continue;
            }
            break;
          case 'backoff':
            if (backoffs < this.opts.maxBackoffs) {
              const wait = this.opts.backoffMs * 2 ** backoffs;
              backoffs++;
              this.log.warn({ symbol: intent.symbol, waitMs: wait }, 'too many requests (10024): backing off');
              await this.timer.sleep(wait);
              continue;
            }
            return rej(cls.errorCode, reason, true, { retryAfterMs: this.opts.backoffMs * 2 ** backoffs });
          case 'switch-fill': {
            const next = this.filling.fallback(sym, filling, tried);
            if (next) {
              this.log.warn({ symbol: intent.symbol, from: filling, to: next }, 'unsupported filling mode (10030): switching and caching the new mode');
              filling = next;
              tried.add(next);
              continue;
            }
            return rej('TK_ERR_MT5_FILLING', `${reason}; tried ${[...tried].join(', ')}`);
          }
          case 'retry':
            if (retries < 2) {
              retries++;
              const found = await this.reconciled(intent);
              if (found) return found;
              await this.timer.sleep(this.opts.backoffMs);
              continue;
            }
            break;
          case 'reconcile': {
            const found = await this.reconciled(intent);
            if (found) return found;
            if (v.retcode === RETCODE.TIMEOUT) return { status: 'unknown', ...base, reason };
            break;
          }
        }
        return rej(cls.errorCode, reason, cls.errorClass === 'retryable');
      }
    } catch (e) {
      if (e instanceof TradekitError) {
        const o = outcomeOf(e);
        if (o === 'unknown') return { status: 'unknown', ...base, reason: e.message };
        return rej(e.code, e.message, e.retryable);
      }
      throw e;
    }
  }

  private async dealByTicket(ticket: string): Promise<Mt5Deal | undefined> {
    if (!ticket || ticket === '0') return undefined;
    const r = await this.session.call<Mt5Deal[]>('history_deals_get', [], { ticket });
    return r.value?.[0];
  }

  private async filledOrPlaced(intent: OrderIntent, sym: string, v: Mt5OrderSendResult, volume: number, req: Record<string, unknown>): Promise<OrderResult> {
    const base = { clientId: intent.clientId, symbol: intent.symbol };
    if (v.retcode === RETCODE.PLACED || !v.deal || v.deal === '0') {
      // Pending order, or a market order the server accepted asynchronously (filled later).
      return { status: 'placed', ...base, orderId: v.order, side: intent.side, type: intent.type, volume, price: (req.price as number) || v.price, time: this.clock.now() };
    }
    const deal = await this.dealByTicket(v.deal);
    let positionId = deal?.position_id;
    if (!positionId) {
      if (this.session.hedging) positionId = v.order; // a new hedging position's ticket is its order's
      else positionId = (await this.session.must<Mt5Position[]>('positions_get', [], { symbol: sym }, 'read positions'))[0]?.ticket ?? v.order;
    }
    if (deal) this.emit(await this.toDeals(deal));
    return {
      status: 'filled',
      ...base,
      orderId: v.order,
      positionId,
      side: intent.side,
      volume: v.volume,
      requestedVolume: intent.volume,
      price: v.price,
      time: deal ? this.sc.fromServerMs(deal.time_msc) : this.clock.now(),
      commission: deal?.commission ?? 0,
    };
  }

  // ------------------------------------------------------------------ manage

  private async position(ticket: string): Promise<Mt5Position | undefined> {
    const list = await this.session.must<Mt5Position[]>('positions_get', [], { ticket }, 'read the position');
    return list[0];
  }

  async close(positionId: string, volume?: number): Promise<ActionResult> {
    try {
      const pos = await this.position(positionId);
      if (!pos) return reject('TK_ERR_BROKER_POSITION_NOT_FOUND', `position ${positionId} does not exist (closed?)`);
      const sym = pos.symbol;
      const info = await this.session.spec(sym);
      let vol = pos.volume;
      if (volume !== undefined) {
        if (volume > pos.volume + EPS) return reject('TK_ERR_BROKER_INVALID_VOLUME', `close volume ${volume} exceeds the position's ${pos.volume} (10038)`);
        vol = normalizeVolume(volume, info);
        if (!(vol > 0) || vol < info.volume_min - EPS) return reject('TK_ERR_BROKER_INVALID_VOLUME', `partial close of ${volume} floors to ${vol} (step ${info.volume_step}), below the minimum ${info.volume_min} for ${sym}`);
        if (vol >= pos.volume - EPS) vol = pos.volume;
        else if (pos.volume - vol < info.volume_min - EPS) {
          return reject('TK_ERR_BROKER_INVALID_VOLUME', `closing ${vol} of ${pos.volume} would leave ${Number((pos.volume - vol).toFixed(8))}, below the minimum ${info.volume_min} for ${sym}; close it all or less`);
        }
      }
      const clientId = decodeComment(pos.comment);
      const side = pos.type === 0 ? ORDER_TYPE.SELL : ORDER_TYPE.BUY;
      let filling = this.filling.current(sym, info);
      const tried = new Set<FillingName>([filling]);
      let requotes = 0;
      let transport = 0;
      let backoffs = 0;
      for (;;) {
        const tick = await this.tick(sym);
        const req = {
          action: TRADE_ACTION.DEAL,
          symbol: sym,
          position: pos.ticket,
          volume: vol,
          type: side,
          price: normalizePrice(side === ORDER_TYPE.BUY ? tick.ask : tick.bid, info),
          deviation: this.opts.deviationPoints,
          magic: pos.magic,
          comment: clientId ? encodeComment(clientId, 'close', this.opts.commentLength) : 'close',
          type_time: ORDER_TIME.GTC,
          type_filling: FILLING_VALUE[filling],
        };
        let res;
        try {
          res = await this.session.call<Mt5OrderSendResult>('order_send', [req], {}, { deadlineMs: this.opts.sendTimeoutMs });
        } catch (e) {
          const outcome = outcomeOf(e);
          if (!outcome) throw e;
          let now: Mt5Position | undefined;
          try {
            now = await this.position(positionId);
          } catch (e2) {
            return { status: 'unknown', reason: `${(e as Error).message}; could not re-read the position: ${(e2 as Error).message}` };
          }
          if (!now || now.volume <= pos.volume - vol + EPS) return { status: 'done' };
          if (transport < this.opts.maxTransportRetries) {
            transport++;
            await this.timer.sleep(this.opts.backoffMs * transport);
            continue;
          }
          return { status: 'unknown', reason: (e as Error).message };
        }
        const v = res.value;
        if (!v) return reject('TK_ERR_MT5_INVALID_REQUEST', `order_send returned None: last_error (${res.lastError[0]}, '${res.lastError[1]}')`);
        const cls = classifyRetcode(v.retcode);
        const reason = `${cls.name} (${v.retcode}): ${v.comment || cls.description}`;
        if (cls.action === 'success') {
          const deal = await this.dealByTicket(v.deal);
          const deals = deal ? await this.toDeals(deal) : [];
          this.emit(deals);
          return { status: 'done', deal: deals[0] };
        }
        if (cls.action === 'switch-fill') {
          const next = this.filling.fallback(sym, filling, tried);
          if (next) {
            this.log.warn({ symbol: sym, from: filling, to: next }, 'close: unsupported filling mode (10030); switching and caching the new mode');
            filling = next;
            tried.add(next);
            continue;
          }
          return reject('TK_ERR_MT5_FILLING', `${reason}; tried ${[...tried].join(', ')}`);
        }
        if (cls.action === 'refresh' && requotes < this.opts.maxRequotes) {
          requotes++;
          continue;
        }
        if (cls.action === 'backoff' && backoffs < this.opts.maxBackoffs) {
          await this.timer.sleep(this.opts.backoffMs * 2 ** backoffs++);
          continue;
        }
        if (cls.action === 'reconcile' || cls.action === 'retry') {
          const now = await this.position(positionId);
          if (!now) return v.retcode === RETCODE.POSITION_CLOSED ? reject('TK_ERR_BROKER_POSITION_NOT_FOUND', `position ${positionId} is already closed (${reason})`) : { status: 'done' };
          if (now.volume <= pos.volume - vol + EPS) return { status: 'done' };
          if (v.retcode === RETCODE.TIMEOUT) return { status: 'unknown', reason };
        }
        return reject(cls.errorCode, reason, cls.errorClass === 'retryable');
      }
    } catch (e) {
      return caught(e);
    }
  }

  async modify(positionId: string, stops: { sl?: number; tp?: number }): Promise<ActionResult> {
    try {
      const pos = await this.position(positionId);
      if (!pos) return reject('TK_ERR_BROKER_POSITION_NOT_FOUND', `position ${positionId} does not exist (closed?)`);
      const info = await this.session.spec(pos.symbol);
      const sl = stops.sl === undefined ? pos.sl : stops.sl ? normalizePrice(stops.sl, info) : 0;
      const tp = stops.tp === undefined ? pos.tp : stops.tp ? normalizePrice(stops.tp, info) : 0;
      if (sl === pos.sl && tp === pos.tp) return { status: 'done' }; // MT5 would answer 10025 (no changes)
      const tick = await this.tick(pos.symbol);
      const sp = stopsProblem(pos.type === 0 ? 'buy' : 'sell', tick, sl, tp, info);
      if (sp) return reject('TK_ERR_BROKER_INVALID_STOPS', sp);
      const req = { action: TRADE_ACTION.SLTP, position: pos.ticket, symbol: pos.symbol, sl, tp, magic: pos.magic };
      for (let attempt = 0; ; attempt++) {
        let res;
        try {
          res = await this.session.call<Mt5OrderSendResult>('order_send', [req], {}, { deadlineMs: this.opts.sendTimeoutMs });
        } catch (e) {
          if (!outcomeOf(e)) throw e;
          const now = await this.position(positionId);
          if (now && now.sl === sl && now.tp === tp) return { status: 'done' };
          if (!now) return reject('TK_ERR_BROKER_POSITION_NOT_FOUND', `position ${positionId} closed meanwhile`);
          if (attempt < this.opts.maxTransportRetries) continue;
          return { status: 'unknown', reason: (e as Error).message };
        }
        const v = res.value;
        if (!v) return reject('TK_ERR_MT5_INVALID_REQUEST', `order_send returned None: last_error (${res.lastError[0]}, '${res.lastError[1]}')`);
        const cls = classifyRetcode(v.retcode);
        if (cls.action === 'success') return { status: 'done' };
        if ((cls.action === 'refresh' || cls.action === 'backoff' || cls.action === 'retry') && attempt < this.opts.maxRequotes) {
          await this.timer.sleep(this.opts.backoffMs);
          continue;
        }
        if (v.retcode === RETCODE.POSITION_CLOSED || v.retcode === RETCODE.INVALID) {
          const now = await this.position(positionId);
          if (!now) return reject('TK_ERR_BROKER_POSITION_NOT_FOUND', `position ${positionId} does not exist (${cls.name})`);
        }
        return reject(cls.errorCode, `${cls.name} (${v.retcode}): ${v.comment || cls.description}`, cls.errorClass === 'retryable');
      }
    } catch (e) {
      return caught(e);
    }
  }

  async cancel(orderId: string): Promise<ActionResult> {
    try {
      const exists = async () => (await this.session.must<Mt5Order[]>('orders_get', [], { ticket: orderId }, 'read the order'))[0];
      const o = await exists();
      if (!o) return reject('TK_ERR_BROKER_ORDER_NOT_FOUND', `order ${orderId} does not exist (filled, expired or cancelled)`);
      const req = { action: TRADE_ACTION.REMOVE, order: o.ticket, type_filling: ORDER_FILLING.RETURN };
      let res;
      try {
        res = await this.session.call<Mt5OrderSendResult>('order_send', [req], {}, { deadlineMs: this.opts.sendTimeoutMs });
      } catch (e) {
        if (!outcomeOf(e)) throw e;
        return (await exists()) ? { status: 'unknown', reason: (e as Error).message } : { status: 'done' };
      }
      const v = res.value;
      if (!v) return reject('TK_ERR_MT5_INVALID_REQUEST', `order_send returned None: last_error (${res.lastError[0]}, '${res.lastError[1]}')`);
      const cls = classifyRetcode(v.retcode);
      if (cls.action === 'success') return { status: 'done' };
      if (!(await exists())) return reject('TK_ERR_BROKER_ORDER_NOT_FOUND', `order ${orderId} no longer exists (${cls.name})`);
      return reject(cls.errorCode, `${cls.name} (${v.retcode}): ${v.comment || cls.description}`, cls.errorClass === 'retryable');
    } catch (e) {
      return caught(e);
    }
  }

  async shutdown(): Promise<void> {
    await this.session.release();
  }
}

function reject(code: string, reason: string, retryable = false): ActionResult {
  return { status: 'rejected', code, reason, retryable };
}

function caught(e: unknown): ActionResult {
  if (e instanceof TradekitError) {
    if (outcomeOf(e) === 'unknown') return { status: 'unknown', reason: e.message };
    return reject(e.code, e.message, e.retryable);
  }
  throw e;
}
