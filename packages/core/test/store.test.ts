import assert from 'node:assert/strict';
import path from 'node:path';
import { openStateStore, TradekitError, type StateStore, type TradekitEvent } from '../src/index.js';
import { tempDir } from './helpers/fs.js';

describe('state store on SQLite (knex + sqlite3)', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: StateStore;
  let now = 1_000;
  beforeEach(async () => {
    dir = tempDir('tk-store-');
    store = await openStateStore({ url: 'sqlite://./state.db', baseDir: dir.dir, run: 'run-a', now: () => now });
  });
  afterEach(async () => {
    await store.close();
    dir.cleanup();
  });

  it('keeps KV values with set/get/delete/all/updatedAt, per run', async () => {
    await store.set('breaker', { open: true });
    now = 2_000;
    await store.set('count.daily', 3);
    await store.set('count.weekly', 9);
    assert.deepEqual(await store.get('breaker'), { open: true });
    assert.equal(await store.updatedAt('breaker'), 1_000);
    assert.equal(await store.updatedAt('count.daily'), 2_000);
    assert.deepEqual(await store.all('count.'), { 'count.daily': 3, 'count.weekly': 9 });
    assert.equal(await store.delete('breaker'), true);
    assert.equal(await store.delete('breaker'), false);
    assert.equal(await store.get('breaker'), undefined);
    assert.equal(await store.updatedAt('breaker'), undefined);
    const other = await openStateStore({ url: `sqlite://${path.join(dir.dir, 'state.db')}`, baseDir: '/', run: 'run-b', now: () => now });
    try {
      assert.equal(await other.get('count.daily'), undefined, 'runs do not see each other');
      await other.set('count.daily', 1);
      assert.equal(await store.get('count.daily'), 3);
    } finally {
      await other.close();
    }
  });

  it('upserts orders by client id and lists them by status', async () => {
    const j = store.journal;
    await j.saveOrder({ clientId: 'tk1', symbol: 'EURUSD', side: 'buy', type: 'market', volume: 0.1, status: 'pending', createdAt: 1, updatedAt: 1, agent: 'a' });
    await j.saveOrder({ clientId: 'tk1', symbol: 'EURUSD', side: 'buy', type: 'market', volume: 0.1, status: 'filled', positionId: 'p1', createdAt: 1, updatedAt: 2 });
    await j.saveOrder({ clientId: 'tk2', symbol: 'XAUUSD', side: 'sell', type: 'limit', volume: 0.2, price: 2000, status: 'placed', createdAt: 3, updatedAt: 3 });
    const o = await j.getOrder('tk1');
    assert.deepEqual([o!.status, o!.positionId, o!.agent], ['filled', 'p1', 'a']);
    assert.deepEqual((await j.listOrders({ status: ['placed'] })).map((x) => x.clientId), ['tk2']);
    assert.equal((await j.listOrders()).length, 2);
  });

  it('records a trade with its entry and its exits (partial then final), once per deal', async () => {
    const j = store.journal;
    await j.openTrade({ positionId: 'p1', clientId: 'tk1', symbol: 'EURUSD', side: 'buy', volume: 1, entryTime: 10, entryPrice: 1.1, sl: 1.09, agent: 'sma', score: 3, details: { m5: 'OK' }, commission: -3.5 });
    const exit = { positionId: 'p1', clientId: 'tk1', symbol: 'EURUSD', side: 'buy' as const, openPrice: 1.1, openTime: 10, swap: 0 };
    await j.recordExit({ ...exit, dealId: 'd1', volume: 0.3, partial: true, closePrice: 1.105, closeTime: 20, reason: 'partial', profit: 148.95, commission: -1.05 });
    await j.recordExit({ ...exit, dealId: 'd1', volume: 0.3, partial: true, closePrice: 1.105, closeTime: 20, reason: 'partial', profit: 148.95, commission: -1.05 });
    let t = await j.getTrade('p1');
    assert.deepEqual([t!.status, t!.openVolume, t!.exitPrice], ['open', 0.7, 1.105]);
    await j.recordExit({ ...exit, dealId: 'd2', volume: 0.7, partial: false, closePrice: 1.095, closeTime: 30, reason: 'sl', profit: -352.45, commission: -2.45 });
    t = await j.getTrade('p1');
    assert.equal(t!.status, 'closed');
    assert.equal(t!.openVolume, 0);
    assert.equal(t!.exitReason, 'sl');
    assert.equal(t!.exitTime, 30);
    assert.ok(Math.abs(t!.exitPrice! - (1.105 * 0.3 + 1.095 * 0.7)) < 1e-12, 'volume-weighted exit price');
    assert.equal(t!.profit, Math.round((-3.5 + 148.95 - 352.45) * 100) / 100, 'net of entry commission and both exits');
    assert.equal(t!.commission, -7);
    assert.deepEqual(t!.details, { m5: 'OK' });
    assert.deepEqual((await j.listTrades({ status: 'closed' })).map((x) => x.positionId), ['p1']);
    assert.equal((await j.listTrades({ status: 'open' })).length, 0);
  });

  it('appends events and reads them back from a sequence number', async () => {
    const ev = (seq: number): TradekitEvent => ({ v: 1, type: 'cycle.start', run: 'run-a', seq, time: seq * 10, data: { cycle: seq, symbols: 1 } });
    await store.journal.appendEvents([1, 2, 3, 4, 5].map(ev));
    await store.journal.appendEvents([ev(5)]);
    const since = await store.journal.events(2);
    assert.deepEqual(since.map((e) => e.seq), [3, 4, 5]);
    assert.deepEqual(since[0], ev(3));
    assert.deepEqual((await store.journal.events(0, 2)).map((e) => e.seq), [1, 2]);
  });

  it('redacts secrets in everything it writes', async () => {
    await store.close();
    store = await openStateStore({ url: 'sqlite://./state.db', baseDir: dir.dir, run: 'run-a', now: () => now, redact: (s) => s.replaceAll('hunter2', '[REDACTED]') });
    await store.set('conn', { password: 'hunter2' });
    assert.deepEqual(await store.get('conn'), { password: '[REDACTED]' });
  });

  it('migrates once: reopening an existing file keeps the data', async () => {
    await store.set('k', 1);
    await store.close();
    store = await openStateStore({ url: 'sqlite://./state.db', baseDir: dir.dir, run: 'run-a', now: () => now });
    assert.equal(await store.get('k'), 1);
  });

  it('refuses unknown URLs with a code', async () => {
    await assert.rejects(openStateStore({ url: 'mysql://x', baseDir: '.', run: 'r', now: () => 0 }), (e: unknown) => e instanceof TradekitError && e.code === 'TK_ERR_STATE_URL');
    await assert.rejects(openStateStore({ url: 'postgres://u:p@127.0.0.1:1/x', baseDir: '.', run: 'r', now: () => 0 }), (e: unknown) => e instanceof TradekitError && e.code === 'TK_ERR_STATE_DRIVER_MISSING');
  });
});
