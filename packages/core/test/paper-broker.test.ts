import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Deal, FilledResult, OrderIntent, OrderResult, PlacedResult } from '../src/index.js';
import { bars, type Row } from './helpers/fs.js';
import { world, type World } from './helpers/world.js';
import { CLIENT_ID_MEMORY } from '../src/paper/paper-broker.js';

const EU = { EURUSD: { spread: 10, digits: 5 } }; // 10 points = 0.0001
let n = 0;
const intent = (o: Partial<OrderIntent>): OrderIntent => ({ clientId: `c${++n}`, symbol: 'EURUSD', side: 'buy', type: 'market', volume: 0.1, ...o });
const sync = <T>(v: T | Promise<T>): T => {
  assert.ok(!(v instanceof Promise), 'the paper broker over CSV data answers synchronously');
  return v as T;
};
const filled = (r: OrderResult): FilledResult => {
  assert.equal(r.status, 'filled', JSON.stringify(r));
  return r as FilledResult;
};
const deals = (w: World): Deal[] => sync(w.broker.history({ from: 0, to: Number.MAX_SAFE_INTEGER }));

/** Rows: [time, o, h, l, c] on M5 from 10:00. */
function m5(...ohlc: [number, number, number, number][]): Row[] {
  return bars('2026-01-05 10:00', 5, ohlc.length, (i) => ohlc[i]!);
}

describe('paper broker', () => {
  let w: World;
  afterEach(() => w?.cleanup());

  it('fills market buys at the ask and sells at the bid, charges commission, equity = balance + floating', async () => {
    w = await world(
      { EURUSD_M5: m5([1.1, 1.101, 1.099, 1.1005], [1.1005, 1.102, 1.1, 1.1015], [1.1015, 1.1016, 1.1014, 1.1015]) },
      { commissionPerLot: 7, balance: 10_000 },
      EU,
    );
    w.at('2026-01-05 10:05');
    const buy = filled(sync(w.broker.place(intent({ side: 'buy', volume: 1 }))));
    assert.equal(buy.price, 1.1006); // open 1.1005 + spread 0.0001
    const sell = filled(sync(w.broker.place(intent({ side: 'sell', volume: 1 }))));
    assert.equal(sell.price, 1.1005);
    let a = sync(w.broker.account());
    assert.equal(a.balance, 10_000 - 14);
    w.at('2026-01-05 10:10'); // bar 10:05 closed at 1.1015; quote = open of 10:10 = 1.1015
    a = sync(w.broker.account());
    const ps = sync(w.broker.positions());
    const floating = ps.reduce((s, p) => s + p.profit, 0);
    assert.equal(Math.round(floating * 100) / 100, Math.round(((1.1015 - 1.1006) * 100_000 + (1.1005 - 1.1016) * 100_000) * 100) / 100);
    assert.equal(a.equity, Math.round((a.balance + floating) * 100) / 100);
    assert.ok(a.margin > 0 && a.freeMargin === Math.round((a.equity - a.margin) * 100) / 100);
  });

  it('closes a buy at its SL price when a later bar trades through it, with reason sl', async () => {
    w = await world({ EURUSD_M5: m5([1.1, 1.1, 1.1, 1.1], [1.1, 1.1003, 1.0985, 1.099], [1.099, 1.099, 1.099, 1.099]) }, {}, EU);
    w.at('2026-01-05 10:05');
    const r = filled(sync(w.broker.place(intent({ sl: 1.099, tp: 1.102 }))));
    w.at('2026-01-05 10:10');
    assert.equal(sync(w.broker.positions()).length, 0);
    const out = deals(w).find((d) => d.entry === 'out')!;
    assert.equal(out.reason, 'sl');
    assert.equal(out.price, 1.099);
    assert.equal(out.positionId, r.positionId);
    assert.equal(out.profit, Math.round((1.099 - 1.1001) * 0.1 * 100_000 * 100) / 100);
  });

  it('takes profit at the TP price', async () => {
    w = await world({ EURUSD_M5: m5([1.1, 1.1, 1.1, 1.1], [1.1, 1.1025, 1.0995, 1.102], [1.102, 1.102, 1.102, 1.102]) }, {}, EU);
    w.at('2026-01-05 10:05');
    sync(w.broker.place(intent({ sl: 1.099, tp: 1.102 })));
    w.at('2026-01-05 10:10');
    const out = deals(w).find((d) => d.entry === 'out')!;
    assert.deepEqual([out.reason, out.price], ['tp', 1.102]);
  });

  it('fills a gapped-through stop at the open, not at the stop', async () => {
    // Position opened at 10:05; the 10:10 bar opens far below the SL.
    w = await world({ EURUSD_M5: m5([1.1, 1.1, 1.1, 1.1], [1.1, 1.1002, 1.0998, 1.1], [1.095, 1.096, 1.094, 1.095], [1.095, 1.095, 1.095, 1.095]) }, {}, EU);
    w.at('2026-01-05 10:05');
    sync(w.broker.place(intent({ sl: 1.099 })));
    w.at('2026-01-05 10:15');
    const out = deals(w).find((d) => d.entry === 'out')!;
    assert.deepEqual([out.reason, out.price, out.time], ['sl', 1.095, Date.parse('2026-01-05T10:10:00Z')]);
  });

  it('takes the pessimistic outcome (SL) when SL and TP are both inside one bar', async () => {
    w = await world({ EURUSD_M5: m5([1.1, 1.1, 1.1, 1.1], [1.1, 1.103, 1.097, 1.1], [1.1, 1.1, 1.1, 1.1]) }, {}, EU);
    w.at('2026-01-05 10:05');
    sync(w.broker.place(intent({ sl: 1.099, tp: 1.102 })));
    w.at('2026-01-05 10:10');
    assert.equal(deals(w).find((d) => d.entry === 'out')!.reason, 'sl');
  });

  it('triggers a sell stop-loss on the ask (bar high + spread)', async () => {
    // Bid high 1.10095 + spread 0.0001 = ask 1.10105 ≥ SL 1.101.
    w = await world({ EURUSD_M5: m5([1.1, 1.1, 1.1, 1.1], [1.1, 1.10095, 1.0999, 1.1], [1.1, 1.1, 1.1, 1.1]) }, {}, EU);
    w.at('2026-01-05 10:05');
    sync(w.broker.place(intent({ side: 'sell', sl: 1.101 })));
    w.at('2026-01-05 10:10');
    const out = deals(w).find((d) => d.entry === 'out');
    assert.equal(out?.reason, 'sl');
    assert.equal(out?.price, 1.101);
  });

  it("prices each bar with the data's recorded spread when it has one (fills, sell stops on the ask)", async () => {
    // Recorded spreads: 20 points at 10:00, 50 at 10:05 (news); the symbol's fixed spread is 10 points.
    const rows: Row[] = [
      ['2026-01-05 10:00:00', 1.1, 1.1, 1.1, 1.1, 100, 20],
      ['2026-01-05 10:05:00', 1.1, 1.1003, 1.0999, 1.1, 100, 50],
      ['2026-01-05 10:10:00', 1.1, 1.1, 1.1, 1.1, 100, 10],
    ];
    const run = async (barSpread: boolean) => {
      w?.cleanup();
      w = await world({ EURUSD_M5: rows }, {}, EU, '2026-01-05 10:00', { barSpread });
      const buy = filled(sync(w.broker.place(intent({ side: 'buy' }))));
      sync(w.broker.place(intent({ side: 'sell', sl: 1.1007 })));
      w.at('2026-01-05 10:05');
      const ask = sync(w.data.tick('EURUSD')).ask;
      // The broker walks 10:00 and 10:05 in one sync: each bar is priced with its own spread.
      w.at('2026-01-05 10:10');
      return { buyPrice: buy.price, ask, stopped: deals(w).filter((d) => d.entry === 'out' && d.reason === 'sl').length };
    };
    // Bar spreads: the 10:05 ask high 1.1003 + 0.0005 = 1.1008 reaches the SL.
    assert.deepEqual(await run(true), { buyPrice: 1.1002, ask: 1.1005, stopped: 1 });
    // barSpread: false → the fixed 10 points: ask high 1.1004 stays under the SL.
    assert.deepEqual(await run(false), { buyPrice: 1.1001, ask: 1.1001, stopped: 0 });
  });

  it('fills a buy limit at its price, or at the open when the market gaps below it', async () => {
    w = await world(
      {
        EURUSD_M5: m5(
          [1.1, 1.1, 1.1, 1.1],
          [1.1, 1.1005, 1.0985, 1.099],
          [1.099, 1.099, 1.099, 1.099],
          [1.097, 1.097, 1.096, 1.097],
          [1.097, 1.097, 1.097, 1.097],
        ),
      },
      {},
      EU,
    );
    w.at('2026-01-05 10:05');
    const a = sync(w.broker.place(intent({ type: 'limit', price: 1.099 }))) as PlacedResult;
    const b = sync(w.broker.place(intent({ type: 'limit', price: 1.098 }))) as PlacedResult;
    assert.equal(a.status, 'placed');
    w.at('2026-01-05 10:20');
    const ins = deals(w).filter((d) => d.entry === 'in');
    const da = ins.find((d) => d.orderId === a.orderId)!;
    const db = ins.find((d) => d.orderId === b.orderId)!;
    assert.equal(da.price, 1.099); // low 1.0985 + spread ≤ 1.099 inside bar 10:05
    assert.equal(db.price, 1.0971); // bar 10:15 opens at 1.097 (ask 1.0971) below the 1.098 limit
    assert.equal(sync(w.broker.orders()).length, 0);
  });

  it('expires a pending order that was not reached, without a deal', async () => {
    w = await world({ EURUSD_M5: m5([1.1, 1.1, 1.1, 1.1], [1.1, 1.1, 1.1, 1.1], [1.1, 1.1, 1.1, 1.1], [1.1, 1.1, 1.09, 1.1], [1.1, 1.1, 1.1, 1.1]) }, {}, EU);
    w.at('2026-01-05 10:05');
    const p = sync(w.broker.place(intent({ type: 'limit', price: 1.095, expiresAt: Date.parse('2026-01-05T10:15:00Z') })));
    assert.equal(p.status, 'placed');
    w.at('2026-01-05 10:20'); // the 10:15 bar would have filled it, but the order expired at 10:15
    assert.equal(sync(w.broker.orders()).length, 0);
    assert.equal(deals(w).length, 0);
    const found = sync(w.broker.lookup(p.clientId));
    assert.deepEqual([found.orders.length, found.positions.length, found.deals.length], [0, 0, 0]);
  });

  it('partially closes keeping the ticket, and rejects bad close volumes with codes', async () => {
    w = await world({ EURUSD_M5: m5([1.1, 1.1, 1.1, 1.1], [1.1, 1.1, 1.1, 1.1], [1.101, 1.101, 1.101, 1.101]) }, {}, EU);
    w.at('2026-01-05 10:05');
    const r = filled(sync(w.broker.place(intent({ volume: 0.5 }))));
    w.at('2026-01-05 10:10');
    const part = sync(w.broker.close(r.positionId, 0.2));
    assert.equal(part.status, 'done');
    let [p] = sync(w.broker.positions());
    assert.equal(p!.id, r.positionId);
    assert.equal(p!.volume, 0.3);
    const bad = sync(w.broker.close(r.positionId, 0.4));
    assert.equal(bad.status === 'rejected' && bad.code, 'TK_ERR_BROKER_INVALID_VOLUME');
    const offStep = sync(w.broker.close(r.positionId, 0.125));
    assert.equal(offStep.status === 'rejected' && offStep.code, 'TK_ERR_BROKER_INVALID_VOLUME');
    assert.equal(sync(w.broker.close(r.positionId)).status, 'done');
    [p] = sync(w.broker.positions());
    assert.equal(p, undefined);
    const outs = deals(w).filter((d) => d.entry === 'out');
    assert.deepEqual(
      outs.map((d) => d.volume),
      [0.2, 0.3],
    );
    assert.equal(outs[0]!.profit, Math.round((1.101 - 1.1001) * 0.2 * 100_000 * 100) / 100);
    const gone = sync(w.broker.close(r.positionId));
    assert.equal(gone.status === 'rejected' && gone.code, 'TK_ERR_BROKER_POSITION_NOT_FOUND');
  });

  it('is idempotent by client id: the same id twice returns the first result and one position', async () => {
    w = await world({ EURUSD_M5: m5([1.1, 1.1, 1.1, 1.1], [1.1, 1.1, 1.1, 1.1]) }, {}, EU);
    w.at('2026-01-05 10:05');
    const i = intent({ clientId: 'same-id' });
    const first = sync(w.broker.place(i));
    const second = sync(w.broker.place({ ...i, volume: 0.3 }));
    assert.deepEqual(second, first);
    assert.equal(sync(w.broker.positions()).length, 1);
    assert.equal(deals(w).length, 1);
    // Also for a rejection: the same id stays rejected, it is not retried under the same id.
    const rej = sync(w.broker.place(intent({ clientId: 'rej-id', volume: 0.001 })));
    assert.equal(rej.status, 'rejected');
    assert.deepEqual(sync(w.broker.place(intent({ clientId: 'rej-id', volume: 0.1 }))), rej);
  });

  it(`remembers the newest ${CLIENT_ID_MEMORY} client ids and forgets the oldest first`, async () => {
    w = await world({ EURUSD_M5: m5([1.1, 1.1, 1.1, 1.1], [1.1, 1.1, 1.1, 1.1]) }, {}, EU);
    w.at('2026-01-05 10:05');
    // Rejections are remembered like fills (and leave no position behind): twice the memory and some.
    const total = 2 * CLIENT_ID_MEMORY + 3;
    for (let k = 0; k < total; k++) assert.equal(sync(w.broker.place(intent({ clientId: `k${k}`, volume: 0.001 }))).status, 'rejected');
    const again = (k: number) => sync(w.broker.place(intent({ clientId: `k${k}`, volume: 0.1 }))).status;
    const oldestKept = total - CLIENT_ID_MEMORY;
    assert.equal(again(total - 1), 'rejected');
    assert.equal(again(oldestKept), 'rejected');
    assert.equal(again(oldestKept - 1), 'filled', 'forgotten: placed anew');
    assert.equal(again(0), 'filled');
    // Each new id pushed out the oldest remembered one, in the order they were first remembered.
    assert.equal(again(oldestKept + 2), 'rejected');
    assert.equal(again(oldestKept), 'filled');
    assert.equal(again(oldestKept + 1), 'filled');
    assert.equal(sync(w.broker.positions()).length, 4);
  });

  it('rejects with coded errors: no money, bad volume, bad stops, market closed', async () => {
    w = await world(
      { EURUSD_M5: [...m5([1.1, 1.1, 1.1, 1.1], [1.1, 1.1, 1.1, 1.1]), ['2026-01-05 14:00', 1.1, 1.1, 1.1, 1.1, 1]] },
      { balance: 1000, leverage: 100 },
      EU,
    );
    w.at('2026-01-05 10:05');
    const money = sync(w.broker.place(intent({ volume: 5 })));
    assert.equal(money.status === 'rejected' && money.code, 'TK_ERR_BROKER_NO_MONEY');
    assert.equal(money.status === 'rejected' && money.retryable, false);
    for (const v of [0.001, 0.015, 1000]) {
      const r = sync(w.broker.place(intent({ volume: v })));
      assert.equal(r.status === 'rejected' && r.code, 'TK_ERR_BROKER_INVALID_VOLUME', `volume ${v}`);
    }
    const stops = sync(w.broker.place(intent({ sl: 1.2 })));
    assert.equal(stops.status === 'rejected' && stops.code, 'TK_ERR_BROKER_INVALID_STOPS');
    const price = sync(w.broker.place(intent({ type: 'limit', price: 1.2 })));
    assert.equal(price.status === 'rejected' && price.code, 'TK_ERR_BROKER_INVALID_PRICE');
    w.at('2026-01-05 11:00'); // last quote 10:10, next bar 14:00: a gap
    const closed = sync(w.broker.place(intent({})));
    assert.equal(closed.status === 'rejected' && closed.code, 'TK_ERR_BROKER_MARKET_CLOSED');
    assert.equal(closed.status === 'rejected' && closed.retryable, true);
    assert.equal(sync(w.broker.positions()).length, 0);
  });

  it('in queue mode, a market order or a close sent while the market is closed executes at the next open', async () => {
    // Friday's last bar 21:55, then Sunday 22:00 opens 0.003 higher.
    const rows: Row[] = [...bars('2026-01-09 21:45', 5, 3, () => [1.1, 1.1, 1.1, 1.1]), ...bars('2026-01-11 22:00', 5, 3, () => [1.103, 1.104, 1.102, 1.103])];
    w = await world({ EURUSD_M5: rows }, { whenClosed: 'queue' }, EU, '2026-01-09 21:55');
    const r = filled(sync(w.broker.place(intent({}))));
    w.at('2026-01-09 22:00'); // the last bar closed: market closed
    assert.equal(w.data.tick('EURUSD').closed, true);
    const entry = sync(w.broker.place(intent({ side: 'sell', volume: 0.2 })));
    assert.equal(entry.status, 'placed');
    assert.equal(entry.status === 'placed' && entry.type, 'market');
    const close = sync(w.broker.close(r.positionId));
    assert.equal(close.status, 'queued');
    assert.equal(sync(w.broker.positions()).length, 1, 'nothing happens while closed');
    w.at('2026-01-11 22:05');
    const ds = deals(w);
    const out = ds.find((d) => d.entry === 'out')!;
    const sellIn = ds.find((d) => d.entry === 'in' && d.side === 'sell')!;
    assert.deepEqual([out.price, out.time], [1.103, Date.parse('2026-01-11T22:00:00Z')], 'closed at the next open');
    assert.deepEqual([sellIn.price, sellIn.time, sellIn.volume], [1.103, Date.parse('2026-01-11T22:00:00Z'), 0.2], 'the sell filled at the next open (bid)');
    assert.deepEqual(
      sync(w.broker.positions()).map((p) => p.side),
      ['sell'],
    );
  });

  it('modifies stops, accepts an identical modify, rejects a wrong-side SL', async () => {
    w = await world({ EURUSD_M5: m5([1.1, 1.1, 1.1, 1.1], [1.1, 1.1, 1.1, 1.1]) }, {}, EU);
    w.at('2026-01-05 10:05');
    const r = filled(sync(w.broker.place(intent({ sl: 1.098 }))));
    assert.equal(sync(w.broker.modify(r.positionId, { sl: 1.0985, tp: 1.103 })).status, 'done');
    assert.equal(sync(w.broker.modify(r.positionId, { sl: 1.0985, tp: 1.103 })).status, 'done');
    const bad = sync(w.broker.modify(r.positionId, { sl: 1.2 }));
    assert.equal(bad.status === 'rejected' && bad.code, 'TK_ERR_BROKER_INVALID_STOPS');
    const [p] = sync(w.broker.positions());
    assert.deepEqual([p!.sl, p!.tp], [1.0985, 1.103]);
    assert.equal(sync(w.broker.modify(r.positionId, { tp: 0 })).status, 'done');
    assert.equal(sync(w.broker.positions())[0]!.tp, undefined);
  });

  it('converts JPY profit to the USD account with the pair itself', async () => {
    const jpy: Row[] = bars('2026-01-05 10:00', 5, 3, (i) => (i < 2 ? [150, 150, 150, 150] : [151.5, 151.5, 151.5, 151.5]));
    w = await world({ USDJPY_M5: jpy }, {}, { USDJPY: { spread: 0 } });
    w.at('2026-01-05 10:05');
    const r = filled(sync(w.broker.place(intent({ symbol: 'USDJPY', volume: 1 }))));
    w.at('2026-01-05 10:10');
    assert.equal(sync(w.broker.close(r.positionId)).status, 'done');
    const out = deals(w).find((d) => d.entry === 'out')!;
    // 1.5 JPY × 100 000 = 150 000 JPY ≈ 990.10 USD at 151.5
    assert.equal(out.profit, Math.round((150_000 / 151.5) * 100) / 100);
  });

  it('stops out the largest loser when the margin level falls below the stop-out level', async () => {
    w = await world(
      { EURUSD_M5: m5([1.1, 1.1, 1.1, 1.1], [1.1, 1.1, 1.1, 1.1], [1.1, 1.1, 1.09, 1.095], [1.095, 1.095, 1.095, 1.095]) },
      { balance: 1500, leverage: 100, stopOutLevel: 50 },
      EU,
    );
    w.at('2026-01-05 10:05');
    filled(sync(w.broker.place(intent({ volume: 1 }))));
    w.at('2026-01-05 10:15');
    const out = deals(w).find((d) => d.entry === 'out');
    assert.equal(out?.reason, 'stopout');
    assert.equal(sync(w.broker.positions()).length, 0);
  });

  it('reports margin and equity exactly as a fresh sum over the open positions, bar after bar (one symbol or two, converted, stop-outs)', async () => {
    const eu: Row[] = bars('2026-01-05 00:00', 5, 300, (i) => {
      const mid = 1.1 + 0.004 * Math.sin(i / 7) + 0.002 * Math.sin(i / 2.3);
      return [mid, mid + 0.0012, mid - 0.0012, mid + 0.0003];
    });
    const uj: Row[] = bars('2026-01-05 00:00', 5, 300, (i) => {
      const mid = 150 + 0.6 * Math.sin(i / 5) + 0.3 * Math.sin(i / 1.7);
      return [mid, mid + 0.15, mid - 0.15, mid + 0.04];
    });
    const info = { EURUSD: { spread: 10, digits: 5 }, USDJPY: { spread: 12, digits: 3 } };
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(
          fc.record({
            op: fc.constantFrom('buy', 'sell', 'close', 'partial', 'wait'),
            jpy: fc.boolean(),
            vol: fc.integer({ min: 1, max: 400 }),
            step: fc.integer({ min: 1, max: 6 }),
          }),
          { minLength: 5, maxLength: 50 },
        ),
        async (two, ops) => {
          const ww = await world(two ? { EURUSD_M5: eu, USDJPY_M5: uj } : { EURUSD_M5: eu }, { balance: 20_000, leverage: 100 }, info, '2026-01-05 00:05');
          try {
            let t = Date.parse('2026-01-05T00:05:00Z');
            const be = new Float64Array(2);
            const check = (): void => {
              const a = sync(ww.broker.account());
              sync(ww.broker.balanceInto(be));
              // The same sum, in the same order, as the broker's own (unrounded profits from its saved state).
              let profit = 0;
              let margin = 0;
              for (const p of ww.broker.exportState().positions) {
                profit += p.profit + p.swap;
                const m = (p.volume * 100_000 * p.currentPrice) / 100;
                if (p.symbol === 'EURUSD') margin += m;
                else {
                  const q = ww.data.tick('USDJPY');
                  margin += m * (1 / ((q.bid + q.ask) / 2));
                }
              }
              const round = (v: number): number => Math.round(v * 100) / 100;
              assert.equal(a.margin, round(margin), 'margin');
              assert.equal(a.equity, round(a.balance + profit), 'equity');
              assert.deepEqual([...be], [a.balance, a.equity], 'balanceInto');
            };
            for (const o of ops) {
              const symbol = two && o.jpy ? 'USDJPY' : 'EURUSD';
              const pos = sync(ww.broker.positions());
              if (o.op === 'buy' || o.op === 'sell') sync(ww.broker.place(intent({ symbol, side: o.op, volume: o.vol / 100 })));
              else if (o.op === 'close' && pos[0]) sync(ww.broker.close(pos[0].id));
              else if (o.op === 'partial' && pos[0]) sync(ww.broker.close(pos[0].id, Math.min(pos[0].volume, Math.ceil(pos[0].volume * 50) / 100)));
              check(); // right after the order or the close, at the same instant
              t += o.step * 300_000;
              ww.clock.set(t);
              check(); // after the bars in between and the new quote
            }
          } finally {
            ww.cleanup();
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('keeps its invariants over random operations (equity = balance + floating; volumes never negative; deals add up)', async () => {
    const walk: Row[] = bars('2026-01-05 00:00', 5, 400, (i) => {
      const mid = 1.1 + 0.004 * Math.sin(i / 7) + 0.002 * Math.sin(i / 2.3);
      return [mid, mid + 0.0012, mid - 0.0012, mid + 0.0003];
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            op: fc.constantFrom('buy', 'sell', 'limit', 'close', 'partial', 'modify', 'wait'),
            vol: fc.integer({ min: 1, max: 30 }),
            dist: fc.integer({ min: 5, max: 60 }),
            step: fc.integer({ min: 1, max: 12 }),
          }),
          { minLength: 5, maxLength: 60 },
        ),
        async (ops) => {
          const ww = await world({ EURUSD_M5: walk }, { balance: 100_000, commissionPerLot: 5, slippagePoints: 1 }, EU, '2026-01-05 00:05');
          try {
            let t = Date.parse('2026-01-05T00:05:00Z');
            for (const o of ops) {
              const q = ww.data.tick('EURUSD');
              const d = o.dist * 0.0001;
              const pos = sync(ww.broker.positions());
              if (o.op === 'buy') sync(ww.broker.place(intent({ side: 'buy', volume: o.vol / 100, sl: q.bid - d, tp: q.bid + d })));
              else if (o.op === 'sell') sync(ww.broker.place(intent({ side: 'sell', volume: o.vol / 100, sl: q.ask + d, tp: q.ask - d })));
              else if (o.op === 'limit') sync(ww.broker.place(intent({ type: 'limit', volume: o.vol / 100, price: q.ask - d, expiresAt: t + 3_600_000 })));
              else if (o.op === 'close' && pos[0]) sync(ww.broker.close(pos[0].id));
              else if (o.op === 'partial' && pos[0]) sync(ww.broker.close(pos[0].id, Math.min(pos[0].volume, o.vol / 100)));
              else if (o.op === 'modify' && pos[0]) sync(ww.broker.modify(pos[0].id, pos[0].side === 'buy' ? { sl: q.bid - d } : { sl: q.ask + d }));
              t += o.step * 300_000;
              if (t > Date.parse('2026-01-06T09:00:00Z')) break;
              ww.clock.set(t);
              const a = sync(ww.broker.account());
              const ps = sync(ww.broker.positions());
              const floating = ps.reduce((s, p) => s + p.profit + p.swap, 0);
              assert.ok(Math.abs(a.equity - (a.balance + floating)) <= 0.011, `equity ${a.equity} vs ${a.balance} + ${floating}`);
              for (const p of ps) assert.ok(p.volume > 0, `volume ${p.volume}`);
              const all = deals(ww);
              for (const p of ps) {
                const net = all.filter((x) => x.positionId === p.id).reduce((s, x) => s + (x.entry === 'in' ? x.volume : -x.volume), 0);
                assert.ok(Math.abs(net - p.volume) < 1e-9, `deals of ${p.id} add up to ${net}, position has ${p.volume}`);
              }
              const realized = all.reduce((s, x) => s + x.profit + x.commission + x.swap, 0);
              assert.ok(Math.abs(a.balance - (100_000 + realized)) < 0.011 * all.length + 0.011, 'balance = initial + realized');
            }
          } finally {
            ww.cleanup();
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
