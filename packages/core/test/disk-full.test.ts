/**
 * The state store on a full disk (a real 16 MB tmpfs, filled up): the run is HALTED in the cycle the
 * first write fails, with a coded event; no order reaches the broker without its journal rows; the
 * run ends with TK_ERR_STATE_IO when the disk stays full, and resumes — journal reconciled with the
 * broker — when space comes back. (Needs root for `mount -t tmpfs`; CI and this machine run as root.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { Run, silentLogger, type TradekitEvent } from '../src/index.js';
import { EXAMPLES, tempDir } from './helpers/fs.js';
import { baseConfig } from './helpers/run.js';

function mountTmpfs(dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`this test needs a small tmpfs (root: mount -t tmpfs): ${r.stderr || r.error?.message}`);
}

/** Fills the file system holding `dir` to the last byte. */
function fill(dir: string): string {
  const file = path.join(dir, 'filler');
  const fd = openSync(file, 'w');
  try {
    for (const size of [1 << 16, 4096, 512, 1]) {
      const buf = Buffer.alloc(size, 1);
      try {
        for (;;) writeSync(fd, buf);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
      }
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

const config = (db: string) =>
  baseConfig(
    `agents:
  - use: ${path.join(EXAMPLES, 'sma-crossover')}
    with: { fast: 3, slow: 8, timeframe: M5, volume: 0.1 }`,
    '[EURUSD, GBPUSD]',
  )
    .replace('warmupBars: 50', 'warmupBars: 50\n  to: 2026-05-22')
    .replace('state:\n  url: memory', `state:\n  url: 'sqlite://${db}'\n  failureGraceSeconds: 1`);

describe('state store on a full disk', () => {
  let tmp: { dir: string; cleanup: () => void };
  let mnt: string;
  beforeEach(() => {
    tmp = tempDir('tk-full-');
    mnt = path.join(tmp.dir, 'mnt');
    mountTmpfs(mnt, '16m');
  });
  afterEach(() => {
    spawnSync('umount', [mnt]);
    tmp.cleanup();
  });

  async function start(): Promise<{ run: Run; events: TradekitEvent[] }> {
    const file = path.join(tmp.dir, 'config.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, config(path.join(mnt, 'state.db')).replaceAll('$DATA', path.join(EXAMPLES, 'data')));
    const run = await Run.load({ configFile: file, logger: silentLogger() });
    await run.start();
    const events: TradekitEvent[] = [];
    run.bus.subscribe((e) => events.push(e));
    for (let i = 0; i < 200; i++) await run.cycle();
    return { run, events };
  }

  /** Every entry at the broker has its order row in the journal (written before the send). */
  async function noOrderWithoutJournal(run: Run): Promise<void> {
    const deals = (await run.broker.history({ from: 0, to: Infinity })).filter((d) => d.entry === 'in');
    const orders = new Set((await run.store.journal.listOrders({})).map((o) => o.clientId));
    for (const d of deals) assert.ok(orders.has(d.clientId!), `broker entry ${d.clientId} has its journal row`);
  }

  it('halts in the cycle the first write fails, sends nothing more, and ends with TK_ERR_STATE_IO while the disk stays full', async function () {
    this.timeout(60_000);
    const { run, events } = await start();
    try {
      const placedBefore = (await run.broker.history({ from: 0, to: Infinity })).filter((d) => d.entry === 'in').length;
      assert.ok(placedBefore > 0, 'traded before the disk filled');
      fill(mnt);
      const cyclesBefore = run.engine.cycles;
      await assert.rejects(run.loop(), (e: { code?: string; message?: string }) => {
        assert.equal(e.code, 'TK_ERR_STATE_IO');
        assert.match(e.message!, /disk holding the state store is full/);
        assert.doesNotMatch(e.message!, /insert into|update `|select /i, 'no SQL in the message');
        return true;
      });
      const halted = events.findIndex((e) => e.type === 'state.changed' && (e.data as { to: string }).to === 'HALTED');
      const coded = events.findIndex((e) => e.type === 'error' && (e.data as { code: string }).code === 'TK_ERR_STATE_IO');
      assert.ok(halted >= 0 && coded >= 0, 'HALTED with a coded event');
      const failedIn = events.slice(0, coded).filter((e) => e.type === 'cycle.start').length;
      assert.ok(run.engine.cycles - cyclesBefore <= failedIn + 1, 'no cycle ran after the failure');
      assert.equal(run.tradingState.state, 'HALTED');
      // The broker got nothing that is not journaled (read after the disk is freed).
      rmSync(path.join(mnt, 'filler'));
      await noOrderWithoutJournal(run);
    } finally {
      await run.close().catch(() => undefined);
    }
  });

  it('resumes when space comes back: reconciles, returns to ACTIVE, journal == broker', async function () {
    this.timeout(60_000);
    const { run, events } = await start();
    try {
      (run.config.state as { failureGraceSeconds: number }).failureGraceSeconds = 30;
      const filler = fill(mnt);
      const done = run.loop();
      for (let i = 0; i < 200 && run.tradingState.state !== 'HALTED'; i++) await new Promise((r) => setTimeout(r, 25));
      assert.equal(run.tradingState.state, 'HALTED');
      rmSync(filler);
      for (let i = 0; i < 400 && (run.tradingState.state as string) !== 'ACTIVE'; i++) await new Promise((r) => setTimeout(r, 25));
      assert.equal(run.tradingState.state, 'ACTIVE', 'resumed once the store works');
      const summary = await done;
      assert.equal(summary.reason, 'endOfData');
      const released = events.find((e) => e.type === 'state.changed' && (e.data as { to: string; by?: string }).to === 'ACTIVE');
      assert.equal((released?.data as { by?: string } | undefined)?.by, 'system');
      await noOrderWithoutJournal(run);
      // Every exit the broker made is journaled, every trade the journal has exists at the broker.
      const deals = await run.broker.history({ from: 0, to: Infinity });
      const trades = await run.store.journal.listTrades({});
      const entries = deals.filter((d) => d.entry === 'in');
      assert.equal(trades.length, entries.length);
      const open = await run.broker.positions();
      assert.equal(trades.filter((t) => t.status === 'open').length, open.length);
      assert.equal((await run.store.journal.listOrders({ status: ['pending', 'unknown'] })).length, 0);
    } finally {
      await run.close().catch(() => undefined);
    }
  });
});
