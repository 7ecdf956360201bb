import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { executionStatus } from '../src/engine/status-text.js';
import { TEST_DIR } from './helpers/fs.js';
import { baseConfig, startRun, type TestRun } from './helpers/run.js';

const LOSSY = path.join(TEST_DIR, 'fixtures', '_plugins', 'lossy-broker.js');
const buyer = `export default { name: 'buyer', version: '1.0.0', provides: ['agent'], setup(ctx) { let once = false; ctx.addAgent({
  scan(s) { if (once) return { skip: 'done' }; once = true; return { symbol: s.symbol, side: 'buy', score: 1, probability: 0.5, entry: 'market', volume: 0.1 }; } }); } };`;

describe('ambiguous outcomes and restart recovery', () => {
  let t: TestRun | undefined;
  let sent: { placed: number };
  beforeEach(async () => {
    ({ sent } = (await import(pathToFileURL(realpathSync(LOSSY)).href)) as { sent: { placed: number } });
    sent.placed = 0;
  });
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  for (const mode of ['throw', 'hang'] as const) {
    it(`reconciles an order whose answer was lost (${mode}) by client id: one position, journal filled, never resent`, async () => {
      const cfg = baseConfig(`engine: { brokerTimeoutMs: 50 }\nagents: [{ use: ./buyer.js }]`, '[EURUSD]').replace(
        "broker:\n  use: '@tradekit/core/paper'\n  with: { balance: 10000 }",
        `broker:\n  use: ${LOSSY}\n  with: { mode: ${mode} }`,
      );
      t = await startRun(cfg, { 'buyer.js': buyer });
      const s = await t.run.cycle();
      const [rec] = s.executions;
      assert.equal(rec!.result?.status, 'filled', 'the lost answer was reconciled to a fill');
      assert.equal(rec!.result.volume, 0.1);
      assert.equal(s.symbols.EURUSD, executionStatus(rec!));
      await t.run.cycle();
      assert.equal(sent.placed, 1, 'sent once');
      assert.equal((await t.run.broker.positions()).length, 1);
      const [order] = await t.run.store.journal.listOrders({});
      assert.equal(order!.status, 'filled');
      assert.equal((await t.run.store.journal.listTrades({ status: 'open' })).length, 1);
    });
  }

  it('on restart: resolves orders left pending, adopts unknown positions of ours, closes trades the broker no longer has', async () => {
    const { tempDir } = await import('./helpers/fs.js');
    const db = tempDir('tk-db-');
    try {
      const cfg = baseConfig(`agents: [{ use: ./buyer.js }]`, '[EURUSD]').replace('url: memory', `url: sqlite://${db.dir}/state.db`);
      t = await startRun(cfg, { 'buyer.js': buyer });
      await t.run.cycle();
      const journal = t.run.store.journal;
      // A crash between "journal first" and the broker's answer leaves an order pending.
      await journal.saveOrder({
        clientId: 'tkcrashed000001',
        symbol: 'EURUSD',
        side: 'buy',
        type: 'market',
        volume: 0.1,
        status: 'pending',
        createdAt: 1,
        updatedAt: 1,
      });
      // A position of ours opened while the journal was not looking (e.g. the process died right after the fill).
      const placed = await t.run.broker.place({
        clientId: 'tkorphan0000001',
        symbol: 'EURUSD',
        side: 'sell',
        type: 'market',
        volume: 0.2,
        magic: t.run.info.magic,
      });
      assert.equal(placed.status, 'filled');
      // A manual trade (other magic) must not be adopted.
      await t.run.broker.place({ clientId: 'manual-1', symbol: 'EURUSD', side: 'buy', type: 'market', volume: 0.3, magic: 1 });
      // A journal trade whose position the broker no longer has (the account was reset while we were down).
      await journal.openTrade({ positionId: 'ghost-1', symbol: 'EURUSD', side: 'buy', volume: 0.1, entryTime: 1, entryPrice: 1.1 });

      const r = await t.run.engine.recover();
      assert.deepEqual(r, { resolved: 1, adopted: 1, closed: 1, exits: 0 });
      assert.equal((await journal.getOrder('tkcrashed000001'))!.status, 'failed');
      const orphan = await journal.getTrade(placed.status === 'filled' ? placed.positionId : '');
      assert.equal(orphan?.status, 'open');
      assert.deepEqual(orphan?.details, { adopted: true });
      const ghost = await journal.getTrade('ghost-1');
      assert.deepEqual([ghost!.status, ghost!.exitReason], ['closed', 'missing']);
      // Recovery is idempotent: a second pass finds nothing to do.
      assert.deepEqual(await t.run.engine.recover(), { resolved: 0, adopted: 0, closed: 0, exits: 0 });
    } finally {
      await t?.cleanup();
      t = undefined;
      db.cleanup();
    }
  });
});
