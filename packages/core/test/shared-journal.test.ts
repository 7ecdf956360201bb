/**
 * Many runs, one SQLite journal file: ten replays in one process at once, and two processes at once.
 * Every run finishes, and every run's journal holds exactly the deals its broker made (no SQLITE_BUSY,
 * no exit lost).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStateStore, Run, silentLogger, type Deal, type StateStore } from '../src/index.js';
import { EXAMPLES, tempDir } from './helpers/fs.js';

const config = (db: string, name: string, to: string) => `run:
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
state: { url: 'sqlite://${db}' }
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

describe('one SQLite journal file shared by many runs', () => {
  it('ten replays in one process at once: all finish, every journal complete', async function () {
    this.timeout(120_000);
    const { dir, cleanup } = tempDir('tk-shared-');
    const db = path.join(dir, 'shared.db');
    const runs: Run[] = [];
    try {
      for (let i = 0; i < 10; i++) {
        const file = path.join(dir, `run${i}.yaml`);
        writeFileSync(file, config(db, `shared${i}`, '2026-05-16'));
        const run = await Run.load({ configFile: file, logger: silentLogger() });
        runs.push(run);
      }
      await Promise.all(runs.map((r) => r.start()));
      // Close every position at the end so exits are part of the check.
      const summaries = await Promise.all(runs.map((r) => r.loop()));
      for (const s of summaries) assert.equal(s.reason, 'endOfData');
      let total = 0;
      for (const r of runs) {
        for (const p of await r.broker.positions()) await r.broker.closeAtLast!(p.id);
        await r.engine.settle();
        total += await assertJournalComplete(r.store, await r.broker.history({ from: 0, to: Infinity }));
      }
      assert.ok(total > 30, `the runs traded (${total} trades)`);
      const registry = await runs[0]!.store.listRuns();
      assert.equal(registry.filter((x) => x.status === 'endOfData').length, 10);
    } finally {
      for (const r of runs) await r.close().catch(() => undefined);
      cleanup();
    }
  });

  it('two processes at once on one file: both finish, both journals complete', async function () {
    this.timeout(120_000);
    const { dir, cleanup } = tempDir('tk-shared2-');
    const db = path.join(dir, 'shared.db');
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'helpers', 'replay-child.js');
    try {
      const procs = [0, 1].map((i) => {
        const file = path.join(dir, `proc${i}.yaml`);
        writeFileSync(file, config(db, `proc${i}`, '2026-05-18'));
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
        const { id, deals } = JSON.parse(results[i]!.out.trim().split('\n').at(-1)!) as { id: string; deals: Deal[] };
        const store = await openStateStore({ url: `sqlite://${db}`, baseDir: dir, run: id, now: () => 0 });
        try {
          assert.ok((await assertJournalComplete(store, deals)) > 5);
        } finally {
          await store.close();
        }
      }
    } finally {
      cleanup();
    }
  });
});
