/**
 * Many runs, one journal database: ten replays in one process at once, and two processes at once, on
 * one SQLite file and on one PostgreSQL database. Every run finishes, and every run's journal holds
 * exactly the deals its broker made (no SQLITE_BUSY, no exit lost); another process (here: the test,
 * as an orchestrator replica would) reads every run's journal and all of its events.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStateStore, Run, silentLogger, type Deal, type StateStore } from '../src/index.js';
import { EXAMPLES, tempDir } from './helpers/fs.js';
import { createPgDatabase } from './helpers/pg-database.js';

const config = (stateUrl: string, name: string, to: string) => `run:
  name: ${name}
  mode: paper
  cycleSeconds: 300
  pace: max
  warmupBars: 60
  to: ${to}
symbols: [EURUSD, GBPUSD, XAUUSD]
data:
  use: '@tradekit/core/csv'
  with: { dir: ${path.join(EXAMPLES, 'data')}, timeframes: [M5] }
broker:
  use: '@tradekit/core/paper'
  with: { balance: 10000, commissionPerLot: 3.5 }
agents:
  - use: ${path.join(EXAMPLES, 'sma-crossover')}
    with: { fast: 5, slow: 12, timeframe: M5, volume: 0.1 }
state: { url: '${stateUrl}' }
`;

/** The journal of `run` equals the broker's deals: one trade per entry deal, one exit row per exit deal. */
async function assertJournalComplete(store: StateStore, deals: Deal[]): Promise<number> {
  const trades = await store.journal.listTrades({});
  const entries = deals.filter((d) => d.entry === 'in');
  const exits = deals.filter((d) => d.entry === 'out');
  assert.equal(trades.length, entries.length, 'one trade per entry deal');
  const byId = new Map(trades.map((t) => [t.positionId, t]));
  for (const d of entries) assert.ok(byId.has(d.positionId), `entry ${d.id} journaled`);
  for (const t of trades) assert.equal(t.status, 'closed', `${t.positionId} closed at the end`);
  const closedVolume = exits.reduce((s, d) => s + d.volume, 0);
  const journaledVolume = trades.reduce((s, t) => s + t.volume, 0);
  assert.ok(Math.abs(closedVolume - journaledVolume) < 1e-9, 'every exit deal journaled');
  const filled = await store.journal.listOrders({ status: ['filled'] });
  assert.equal(filled.length, entries.length, 'one filled order per entry');
  assert.equal((await store.journal.listOrders({ status: ['pending', 'unknown'] })).length, 0, 'no order left in doubt');
  return trades.length;
}

/** Every event of the run, 1..lastSeq, gap-free, read back through `store`. */
async function assertEventsComplete(store: StateStore, run: string, lastSeq: number): Promise<void> {
  assert.ok(lastSeq > 10, `the run published events (${lastSeq})`);
  assert.equal(await store.journal.lastEventSeq(), lastSeq);
  const events = await store.journal.events(0, lastSeq + 10);
  assert.deepEqual(
    events.map((e) => e.seq),
    Array.from({ length: lastSeq }, (_, i) => i + 1),
    'gap-free',
  );
  assert.ok(events.every((e) => e.run === run));
  assert.ok(
    events.some((e) => e.type === 'order.filled'),
    'fills among them',
  );
}

interface JournalDb {
  /** state.url of the shared database. */
  url: string;
  cleanup(): Promise<void>;
}

function sharedJournal(name: string, fresh: (dir: string) => Promise<JournalDb>): void {
  describe(`one journal shared by many runs: ${name}`, () => {
    it('ten replays in one process at once: all finish, every journal and event stream complete', async function () {
      this.timeout(180_000);
      const { dir, cleanup } = tempDir('tk-shared-');
      const runs: Run[] = [];
      let db: JournalDb | undefined;
      try {
        db = await fresh(dir);
        for (let i = 0; i < 10; i++) {
          const file = path.join(dir, `run${i}.yaml`);
          writeFileSync(file, config(db.url, `shared${i}`, '2026-05-16'));
          const run = await Run.load({ configFile: file, logger: silentLogger() });
          runs.push(run);
        }
        await Promise.all(runs.map((r) => r.start()));
        const summaries = await Promise.all(runs.map((r) => r.loop()));
        for (const s of summaries) assert.equal(s.reason, 'endOfData');
        let total = 0;
        for (const r of runs) {
          // Close every position at the end so exits are part of the check.
          for (const p of await r.broker.positions()) await r.broker.closeAtLast!(p.id);
          await r.engine.settle();
          await r.bus.flush();
          total += await assertJournalComplete(r.store, await r.broker.history({ from: 0, to: Infinity }));
          await assertEventsComplete(r.store, r.info.id, r.bus.lastSeq);
        }
        assert.ok(total > 30, `the runs traded (${total} trades)`);
        const registry = await runs[0]!.store.listRuns();
        assert.equal(registry.filter((x) => x.status === 'endOfData').length, 10);
      } finally {
        for (const r of runs) await r.close().catch(() => undefined);
        await db?.cleanup();
        cleanup();
      }
    });

    it('two processes at once on one database: both finish; a third process reads both journals and all their events', async function () {
      this.timeout(180_000);
      const { dir, cleanup } = tempDir('tk-shared2-');
      const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'helpers', 'replay-child.js');
      let db: JournalDb | undefined;
      try {
        db = await fresh(dir);
        const url = db.url;
        const procs = [0, 1].map((i) => {
          const file = path.join(dir, `proc${i}.yaml`);
          writeFileSync(file, config(url, `proc${i}`, '2026-05-18'));
          return new Promise<{ code: number | null; out: string }>((resolve) => {
            const p = spawn(process.execPath, [script, file], { stdio: ['ignore', 'pipe', 'pipe'] });
            let out = '';
            p.stdout.on('data', (d) => (out += d));
            p.stderr.on('data', (d) => (out += d));
            p.on('exit', (code) => resolve({ code, out }));
          });
        });
        const results = await Promise.all(procs);
        for (const r of results) assert.equal(r.code, 0, r.out);
        for (const i of [0, 1]) {
          const { id, deals, lastSeq } = JSON.parse(results[i]!.out.trim().split('\n').at(-1)!) as { id: string; deals: Deal[]; lastSeq: number };
          const store = await openStateStore({ url, baseDir: dir, run: id, now: () => 0 });
          try {
            assert.ok((await assertJournalComplete(store, deals)) > 5);
            await assertEventsComplete(store, id, lastSeq);
            assert.equal((await store.listRuns()).filter((r) => r.status === 'endOfData').length, 2, 'both runs in the registry');
          } finally {
            await store.close();
          }
        }
      } finally {
        await db?.cleanup();
        cleanup();
      }
    });
  });
}

sharedJournal('SQLite', async (dir) => ({ url: `sqlite://${path.join(dir, 'shared.db')}`, cleanup: async () => undefined }));
sharedJournal('PostgreSQL', async () => {
  const db = await createPgDatabase();
  return { url: db.url(), cleanup: () => db.drop() };
});
