/**
 * The run lease and fencing: one holder at a time (TK_ERR_RUN_LOCKED names the holder), take-over only
 * after expiry with a larger token, every write of a fenced-out holder refused (TK_ERR_RUN_FENCED) on
 * every table, many acquirers at once → exactly one winner, and runs of dead processes read `crashed`.
 */
import assert from 'node:assert/strict';
import type { LeaseHolder, OrderRecord, StateStore } from '../../../src/index.js';
import { ManualClock } from '../manual-clock.js';
import type { StoreBackend, StoreDatabase } from '../store-backends.js';
import { rejectsWith } from './assert-code.js';

const holder = (n: number): LeaseHolder => ({ id: `host-${n}:${1000 + n}:abc`, host: `host-${n}`, pid: 1000 + n });
const pending = (clientId: string, t: number): OrderRecord => ({
  clientId,
  symbol: 'EURUSD',
  side: 'buy',
  type: 'market',
  volume: 0.1,
  status: 'pending',
  createdAt: t,
  updatedAt: t,
});

export function leaseConformance(backend: StoreBackend): void {
  describe('run lease and fencing', () => {
    let db: StoreDatabase;
    const clock = new ManualClock(1_000_000);
    const open = (run = 'live-a', as?: string): Promise<StateStore> => db.open(run, { now: () => clock.now(), as });
    beforeEach(async () => {
      clock.t = 1_000_000;
      db = await backend.fresh();
    });
    afterEach(async () => {
      await db.cleanup();
    });

    it('a second holder is refused with TK_ERR_RUN_LOCKED naming the holder; another run is independent', async () => {
      const a = await open();
      const la = a.lease({ holder: holder(1), ttlMs: 10_000, clock });
      const { state, previous } = await la.acquire();
      assert.deepEqual([state.token, previous], [1, undefined]);
      assert.equal(la.held, true);
      const b = await open('live-a', 'b');
      const err = await rejectsWith(b.lease({ holder: holder(2), ttlMs: 10_000, clock }).acquire(), 'TK_ERR_RUN_LOCKED');
      assert.match(err.message, /host-1/);
      assert.equal(err.details?.holder, holder(1).id);
      assert.equal(err.retryAfterMs, 10_000);
      const other = await open('live-b', 'b');
      assert.equal((await other.lease({ holder: holder(2), ttlMs: 10_000, clock }).acquire()).state.token, 1);
      assert.deepEqual(await la.read(), {
        run: 'live-a',
        holder: holder(1).id,
        host: 'host-1',
        pid: 1001,
        token: 1,
        acquiredAt: 1_000_000,
        renewedAt: 1_000_000,
        expiresAt: 1_010_000,
        seqHwm: 0,
      });
    });

    it('many acquirers at once from separate store instances: exactly one wins, the others get TK_ERR_RUN_LOCKED; after expiry exactly one takes over with token + 1', async () => {
      const N = 8;
      const stores = await Promise.all(Array.from({ length: N }, (_, i) => open('live-race', `racer${i}`)));
      const settle = (round: number) => Promise.allSettled(stores.map((s, i) => s.lease({ holder: holder(round * 100 + i), ttlMs: 10_000, clock }).acquire()));
      const tally = (results: PromiseSettledResult<{ state: { token: number; holder: string } }>[]) => {
        const won = results.filter((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ state: { token: number; holder: string } }>[];
        const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
        for (const r of lost) assert.equal((r.reason as { code?: string }).code, 'TK_ERR_RUN_LOCKED', String(r.reason));
        return won.map((w) => w.value.state);
      };
      const first = tally(await settle(1));
      assert.equal(first.length, 1, 'exactly one winner');
      assert.equal(first[0]!.token, 1);
      assert.equal((await stores[0]!.lease({ holder: holder(999), ttlMs: 1, clock }).read())?.holder, first[0]!.holder, 'the winner is the one in the row');
      clock.t += 10_000;
      const second = tally(await settle(2));
      assert.equal(second.length, 1, 'exactly one takes over');
      assert.equal(second[0]!.token, 2);
      assert.equal((await stores[0]!.lease({ holder: holder(999), ttlMs: 1, clock }).read())?.token, 2);
    });

    it('a holder that stopped renewing is taken over only after expiry, with a larger token; then every write it tries is refused, on every table', async () => {
      const a = await open();
      const la = a.lease({ holder: holder(1), ttlMs: 10_000, clock });
      await la.acquire();
      await a.journal.saveOrder(pending('tk1', 1));
      await a.registerRun({ id: 'live-a', name: 'live-a', mode: 'live', startedAt: 1, status: 'running' });
      const b = await open('live-a', 'b');
      const lb = b.lease({ holder: holder(2), ttlMs: 10_000, clock });
      clock.t += 9_999;
      await rejectsWith(lb.acquire(), 'TK_ERR_RUN_LOCKED');
      // Past the TTL the holder itself no longer trusts its lease...
      assert.equal(la.held, false);
      clock.t += 1;
      const { state, previous } = await lb.acquire();
      assert.equal(state.token, 2);
      assert.equal(previous?.holder, holder(1).id);
      // ...and the store refuses every write it still tries, whatever the table, one statement or a transaction.
      const exit = {
        positionId: 'p',
        dealId: 'd',
        symbol: 'EURUSD',
        side: 'buy' as const,
        volume: 0.1,
        partial: false,
        openPrice: 1,
        openTime: 1,
        closePrice: 1,
        closeTime: 2,
        reason: 'tp',
        profit: 0,
        commission: 0,
        swap: 0,
      };
      const trade = { positionId: 'p2', symbol: 'EURUSD', side: 'buy' as const, volume: 0.1, entryTime: 2, entryPrice: 1.1 };
      const event = (seq: number) => ({ v: 1 as const, type: 'error' as const, run: 'live-a', seq, time: 1, data: { code: 'X', message: 'x' } });
      await rejectsWith(a.journal.saveOrder(pending('tk2', 2)), 'TK_ERR_RUN_FENCED');
      await rejectsWith(a.journal.saveOrder({ ...pending('tk1', 1), status: 'failed', updatedAt: 5 }), 'TK_ERR_RUN_FENCED');
      await rejectsWith(a.journal.openTrade(trade), 'TK_ERR_RUN_FENCED');
      await rejectsWith(a.journal.recordFill({ ...pending('tk3', 3), status: 'filled' }, { ...trade, positionId: 'p3' }), 'TK_ERR_RUN_FENCED');
      await rejectsWith(a.journal.recordExit(exit), 'TK_ERR_RUN_FENCED');
      await rejectsWith(a.set('k', 1), 'TK_ERR_RUN_FENCED');
      await rejectsWith(a.delete('k'), 'TK_ERR_RUN_FENCED');
      await rejectsWith(a.journal.appendEvents([event(1)]), 'TK_ERR_RUN_FENCED');
      await rejectsWith(a.journal.appendEvents(Array.from({ length: 200 }, (_, i) => event(10 + i))), 'TK_ERR_RUN_FENCED');
      await rejectsWith(a.registerRun({ id: 'live-a', name: 'live-a', mode: 'live', startedAt: 1, status: 'running' }), 'TK_ERR_RUN_FENCED');
      await rejectsWith(a.finishRun('live-a', 'stopped'), 'TK_ERR_RUN_FENCED');
      await rejectsWith(la.renew(), 'TK_ERR_RUN_FENCED');
      assert.equal(la.held, false);
      // Nothing of the stale holder was written.
      assert.equal(await b.journal.getOrder('tk2'), undefined);
      assert.equal((await b.journal.getOrder('tk1'))?.status, 'pending');
      assert.deepEqual(
        [await b.journal.getTrade('p'), await b.journal.getTrade('p2'), await b.journal.getTrade('p3'), await b.journal.getOrder('tk3')],
        [undefined, undefined, undefined, undefined],
      );
      assert.equal(await b.get('k'), undefined);
      assert.equal(await b.journal.lastEventSeq(), 0);
      assert.equal((await b.listRuns())[0]?.status, 'running');
      // The new holder writes normally, on every table.
      await b.journal.saveOrder(pending('tk4', 4));
      await b.journal.recordFill({ ...pending('tk4', 4), status: 'filled' }, { ...trade, positionId: 'p4' });
      assert.equal(await b.journal.recordExit({ ...exit, positionId: 'p4' }), true);
      await b.set('k', 2);
      assert.equal(await b.delete('k'), true);
      await b.journal.appendEvents([event(1)]);
      await b.finishRun('live-a', 'stopped');
      assert.deepEqual(
        [(await b.journal.getOrder('tk4'))?.status, (await b.journal.getTrade('p4'))?.status, await b.journal.lastEventSeq(), (await b.listRuns())[0]?.status],
        ['filled', 'closed', 1, 'stopped'],
      );
    });

    it('renewal keeps the lease; release lets the next holder in at once and records the last event number', async () => {
      const a = await open();
      const la = a.lease({ holder: holder(1), ttlMs: 10_000, clock });
      await la.acquire();
      for (let i = 0; i < 5; i++) {
        clock.t += 6_000;
        await la.renew({ seqHwm: 100 * (i + 1) });
        assert.equal(la.held, true);
      }
      await la.renew({ seqHwm: 50 });
      assert.equal((await la.read())?.seqHwm, 500, 'the reservation never goes down');
      await la.release({ seqHwm: 420 });
      assert.equal(la.held, false);
      const b = await open('live-a', 'b');
      const { state, previous } = await b.lease({ holder: holder(2), ttlMs: 10_000, clock }).acquire();
      assert.deepEqual([state.token, state.seqHwm, previous?.expiresAt], [2, 420, 0]);
    });

    it('marks a run whose holder died as crashed (listRuns, and in the registry at the next acquisition)', async () => {
      const a = await open('replay@1');
      await a.lease({ holder: holder(1), ttlMs: 5_000, clock }).acquire();
      await a.registerRun({ id: 'replay@1', name: 'replay', mode: 'paper', startedAt: 1, status: 'running' });
      assert.equal((await a.listRuns())[0]?.status, 'running');
      clock.t += 5_000;
      const crashed = (await a.listRuns())[0];
      assert.deepEqual([crashed?.status, crashed?.endedAt], ['crashed', 1_005_000], 'its lease expired: the process is gone');
      const b = await open('replay@2', 'b');
      await b.lease({ holder: holder(2), ttlMs: 5_000, clock }).acquire();
      clock.t = 0; // listRuns no longer judges by time: the registry row itself says crashed now
      const rows = await b.listRuns();
      assert.equal(rows.find((r) => r.id === 'replay@1')?.status, 'crashed');
    });
  });
}
