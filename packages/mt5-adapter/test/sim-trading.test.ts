/**
 * Simulator behaviours, trade server side (docs/reference/mt5-notes.md §4.3 items 9–31): strict request types, the
 * server's order of checks, trade modes, volume/price/stops/freeze checks, filling bits per profile,
 * execution modes and requotes, margin and order_check, account limits, rate limit, hedging vs
 * netting, partial close keeping the ticket, SL/TP with deal reasons, stop-out, comments, P&L via tick
 * value, swaps, history with lag, pending orders with expiration, async acceptance, partial fills,
 * tickets beyond 2^53.
 */
import assert from 'node:assert/strict';
import { Simulator } from '../src/sim/simulator.js';
import { manualSim, WED } from './helpers.js';
import { deal, term } from './sim-kit.js';

const near = (a: number, b: number, tol: number, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} expected ${b} ± ${tol}, got ${a}`);

describe('simulator: request validation', () => {
  it('strict types: a string volume, a missing action or type, an unknown field → None with (-2, "Invalid … argument")', () => {
    const { call, lastError } = term(manualSim());
    assert.equal(call('order_send', [deal({ volume: '0.1' })]).value, null);
    assert.deepEqual(lastError(), [-2, 'Invalid "volume" argument']);
    const { action: _a, ...noAction } = deal();
    assert.equal(call('order_send', [noAction]).value, null);
    assert.deepEqual(lastError(), [-2, 'Invalid "action" argument']);
    const { type: _t, ...noType } = deal();
    assert.equal(call('order_send', [noType]).value, null);
    assert.equal(call('order_send', [deal({ type_fillling: 1 })]).value, null);
    assert.equal(call('order_send', [deal({ sl: null })]).value, null);
  });

  it('checks run in the server’s order: the first violated rule decides the retcode', () => {
    const sim = manualSim({
      filling: 'IOC_ONLY',
      hidden: ['GBPUSD'],
      symbols: [
        { name: 'EURUSD', feed: { kind: 'manual', bid: 1.1, ask: 1.1001 } },
        { name: 'GBPUSD', feed: { kind: 'manual', bid: 1.3, ask: 1.3002 } },
      ],
    });
    const { send } = term(sim);
    // Bad volume AND unsupported filling: volume is checked first.
    assert.equal(send(deal({ volume: 0.015, type_filling: 0 })).retcode, 10014);
    assert.equal(send(deal({ type_filling: 0 })).retcode, 10030);
    // Not in Market Watch beats market closed.
    sim.closeMarket();
    assert.equal(send(deal({ symbol: 'GBPUSD' })).retcode, 10021);
    // Market closed beats bad volume.
    assert.equal(send(deal({ volume: 0.015 })).retcode, 10018);
    // AutoTrading off beats everything.
    sim.autoTrading = false;
    assert.equal(send(deal({ volume: 0.015 })).retcode, 10027);
  });

  it('trade modes: DISABLED 10017; LONGONLY/SHORTONLY/CLOSEONLY refuse openings only (10042/10043/10044)', () => {
    const sim = manualSim();
    const { send } = term(sim);
    const spec = sim.sym('EURUSD').spec;
    const open = send(deal());
    assert.equal(open.retcode, 10009);
    spec.tradeMode = 1;
    assert.equal(send(deal({ type: 1 })).retcode, 10042);
    assert.equal(send(deal({ type: 0 })).retcode, 10009);
    spec.tradeMode = 2;
    assert.equal(send(deal({ type: 0 })).retcode, 10043);
    spec.tradeMode = 3;
    assert.equal(send(deal({ type: 1 })).retcode, 10044);
    assert.equal(send(deal({ type: 1, position: open.order })).retcode, 10009, 'close-only still closes');
    spec.tradeMode = 0;
    assert.equal(send(deal()).retcode, 10017);
  });

  it('volume: outside [min, max] or off the step → 10014; above the symbol volume limit → 10034', () => {
    const sim = manualSim({ symbols: [{ name: 'EURUSD', volumeLimit: 0.5, feed: { kind: 'manual', bid: 1.1, ask: 1.1001 } }] });
    const { send } = term(sim);
    for (const v of [0.001, 0.015, 101]) assert.equal(send(deal({ volume: v })).retcode, 10014, `volume ${v}`);
    assert.equal(send(deal({ volume: 0.3 })).retcode, 10009, '0.3 = 30 steps of 0.01 (epsilon-aware)');
    assert.equal(send(deal({ volume: 0.3 })).retcode, 10034);
  });

  it('price precision: an un-normalized price → 10015, an un-normalized SL → 10016 (1.0819995946276046)', () => {
    const { send } = term(manualSim());
    assert.equal(send(deal({ price: 1.100104 })).retcode, 10015, 'price off the 0.00001 grid');
    assert.equal(send(deal({ sl: 1.0819995946276046 })).retcode, 10016);
    assert.equal(send(deal({ sl: 1.082 })).retcode, 10009);
  });

  it('stops level: SL/TP closer than stops_level points, or on the wrong side, → 10016', () => {
    const { send } = term(manualSim({ symbols: [{ name: 'EURUSD', stopsLevel: 50, feed: { kind: 'manual', bid: 1.1, ask: 1.1001 } }] }));
    assert.equal(send(deal({ sl: 1.0996 })).retcode, 10016, 'buy SL 40 points under the bid');
    assert.equal(send(deal({ tp: 1.1004 })).retcode, 10016, 'buy TP 40 points over the bid');
    assert.equal(send(deal({ type: 1, sl: 1.0995 })).retcode, 10016, 'sell SL below the ask');
    assert.equal(send(deal({ sl: 1.0994, tp: 1.1006 })).retcode, 10009);
  });

  it('freeze level: closing or modifying a position whose SL/TP is within freeze_level of the market → 10029', () => {
    const sim = manualSim({ symbols: [{ name: 'EURUSD', freezeLevel: 30, feed: { kind: 'manual', bid: 1.1, ask: 1.1001 } }] });
    const { send } = term(sim);
    const o = send(deal({ sl: 1.099 }));
    sim.setPrice('EURUSD', 1.0992, 1.0993); // 20 points above the SL
    assert.equal(send(deal({ type: 1, position: o.order })).retcode, 10029);
    assert.equal(send({ action: 6, position: o.order, symbol: 'EURUSD', sl: 1.098, tp: 0 }).retcode, 10029);
    sim.setPrice('EURUSD', 1.1, 1.1001);
    assert.equal(send(deal({ type: 1, position: o.order })).retcode, 10009);
  });

  for (const [profile, ok, bad] of [
    ['IOC_ONLY', [1], [0, 2]],
    ['FOK_ONLY', [0], [1, 2]],
    ['FOK_IOC', [0, 1], [2]],
    ['RETURN_ONLY', [2], [0, 1]],
  ] as const) {
    it(`filling profile ${profile}: market orders accept type_filling ${ok.join('/')} and get 10030 for ${bad.join('/')}; pending orders take RETURN`, () => {
      const { send } = term(manualSim({ filling: profile }));
      for (const f of ok) assert.equal(send(deal({ type_filling: f })).retcode, 10009, `filling ${f}`);
      for (const f of bad) assert.equal(send(deal({ type_filling: f })).retcode, 10030, `filling ${f}`);
      assert.equal(send({ action: 5, symbol: 'EURUSD', volume: 0.1, type: 2, price: 1.095, type_filling: 2 }).retcode, 10008);
    });
  }

  it('instant execution needs a price (0 → 10015) and requotes beyond the deviation (10004 with fresh bid/ask)', () => {
    const { send } = term(manualSim({ symbols: [{ name: 'EURUSD', exeMode: 1, feed: { kind: 'manual', bid: 1.1, ask: 1.1001 } }] }));
    assert.equal(send(deal({ price: 0 })).retcode, 10015);
    const rq = send(deal({ price: 1.0998, deviation: 20 }));
    assert.equal(rq.retcode, 10004);
    assert.deepEqual([rq.bid, rq.ask], [1.1, 1.1001]);
    const ok = send(deal({ price: 1.0998, deviation: 40 }));
    assert.equal(ok.retcode, 10009);
    assert.equal(ok.price, 1.1001);
  });

  it('market execution ignores the price and fills at the ask (+ seeded slippage within slippagePoints)', () => {
    const fills = (seed: number) => {
      const { send } = term(manualSim({ seed, execution: { slippagePoints: 5 } }));
      return Array.from({ length: 8 }, () => send(deal({ price: 1.2 })).price);
    };
    const a = fills(1);
    for (const p of a) assert.ok(p >= 1.1001 - 1e-9 && p <= 1.1006 + 1e-9, `fill ${p}`);
    assert.deepEqual(a, fills(1), 'same seed, same slippage');
    assert.ok(new Set(a).size > 1, 'slippage varies');
  });

  it('margin: order_check answers retcode 0 with the projected margin; order_calc_margin agrees with the fill; NO_MONEY is 10019', () => {
    const { send, check, call } = term(manualSim());
    const c = check(deal({ volume: 1 }));
    assert.equal(c.retcode, 0);
    near(c.margin, 1100.1, 0.01, 'projected margin');
    near(c.margin_free, 10_000 - 1100.1, 0.01);
    assert.equal(call('order_calc_margin', [0, 'EURUSD', 1, 1.1001]).value, 1100.1);
    send(deal({ volume: 1 }));
    near((call('account_info').value as { margin: number }).margin, 1100.1, 0.11);
    assert.equal(check(deal({ volume: 9 })).retcode, 10019);
    assert.equal(send(deal({ volume: 9 })).retcode, 10019);
  });

  it('order_calc_profit agrees with the realized profit', () => {
    const sim = manualSim();
    const { send, call, deals } = term(sim);
    const o = send(deal({ volume: 1 }));
    sim.setPrice('EURUSD', 1.1051, 1.1052);
    const expected = call('order_calc_profit', [0, 'EURUSD', 1, 1.1001, 1.1051]).value as number;
    send(deal({ type: 1, volume: 1, position: o.order }));
    const out = deals().find((d) => d.entry === 1)!;
    near(out.profit, expected, 0.001, 'profit');
    near(expected, 500, 0.001);
  });

  it('account limits: max positions → 10040, pending-order limit → 10033, FIFO → 10045, hedging prohibited → 10046', () => {
    const s1 = term(manualSim({ account: { limitPositions: 2 } }));
    s1.send(deal());
    s1.send(deal());
    assert.equal(s1.send(deal()).retcode, 10040);
    const s2 = term(manualSim({ account: { limitOrders: 1 } }));
    assert.equal(s2.send({ action: 5, symbol: 'EURUSD', volume: 0.1, type: 2, price: 1.095, type_filling: 2 }).retcode, 10008);
    assert.equal(s2.send({ action: 5, symbol: 'EURUSD', volume: 0.1, type: 2, price: 1.094, type_filling: 2 }).retcode, 10033);
    const sim3 = manualSim({ account: { fifoClose: true } });
    const s3 = term(sim3);
    const first = s3.send(deal());
    sim3.advance(1000);
    const second = s3.send(deal());
    assert.equal(s3.send(deal({ type: 1, position: second.order })).retcode, 10045);
    assert.equal(s3.send(deal({ type: 1, position: first.order })).retcode, 10009);
    const s4 = term(manualSim({ account: { hedgeProhibited: true } }));
    s4.send(deal());
    assert.equal(s4.send(deal({ type: 1 })).retcode, 10046);
  });

  it('rate limit: more than N order_send per second (sim clock) → 10024; a second later it passes', () => {
    const sim = manualSim({ rateLimitPerSecond: 3 });
    const { send } = term(sim);
    for (let i = 0; i < 3; i++) assert.equal(send(deal()).retcode, 10009);
    assert.equal(send(deal()).retcode, 10024);
    sim.advance(1001);
    assert.equal(send(deal()).retcode, 10009);
  });
});

describe('simulator: execution and state', () => {
  it('identity: a new position’s ticket = identifier = its order ticket; the result carries order, deal, executed volume and price', () => {
    const { send, positions, deals } = term(manualSim());
    const r = send(deal());
    assert.equal(r.retcode, 10009);
    const [p] = positions();
    assert.equal(p!.ticket, r.order);
    assert.equal(p!.identifier, r.order);
    const d = deals().find((x) => x.ticket === r.deal)!;
    assert.equal(d.order, r.order);
    assert.equal(d.position_id, r.order);
    assert.equal(r.volume, 0.1);
    assert.equal(r.price, 1.1001);
  });

  it('hedging: an opposite deal WITHOUT position opens a second position (the "close forgot the ticket" bug)', () => {
    const { send, positions } = term(manualSim());
    send(deal());
    send(deal({ type: 1 }));
    assert.deepEqual(
      positions()
        .map((p) => p.type)
        .sort(),
      [0, 1],
    );
  });

  it('netting: an opposite deal reduces, closes, then reverses the one position (entries OUT, OUT, INOUT)', () => {
    const sim = manualSim({ account: { marginMode: 'netting' } });
    const { send, positions, deals } = term(sim);
    const open = send(deal({ volume: 0.3 }));
    send(deal({ type: 1, volume: 0.1 }));
    assert.equal(positions().length, 1);
    assert.equal(positions()[0]!.volume, 0.2);
    send(deal({ type: 1, volume: 0.2 }));
    assert.equal(positions().length, 0);
    send(deal({ volume: 0.1 }));
    send(deal({ type: 1, volume: 0.3 }));
    const [p] = positions();
    assert.equal(p!.type, 1);
    near(p!.volume, 0.2, 1e-9);
    assert.deepEqual(
      deals()
        .filter((d) => d.type < 2)
        .map((d) => d.entry),
      [0, 1, 1, 0, 2],
    );
    assert.notEqual(open.order, '0');
  });

  it('partial close keeps the ticket and books an OUT deal with profit; too much → 10038; unknown ticket → 10036 (or 10013)', () => {
    const sim = manualSim();
    const { send, positions, deals } = term(sim);
    const o = send(deal({ volume: 0.3 }));
    sim.setPrice('EURUSD', 1.1011, 1.1012);
    assert.equal(send(deal({ type: 1, volume: 0.1, position: o.order })).retcode, 10009);
    const [p] = positions();
    assert.equal(p!.ticket, o.order);
    near(p!.volume, 0.2, 1e-9);
    const legs = deals([], { position: o.order });
    assert.deepEqual(
      legs.map((d) => [d.entry, d.volume]),
      [
        [0, 0.3],
        [1, 0.1],
      ],
    );
    near(legs[1]!.profit, 10, 0.001, 'profit of 0.1 lot over 100 points');
    assert.equal(send(deal({ type: 1, volume: 0.5, position: o.order })).retcode, 10038);
    const r = send(deal({ type: 1, position: '123456' }));
    assert.equal(r.retcode, 10036);
    assert.equal(r.comment, "Position doesn't exist");
    assert.equal(term(manualSim({ execution: { unknownPositionRetcode: 10013 } })).send(deal({ type: 1, position: '123456' })).retcode, 10013);
  });

  it('SLTP: identical values → 10025 (success, no-op); a change updates time_update', () => {
    const sim = manualSim();
    const { send, positions } = term(sim);
    const o = send(deal());
    sim.advance(5000);
    assert.equal(send({ action: 6, position: o.order, symbol: 'EURUSD', sl: 1.095, tp: 1.11 }).retcode, 10009);
    const [p] = positions();
    assert.equal(p!.sl, 1.095);
    assert.ok(p!.time_update > p!.time);
    assert.equal(send({ action: 6, position: o.order, symbol: 'EURUSD', sl: 1.095, tp: 1.11 }).retcode, 10025);
  });

  it('SL and TP trigger on the tick stream with deal reasons 4/5; a gap fills at the gap price; the server rewrites the comment', () => {
    const sim = manualSim();
    const { send, positions, deals } = term(sim);
    const b = send(deal({ sl: 1.095, comment: 'mine' }));
    const s = send(deal({ type: 1, tp: 1.096 }));
    sim.setPrice('EURUSD', 1.094, 1.0941);
    assert.equal(positions().length, 0);
    const outs = deals().filter((d) => d.entry === 1);
    const sl = outs.find((d) => d.position_id === b.order)!;
    const tp = outs.find((d) => d.position_id === s.order)!;
    assert.deepEqual([sl.reason, sl.price, sl.comment], [4, 1.094, '[sl 1.09500]']);
    assert.deepEqual([tp.reason, tp.price, tp.comment], [5, 1.0941, '[tp 1.09600]']);
  });

  it('stop-out: at margin level ≤ margin_so_so the largest loser is closed with reason SO (6)', () => {
    const sim = manualSim();
    const { send, positions, deals, call } = term(sim);
    const big = send(deal({ volume: 6 }));
    send(deal({ volume: 2 }));
    sim.setPrice('EURUSD', 1.093, 1.0931);
    const left = positions();
    assert.equal(left.length, 1);
    assert.equal(left[0]!.volume, 2);
    const so = deals().filter((d) => d.reason === 6);
    assert.equal(so.length, 1);
    assert.equal(so[0]!.position_id, big.order);
    assert.ok((call('account_info').value as { margin_level: number }).margin_level > 50);
  });

  it('comments are truncated to the terminal’s max length', () => {
    const { send, positions } = term(manualSim());
    send(deal({ comment: 'x'.repeat(40) }));
    assert.equal(positions()[0]!.comment.length, 31);
  });

  it('P&L goes through the tick value: USDJPY profits are converted from JPY; profit and loss tick values can differ', () => {
    const sim = manualSim({ symbols: [{ name: 'USDJPY', feed: { kind: 'manual', bid: 150, ask: 150.01 } }] });
    const { send, positions, call } = term(sim);
    send(deal({ symbol: 'USDJPY', volume: 1 }));
    sim.setPrice('USDJPY', 151.01, 151.02);
    const tv = (call('symbol_info', ['USDJPY']).value as { trade_tick_value: number }).trade_tick_value;
    near(tv, (100_000 * 0.001) / 151.015, 1e-5, 'tick value');
    near(positions()[0]!.profit, 1000 * tv, 0.01, 'profit = 1000 ticks × tick value');
    const a = call('account_info').value as { balance: number; equity: number; profit: number };
    near(a.equity, a.balance + positions()[0]!.profit, 0.011, 'equity = balance + floating');

    const sim2 = manualSim({ symbols: [{ name: 'EURUSD', tickValueProfit: 1, tickValueLoss: 1.1, feed: { kind: 'manual', bid: 1.1, ask: 1.1001 } }] });
    const t2 = term(sim2);
    t2.send(deal({ volume: 1 }));
    sim2.setPrice('EURUSD', 1.0991, 1.0992);
    near(t2.positions()[0]!.profit, -110, 0.001, 'loss uses the loss tick value');
    sim2.setPrice('EURUSD', 1.1011, 1.1012);
    near(t2.positions()[0]!.profit, 100, 0.001, 'profit uses the profit tick value');
  });

  it('swap is charged at the server rollover, three times on the rollover3days night', () => {
    const sim = manualSim();
    const { send, positions } = term(sim);
    send(deal({ volume: 1 }));
    sim.advanceTo(WED + 86_400_000); // across Wednesday's rollover (triple)
    near(positions()[0]!.swap, -19.5, 0.001, 'Wednesday night: 3 × −6.5');
    sim.advanceTo(WED + 2 * 86_400_000);
    near(positions()[0]!.swap, -26, 0.001, 'plus Thursday night');
  });

  it('history: inclusive server-time range, ticket= and position= forms, balance deals, a lag before closed deals appear', () => {
    const sim = manualSim({ historyLagMs: 5000 });
    const { send, positions, deals, historyOrders } = term(sim);
    const o = send(deal());
    sim.advance(2000);
    const c = send(deal({ type: 1, position: o.order }));
    assert.equal(positions().length, 0, 'positions update at once');
    assert.deepEqual(
      deals().map((d) => d.type),
      [2],
      'only the balance deal before the lag',
    );
    sim.advance(5000);
    const all = deals();
    assert.deepEqual(
      all.map((d) => d.type),
      [2, 0, 1],
    );
    const open = all[1]!;
    assert.deepEqual(
      deals([open.time, open.time]).map((d) => d.ticket),
      [open.ticket],
      'from = to = the deal second',
    );
    assert.deepEqual(
      deals([], { ticket: o.order }).map((d) => d.ticket),
      [open.ticket],
      'ticket= selects the deals of that ORDER ticket (DEAL_ORDER), as the package documents',
    );
    assert.deepEqual(
      deals([], { ticket: c.order }).map((d) => d.ticket),
      [c.deal],
      'the close order’s deal',
    );
    assert.notEqual(open.ticket, o.order, 'deal and order tickets are different numbers');
    assert.deepEqual(deals([], { ticket: open.ticket }), [], 'a DEAL ticket given as ticket= selects nothing');
    assert.equal(deals([], { position: o.order }).length, 2);
    assert.deepEqual(
      historyOrders().map((x) => x.state),
      [4, 4],
      'FILLED',
    );
  });

  it('pending orders: SPECIFIED without a future expiration → 10022; they expire (EXPIRED) or activate into a position on the tick stream', () => {
    const sim = manualSim();
    const { send, orders, positions, historyOrders } = term(sim);
    const nowServer = sim.clock.toServerSec(sim.now());
    assert.equal(
      send({ action: 5, symbol: 'EURUSD', volume: 0.1, type: 2, price: 1.095, type_filling: 2, type_time: 2, expiration: nowServer - 1 }).retcode,
      10022,
    );
    const e = send({ action: 5, symbol: 'EURUSD', volume: 0.1, type: 2, price: 1.095, type_filling: 2, type_time: 2, expiration: nowServer + 60 });
    assert.equal(e.retcode, 10008);
    const lim = send({ action: 5, symbol: 'EURUSD', volume: 0.1, type: 2, price: 1.094, type_filling: 2 });
    sim.advance(61_000);
    assert.deepEqual(
      orders().map((o) => o.ticket),
      [lim.order],
    );
    assert.equal(historyOrders().find((o) => o.ticket === e.order)?.state, 6);
    sim.setPrice('EURUSD', 1.0935, 1.094);
    assert.equal(orders().length, 0);
    assert.equal(positions()[0]!.ticket, lim.order, 'the position takes the order ticket');
  });

  it('pending orders: MODIFY and REMOVE by order ticket (identical → 10025), freeze level → 10029; stop-limit becomes a limit', () => {
    const sim = manualSim({ symbols: [{ name: 'EURUSD', freezeLevel: 20, feed: { kind: 'manual', bid: 1.1, ask: 1.1001 } }] });
    const { send, orders, positions } = term(sim);
    const o = send({ action: 5, symbol: 'EURUSD', volume: 0.1, type: 2, price: 1.095, type_filling: 2 });
    assert.equal(send({ action: 7, order: o.order, price: 1.096, sl: 0, tp: 0 }).retcode, 10009);
    assert.equal(orders()[0]!.price_open, 1.096);
    assert.equal(send({ action: 7, order: o.order, price: 1.096, sl: 0, tp: 0 }).retcode, 10025);
    sim.setPrice('EURUSD', 1.0961, 1.0962); // the ask 10 points above the limit: frozen
    assert.equal(send({ action: 8, order: o.order }).retcode, 10029);
    sim.setPrice('EURUSD', 1.1, 1.1001);
    assert.equal(send({ action: 8, order: o.order }).retcode, 10009);
    assert.equal(orders().length, 0);
    const sl = send({ action: 5, symbol: 'EURUSD', volume: 0.1, type: 6, price: 1.105, stoplimit: 1.104, type_filling: 2 });
    assert.equal(sl.retcode, 10008);
    sim.setPrice('EURUSD', 1.1051, 1.1052);
    assert.equal(orders()[0]!.type, 2, 'now a buy limit at the stop-limit price');
    assert.equal(orders()[0]!.price_open, 1.104);
    sim.setPrice('EURUSD', 1.1038, 1.1039);
    assert.equal(positions().length, 1);
  });

  it('async acceptance: 10008 with deal 0, the fill comes later; or a later reject when the market has closed', () => {
    const sim = manualSim({ execution: { async: true, asyncDelayMs: 500 } });
    const { send, positions, orders, historyOrders } = term(sim);
    const r = send(deal());
    assert.deepEqual([r.retcode, r.deal], [10008, '0']);
    assert.equal(positions().length, 0);
    assert.equal(orders().length, 1);
    sim.advance(500);
    assert.equal(positions()[0]!.ticket, r.order);
    const r2 = send(deal());
    sim.closeMarket();
    sim.advance(500);
    assert.equal(positions().length, 1);
    assert.equal(historyOrders().find((o) => o.ticket === r2.order)?.state, 5, 'REJECTED');
  });

  it('async close: a second close while the first is pending → 10039', () => {
    const sim = manualSim();
    const { send } = term(sim);
    const o = send(deal());
    sim.exec.async = true;
    assert.equal(send(deal({ type: 1, position: o.order })).retcode, 10008);
    assert.equal(send(deal({ type: 1, position: o.order })).retcode, 10039);
  });

  it('partial fills: IOC fills what liquidity allows (10010), FOK short of liquidity is rejected (10006), RETURN leaves the rest working', () => {
    const spec = { name: 'EURUSD', liquidity: 0.5, feed: { kind: 'manual' as const, bid: 1.1, ask: 1.1001 } };
    const { send } = term(manualSim({ symbols: [spec] }));
    const ioc = send(deal({ volume: 1, type_filling: 1 }));
    assert.deepEqual([ioc.retcode, ioc.volume], [10010, 0.5]);
    assert.equal(send(deal({ volume: 1, type_filling: 0 })).retcode, 10006);
    const sim = manualSim({ filling: 'RETURN_ONLY', symbols: [spec] });
    const t = term(sim);
    const ret = t.send(deal({ volume: 1, type_filling: 2 }));
    assert.deepEqual([ret.retcode, ret.volume], [10010, 0.5]);
    assert.equal(t.orders()[0]!.volume_current, 0.5);
    sim.setPrice('EURUSD', 1.1, 1.1001);
    assert.equal(t.orders().length, 0);
    assert.deepEqual(
      t.positions().map((p) => [p.ticket, p.volume]),
      [[ret.order, 1]],
      'the remainder joins the order’s position',
    );
  });

  it('tickets above 2^53 stay exact: they travel as decimal strings', () => {
    const big = 9_007_199_254_740_993n;
    const sim = manualSim({ ticketBase: big });
    const { send, positions } = term(sim);
    const r = send(deal());
    assert.equal(r.order, '9007199254740993');
    assert.equal(positions()[0]!.ticket, '9007199254740993');
    assert.equal(send(deal({ type: 1, position: '9007199254740993' })).retcode, 10009);
  });
});

describe('simulator: a walk over real sample bars', () => {
  it('advancing the clock replays ticks through SL triggers (deterministic per seed)', () => {
    const run = () => {
      const sim = new Simulator({ seed: 9, start: WED, symbols: [{ name: 'EURUSD', feed: { kind: 'walk', meanTickMs: 2000 } }], historyMs: 600_000 });
      const t = term(sim);
      const bid = sim.sym('EURUSD').last!.bid;
      t.send(deal({ sl: Number((bid - 0.0003).toFixed(5)), tp: Number((bid + 0.0003).toFixed(5)) }));
      sim.advance(6 * 3_600_000);
      return t
        .deals()
        .filter((d) => d.entry === 1)
        .map((d) => [d.reason, d.price, d.time_msc]);
    };
    const a = run();
    assert.equal(a.length, 1, 'closed by SL or TP');
    assert.ok(a[0]![0] === 4 || a[0]![0] === 5);
    assert.deepEqual(a, run());
  });
});
