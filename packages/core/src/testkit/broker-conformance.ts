/**
 * The broker conformance kit: what every tradekit Broker must do, written once and run against each
 * implementation (the paper broker, the MT5 adapter on its simulator, yours). Framework-agnostic:
 * `defineBrokerConformance(it, create)` registers one test per case with mocha, vitest or node:test.
 *
 * The harness gives a fresh broker per case with a EURUSD-like symbol (5 digits, contract 100 000,
 * volume 0.01–100 step 0.01, stops level 0) quoted 1.10000 / 1.10010, a 10 000 USD hedging account at
 * 1:100, no commission and no slippage, and a way to move the market and the clock.
 */
import assert from 'node:assert/strict';
import type { ActionResult, Broker } from '../interfaces.js';
import type { Deal, MaybePromise, OrderIntent, OrderResult, Position } from '../types.js';

export interface BrokerHarness {
  readonly broker: Broker;
  readonly symbol: string;
  /** The magic number the harness's orders carry. */
  readonly magic: number;
  /** Broker time now (epoch ms UTC). */
  now(): number;
  /** Moves the market at the current time; the broker's next call sees it (and fires SL/TP/pending orders). */
  quote(bid: number, ask: number): MaybePromise<void>;
  /** Moves time forward; the market stays where it is. */
  advance(ms: number): MaybePromise<void>;
  /** Optional (transport brokers): the next order's answer is lost after it executed. */
  loseNextResponse?(): void;
  /** Optional: the market closes (weekend, session break, no fresh quotes). */
  closeMarket?(): MaybePromise<void>;
  close(): MaybePromise<void>;
}

export type HarnessFactory = () => Promise<BrokerHarness>;

export interface ConformanceCase {
  id: string;
  title: string;
  /** Harness capability the case needs. */
  needs?: 'loseNextResponse' | 'closeMarket';
  run(h: BrokerHarness): Promise<void>;
}

const P = 0.00001;
const near = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: expected ${b} ± ${tol}, got ${a}`);

function intent(h: BrokerHarness, clientId: string, o: Partial<OrderIntent> = {}): OrderIntent {
  return { clientId, symbol: h.symbol, side: 'buy', type: 'market', volume: 0.1, magic: h.magic, comment: `tk ${clientId}`, ...o };
}

function filled(r: OrderResult, what: string): Extract<OrderResult, { status: 'filled' }> {
  assert.equal(
    r.status,
    'filled',
    `${what}: expected filled, got ${r.status}${r.status === 'rejected' ? ` (${r.code}: ${r.reason})` : r.status === 'unknown' ? ` (${r.reason})` : ''}`,
  );
  return r as Extract<OrderResult, { status: 'filled' }>;
}

function rejected(r: OrderResult | ActionResult, code: string, what: string): void {
  assert.equal(r.status, 'rejected', `${what}: expected rejected ${code}, got ${r.status}`);
  assert.equal((r as { code: string }).code, code, `${what}: wrong code (${(r as { reason?: string }).reason})`);
}

function done(r: ActionResult, what: string): void {
  assert.equal(r.status, 'done', `${what}: expected done, got ${r.status}${r.status === 'rejected' ? ` (${r.code}: ${r.reason})` : ''}`);
}

async function ours(h: BrokerHarness): Promise<Position[]> {
  return (await h.broker.positions({ symbol: h.symbol })).filter((p) => p.magic === undefined || p.magic === h.magic);
}

async function historyAround(h: BrokerHarness, from: number): Promise<Deal[]> {
  return h.broker.history({ from: from - 60_000, to: h.now() + 60_000 });
}

export const BROKER_CONFORMANCE: readonly ConformanceCase[] = [
  {
    id: 'market-buy',
    title: 'a market buy fills at the ask and becomes a position carrying the client id and magic',
    async run(h) {
      const r = filled(await h.broker.place(intent(h, 'ck-buy-1')), 'buy');
      near(r.price, 1.1001, P / 2, 'fill price');
      assert.equal(r.volume, 0.1);
      assert.equal(r.side, 'buy');
      near(r.time, h.now(), 2000, 'fill time (ms UTC)');
      const pos = await ours(h);
      assert.equal(pos.length, 1);
      const p = pos[0]!;
      assert.equal(p.id, r.positionId);
      assert.equal(p.clientId, 'ck-buy-1');
      assert.equal(p.side, 'buy');
      assert.equal(p.volume, 0.1);
      near(p.openPrice, r.price, P / 2, 'open price');
      if (p.magic !== undefined) assert.equal(p.magic, h.magic);
    },
  },
  {
    id: 'market-sell',
    title: 'a market sell fills at the bid',
    async run(h) {
      const r = filled(await h.broker.place(intent(h, 'ck-sell-1', { side: 'sell' })), 'sell');
      near(r.price, 1.1, P / 2, 'fill price');
      const [p] = await ours(h);
      assert.equal(p?.side, 'sell');
    },
  },
  {
    id: 'idempotent',
    title: 'placing the same client id twice returns the first result and opens one position',
    async run(h) {
      const a = filled(await h.broker.place(intent(h, 'ck-idem-1')), 'first');
      const b = await h.broker.place(intent(h, 'ck-idem-1'));
      assert.equal(b.status, 'filled');
      assert.equal((b as typeof a).positionId, a.positionId);
      assert.equal((await ours(h)).length, 1);
    },
  },
  {
    id: 'lookup',
    title: 'lookup(clientId) finds the position and its opening deal; an unknown id finds nothing',
    async run(h) {
      const r = filled(await h.broker.place(intent(h, 'ck-look-1')), 'buy');
      const f = await h.broker.lookup('ck-look-1');
      assert.ok(
        f.positions.some((p) => p.id === r.positionId),
        'position found',
      );
      assert.ok(
        f.deals.some((d) => d.entry === 'in' && d.positionId === r.positionId),
        'opening deal found',
      );
      const none = await h.broker.lookup('ck-never-used');
      assert.deepEqual([none.positions.length, none.orders.length, none.deals.length], [0, 0, 0]);
    },
  },
  {
    id: 'filters',
    title: 'positions() filters by symbol and magic',
    async run(h) {
      filled(await h.broker.place(intent(h, 'ck-filt-1')), 'buy');
      assert.equal((await h.broker.positions({ magic: h.magic })).length, 1);
      assert.equal((await h.broker.positions({ magic: h.magic + 1 })).length, 0);
      assert.equal((await h.broker.positions({ symbol: h.symbol })).length, 1);
    },
  },
  {
    id: 'partial-close',
    title: 'a partial close keeps the position id, shrinks the volume and books an out deal',
    async run(h) {
      const t0 = h.now();
      const r = filled(await h.broker.place(intent(h, 'ck-part-1', { volume: 0.3 })), 'buy');
      done(await h.broker.close(r.positionId, 0.1), 'partial close');
      const [p] = await ours(h);
      assert.equal(p?.id, r.positionId);
      near(p!.volume, 0.2, 1e-9, 'remaining volume');
      const outs = (await historyAround(h, t0)).filter((d) => d.positionId === r.positionId && d.entry === 'out');
      assert.equal(outs.length, 1);
      near(outs[0]!.volume, 0.1, 1e-9, 'out deal volume');
      assert.equal(outs[0]!.side, 'sell');
    },
  },
  {
    id: 'full-close',
    title: 'a full close realizes the profit at the bid and removes the position',
    async run(h) {
      const t0 = h.now();
      const r = filled(await h.broker.place(intent(h, 'ck-full-1')), 'buy');
      await h.quote(1.1051, 1.1052);
      const res = await h.broker.close(r.positionId);
      done(res, 'close');
      assert.equal((await ours(h)).length, 0);
      const out = (await historyAround(h, t0)).find((d) => d.positionId === r.positionId && d.entry === 'out');
      assert.ok(out, 'out deal in history');
      near(out.price, 1.1051, P / 2, 'close price');
      near(out.profit, 50, 0.011, 'realized profit (0.1 lot × 500 points)');
      near((await h.broker.account()).balance, 10_050, 0.011, 'balance');
    },
  },
  {
    id: 'close-unknown',
    title: 'closing a position that does not exist is rejected TK_ERR_BROKER_POSITION_NOT_FOUND (not retryable)',
    async run(h) {
      const r = await h.broker.close('987654321');
      rejected(r, 'TK_ERR_BROKER_POSITION_NOT_FOUND', 'close unknown');
      assert.equal((r as { retryable: boolean }).retryable, false);
    },
  },
  {
    id: 'volume-below-min',
    title: 'a volume below the minimum is rejected TK_ERR_BROKER_INVALID_VOLUME and nothing opens',
    async run(h) {
      rejected(await h.broker.place(intent(h, 'ck-vmin-1', { volume: 0.001 })), 'TK_ERR_BROKER_INVALID_VOLUME', 'tiny volume');
      assert.equal((await ours(h)).length, 0);
    },
  },
  {
    id: 'volume-off-step',
    title: 'a volume off the step grid is rejected, or filled floored to the step (never more than asked)',
    async run(h) {
      const r = await h.broker.place(intent(h, 'ck-vstep-1', { volume: 0.125 }));
      if (r.status === 'rejected') assert.equal(r.code, 'TK_ERR_BROKER_INVALID_VOLUME');
      else {
        const f = filled(r, 'off-step');
        near(f.volume, 0.12, 1e-9, 'floored volume');
      }
    },
  },
  {
    id: 'invalid-stops',
    title: 'a buy with its SL above the bid is rejected TK_ERR_BROKER_INVALID_STOPS and nothing opens',
    async run(h) {
      rejected(await h.broker.place(intent(h, 'ck-stop-1', { sl: 1.1005 })), 'TK_ERR_BROKER_INVALID_STOPS', 'wrong-side SL');
      assert.equal((await ours(h)).length, 0);
    },
  },
  {
    id: 'no-money',
    title: 'an order whose margin exceeds the free margin is rejected TK_ERR_BROKER_NO_MONEY',
    async run(h) {
      rejected(await h.broker.place(intent(h, 'ck-money-1', { volume: 90 })), 'TK_ERR_BROKER_NO_MONEY', '90 lots on 10 000 USD');
      assert.equal((await ours(h)).length, 0);
    },
  },
  {
    id: 'modify',
    title: 'modify sets SL/TP; the same values again are a no-op; a wrong-side SL and an unknown position are rejected',
    async run(h) {
      const r = filled(await h.broker.place(intent(h, 'ck-mod-1')), 'buy');
      done(await h.broker.modify(r.positionId, { sl: 1.095, tp: 1.11 }), 'modify');
      const [p] = await ours(h);
      near(p!.sl!, 1.095, P / 2, 'sl');
      near(p!.tp!, 1.11, P / 2, 'tp');
      done(await h.broker.modify(r.positionId, { sl: 1.095, tp: 1.11 }), 'same values');
      rejected(await h.broker.modify(r.positionId, { sl: 1.1005 }), 'TK_ERR_BROKER_INVALID_STOPS', 'SL above bid');
      rejected(await h.broker.modify('987654321', { sl: 1.09 }), 'TK_ERR_BROKER_POSITION_NOT_FOUND', 'unknown position');
    },
  },
  {
    id: 'stop-loss',
    title: 'the market through a buy’s SL closes it with an out deal of reason "sl" (gap fills at the market)',
    async run(h) {
      const t0 = h.now();
      const r = filled(await h.broker.place(intent(h, 'ck-sl-1', { sl: 1.095 })), 'buy');
      await h.quote(1.094, 1.0941);
      assert.equal((await ours(h)).length, 0, 'position closed');
      const out = (await historyAround(h, t0)).find((d) => d.positionId === r.positionId && d.entry === 'out');
      assert.ok(out, 'out deal');
      assert.equal(out.reason, 'sl');
      assert.ok(out.price <= 1.095 + P / 2, `SL fill ${out.price} at or below the SL`);
      assert.ok(out.profit < 0);
    },
  },
  {
    id: 'take-profit',
    title: 'the market through a sell’s TP closes it with reason "tp"',
    async run(h) {
      const t0 = h.now();
      const r = filled(await h.broker.place(intent(h, 'ck-tp-1', { side: 'sell', tp: 1.095 })), 'sell');
      await h.quote(1.094, 1.0941);
      assert.equal((await ours(h)).length, 0, 'position closed');
      const out = (await historyAround(h, t0)).find((d) => d.positionId === r.positionId && d.entry === 'out');
      assert.ok(out, 'out deal');
      assert.equal(out.reason, 'tp');
      assert.ok(out.profit > 0);
    },
  },
  {
    id: 'pending-lifecycle',
    title: 'a buy limit below the market is placed and listed; cancel removes it; a second cancel is TK_ERR_BROKER_ORDER_NOT_FOUND',
    async run(h) {
      const r = await h.broker.place(intent(h, 'ck-lim-1', { type: 'limit', price: 1.095 }));
      assert.equal(r.status, 'placed', `placed (${r.status === 'rejected' ? r.reason : ''})`);
      const orderId = (r as Extract<OrderResult, { status: 'placed' }>).orderId;
      const orders = await h.broker.orders({ symbol: h.symbol });
      assert.equal(orders.length, 1);
      assert.equal(orders[0]!.id, orderId);
      assert.equal(orders[0]!.clientId, 'ck-lim-1');
      assert.equal(orders[0]!.type, 'limit');
      assert.equal(orders[0]!.side, 'buy');
      near(orders[0]!.price, 1.095, P / 2, 'limit price');
      done(await h.broker.cancel(orderId), 'cancel');
      assert.equal((await h.broker.orders({ symbol: h.symbol })).length, 0);
      rejected(await h.broker.cancel(orderId), 'TK_ERR_BROKER_ORDER_NOT_FOUND', 'second cancel');
    },
  },
  {
    id: 'pending-wrong-side',
    title: 'a buy limit above the ask is rejected TK_ERR_BROKER_INVALID_PRICE',
    async run(h) {
      rejected(await h.broker.place(intent(h, 'ck-limw-1', { type: 'limit', price: 1.105 })), 'TK_ERR_BROKER_INVALID_PRICE', 'buy limit above the market');
      assert.equal((await h.broker.orders({ symbol: h.symbol })).length, 0);
    },
  },
  {
    id: 'pending-fills',
    title: 'a buy limit fills when the ask reaches it: the position carries the order’s client id',
    async run(h) {
      const r = await h.broker.place(intent(h, 'ck-limf-1', { type: 'limit', price: 1.095 }));
      assert.equal(r.status, 'placed');
      await h.quote(1.094, 1.0945);
      const pos = await ours(h);
      assert.equal(pos.length, 1, 'one position');
      assert.equal(pos[0]!.clientId, 'ck-limf-1');
      assert.equal(pos[0]!.side, 'buy');
      assert.ok(pos[0]!.openPrice <= 1.095 + P / 2, `filled at or below the limit (${pos[0]!.openPrice})`);
      assert.equal((await h.broker.orders({ symbol: h.symbol })).length, 0);
      const f = await h.broker.lookup('ck-limf-1');
      assert.ok(
        f.deals.some((d) => d.entry === 'in'),
        'opening deal carries the client id',
      );
    },
  },
  {
    id: 'pending-expires',
    title: 'a pending order with an expiry disappears after it, unfilled',
    async run(h) {
      const r = await h.broker.place(intent(h, 'ck-exp-1', { type: 'limit', price: 1.095, expiresAt: h.now() + 60_000 }));
      assert.equal(r.status, 'placed');
      await h.advance(120_000);
      assert.equal((await h.broker.orders({ symbol: h.symbol })).length, 0, 'expired');
      assert.equal((await ours(h)).length, 0, 'not filled');
    },
  },
  {
    id: 'deal-stream',
    title: 'opening and closing deals reach history (and subscribers, when the broker pushes deals)',
    async run(h) {
      const got: Deal[] = [];
      const unsub = h.broker.subscribeDeals?.((d) => got.push(d));
      await h.broker.positions();
      const t0 = h.now();
      const r = filled(await h.broker.place(intent(h, 'ck-deal-1')), 'buy');
      done(await h.broker.close(r.positionId), 'close');
      await h.broker.positions();
      const hist = (await historyAround(h, t0)).filter((d) => d.positionId === r.positionId);
      assert.deepEqual(hist.map((d) => d.entry).sort(), ['in', 'out']);
      for (const d of hist) near(d.time, h.now(), 5000, `deal ${d.id} time (ms UTC)`);
      if (unsub) {
        assert.ok(
          got.some((d) => d.positionId === r.positionId && d.entry === 'out'),
          'subscriber saw the closing deal',
        );
        unsub();
      }
    },
  },
  {
    id: 'history-inclusive',
    title: 'history(range) includes deals exactly at both ends of the range',
    async run(h) {
      const t0 = h.now();
      const r = filled(await h.broker.place(intent(h, 'ck-hist-1')), 'buy');
      const d = (await historyAround(h, t0)).find((x) => x.positionId === r.positionId && x.entry === 'in');
      assert.ok(d, 'opening deal');
      const exact = await h.broker.history({ from: d.time, to: d.time });
      assert.ok(
        exact.some((x) => x.id === d.id),
        'deal at from = to = its time',
      );
    },
  },
  {
    id: 'account-identity',
    title: 'account: equity = balance + floating profit, free margin = equity − margin, margin level = equity / margin × 100',
    async run(h) {
      filled(await h.broker.place(intent(h, 'ck-acct-1', { volume: 1 })), 'buy');
      await h.quote(1.1021, 1.1022);
      const a = await h.broker.account();
      const pos = await ours(h);
      const floating = pos.reduce((s, p) => s + p.profit + p.swap, 0);
      near(a.balance, 10_000, 0.011, 'balance');
      near(a.equity, a.balance + floating, 0.021, 'equity');
      near(floating, 200, 0.5, 'floating profit (1 lot × 200 points)');
      assert.ok(a.margin > 0, 'margin in use');
      near(a.freeMargin, a.equity - a.margin, 0.021, 'free margin');
      near(a.marginLevel, (a.equity / a.margin) * 100, 0.1, 'margin level');
    },
  },
  {
    id: 'unknown-symbol',
    title: 'an order for a symbol the broker does not know is rejected (not thrown, not unknown) and not retryable',
    async run(h) {
      const r = await h.broker.place(intent(h, 'ck-sym-1', { symbol: 'NOSUCH' }));
      assert.equal(r.status, 'rejected', `expected rejected, got ${r.status}`);
      assert.equal((r as { retryable: boolean }).retryable, false);
      assert.match((r as { code: string }).code, /^TK_ERR_/);
    },
  },
  {
    id: 'close-too-much',
    title: 'closing more than the position holds is rejected TK_ERR_BROKER_INVALID_VOLUME and leaves it open',
    async run(h) {
      const r = filled(await h.broker.place(intent(h, 'ck-over-1', { volume: 0.2 })), 'buy');
      rejected(await h.broker.close(r.positionId, 0.5), 'TK_ERR_BROKER_INVALID_VOLUME', 'close 0.5 of 0.2');
      const [p] = await ours(h);
      near(p!.volume, 0.2, 1e-9, 'volume unchanged');
    },
  },
  {
    id: 'partial-close-off-step',
    title: 'a partial close off the step grid is rejected, or closes the volume floored to the step',
    async run(h) {
      const r = filled(await h.broker.place(intent(h, 'ck-pstep-1', { volume: 0.3 })), 'buy');
      const res = await h.broker.close(r.positionId, 0.105);
      const [p] = await ours(h);
      if (res.status === 'rejected') {
        assert.equal(res.code, 'TK_ERR_BROKER_INVALID_VOLUME');
        near(p!.volume, 0.3, 1e-9, 'volume unchanged');
      } else {
        done(res, 'partial close');
        near(p!.volume, 0.2, 1e-9, 'closed 0.1 (0.105 floored to the 0.01 step)');
      }
    },
  },
  {
    id: 'pending-stop-fills',
    title: 'a buy stop above the market fills when the ask reaches it',
    async run(h) {
      const r = await h.broker.place(intent(h, 'ck-bstop-1', { type: 'stop', price: 1.105 }));
      assert.equal(r.status, 'placed', `placed (${r.status === 'rejected' ? r.reason : ''})`);
      const [o] = await h.broker.orders({ symbol: h.symbol });
      assert.equal(o?.type, 'stop');
      await h.quote(1.1055, 1.1056);
      const pos = await ours(h);
      assert.equal(pos.length, 1);
      assert.equal(pos[0]!.clientId, 'ck-bstop-1');
      assert.ok(pos[0]!.openPrice >= 1.105 - P / 2, `filled at or above the stop (${pos[0]!.openPrice})`);
    },
  },
  {
    id: 'market-closed',
    title: 'with the market closed a market order is rejected TK_ERR_BROKER_MARKET_CLOSED, retryable',
    needs: 'closeMarket',
    async run(h) {
      await h.closeMarket!();
      const r = await h.broker.place(intent(h, 'ck-closed-1'));
      rejected(r, 'TK_ERR_BROKER_MARKET_CLOSED', 'closed market');
      assert.equal((r as { retryable: boolean }).retryable, true);
      assert.equal((await ours(h)).length, 0);
    },
  },
  {
    id: 'lost-response',
    title: 'an order whose answer is lost after it executed opens exactly one position (reconciled, never resent)',
    needs: 'loseNextResponse',
    async run(h) {
      h.loseNextResponse!();
      const r = await h.broker.place(intent(h, 'ck-lost-1'));
      assert.ok(r.status === 'filled' || r.status === 'unknown', `filled (reconciled) or unknown, got ${r.status}`);
      const again = await h.broker.place(intent(h, 'ck-lost-1'));
      assert.notEqual(again.status, 'rejected');
      const mine = (await ours(h)).filter((p) => p.clientId === 'ck-lost-1');
      assert.equal(mine.length, 1, 'exactly one position');
      if (r.status === 'filled') assert.equal(r.positionId, mine[0]!.id);
    },
  },
];

/** Cases this harness can run (a case needing a capability the harness lacks is left out). */
export function conformanceCases(h: { loseNextResponse?: unknown; closeMarket?: unknown }): ConformanceCase[] {
  return BROKER_CONFORMANCE.filter((c) => !c.needs || typeof (h as Record<string, unknown>)[c.needs] === 'function');
}

/** Runs one case on a fresh harness and closes it. */
export async function runConformanceCase(c: ConformanceCase, create: HarnessFactory): Promise<void> {
  const h = await create();
  try {
    await c.run(h);
  } finally {
    await h.close();
  }
}

/**
 * Registers every case with a test runner: `defineBrokerConformance(it, () => makeHarness())`.
 * `capabilities` says which optional harness features the factory's harnesses have.
 */
export function defineBrokerConformance(
  register: (title: string, fn: () => Promise<void>) => unknown,
  create: HarnessFactory,
  capabilities: { loseNextResponse?: boolean; closeMarket?: boolean } = {},
): void {
  const probe = {
    loseNextResponse: capabilities.loseNextResponse ? () => undefined : undefined,
    closeMarket: capabilities.closeMarket ? () => undefined : undefined,
  };
  for (const c of conformanceCases(probe)) register(`${c.id}: ${c.title}`, () => runConformanceCase(c, create));
}
