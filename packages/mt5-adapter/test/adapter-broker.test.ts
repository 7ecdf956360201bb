/**
 * The adapter's invariants against the simulator (docs/reference/mt5-notes.md §4.4): filling mode cached per symbol for
 * opens and closes with a one-step fallback on 10030; prices normalized and volumes floored before
 * sending; closes send position AND symbol; reconciliation after every unknown outcome, resending
 * only when nothing carries the client id; retcode classification; broker time converted to UTC.
 */
import assert from 'node:assert/strict';
import { LiveClock, silentLogger, type ActionResult, type Deal, type OrderIntent, type OrderResult, type TradekitError } from '@tradekit/core';
import { manualSim, RecordingGateway, rig, simTimer, TOKEN, WED, type Rig } from './helpers.js';
import { RpcGateway } from '../src/transport/rpc-gateway.js';
import { Mt5Session } from '../src/adapter/session.js';
import { Mt5Broker } from '../src/adapter/broker.js';
import { deal } from './sim-kit.js';
import { decodeComment } from '../src/adapter/comment.js';

const buy = (clientId: string, o: Partial<OrderIntent> = {}): OrderIntent => ({
  clientId,
  symbol: 'EURUSD',
  side: 'buy',
  type: 'market',
  volume: 0.1,
  magic: 770_001,
  comment: `tk ${clientId}`,
  ...o,
});

function filled(r: OrderResult): Extract<OrderResult, { status: 'filled' }> {
  assert.equal(r.status, 'filled', JSON.stringify(r));
  return r as Extract<OrderResult, { status: 'filled' }>;
}

async function withRig<T>(
  sim = manualSim(),
  o: Parameters<typeof rig>[1] = {},
  fn: (r: Awaited<ReturnType<typeof rig>>, rec: RecordingGateway) => Promise<T>,
): Promise<T> {
  let rec!: RecordingGateway;
  const r = await rig(sim, { ...o, wrap: (g) => (rec = new RecordingGateway(g)) });
  try {
    return await fn(r, rec);
  } finally {
    await r.close();
  }
}

describe('adapter: filling mode', () => {
  it('is chosen from the symbol’s bits, cached, and a 10030 falls back one step (IOC-only broker, FOK preferred)', () =>
    withRig(manualSim({ filling: 'IOC_ONLY' }), {}, async (r, rec) => {
      filled(await r.broker.place(buy('ck-fill-1')));
      assert.deepEqual(
        rec.sends().map((s) => s.type_filling),
        [1],
        'the bits allow IOC only: the first send is IOC',
      );
      // The bits can lie: the server now refuses IOC too and only takes FOK.
      r.sim.sym('EURUSD').spec.fillingMode = 1;
      filled(await r.broker.place(buy('ck-fill-2')));
      assert.deepEqual(
        rec
          .sends()
          .slice(1)
          .map((s) => s.type_filling),
        [1, 0],
        'IOC → 10030 → FOK',
      );
      filled(await r.broker.place(buy('ck-fill-3')));
      assert.equal(rec.sends().at(-1)!.type_filling, 0, 'the fallback is cached');
    }));

  it('the cached mode is used for closes too, and a 10030 on close is recovered', () =>
    withRig(manualSim({ filling: 'FOK_IOC' }), {}, async (r, rec) => {
      const f = filled(await r.broker.place(buy('ck-fclose-1', { volume: 0.2 })));
      assert.equal(rec.sends()[0]!.type_filling, 0, 'FOK first');
      assert.equal((await r.broker.close(f.positionId, 0.1)).status, 'done');
      assert.equal(rec.sends()[1]!.type_filling, 0, 'the close uses the cached mode');
      r.sim.sym('EURUSD').spec.fillingMode = 2; // the broker turned FOK off
      const res = await r.broker.close(f.positionId);
      assert.equal(res.status, 'done', JSON.stringify(res));
      assert.deepEqual(
        rec
          .sends()
          .slice(2)
          .map((s) => s.type_filling),
        [0, 1],
        'FOK → 10030 → IOC',
      );
      assert.equal((await r.broker.positions()).length, 0);
    }));
});

describe('adapter: normalization', () => {
  it('rounds prices to the tick grid and digits before sending (no 10016 for 1.0949999999999)', () =>
    withRig(manualSim(), {}, async (r, rec) => {
      const f = filled(await r.broker.place(buy('ck-norm-1', { sl: 1.0949999999999, tp: 1.10500000001 })));
      const req = rec.sends()[0]!;
      assert.equal(req.sl, 1.095);
      assert.equal(req.tp, 1.105);
      assert.equal(req.price, 1.1001);
      const [p] = await r.broker.positions();
      assert.equal(p!.id, f.positionId);
      assert.equal(p!.sl, 1.095);
    }));

  it('floors volumes to the step (never up) and reports the executed volume', () =>
    withRig(manualSim(), {}, async (r, rec) => {
      const f = filled(await r.broker.place(buy('ck-vol-1', { volume: 0.129 })));
      assert.equal(rec.sends()[0]!.volume, 0.12);
      assert.deepEqual([f.volume, f.requestedVolume], [0.12, 0.129]);
    }));

  it('a partial close rounds to the volume step; every close sends position AND symbol', () =>
    withRig(manualSim(), {}, async (r, rec) => {
      const f = filled(await r.broker.place(buy('ck-pc-1', { volume: 0.3 })));
      assert.equal((await r.broker.close(f.positionId, 0.077)).status, 'done');
      const req = rec.sends()[1]!;
      assert.deepEqual([req.volume, req.position, req.symbol, req.type], [0.07, f.positionId, 'EURUSD', 1]);
      const [p] = await r.broker.positions();
      assert.deepEqual([p!.id, p!.volume], [f.positionId, 0.23]);
    }));

  it('closing one of two hedged positions leaves the other (the request names the position)', () =>
    withRig(manualSim(), {}, async (r) => {
      const a = filled(await r.broker.place(buy('ck-hedge-1')));
      const b = filled(await r.broker.place(buy('ck-hedge-2', { side: 'sell' })));
      assert.equal((await r.broker.close(a.positionId)).status, 'done');
      assert.deepEqual(
        (await r.broker.positions()).map((p) => p.id),
        [b.positionId],
      );
    }));

  it('validates SL/TP against the stops level locally: nothing is sent', () =>
    withRig(manualSim({ symbols: [{ name: 'EURUSD', stopsLevel: 50, feed: { kind: 'manual', bid: 1.1, ask: 1.1001 } }] }), {}, async (r, rec) => {
      const res = await r.broker.place(buy('ck-lvl-1', { sl: 1.0996 }));
      assert.equal(res.status, 'rejected');
      assert.equal((res as { code: string }).code, 'TK_ERR_BROKER_INVALID_STOPS');
      assert.equal(rec.sends().length, 0);
    }));

  it('carries the client id first in the comment (≤ 26 characters) and the magic number', () =>
    withRig(manualSim(), {}, async (r) => {
      filled(await r.broker.place(buy('tk0123456789abcd', { comment: 'tk tk0123456789abcd' })));
      const [p] = await r.broker.positions();
      assert.equal(p!.magic, 770_001);
      assert.ok(p!.comment!.length <= 26);
      assert.equal(decodeComment(p!.comment), 'tk0123456789abcd');
      assert.equal(p!.clientId, 'tk0123456789abcd');
    }));
});

describe('adapter: unknown outcomes are reconciled, never resent blindly', () => {
  it('a response lost after execution never produces a second position (one order_send, the fill reconciled)', () =>
    withRig(manualSim({ historyLagMs: 60_000 }), {}, async (r, rec) => {
      r.sim.faults.inject({ method: 'order_send', kind: 'drop_after_execute' });
      const f = filled(await r.broker.place(buy('ck-lost-1')));
      assert.equal(rec.sends().length, 1, 'not resent');
      const mine = (await r.broker.positions()).filter((p) => p.clientId === 'ck-lost-1');
      assert.deepEqual(
        mine.map((p) => p.id),
        [f.positionId],
      );
    }));

  it('a connection lost before execution: an empty lookup proves nothing, so it is unknown and never resent (not even by a second place of the id)', () =>
    withRig(manualSim(), {}, async (r, rec) => {
      r.sim.faults.inject({ method: 'order_send', kind: 'drop_before_execute' });
      const res = await r.broker.place(buy('ck-drop-1'));
      assert.equal(res.status, 'unknown', JSON.stringify(res));
      assert.equal(rec.sends().length, 1);
      const again = await r.broker.place(buy('ck-drop-1'));
      assert.equal(again.status, 'unknown', 'looked up again, not resent');
      assert.equal(rec.sends().length, 1);
      assert.equal((await r.broker.positions()).length, 0);
    }));

  it('an answer slower than the deadline: the lookup queues behind the send on the terminal and finds the fill', () =>
    withRig(manualSim(), { broker: { sendTimeoutMs: 60 } }, async (r, rec) => {
      r.sim.faults.inject({ method: 'order_send', kind: 'slow', delayMs: 250 });
      filled(await r.broker.place(buy('ck-slow-1')));
      assert.equal(rec.sends().length, 1);
      assert.equal((await r.broker.positions()).length, 1);
    }));

  it('when the lookup itself cannot answer, the outcome stays unknown and nothing is resent', () =>
    withRig(manualSim(), { broker: { sendTimeoutMs: 50 } }, async (r, rec) => {
      // The lookups' deadlines (80 ms) pass while the slow send (400 ms) still holds the terminal.
      r.sim.faults.inject({ method: 'order_send', kind: 'slow', delayMs: 400 });
      const orig = rec.call.bind(rec);
      rec.call = ((m: string, a?: unknown[], k?: Record<string, unknown>, opts?: { deadlineMs?: number }) =>
        orig(m, a, k, m === 'order_send' ? opts : { ...opts, deadlineMs: 80 })) as typeof rec.call;
      const res = await r.broker.place(buy('ck-blind-1'));
      assert.equal(res.status, 'unknown', JSON.stringify(res));
      assert.equal(rec.sends().length, 1, 'not resent');
      await new Promise((x) => setTimeout(x, 450));
      rec.call = orig;
      assert.equal((await r.broker.lookup('ck-blind-1')).positions.length, 1, 'it had executed');
      const again = await r.broker.place(buy('ck-blind-1'));
      assert.equal(again.status, 'filled', 'the next place of the same id reconciles instead of resending');
      assert.equal(rec.sends().length, 1);
    }));

  it('a transport error that says not_sent is resent', () =>
    withRig(manualSim(), {}, async (r, rec) => {
      r.sim.faults.inject({ method: 'order_send', kind: 'not_sent' });
      filled(await r.broker.place(buy('ck-ns-1')));
      assert.equal(rec.sends().length, 2);
      assert.equal((await r.broker.positions()).length, 1);
    }));

  it('a close whose answer is lost is confirmed by re-reading the position, not repeated', () =>
    withRig(manualSim(), {}, async (r, rec) => {
      const f = filled(await r.broker.place(buy('ck-lclose-1', { volume: 0.3 })));
      r.sim.faults.inject({ method: 'order_send', kind: 'drop_after_execute' });
      assert.equal((await r.broker.close(f.positionId, 0.1)).status, 'done');
      assert.equal(rec.sends().length, 2);
      assert.equal((await r.broker.positions())[0]!.volume, 0.2, 'closed 0.1 once');
    }));

  it('idempotent by client id even when the first attempt is still in flight', () =>
    withRig(manualSim(), {}, async (r, rec) => {
      const [a, b] = await Promise.all([r.broker.place(buy('ck-conc-1')), r.broker.place(buy('ck-conc-1'))]);
      assert.deepEqual(filled(a), filled(b));
      assert.equal(rec.sends().length, 1);
    }));
});

describe('adapter: order_send returns None (the MetaTrader5 package lost the answer or refused the request)', () => {
  const sends = (rec: RecordingGateway) => rec.calls.filter((c) => c.method === 'order_send').length;
  const inits = (rec: RecordingGateway) => rec.calls.filter((c) => c.method === 'initialize').length;

  it('executed, then None with (-10005, IPC timeout): the terminal is re-initialized, the write is NOT repeated, and the fill is adopted', () =>
    withRig(manualSim(), {}, async (r, rec) => {
      const before = inits(rec);
      r.sim.faults.inject({ method: 'order_send', kind: 'none_after_execute' });
      const f = filled(await r.broker.place(buy('ck-none-1')));
      assert.equal(sends(rec), 1, 'one order_send: the session never repeats a write');
      assert.equal(inits(rec), before + 1, 're-initialized after the IPC error');
      const mine = (await r.broker.positions()).filter((p) => p.clientId === 'ck-none-1');
      assert.deepEqual(
        mine.map((p) => p.id),
        [f.positionId],
        'exactly one position, the adopted one',
      );
    }));

  it('None with an IPC timeout and nothing visible yet: unknown, never resent; a later lookup finds nothing to duplicate', () =>
    withRig(manualSim(), {}, async (r, rec) => {
      r.sim.faults.inject({ method: 'order_send', kind: 'none_before_execute' });
      const res = await r.broker.place(buy('ck-none-2'));
      assert.equal(res.status, 'unknown', JSON.stringify(res));
      assert.match((res as { reason: string }).reason, /-10005/);
      assert.equal(sends(rec), 1);
      assert.equal((await r.broker.lookup('ck-none-2')).positions.length, 0);
      assert.equal((await r.broker.place(buy('ck-none-2'))).status, 'unknown', 'a second place of the id only looks it up');
      assert.equal(sends(rec), 1);
    }));

  it('None with (-2, invalid argument) is proof the terminal never saw it: TK_ERR_MT5_INVALID_REQUEST (not retryable) after the lookup finds nothing', () =>
    withRig(manualSim(), {}, async (r, rec) => {
      r.sim.faults.inject({ method: 'order_send', kind: 'none_before_execute', lastError: [-2, 'Invalid "volume" argument'] });
      const res = await r.broker.place(buy('ck-none-3'));
      assert.deepEqual(
        [res.status, (res as { code: string }).code, (res as { retryable: boolean }).retryable],
        ['rejected', 'TK_ERR_MT5_INVALID_REQUEST', false],
      );
      const i = rec.calls.findIndex((c) => c.method === 'order_send');
      assert.ok(
        rec.calls.slice(i + 1).some((c) => c.method === 'positions_get'),
        'looked the client id up first',
      );
      assert.equal(sends(rec), 1);
    }));

  it('a full close whose answer is lost (None, -10005): done with its closing deal, no false POSITION_NOT_FOUND, closed once', () =>
    withRig(manualSim(), {}, async (r, rec) => {
      const f = filled(await r.broker.place(buy('ck-none-c1', { volume: 0.2 })));
      const seen: Deal[] = [];
      r.broker.subscribeDeals((d) => seen.push(d));
      r.sim.faults.inject({ method: 'order_send', kind: 'none_after_execute' });
      const res = await r.broker.close(f.positionId);
      assert.equal(res.status, 'done', JSON.stringify(res));
      const deal = (res as Extract<ActionResult, { status: 'done' }>).deal;
      assert.deepEqual([deal?.entry, deal?.volume, deal?.positionId], ['out', 0.2, f.positionId]);
      assert.deepEqual(
        seen.map((d) => d.id),
        [deal!.id],
        'the exit reaches the journal in this cycle',
      );
      assert.equal(sends(rec), 2);
      assert.equal((await r.broker.positions()).length, 0);
    }));

  it('a partial close whose answer is lost (None, -10005) closes exactly one slice', () =>
    withRig(manualSim(), {}, async (r, rec) => {
      const f = filled(await r.broker.place(buy('ck-none-pc1', { volume: 0.3 })));
      r.sim.faults.inject({ method: 'order_send', kind: 'none_after_execute' });
      const res = await r.broker.close(f.positionId, 0.1);
      assert.equal(res.status, 'done', JSON.stringify(res));
      assert.equal((res as Extract<ActionResult, { status: 'done' }>).deal?.volume, 0.1);
      assert.equal(sends(rec), 2);
      const [p] = await r.broker.positions();
      assert.deepEqual([p!.id, p!.volume], [f.positionId, 0.2]);
    }));

  it('a partial close with no visible effect is unknown; repeating it sends nothing until it resolves; a full close is still allowed', () =>
    withRig(manualSim(), {}, async (r, rec) => {
      const f = filled(await r.broker.place(buy('ck-none-pc2', { volume: 0.3 })));
      r.sim.faults.inject({ method: 'order_send', kind: 'none_before_execute' });
      assert.equal((await r.broker.close(f.positionId, 0.1)).status, 'unknown');
      assert.equal(sends(rec), 2);
      const again = await r.broker.close(f.positionId, 0.1);
      assert.equal(again.status, 'unknown', JSON.stringify(again));
      assert.equal(sends(rec), 2, 'no second slice while the first is unresolved');
      assert.equal((await r.broker.positions())[0]!.volume, 0.3);
      assert.equal((await r.broker.close(f.positionId)).status, 'done');
      assert.equal(sends(rec), 3);
      assert.equal((await r.broker.positions()).length, 0);
    }));

  it('a partial close that executes after its lookup gave up: the retry finds the slice and closes nothing more', () =>
    withRig(manualSim(), { broker: { sendTimeoutMs: 50 } }, async (r, rec) => {
      const f = filled(await r.broker.place(buy('ck-late-pc1', { volume: 0.3 })));
      // The slow close still holds the terminal when the position re-read (80 ms deadline) gives up.
      r.sim.faults.inject({ method: 'order_send', kind: 'slow', delayMs: 400 });
      const orig = rec.call.bind(rec);
      rec.call = ((m: string, a?: unknown[], k?: Record<string, unknown>, opts?: { deadlineMs?: number }) =>
        orig(m, a, k, m === 'order_send' ? opts : { ...opts, deadlineMs: 80 })) as typeof rec.call;
      assert.equal((await r.broker.close(f.positionId, 0.1)).status, 'unknown');
      await new Promise((x) => setTimeout(x, 450));
      rec.call = orig;
      const again = await r.broker.close(f.positionId, 0.1);
      assert.equal(again.status, 'done', JSON.stringify(again));
      assert.equal(sends(rec), 2, 'the retry sent nothing');
      assert.equal((await r.broker.positions())[0]!.volume, 0.2, 'exactly one slice closed');
    }));

  it('modify and cancel whose answers are lost (None, -10005) are confirmed by re-reading, not repeated', () =>
    withRig(manualSim(), {}, async (r, rec) => {
      const f = filled(await r.broker.place(buy('ck-none-m1')));
      r.sim.faults.inject({ method: 'order_send', kind: 'none_after_execute' });
      assert.equal((await r.broker.modify(f.positionId, { sl: 1.095 })).status, 'done');
      assert.equal((await r.broker.positions())[0]!.sl, 1.095);
      const o = await r.broker.place(buy('ck-none-o1', { type: 'limit', price: 1.09 }));
      assert.equal(o.status, 'placed');
      r.sim.faults.inject({ method: 'order_send', kind: 'none_after_execute' });
      assert.equal((await r.broker.cancel((o as { orderId: string }).orderId)).status, 'done');
      assert.equal((await r.broker.orders()).length, 0);
      assert.equal(sends(rec), 4);
    }));
});

describe('adapter: the fill deal is read by ORDER ticket (history_deals_get ticket= semantics)', () => {
  it('a fill’s commission and time come from its deal; the query names the order ticket and picks result.deal', () =>
    // A live clock: the run's clock (now) and the terminal's (the simulator's start) differ.
    withRig(manualSim({ execution: { commissionPerLot: 7 } }), { clock: new LiveClock() }, async (r, rec) => {
      const f = filled(await r.broker.place(buy('ck-deal-1')));
      assert.equal(f.commission, -0.7, 'read from the deal');
      assert.equal(f.time, r.sim.now(), 'the deal’s time, not the local clock');
      const q = rec.calls.filter((c) => c.method === 'history_deals_get' && c.kwargs.ticket !== undefined);
      assert.deepEqual(
        q.map((c) => c.kwargs.ticket),
        [f.orderId],
      );
    }));

  it('a close returns its exit deal at once (the journal gets it this cycle, not the next)', () =>
    withRig(manualSim({ execution: { commissionPerLot: 7 } }), {}, async (r) => {
      const f = filled(await r.broker.place(buy('ck-deal-2', { volume: 0.2 })));
      const seen: Deal[] = [];
      r.broker.subscribeDeals((d) => seen.push(d));
      const res = await r.broker.close(f.positionId, 0.1);
      assert.equal(res.status, 'done');
      const d = (res as Extract<ActionResult, { status: 'done' }>).deal;
      assert.deepEqual([d?.entry, d?.volume, d?.commission, d?.clientId], ['out', 0.1, -0.7, 'ck-deal-2']);
      assert.deepEqual(
        seen.map((x) => x.id),
        [d!.id],
      );
    }));
});

describe('adapter: fencing (one writer per run)', () => {
  /** A second process's broker on the same simulator server (its own connection and session). */
  async function secondBroker(r: Rig): Promise<Mt5Broker> {
    const { host, port } = r.server!.address;
    const gw = new RpcGateway({ host, port, token: TOKEN, heartbeatMs: 0, callTimeoutMs: 5000 });
    const session = new Mt5Session(gw, r.clock, { rateLimit: { perSecond: 0, burst: 1, scope: 'trades' } }, silentLogger());
    await session.open();
    await session.ensureTrading();
    return new Mt5Broker(session.retain(), r.clock, { magic: 770_001, backoffMs: 1 });
  }
  const code = (x: OrderResult | ActionResult) => [x.status, (x as { code?: string }).code, (x as { retryable?: boolean }).retryable];

  it('two brokers on one server, one run: once the second fences with token 2, every write of the first is refused with TK_ERR_RUN_FENCED and reaches nothing', () =>
    withRig(manualSim(), {}, async (r, rec) => {
      const a = r.broker;
      await a.fence({ run: 'run-f', token: 1 });
      const fa = filled(await a.place(buy('ck-fence-a1', { volume: 0.2 })));
      assert.deepEqual(rec.sends().length, 1);
      const b = await secondBroker(r);
      await b.fence({ run: 'run-f', token: 2 });
      const orders = r.sim.historyOrders.length;
      assert.deepEqual(code(await a.place(buy('ck-fence-a2'))), ['rejected', 'TK_ERR_RUN_FENCED', false]);
      assert.deepEqual(code(await a.close(fa.positionId, 0.1)), ['rejected', 'TK_ERR_RUN_FENCED', false]);
      assert.deepEqual(code(await a.modify(fa.positionId, { sl: 1.095 })), ['rejected', 'TK_ERR_RUN_FENCED', false]);
      assert.equal(r.sim.historyOrders.length, orders, 'no order reached the terminal');
      assert.deepEqual(
        [...r.sim.positions.values()].map((p) => [p.volume, p.sl]),
        [[0.2, 0]],
      );
      assert.equal((await a.positions()).length, 1, 'reads are never fenced');
      await assert.rejects(
        Promise.resolve(a.fence({ run: 'run-f', token: 1 })),
        (e: TradekitError) => e.code === 'TK_ERR_RUN_FENCED' && e.classification === 'fatal',
      );
      filled(await b.place(buy('ck-fence-b1')));
      assert.equal(r.sim.positions.size, 2, 'the current holder trades');
      await b.shutdown();
    }));

  it('in-process gateway: the same table; a stale token on a write is refused before the terminal', () =>
    withRig(manualSim(), { transport: 'inproc' }, async (r) => {
      await r.broker.fence({ run: 'run-g', token: 5 });
      filled(await r.broker.place(buy('ck-fence-g1')));
      await assert.rejects(
        r.gateway.call('order_send', [deal()], {}, { fence: { run: 'run-g', token: 4 } }),
        (e: TradekitError) => e.code === 'TK_ERR_RUN_FENCED' && e.details?.outcome === 'not_sent',
      );
      assert.equal(r.sim.positions.size, 1);
    }));
});

describe('adapter: retcode handling', () => {
  it('requotes are retried with a fresh price (instant execution), then give up as TK_ERR_MT5_REQUOTE (retryable)', () =>
    withRig(
      manualSim({
        seed: 4,
        symbols: [{ name: 'EURUSD', exeMode: 1, feed: { kind: 'manual', bid: 1.1, ask: 1.1001 } }],
        execution: { requoteProbability: 0.6 },
      }),
      {},
      async (r, rec) => {
        const res = await r.broker.place(buy('ck-rq-1'));
        const n = rec.sends().length;
        assert.ok(n >= 1 && n <= 4);
        if (res.status === 'filled') assert.ok(rec.sends().every((s) => s.price === 1.1001 && s.deviation === 20));
        r.sim.exec.requoteProbability = 1;
        const give = await r.broker.place(buy('ck-rq-2'));
        assert.deepEqual([give.status, (give as { code: string }).code, (give as { retryable: boolean }).retryable], ['rejected', 'TK_ERR_MT5_REQUOTE', true]);
        assert.equal(rec.sends().length - n, 4, '1 + maxRequotes (3)');
      },
    ));

  it('10024 (too many requests) backs off and succeeds instead of failing the cycle', () => {
    const sim = manualSim({ rateLimitPerSecond: 1 });
    const timer = simTimer(sim);
    return withRig(sim, { timer, broker: { backoffMs: 300 } }, async (r, rec) => {
      filled(await r.broker.place(buy('ck-rl-1')));
      filled(await r.broker.place(buy('ck-rl-2')));
      assert.ok(timer.slept >= 900, `backed off ${timer.slept} ms`);
      assert.ok(rec.sends().length >= 3);
    });
  });

  it('a disconnected terminal (10031) is a retryable rejection after the lookup finds nothing; AutoTrading off (10027) is fatal', () =>
    withRig(manualSim(), {}, async (r) => {
      r.sim.connected = false;
      const a = await r.broker.place(buy('ck-conn-1'));
      assert.deepEqual([a.status, (a as { code: string }).code, (a as { retryable: boolean }).retryable], ['rejected', 'TK_ERR_MT5_NO_CONNECTION', true]);
      r.sim.connected = true;
      r.sim.autoTrading = false;
      const b = await r.broker.place(buy('ck-at-1'));
      assert.deepEqual(
        [b.status, (b as { code: string }).code, (b as { retryable: boolean }).retryable],
        ['rejected', 'TK_ERR_MT5_AUTOTRADING_DISABLED', false],
      );
      // The retcode's class travels with the result (metrics count rejects by it: docs/observability.md).
      assert.deepEqual([(a as { errorClass?: string }).errorClass, (b as { errorClass?: string }).errorClass], ['retryable', 'fatal']);
      assert.equal((await r.broker.positions()).length, 0);
    }));

  it('asynchronous acceptance (10008 for a market order) is "placed"; the later fill reaches deal subscribers with the client id', () =>
    withRig(manualSim({ execution: { async: true, asyncDelayMs: 500 } }), {}, async (r) => {
      const seen: { entry: string; clientId?: string }[] = [];
      r.broker.subscribeDeals((d) => seen.push(d));
      await r.broker.positions();
      const res = await r.broker.place(buy('ck-async-1'));
      assert.equal(res.status, 'placed');
      r.clock.advance(1000);
      await r.broker.positions();
      assert.deepEqual(seen, [expectDeal(seen[0]!, 'in', 'ck-async-1')]);
    }));
});

function expectDeal(d: { entry: string; clientId?: string }, entry: string, clientId: string) {
  assert.equal(d.entry, entry);
  assert.equal(d.clientId, clientId);
  return d;
}

describe('adapter: broker time', () => {
  for (const [label, start] of [
    ['May (server GMT+3)', WED],
    ['January (server GMT+2)', Date.UTC(2026, 0, 14, 10, 0, 0)],
  ] as const) {
    it(`converts server time to UTC explicitly: ${label}`, () =>
      withRig(manualSim({ start }), {}, async (r) => {
        const f = filled(await r.broker.place(buy('ck-time-1')));
        assert.equal(f.time, start);
        const [p] = await r.broker.positions();
        assert.equal(p!.openTime, start);
        const [d] = (await r.broker.history({ from: start, to: start })).filter((x) => x.positionId === f.positionId);
        assert.equal(d!.time, start);
      }));
  }
});
