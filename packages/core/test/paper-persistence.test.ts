/**
 * A paper account that survives its process (wall-clock paper runs): saved to a real SQLite store
 * before every answer, restored by the next process with its positions, pending orders, deals and
 * tickets; SL/TP hit by bars while the process was down are walked on restart; lookups by client id
 * (recovery) see what the dead process did.
 */
import assert from 'node:assert/strict';
import { openStateStore, PaperBroker, PersistentPaperBroker, PAPER_ACCOUNT_KEY, silentLogger, SimClock, type StateStore } from '../src/index.js';
import { symbolInfoFor } from '../src/data/symbol-profiles.js';
import { ScriptedMarket } from '../src/testkit/index.js';
import { tempDir } from './helpers/fs.js';

describe('paper account persistence', () => {
  let dir: { dir: string; cleanup: () => void };
  const stores: StateStore[] = [];
  beforeEach(() => (dir = tempDir('tk-paper-')));
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    dir.cleanup();
  });

  it('restores the account a killed process saved, walks the bars it missed, and keeps tickets unique', async () => {
    const clock = new SimClock(Date.UTC(2026, 4, 13, 10, 0, 0));
    const info = symbolInfoFor('EURUSD', 5, { stopsLevel: 0, spread: 10 });
    const market = new ScriptedMarket(clock, [info]);
    market.quote('EURUSD', 1.1, 1.1001);
    const open = async () => {
      const s = await openStateStore({ url: 'sqlite://./paper.db', baseDir: dir.dir, run: 'paper-live', now: () => clock.now() });
      stores.push(s);
      return s;
    };
    const opts = { balance: 10_000, currency: 'USD', leverage: 100, commissionPerLot: 3.5, slippagePoints: 0 };

    // Process 1: a position with a stop, a pending limit, then it dies (nothing closed, nothing flushed).
    const s1 = await open();
    const b1 = new PersistentPaperBroker(new PaperBroker(clock, market, opts), s1, silentLogger());
    assert.equal(await b1.restore(), false, 'nothing saved yet');
    const filled = await b1.place({ clientId: 'tk-a', symbol: 'EURUSD', side: 'buy', type: 'market', volume: 0.2, sl: 1.098, magic: 7 });
    assert.equal(filled.status, 'filled');
    const placed = await b1.place({ clientId: 'tk-b', symbol: 'EURUSD', side: 'buy', type: 'limit', price: 1.095, volume: 0.1, magic: 7 });
    assert.equal(placed.status, 'placed');
    const saved = await s1.get<{ positions: unknown[]; pending: unknown[] }>(PAPER_ACCOUNT_KEY);
    assert.equal(saved?.positions.length, 1, 'saved before place answered');
    assert.equal(saved?.pending.length, 1);
    const account1 = await b1.account();

    // While it is down the market falls through the stop, then recovers.
    for (let i = 0; i < 3; i++) {
      clock.advance(60_000);
      market.quote('EURUSD', 1.0975 - i * 0.0001, 1.0976 - i * 0.0001);
    }
    clock.advance(60_000);
    market.quote('EURUSD', 1.1, 1.1001);
    clock.advance(60_000);
    market.refresh('EURUSD');

    // Process 2: restores, walks the missed bars (the stop hit once).
    const s2 = await open();
    const b2 = new PersistentPaperBroker(new PaperBroker(clock, market, opts), s2, silentLogger());
    assert.equal(await b2.restore(), true);
    const found = await b2.lookup('tk-a');
    assert.equal(found.deals.filter((d) => d.entry === 'in').length, 1, 'one entry for the client id');
    const exits = found.deals.filter((d) => d.entry === 'out');
    assert.equal(exits.length, 1, 'the stop hit while the process was down');
    // The first missed bar opened below the stop: a gap, filled at that bar's open.
    assert.deepEqual([exits[0]!.reason, exits[0]!.price], ['sl', 1.0975]);
    assert.equal((await b2.positions()).length, 0);
    assert.equal((await b2.orders()).length, 1, 'the pending limit survived');
    const a2 = await b2.account();
    assert.equal(a2.balance, Math.round((account1.balance + exits[0]!.profit + exits[0]!.commission) * 100) / 100);
    // New tickets never collide with the dead process's.
    const again = await b2.place({ clientId: 'tk-c', symbol: 'EURUSD', side: 'sell', type: 'market', volume: 0.1, magic: 7 });
    assert.equal(again.status, 'filled');
    const ids = new Set([
      filled.status === 'filled' ? filled.positionId : '',
      placed.status === 'placed' ? placed.orderId : '',
      again.status === 'filled' ? again.positionId : '',
    ]);
    assert.equal(ids.size, 3);
  });
});
