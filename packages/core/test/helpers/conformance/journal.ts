/**
 * The KV state and the journal: what every state store keeps, per run, and how it reads back.
 */
import assert from 'node:assert/strict';
import { KnexStateStore, type StateStore, type TradekitEvent } from '../../../src/index.js';
import type { StoreBackend, StoreDatabase } from '../store-backends.js';
import { rejectsWith } from './assert-code.js';

const order = (clientId: string, status: 'pending' | 'filled' | 'placed', extra: Record<string, unknown> = {}) => ({
  clientId,
  symbol: 'EURUSD',
  side: 'buy' as const,
  type: 'market',
  volume: 0.1,
  status,
  createdAt: 1,
  updatedAt: 1,
  ...extra,
});

export function journalConformance(backend: StoreBackend): void {
  const sql = backend.inProcess === undefined;
  /** A test only a store with that trait can pass (SQL stores have them all). */
  const itIf = (has: boolean) => (has ? it : (_title: string, _test: () => Promise<void>): void => undefined);
  describe('KV state and journal', () => {
    let db: StoreDatabase;
    let store: StateStore;
    let now = 1_000;
    beforeEach(async () => {
      now = 1_000;
      db = await backend.fresh();
      store = await db.open('run-a', { now: () => now });
    });
    afterEach(async () => {
      await db.cleanup();
    });

    it('keeps KV values with set/get/delete/all/updatedAt, per run', async () => {
      await store.set('breaker', { open: true });
      now = 2_000;
      await store.set('count_daily', 3);
      await store.set('count_weekly', 9);
      await store.set('countXdaily', 7);
      await store.set('COUNT_daily', 8);
      assert.deepEqual(await store.get('breaker'), { open: true });
      assert.equal(await store.updatedAt('breaker'), 1_000);
      assert.equal(await store.updatedAt('count_daily'), 2_000);
      assert.deepEqual(await store.all('count_'), { count_daily: 3, count_weekly: 9 }, 'a prefix is literal: `_` is no wildcard, case counts');
      assert.equal(await store.delete('breaker'), true);
      assert.equal(await store.delete('breaker'), false);
      assert.equal(await store.get('breaker'), undefined);
      assert.equal(await store.updatedAt('breaker'), undefined);
      const other = await db.open('run-b', { now: () => now });
      assert.equal(await other.get('count_daily'), undefined, 'runs do not see each other');
      await other.set('count_daily', 1);
      assert.equal(await store.get('count_daily'), 3);
      assert.equal(await other.get('count_daily'), 1);
      assert.deepEqual(await other.all(), { count_daily: 1 });
    });

    it('upserts orders by client id and lists them by status, symbol and limit', async () => {
      const j = store.journal;
      await j.saveOrder(order('tk1', 'pending', { agent: 'a', intent: { why: 'cross' } }));
      await j.saveOrder(order('tk1', 'filled', { positionId: 'p1', updatedAt: 2, result: { retcode: 10009 } }));
      await j.saveOrder(order('tk2', 'placed', { symbol: 'XAUUSD', side: 'sell', type: 'limit', volume: 0.2, price: 2000, createdAt: 3, updatedAt: 3 }));
      const o = await j.getOrder('tk1');
      assert.deepEqual([o!.status, o!.positionId, o!.agent, o!.updatedAt, o!.createdAt], ['filled', 'p1', 'a', 2, 1]);
      if (sql || backend.inProcess.keepsPayloads) assert.deepEqual([o!.intent, o!.result], [{ why: 'cross' }, { retcode: 10009 }]);
      else assert.deepEqual([o!.intent, o!.result], [undefined, undefined], 'memory:compact keeps no payloads');
      assert.deepEqual(
        (await j.listOrders({ status: ['placed'] })).map((x) => x.clientId),
        ['tk2'],
      );
      assert.deepEqual(
        (await j.listOrders({ symbol: 'EURUSD' })).map((x) => x.clientId),
        ['tk1'],
      );
      assert.deepEqual(
        (await j.listOrders()).map((x) => x.clientId),
        ['tk2', 'tk1'],
        'newest first',
      );
      assert.deepEqual(
        (await j.listOrders({ limit: 1 })).map((x) => x.clientId),
        ['tk2'],
      );
      assert.equal(await j.getOrder('nope'), undefined);
      const p = (await j.listOrders({ status: ['placed'] }))[0]!;
      assert.deepEqual([typeof p.volume, p.volume, p.price, typeof p.createdAt], ['number', 0.2, 2000, 'number'], 'numbers come back as numbers');
    });

    it('records a trade with its entry and its exits (partial then final), once per deal', async () => {
      const j = store.journal;
      await j.openTrade({
        positionId: 'p1',
        clientId: 'tk1',
        symbol: 'EURUSD',
        side: 'buy',
        volume: 1,
        entryTime: 10,
        entryPrice: 1.1,
        sl: 1.09,
        agent: 'sma',
        score: 3,
        details: { m5: 'OK' },
        commission: -3.5,
      });
      const exit = { positionId: 'p1', clientId: 'tk1', symbol: 'EURUSD', side: 'buy' as const, openPrice: 1.1, openTime: 10, swap: 0 };
      assert.equal(
        await j.recordExit({
          ...exit,
          dealId: 'd1',
          volume: 0.3,
          partial: true,
          closePrice: 1.105,
          closeTime: 20,
          reason: 'partial',
          profit: 148.95,
          commission: -1.05,
        }),
        true,
      );
      assert.equal(
        await j.recordExit({
          ...exit,
          dealId: 'd1',
          volume: 0.3,
          partial: true,
          closePrice: 1.105,
          closeTime: 20,
          reason: 'partial',
          profit: 148.95,
          commission: -1.05,
        }),
        false,
        'the same deal again is ignored',
      );
      let t = await j.getTrade('p1');
      assert.deepEqual([t!.status, t!.openVolume, t!.exitPrice], ['open', 0.7, 1.105]);
      await j.recordExit({
        ...exit,
        dealId: 'd2',
        volume: 0.7,
        partial: false,
        closePrice: 1.095,
        closeTime: 30,
        reason: 'sl',
        profit: -352.45,
        commission: -2.45,
      });
      t = await j.getTrade('p1');
      assert.equal(t!.status, 'closed');
      assert.equal(t!.openVolume, 0);
      assert.equal(t!.exitReason, 'sl');
      assert.equal(t!.exitTime, 30);
      assert.ok(Math.abs(t!.exitPrice! - (1.105 * 0.3 + 1.095 * 0.7)) < 1e-12, 'volume-weighted exit price');
      assert.equal(t!.profit, Math.round((-3.5 + 148.95 - 352.45) * 100) / 100, 'net of entry commission and both exits');
      assert.equal(t!.commission, -7);
      assert.deepEqual([t!.details, t!.score, t!.sl, t!.agent], [{ m5: 'OK' }, 3, 1.09, 'sma']);
      assert.deepEqual(
        (await j.listTrades({ status: 'closed' })).map((x) => x.positionId),
        ['p1'],
      );
      assert.equal((await j.listTrades({ status: 'open' })).length, 0);
      // An exit of a position the journal never saw opened (its entry was lost) still makes a trade.
      await j.recordExit({
        ...exit,
        positionId: 'p9',
        openTime: 40,
        dealId: 'd9',
        volume: 0.5,
        partial: false,
        closePrice: 1.2,
        closeTime: 40,
        reason: 'tp',
        profit: 50,
        commission: 0,
      });
      assert.deepEqual([(await j.getTrade('p9'))?.status, (await j.getTrade('p9'))?.volume], ['closed', 0.5]);
      assert.deepEqual(
        (await j.listTrades({ from: 5, to: 10 })).map((x) => x.positionId),
        ['p1'],
      );
      assert.deepEqual(
        (await j.listTrades({ limit: 1, offset: 1 })).map((x) => x.positionId),
        ['p1'],
        'newest entry first, paged',
      );
    });

    itIf(sql)('records a fill (order + trade) atomically: both or neither', async () => {
      const j = store.journal;
      await j.saveOrder(order('tk1', 'pending'));
      const trade = { positionId: 'p1', clientId: 'tk1', symbol: 'EURUSD', side: 'buy' as const, volume: 0.1, entryTime: 5, entryPrice: 1.1 };
      // A trade the database refuses (no entry price): the order's update must not stay behind alone.
      await rejectsWith(
        j.recordFill(order('tk1', 'filled', { positionId: 'p1', updatedAt: 2 }), { ...trade, entryPrice: undefined as unknown as number }),
        'TK_ERR_STATE_IO',
      );
      assert.equal((await j.getOrder('tk1'))?.status, 'pending', 'the order was not marked filled');
      assert.equal(await j.getTrade('p1'), undefined);
      await j.recordFill(order('tk1', 'filled', { positionId: 'p1', updatedAt: 2 }), trade);
      assert.equal((await j.getOrder('tk1'))?.status, 'filled');
      assert.deepEqual([(await j.getTrade('p1'))?.status, (await j.getTrade('p1'))?.entryPrice], ['open', 1.1]);
    });

    it('appends events, reads them back from a sequence number, knows the last one', async () => {
      const ev = (seq: number): TradekitEvent => ({ v: 1, type: 'cycle.start', run: 'run-a', seq, time: seq * 10, data: { cycle: seq, symbols: 1 } });
      assert.equal(await store.journal.lastEventSeq(), 0);
      await store.journal.appendEvents([1, 2, 3, 4, 5].map(ev));
      await store.journal.appendEvents([ev(5)]);
      const since = await store.journal.events(2);
      assert.deepEqual(
        since.map((e) => e.seq),
        [3, 4, 5],
      );
      assert.deepEqual(since[0], ev(3));
      assert.deepEqual(
        (await store.journal.events(0, 2)).map((e) => e.seq),
        [1, 2],
      );
      // More than one statement's worth of parameters: written in chunks, one transaction.
      await store.journal.appendEvents(Array.from({ length: 400 }, (_, i) => ev(6 + i)));
      assert.equal(await store.journal.lastEventSeq(), 405);
      assert.equal((await store.journal.events(0, 10_000)).length, 405);
      const other = await db.open('run-b', { now: () => now });
      assert.equal(await other.journal.lastEventSeq(), 0, 'per run');
    });

    itIf(sql)("another store instance on the database (another process: an orchestrator replica) reads every run's journal and events", async () => {
      await store.journal.saveOrder(order('tk1', 'pending'));
      await store.journal.openTrade({ positionId: 'p1', symbol: 'EURUSD', side: 'buy', volume: 1, entryTime: 10, entryPrice: 1.1 });
      await store.journal.appendEvents([{ v: 1, type: 'cycle.start', run: 'run-a', seq: 1, time: 10, data: { cycle: 1, symbols: 1 } }]);
      await store.registerRun({ id: 'run-a', name: 'a', mode: 'paper', startedAt: 1, status: 'running' });
      const replica = await db.open('run-a', { now: () => now, as: 'replica' });
      assert.equal((await replica.journal.getOrder('tk1'))?.status, 'pending');
      assert.equal((await replica.journal.getTrade('p1'))?.entryPrice, 1.1);
      assert.deepEqual(
        (await replica.journal.events(0)).map((e) => [e.seq, e.type, e.run]),
        [[1, 'cycle.start', 'run-a']],
      );
      assert.deepEqual(
        (await replica.listRuns()).map((r) => [r.id, r.status]),
        [['run-a', 'running']],
      );
      // And sees what the writer adds afterwards (no stale cache).
      await store.journal.saveOrder(order('tk1', 'filled', { updatedAt: 3 }));
      assert.equal((await replica.journal.getOrder('tk1'))?.status, 'filled');
    });

    itIf(sql)('redacts secrets in everything it writes', async () => {
      const s = await db.open('run-r', { now: () => now, redact: (x) => x.replaceAll('hunter2', '[REDACTED]') });
      await s.set('conn', { password: 'hunter2' });
      await s.journal.saveOrder(order('tk1', 'pending', { intent: { comment: 'hunter2' } }));
      await s.journal.appendEvents([{ v: 1, type: 'error', run: 'run-r', seq: 1, time: 1, data: { code: 'X', message: 'pw hunter2' } }]);
      await s.registerRun({ id: 'run-r', name: 'r', mode: 'paper', startedAt: 1, status: 'running' });
      await s.finishRun('run-r', 'finished', { note: 'hunter2' });
      assert.deepEqual(await s.get('conn'), { password: '[REDACTED]' });
      assert.deepEqual((await s.journal.getOrder('tk1'))?.intent, { comment: '[REDACTED]' });
      assert.deepEqual((await s.journal.events(0))[0]?.data, { code: 'X', message: 'pw [REDACTED]' });
      assert.deepEqual((await s.listRuns())[0]?.summary, { note: '[REDACTED]' });
    });

    itIf(sql)('migrates once: several openers of a new database at once, and reopening keeps the data', async () => {
      await store.close();
      const fresh = await backend.fresh();
      try {
        const many = await Promise.all(['a', 'b', 'c', 'd'].map((as) => fresh.open(`run-${as}`, { now: () => now, as })));
        await many[0]!.set('k', 1);
        for (const s of many) await s.close();
        const again = await fresh.open('run-a', { now: () => now });
        assert.equal(await again.get('k'), 1);
        assert.ok(again instanceof KnexStateStore);
        const applied = (await again.knex('tk_migrations').select('name').orderBy('name')) as { name: string }[];
        assert.deepEqual(
          applied.map((m) => m.name),
          ['001_initial', '002_run_leases', '003_fence_columns'],
          'each migration once',
        );
      } finally {
        await fresh.cleanup();
      }
    });

    it('lists runs newest first with their summary', async () => {
      await store.registerRun({ id: 'r1', name: 'one', mode: 'paper', configFile: '/x/one.yaml', startedAt: 1, status: 'running' });
      await store.registerRun({ id: 'r2', name: 'two', mode: 'backtest', startedAt: 2, status: 'running' });
      now = 50;
      await store.finishRun('r1', 'finished', { trades: 3 });
      const rows = await store.listRuns();
      assert.deepEqual(
        rows.map((r) => [r.id, r.status]),
        [
          ['r2', 'running'],
          ['r1', 'finished'],
        ],
      );
      assert.deepEqual([rows[1]!.endedAt, rows[1]!.summary, rows[1]!.configFile, rows[1]!.startedAt], [50, { trades: 3 }, '/x/one.yaml', 1]);
    });
  });
}
