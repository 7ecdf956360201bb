/**
 * The MT5 Broker. Every order is normalized before it leaves (broker symbol, volume floored to the
 * step, prices on the tick grid, SL/TP checked against the stops level, filling mode from the
 * symbol's bits and cached for opens and closes), carries the client id in its comment plus the run's
 * magic number (and, once fenced, the run's fencing token), and its retcode is classified: success,
 * refresh-and-retry, back off, switch filling, reconcile, or reject with a tradekit code.
 *
 * A write whose outcome is unknown — a None from `order_send`, a dropped connection, an answer after
 * the deadline, 10012 — is never resent: the adapter looks it up (client id; position volume for
 * closes; SL/TP for modifies; the order list for cancels), adopts what it finds, and otherwise
 * answers `unknown` for the engine to reconcile. Only a proof that the terminal never saw the request
 * allows a resend or a plain rejection (see ambiguity.ts).
 */
import {
  TradekitError,
  type ActionResult,
  type Account,
  type Broker,
  type ClientIdLookup,
  type Clock,
  type Deal,
  type FencingToken,
  type Logger,
  type OrderIntent,
  type OrderResult,
  type PendingOrder,
  type Position,
  type PositionFilter,
  type RejectedResult,
} from '@tradekit/core';
import { outcomeOf } from '../errors.js';
import { DEAL_ENTRY, ORDER_FILLING, ORDER_TIME, ORDER_TYPE, TRADE_ACTION } from '../mt5/constants.js';
import { classifyRetcode, RETCODE } from '../mt5/retcodes.js';
import type { Mt5AccountInfo, Mt5Deal, Mt5Order, Mt5OrderSendResult, Mt5Position, Mt5Tick } from '../mt5/types.js';
import type { CallResult } from '../transport/gateway.js';
import { systemTimer, type WallTimer } from '../transport/wall-clock.js';
import { FENCE_METHOD, type FenceValue } from '../wire/protocol.js';
import { describeNone, noneProvesNotSent } from './ambiguity.js';
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
  /** Resends after a transport failure that proves the request never reached the terminal (`not_sent`). */
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
  /** The run's fencing token, sent with every write once `fence` recorded it. */
  private fenceToken?: FencingToken;
  /** Closes whose outcome stayed unknown, by position ticket: a later close settles them first. */
  private readonly unsettledCloses = new Map<string, { fromVolume: number; volume: number }>();

  constructor(
    readonly session: Mt5Session,
    private readonly clock: Clock,
    options: Partial<Mt5BrokerOptions> = {},
    private readonly log: Logger = session.log,
    private readonly timer: WallTimer = systemTimer,
  ) {
    this.opts = { ...BROKER_DEFAULTS, ...options };
    this.filling = new FillingPolicy(this.opts.fillingModes);
    session.gateway.on('up', () => this.refence());
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
    return list
      .filter((o) => isPendingType(o.type) && (filter?.magic === undefined || o.magic === filter.magic))
      .map((o) => pendingOf(o, this.sc, this.session.canonical(o.symbol)));
  }

  async history(range: { from: number; to: number }): Promise<Deal[]> {
    const raw = await this.session.must<Mt5Deal[]>(
      'history_deals_get',
      [this.sc.toServerSec(range.from), this.sc.toServerSec(range.to) + 1],
      {},
      'read deal history',
    );
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
    const deals = (
      await this.session.must<Mt5Deal[]>(
        'history_deals_get',
        [this.sc.toServerSec(now - this.opts.lookupDays * DAY), this.sc.toServerSec(now + 3_600_000)],
        {},
        'read deal history',
      )
    ).filter((d) => ours(d) && (d.type === 0 || d.type === 1));
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

  // ------------------------------------------------------------------ fencing

  /**
   * One writer per run: records the run's fencing token in the bridge (`tk_fence`) and sends it with
   * every later write, which the bridge refuses (TK_ERR_RUN_FENCED, nothing reaches the terminal) once
   * a newer holder fenced with a larger token. Throws TK_ERR_RUN_FENCED when that already happened.
   * A bridge without `tk_fence` (before 0.2.0) is tolerated with a warning: the run lease still holds.
   */
  async fence(token: FencingToken): Promise<void> {
    await this.session.open();
    if (!this.session.hello?.methods.includes(FENCE_METHOD)) {
      this.log.warn(
        { run: token.run, server: this.session.hello?.server, version: this.session.hello?.version },
        'this bridge does not enforce fencing (no tk_fence): upgrade bridge/mt5_bridge.py; the run lease in the state store still protects the run',
      );
    } else await this.sendFence(token);
    this.fenceToken = { run: token.run, token: token.token };
  }

  private async sendFence(token: FencingToken): Promise<void> {
    await this.session.gateway.call<FenceValue>(FENCE_METHOD, [], { run: token.run, token: token.token }, { deadlineMs: 5000 });
  }

  /** After a reconnect the bridge may have restarted (its table is in memory): record our token again. */
  private refence(): void {
    const f = this.fenceToken;
    if (!f || !this.session.hello?.methods.includes(FENCE_METHOD)) return;
    this.sendFence(f).catch((e: unknown) => {
      const code = (e as { code?: string }).code;
      if (code === 'TK_ERR_RUN_FENCED') this.log.error({ run: f.run, token: f.token, code }, (e as Error).message);
      else this.log.warn({ run: f.run, code }, `could not record the fencing token after reconnecting (the next write carries it): ${(e as Error).message}`);
    });
  }

  // ------------------------------------------------------------------ place

  async place(intent: OrderIntent): Promise<OrderResult> {
    const prior = this.results.get(intent.clientId);
    if (prior && prior.status !== 'unknown') return prior;
    let p = this.inflight.get(intent.clientId);
    if (!p) {
      // After an unknown outcome the same client id is only ever looked up again, never resent.
      p = (prior ? this.ambiguousPlace(intent, prior.reason) : this.placeOnce(intent)).finally(() => this.inflight.delete(intent.clientId));
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
    if (!r.value)
      throw new TradekitError('TK_ERR_MT5_NO_QUOTES', `no quote for ${sym}: last_error (${r.lastError[0]}, '${r.lastError[1]}')`, {
        classification: 'retryable',
        symbol: sym,
      });
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
      if (deal) await this.bestEffort(async () => this.emit(await this.toDeals(deal)), 'emit the reconciled fill');
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
      return {
        status: 'placed',
        ...base,
        orderId: o.ticket,
        side: intent.side,
        type: intent.type,
        volume: o.volume_current,
        price: o.price_open || 0,
        time: this.sc.fromServerMs(o.time_setup_msc),
      };
    }
    return undefined;
  }

  /**
   * An `order_send` whose outcome we do not know (ambiguity.ts): adopt what carries the client id;
   * otherwise `unknown` — an empty lookup is not proof that nothing happened, so nothing is resent.
   */
  private async ambiguousPlace(intent: OrderIntent, reason: string): Promise<OrderResult> {
    const base = { clientId: intent.clientId, symbol: intent.symbol };
    let found: OrderResult | undefined;
    try {
      found = await this.reconciled(intent);
    } catch (e) {
      return { status: 'unknown', ...base, reason: `${reason}; the lookup by client id failed too: ${(e as Error).message}` };
    }
    if (found) return found;
    this.log.warn(
      { clientId: intent.clientId, reason },
      'outcome unknown and nothing carries the client id yet (the terminal may still execute it): not resending',
    );
    return {
      status: 'unknown',
      ...base,
      reason: `${reason}; nothing carries the client id yet and the terminal may still execute it: reconcile later, never resend`,
    };
  }

  private async placeOnce(intent: OrderIntent): Promise<OrderResult> {
    const base = { clientId: intent.clientId, symbol: intent.symbol };
    const rej = (code: string, reason: string, retryable = false, extra: Partial<RejectedResult> = {}): RejectedResult => ({
      status: 'rejected',
      ...base,
      code,
      reason,
      retryable,
      ...extra,
    });
    // True while an order_send of this intent may have executed: an error we then cannot explain is
    // `unknown`, never a rejection (which would let the engine forget a live position).
    let mayHaveExecuted = false;
    try {
      const sym = await this.session.brokerSymbol(intent.symbol);
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
        type: market
          ? buy
            ? ORDER_TYPE.BUY
            : ORDER_TYPE.SELL
          : intent.type === 'limit'
            ? buy
              ? ORDER_TYPE.BUY_LIMIT
              : ORDER_TYPE.SELL_LIMIT
            : buy
              ? ORDER_TYPE.BUY_STOP
              : ORDER_TYPE.SELL_STOP,
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
          if (intent.expiresAt <= this.clock.now())
            return rej('TK_ERR_MT5_INVALID_EXPIRATION', `expiration ${new Date(intent.expiresAt).toISOString()} is not in the future`);
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
            if (c.action === 'reject')
              return rej(c.errorCode, `order_check: ${c.name} (${chk.value.retcode}): ${chk.value.comment}`, c.errorClass === 'retryable', {
                retryAfterMs: undefined,
                errorClass: c.errorClass,
              });
          }
        }
        let res: CallResult<Mt5OrderSendResult>;
        try {
          mayHaveExecuted = true;
          res = await this.session.call<Mt5OrderSendResult>(
            'order_send',
            [req],
            {},
            { deadlineMs: this.opts.sendTimeoutMs, clientOrderId: intent.clientId, attempt, fence: this.fenceToken },
          );
        } catch (e) {
          if (isFenced(e)) return rej(e.code, e.message, false);
          const outcome = outcomeOf(e);
          if (!outcome) throw e;
          if (outcome === 'unknown') return this.ambiguousPlace(intent, `order_send: ${(e as Error).message}`);
          // not_sent: the bridge never handed it to the terminal — the one transport failure that
          // proves nothing happened, so a bounded resend is safe.
          mayHaveExecuted = false;
          if (transport < this.opts.maxTransportRetries) {
            transport++;
            this.log.warn({ clientId: intent.clientId, attempt }, `order_send never reached the terminal (${(e as Error).message}); resending`);
            await this.timer.sleep(this.opts.backoffMs * transport);
            if (market) tick = await this.tick(sym);
            continue;
          }
          return rej('TK_ERR_MT5_TRANSPORT', `order_send never reached the terminal: ${(e as Error).message}`, true);
        }
        const v = res.value;
        if (!v) {
          if (!noneProvesNotSent(res.lastError)) return this.ambiguousPlace(intent, describeNone(res.lastError));
          // The package refused the arguments before the terminal saw them: a plain rejection, once
          // the lookup confirms nothing carries the client id.
          mayHaveExecuted = false;
          const found = await this.reconciled(intent).catch(() => undefined);
          if (found) return found;
          return rej('TK_ERR_MT5_INVALID_REQUEST', `${describeNone(res.lastError)}: the package refused the request before it reached the terminal`, false);
        }
        // The terminal answered with a retcode: only success, 10012 and 10023 leave the outcome open.
        mayHaveExecuted = false;
        const cls = classifyRetcode(v.retcode);
        const reason = `${cls.name} (${v.retcode}): ${v.comment || cls.description}`;
        switch (cls.action) {
          case 'success':
            mayHaveExecuted = true;
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
            return rej(cls.errorCode, reason, true, { retryAfterMs: this.opts.backoffMs * 2 ** backoffs, errorClass: cls.errorClass });
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
            // 10011/10028: the server says it failed to process the request (a definite answer).
            if (retries < 2) {
              retries++;
              const found = await this.reconciled(intent);
              if (found) return found;
              await this.timer.sleep(this.opts.backoffMs);
              continue;
            }
            break;
          case 'reconcile': {
            if (v.retcode === RETCODE.TIMEOUT || v.retcode === RETCODE.ORDER_CHANGED) return this.ambiguousPlace(intent, reason);
            const found = await this.reconciled(intent);
            if (found) return found;
            break;
          }
        }
        return rej(cls.errorCode, reason, cls.errorClass === 'retryable', { errorClass: cls.errorClass });
      }
    } catch (e) {
      if (e instanceof TradekitError) {
        if (mayHaveExecuted) return { status: 'unknown', ...base, reason: e.message };
        return rej(e.code, e.message, e.retryable);
      }
      throw e;
    }
  }

  /**
   * The deal an `order_send` result names. `history_deals_get(ticket=)` selects deals by ORDER ticket
   * (the package's documented semantics; `position=` selects by position): query the result's order
   * and pick the deal whose ticket is `result.deal`. Undefined while history lags behind.
   */
  private async fillDeal(v: Pick<Mt5OrderSendResult, 'order' | 'deal'>): Promise<Mt5Deal | undefined> {
    if (!v.deal || v.deal === '0' || !v.order || v.order === '0') return undefined;
    const r = await this.session.call<Mt5Deal[]>('history_deals_get', [], { ticket: v.order });
    return r.value?.find((d) => d.ticket === v.deal);
  }

  /** A read after a write that executed: its failure must not turn the result into an error. */
  private async bestEffort<T>(fn: () => Promise<T>, what: string): Promise<T | undefined> {
    try {
      return await fn();
    } catch (e) {
      this.log.warn({ code: (e as { code?: string }).code }, `could not ${what} (the write itself succeeded): ${(e as Error).message}`);
      return undefined;
    }
  }

  private async filledOrPlaced(intent: OrderIntent, sym: string, v: Mt5OrderSendResult, volume: number, req: Record<string, unknown>): Promise<OrderResult> {
    const base = { clientId: intent.clientId, symbol: intent.symbol };
    if (v.retcode === RETCODE.PLACED || !v.deal || v.deal === '0') {
      // Pending order, or a market order the server accepted asynchronously (filled later).
      return {
        status: 'placed',
        ...base,
        orderId: v.order,
        side: intent.side,
        type: intent.type,
        volume,
        price: (req.price as number) || v.price,
        time: this.clock.now(),
      };
    }
    const deal = await this.bestEffort(() => this.fillDeal(v), 'read the fill deal');
    let positionId = deal?.position_id;
    if (!positionId) {
      if (this.session.hedging)
        positionId = v.order; // a new hedging position's ticket is its order's
      else
        positionId =
          (await this.bestEffort(
            async () => (await this.session.must<Mt5Position[]>('positions_get', [], { symbol: sym }, 'read positions'))[0]?.ticket,
            'read the position',
          )) ?? v.order;
    }
    if (deal) await this.bestEffort(async () => this.emit(await this.toDeals(deal)), 'emit the fill');
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

  /**
   * The deal a close produced, found after the fact: the newest exit deal of the position that was
   * not emitted yet, preferring one of the closed volume. Best effort (history may lag).
   */
  private async closingDeal(identifier: string, volume: number): Promise<Deal | undefined> {
    return this.bestEffort(async () => {
      const legs = (await this.session.must<Mt5Deal[]>('history_deals_get', [], { position: identifier }, 'read the position history')).filter(
        (d) => d.entry !== DEAL_ENTRY.IN && !this.seen.has(d.ticket) && !this.seen.has(`${d.ticket}:out`),
      );
      const d = [...legs].reverse().find((x) => Math.abs(x.volume - volume) < EPS) ?? legs.at(-1);
      if (!d) return undefined;
      const deals = await this.toDeals(d);
      this.emit(deals);
      return deals[0];
    }, 'read the closing deal');
  }

  /**
   * A close whose outcome we do not know (ambiguity.ts): the evidence is the position's volume. Gone,
   * or down by the slice → it executed. Unchanged → `unknown` (remembered, so a later partial close
   * of this position never closes a second slice), or a rejection when the None proved not-sent.
   */
  private async ambiguousClose(pos: Mt5Position, vol: number, reason: string, notSent: boolean): Promise<ActionResult> {
    let now: Mt5Position | undefined;
    try {
      now = await this.position(pos.ticket);
    } catch (e) {
      if (notSent) return reject('TK_ERR_MT5_INVALID_REQUEST', `${reason}: the package refused the request before it reached the terminal`);
      this.unsettledCloses.set(pos.ticket, { fromVolume: pos.volume, volume: vol });
      return { status: 'unknown', reason: `${reason}; could not re-read the position: ${(e as Error).message}` };
    }
    if (!now || now.volume <= pos.volume - vol + EPS) {
      this.log.info({ position: pos.ticket, volume: vol, left: now?.volume ?? 0 }, 'reconciled: the close had executed; not resending');
      return { status: 'done', deal: await this.closingDeal(pos.identifier, vol) };
    }
    if (notSent) return reject('TK_ERR_MT5_INVALID_REQUEST', `${reason}: the package refused the request before it reached the terminal`);
    this.unsettledCloses.set(pos.ticket, { fromVolume: pos.volume, volume: vol });
    this.log.warn(
      { position: pos.ticket, volume: vol, reason },
      'close outcome unknown and the position is unchanged (the terminal may still execute it): not resending',
    );
    return {
      status: 'unknown',
      reason: `${reason}; position ${pos.ticket} still holds ${now.volume} and the terminal may still execute the close: reconcile later, never resend`,
    };
  }

  async close(positionId: string, volume?: number): Promise<ActionResult> {
    try {
      const pos = await this.position(positionId);
      const earlier = this.unsettledCloses.get(positionId);
      if (earlier) {
        // A close of this position whose answer we never got: settle it before sending anything.
        if (!pos || pos.volume <= earlier.fromVolume - earlier.volume + EPS) {
          this.unsettledCloses.delete(positionId);
          this.log.info({ position: positionId, volume: earlier.volume }, 'the earlier close whose outcome was unknown had executed: not closing again');
          return { status: 'done', deal: await this.closingDeal(pos?.identifier ?? positionId, earlier.volume) };
        }
        if (volume !== undefined && volume < pos.volume - EPS) {
          return {
            status: 'unknown',
            reason: `an earlier close of ${earlier.volume} of position ${positionId} has an unknown outcome and the position still holds ${pos.volume}: no further partial close until it resolves (a full close is allowed)`,
          };
        }
        this.unsettledCloses.delete(positionId); // a full close settles it whichever way it went
      }
      if (!pos) return reject('TK_ERR_BROKER_POSITION_NOT_FOUND', `position ${positionId} does not exist (closed?)`);
      const sym = pos.symbol;
      const info = await this.session.spec(sym);
      let vol = pos.volume;
      if (volume !== undefined) {
        if (volume > pos.volume + EPS) return reject('TK_ERR_BROKER_INVALID_VOLUME', `close volume ${volume} exceeds the position's ${pos.volume} (10038)`);
        vol = normalizeVolume(volume, info);
        if (!(vol > 0) || vol < info.volume_min - EPS)
          return reject(
            'TK_ERR_BROKER_INVALID_VOLUME',
            `partial close of ${volume} floors to ${vol} (step ${info.volume_step}), below the minimum ${info.volume_min} for ${sym}`,
          );
        if (vol >= pos.volume - EPS) vol = pos.volume;
        else if (pos.volume - vol < info.volume_min - EPS) {
          return reject(
            'TK_ERR_BROKER_INVALID_VOLUME',
            `closing ${vol} of ${pos.volume} would leave ${Number((pos.volume - vol).toFixed(8))}, below the minimum ${info.volume_min} for ${sym}; close it all or less`,
          );
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
        let res: CallResult<Mt5OrderSendResult>;
        try {
          res = await this.session.call<Mt5OrderSendResult>('order_send', [req], {}, { deadlineMs: this.opts.sendTimeoutMs, fence: this.fenceToken });
        } catch (e) {
          if (isFenced(e)) return reject(e.code, e.message);
          const outcome = outcomeOf(e);
          if (!outcome) throw e;
          if (outcome === 'unknown') return this.ambiguousClose(pos, vol, `close: order_send: ${(e as Error).message}`, false);
          if (transport < this.opts.maxTransportRetries) {
            transport++;
            await this.timer.sleep(this.opts.backoffMs * transport);
            continue;
          }
          return reject('TK_ERR_MT5_TRANSPORT', `close: order_send never reached the terminal: ${(e as Error).message}`, true);
        }
        const v = res.value;
        if (!v) return this.ambiguousClose(pos, vol, `close: ${describeNone(res.lastError)}`, noneProvesNotSent(res.lastError));
        const cls = classifyRetcode(v.retcode);
        const reason = `${cls.name} (${v.retcode}): ${v.comment || cls.description}`;
        if (cls.action === 'success') {
          const deal = await this.bestEffort(() => this.fillDeal(v), 'read the closing deal');
          const deals = deal ? ((await this.bestEffort(() => this.toDeals(deal), 'convert the closing deal')) ?? []) : [];
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
        if (v.retcode === RETCODE.TIMEOUT || v.retcode === RETCODE.ORDER_CHANGED) return this.ambiguousClose(pos, vol, `close: ${reason}`, false);
        if (cls.action === 'reconcile' || cls.action === 'retry') {
          const now = await this.position(positionId);
          if (!now)
            return v.retcode === RETCODE.POSITION_CLOSED
              ? reject('TK_ERR_BROKER_POSITION_NOT_FOUND', `position ${positionId} is already closed (${reason})`)
              : { status: 'done' };
          if (now.volume <= pos.volume - vol + EPS) return { status: 'done' };
        }
        return reject(cls.errorCode, reason, cls.errorClass === 'retryable');
      }
    } catch (e) {
      return caught(e);
    }
  }

  /** A modify whose outcome we do not know: the position's SL/TP are the evidence. */
  private async ambiguousModify(positionId: string, sl: number, tp: number, reason: string, notSent: boolean): Promise<ActionResult> {
    let now: Mt5Position | undefined;
    try {
      now = await this.position(positionId);
    } catch (e) {
      if (notSent) return reject('TK_ERR_MT5_INVALID_REQUEST', `${reason}: the package refused the request before it reached the terminal`);
      return { status: 'unknown', reason: `${reason}; could not re-read the position: ${(e as Error).message}` };
    }
    if (now && now.sl === sl && now.tp === tp) return { status: 'done' };
    if (!now) return reject('TK_ERR_BROKER_POSITION_NOT_FOUND', `position ${positionId} closed meanwhile (${reason})`);
    if (notSent) return reject('TK_ERR_MT5_INVALID_REQUEST', `${reason}: the package refused the request before it reached the terminal`);
    return { status: 'unknown', reason: `${reason}; the position's stops are unchanged and the terminal may still apply them: reconcile later, never resend` };
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
      let transport = 0;
      for (let attempt = 0; ; attempt++) {
        let res: CallResult<Mt5OrderSendResult>;
        try {
          res = await this.session.call<Mt5OrderSendResult>('order_send', [req], {}, { deadlineMs: this.opts.sendTimeoutMs, fence: this.fenceToken });
        } catch (e) {
          if (isFenced(e)) return reject(e.code, e.message);
          const outcome = outcomeOf(e);
          if (!outcome) throw e;
          if (outcome === 'unknown') return this.ambiguousModify(positionId, sl, tp, `modify: order_send: ${(e as Error).message}`, false);
          if (transport < this.opts.maxTransportRetries) {
            transport++;
            await this.timer.sleep(this.opts.backoffMs * transport);
            continue;
          }
          return reject('TK_ERR_MT5_TRANSPORT', `modify: order_send never reached the terminal: ${(e as Error).message}`, true);
        }
        const v = res.value;
        if (!v) return this.ambiguousModify(positionId, sl, tp, `modify: ${describeNone(res.lastError)}`, noneProvesNotSent(res.lastError));
        const cls = classifyRetcode(v.retcode);
        if (cls.action === 'success') return { status: 'done' };
        if (v.retcode === RETCODE.TIMEOUT || v.retcode === RETCODE.ORDER_CHANGED)
          return this.ambiguousModify(positionId, sl, tp, `modify: ${cls.name} (${v.retcode})`, false);
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
      // A cancel whose outcome we do not know: the order list is the evidence.
      const ambiguous = async (reason: string, notSent: boolean): Promise<ActionResult> => {
        let still: Mt5Order | undefined;
        try {
          still = await exists();
        } catch (e) {
          if (notSent) return reject('TK_ERR_MT5_INVALID_REQUEST', `${reason}: the package refused the request before it reached the terminal`);
          return { status: 'unknown', reason: `${reason}; could not re-read the order: ${(e as Error).message}` };
        }
        if (!still) return { status: 'done' };
        if (notSent) return reject('TK_ERR_MT5_INVALID_REQUEST', `${reason}: the package refused the request before it reached the terminal`);
        return { status: 'unknown', reason: `${reason}; order ${orderId} is still listed and the terminal may still remove it: reconcile later, never resend` };
      };
      let res: CallResult<Mt5OrderSendResult>;
      try {
        res = await this.session.call<Mt5OrderSendResult>('order_send', [req], {}, { deadlineMs: this.opts.sendTimeoutMs, fence: this.fenceToken });
      } catch (e) {
        if (isFenced(e)) return reject(e.code, e.message);
        const outcome = outcomeOf(e);
        if (!outcome) throw e;
        if (outcome === 'not_sent') return reject('TK_ERR_MT5_TRANSPORT', `cancel: order_send never reached the terminal: ${(e as Error).message}`, true);
        return ambiguous(`cancel: order_send: ${(e as Error).message}`, false);
      }
      const v = res.value;
      if (!v) return ambiguous(`cancel: ${describeNone(res.lastError)}`, noneProvesNotSent(res.lastError));
      const cls = classifyRetcode(v.retcode);
      if (cls.action === 'success') return { status: 'done' };
      if (v.retcode === RETCODE.TIMEOUT || v.retcode === RETCODE.ORDER_CHANGED) return ambiguous(`cancel: ${cls.name} (${v.retcode})`, false);
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

function isFenced(e: unknown): e is TradekitError {
  return e instanceof TradekitError && e.code === 'TK_ERR_RUN_FENCED';
}

/**
 * Errors outside the send itself: every ambiguous send is settled where it happens (ambiguous*), so
 * what reaches here failed before anything was sent, or after the write's outcome was known.
 */
function caught(e: unknown): ActionResult {
  if (e instanceof TradekitError) return reject(e.code, e.message, e.retryable);
  throw e;
}
