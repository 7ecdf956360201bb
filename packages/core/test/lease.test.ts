/**
 * The run lease on a real SQLite file: one holder at a time (TK_ERR_RUN_LOCKED names the holder),
 * take-over only after expiry with a larger fencing token, every write of a fenced-out holder refused
 * (TK_ERR_RUN_FENCED) — journal, KV, events — and runs of dead processes read as `crashed`.
 */
import assert from 'node:assert/strict';
import { openStateStore, TradekitError, type LeaseHolder, type StateStore } from '../src/index.js';
import { tempDir } from './helpers/fs.js';
import { ManualClock } from './helpers/manual-clock.js';

const holder = (n: number): LeaseHolder => ({ id: `host-${n}:${1000 + n}:abc`, host: `host-${n}`, pid: 1000 + n });

async function rejects(p: unknown, code: string): Promise<TradekitError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof TradekitError, `expected a TradekitError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

describe('run lease and fencing (SQLite)', () => {
  let dir: { dir: string; cleanup: () => void };
  const stores: StateStore[] = [];
  const clock = new ManualClock(1_000_000);
  const open = async (run = 'live-a') => {
    const s = await openStateStore({ url: 'sqlite://./state.db', baseDir: dir.dir, run, now: () => clock.now() });
    stores.push(s);
    return s;
  };
  beforeEach(() => {
    dir = tempDir('tk-lease-');
    clock.t = 1_000_000;
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    dir.cleanup();
  });

  it('a second holder is refused with TK_ERR_RUN_LOCKED naming the holder; another run is independent', async () => {
    const a = await open();
    const la = a.lease({ holder: holder(1), ttlMs: 10_000, clock });
    const { state } = await la.acquire();
    assert.equal(state.token, 1);
    assert.equal(la.held, true);
    const b = await open();
    const err = await rejects(b.lease({ holder: holder(2), ttlMs: 10_000, clock }).acquire(), 'TK_ERR_RUN_LOCKED');
    assert.match(err.message, /host-1/);
    assert.equal(err.details?.holder, holder(1).id);
    assert.equal(err.retryAfterMs, 10_000);
    const other = await open('live-b');
    assert.equal((await other.lease({ holder: holder(2), ttlMs: 10_000, clock }).acquire()).state.token, 1);
  });

  it('a holder that stopped renewing is taken over only after expiry, with a larger token; its writes are then refused', async () => {
    const a = await open();
    const la = a.lease({ holder: holder(1), ttlMs: 10_000, clock });
    await la.acquire();
    await a.journal.saveOrder({ clientId: 'tk1', symbol: 'EURUSD', side: 'buy', type: 'market', volume: 0.1, status: 'pending', createdAt: 1, updatedAt: 1 });
    const b = await open();
    const lb = b.lease({ holder: holder(2), ttlMs: 10_000, clock });
    clock.t += 9_999;
    await rejects(lb.acquire(), 'TK_ERR_RUN_LOCKED');
    // Past the TTL the holder itself no longer trusts its lease...
    assert.equal(la.held, false);
    clock.t += 1;
    const { state, previous } = await lb.acquire();
    assert.equal(state.token, 2);
    assert.equal(previous?.holder, holder(1).id);
    // ...and the store refuses every write it still tries, whatever the table.
    await rejects(a.journal.saveOrder({ clientId: 'tk2', symbol: 'EURUSD', side: 'buy', type: 'market', volume: 0.1, status: 'pending', createdAt: 2, updatedAt: 2 }), 'TK_ERR_RUN_FENCED');
    await rejects(a.set('k', 1), 'TK_ERR_RUN_FENCED');
    await rejects(a.journal.appendEvents([{ v: 1, type: 'error', run: 'live-a', seq: 1, time: 1, data: { code: 'X', message: 'x' } }]), 'TK_ERR_RUN_FENCED');
    await rejects(a.journal.recordExit({ positionId: 'p', dealId: 'd', symbol: 'EURUSD', side: 'buy', volume: 0.1, partial: false, openPrice: 1, openTime: 1, closePrice: 1, closeTime: 2, reason: 'tp', profit: 0, commission: 0, swap: 0 }), 'TK_ERR_RUN_FENCED');
    await rejects(la.renew(), 'TK_ERR_RUN_FENCED');
    assert.equal(la.held, false);
    assert.equal(await b.journal.getOrder('tk2'), undefined, 'nothing of the stale holder was written');
    // The new holder writes normally.
    await b.journal.saveOrder({ clientId: 'tk3', symbol: 'EURUSD', side: 'buy', type: 'market', volume: 0.1, status: 'pending', createdAt: 3, updatedAt: 3 });
    assert.equal((await b.journal.getOrder('tk3'))?.status, 'pending');
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
    const b = await open();
    const { state } = await b.lease({ holder: holder(2), ttlMs: 10_000, clock }).acquire();
    assert.deepEqual([state.token, state.seqHwm], [2, 420]);
  });

  it('marks a run whose holder died as crashed (listRuns, and in the registry at the next acquisition)', async () => {
    const a = await open('replay@1');
    await a.lease({ holder: holder(1), ttlMs: 5_000, clock }).acquire();
    await a.registerRun({ id: 'replay@1', name: 'replay', mode: 'paper', startedAt: 1, status: 'running' });
    assert.equal((await a.listRuns())[0]?.status, 'running');
    clock.t += 5_000;
    assert.equal((await a.listRuns())[0]?.status, 'crashed', 'its lease expired: the process is gone');
    const b = await open('replay@2');
    await b.lease({ holder: holder(2), ttlMs: 5_000, clock }).acquire();
    const rows = await b.listRuns();
    assert.equal(rows.find((r) => r.id === 'replay@1')?.status, 'crashed');
  });
});
