/**
 * The event bus on a real journal: numbers are never reused after a crash (durable reservation in the
 * run lease, `stream.gap` for what may have been seen but never persisted), a clean stop leaves no
 * gap, nothing above the reservation is published, the backlog is bounded (drain), and a batch the
 * journal refused is kept.
 */
import assert from 'node:assert/strict';
import { EventBus, type RunLease, type StateStore, type TradekitEvent } from '../../../src/index.js';
import { ManualClock } from '../manual-clock.js';
import type { StoreBackend, StoreDatabase } from '../store-backends.js';

export function eventBusConformance(backend: StoreBackend): void {
  describe('event bus: sequence numbers across crashes, reservation, back-pressure', () => {
    let db: StoreDatabase;
    const clock = new ManualClock(5_000_000);
    const open = (as?: string): Promise<StateStore> => db.open('live-x', { now: () => clock.now(), as });
    /** A bus as a run builds it: numbers reserved in the lease, events persisted to the journal. */
    const busOf = async (store: StateStore, lease: RunLease, seqHwm: number, block = 10) => {
      const seen: TradekitEvent[] = [];
      const bus = new EventBus({ run: 'live-x', clock, journal: store.journal, reserve: (upTo) => lease.renew({ seqHwm: upTo }), reserveBlock: block });
      bus.subscribe((e) => seen.push(e));
      await bus.init(seqHwm);
      return { bus, seen };
    };
    beforeEach(async () => {
      clock.t = 5_000_000;
      db = await backend.fresh();
    });
    afterEach(async () => {
      await db.cleanup();
    });

    it('after a crash, numbering goes on above every number that may have been published, starting with stream.gap', async () => {
      const a = await open();
      const la = a.lease({ holder: { id: 'h1', host: 'h', pid: 1 }, ttlMs: 1000, clock });
      await la.acquire();
      const { bus, seen } = await busOf(a, la, 0);
      for (let i = 0; i < 7; i++) bus.emit('error', { code: 'X', message: `e${i}` });
      await bus.flush();
      for (let i = 7; i < 12; i++) bus.emit('error', { code: 'X', message: `e${i}` });
      await new Promise((r) => setImmediate(r));
      // Published to clients but never persisted: the process dies here (no flush, no release).
      assert.deepEqual(
        seen.map((e) => e.seq),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
      );
      assert.equal(await a.journal.lastEventSeq(), 7);
      const hwm = (await la.read())!.seqHwm;
      assert.ok(hwm >= 12, `the reservation covers every published number (${hwm})`);

      clock.t += 1000;
      const b = await open('restarted');
      const lb = b.lease({ holder: { id: 'h2', host: 'h', pid: 2 }, ttlMs: 1000, clock });
      const { state } = await lb.acquire();
      const next = await busOf(b, lb, state.seqHwm);
      next.bus.emit('error', { code: 'Y', message: 'after restart' });
      await next.bus.flush();
      const persisted = await b.journal.events(7, 100);
      assert.deepEqual(
        persisted.map((e) => [e.seq, e.type]),
        [
          [hwm + 1, 'stream.gap'],
          [hwm + 2, 'error'],
        ],
      );
      assert.deepEqual((persisted[0]!.data as { from: number; to: number }).from, 8);
      assert.deepEqual((persisted[0]!.data as { from: number; to: number }).to, hwm);
      assert.ok(
        persisted.every((e) => !seen.some((s) => s.seq === e.seq)),
        'no number reused',
      );
    });

    it('a clean stop records the last number: the next holder continues with no gap', async () => {
      const a = await open();
      const la = a.lease({ holder: { id: 'h1', host: 'h', pid: 1 }, ttlMs: 1000, clock });
      await la.acquire();
      const { bus } = await busOf(a, la, 0);
      for (let i = 0; i < 5; i++) bus.emit('error', { code: 'X', message: `e${i}` });
      await bus.close();
      await la.release({ seqHwm: bus.lastSeq });
      const b = await open('next');
      const lb = b.lease({ holder: { id: 'h2', host: 'h', pid: 2 }, ttlMs: 1000, clock });
      const { state } = await lb.acquire();
      const next = await busOf(b, lb, state.seqHwm);
      next.bus.emit('error', { code: 'Y', message: 'next' });
      await next.bus.flush();
      assert.deepEqual((await a.journal.events(0, 100)).map((e) => [e.seq, e.type]).slice(-2), [
        [5, 'error'],
        [6, 'error'],
      ]);
    });

    it('publishes nothing above the durable reservation: events wait until it is written', async () => {
      const a = await open();
      let release!: () => void;
      let calls = 0;
      const bus = new EventBus({
        run: 'live-x',
        clock,
        journal: a.journal,
        reserveBlock: 4,
        reserve: async () => {
          calls++;
          if (calls > 1) await new Promise<void>((r) => (release = r));
        },
      });
      const seen: number[] = [];
      bus.subscribe((e) => seen.push(e.seq));
      await bus.init(0);
      for (let i = 0; i < 7; i++) bus.emit('error', { code: 'X', message: String(i) });
      assert.deepEqual(seen, [1, 2, 3, 4], 'the first block only');
      assert.equal(bus.counters.held, 3);
      release();
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7], 'in order, once reserved');
      await bus.flush();
      assert.equal(await a.journal.lastEventSeq(), 7);
    });

    it('durable mode (cluster workers): publishes only persisted events; a successor numbers on with no gap', async () => {
      const a = await open();
      const seen: number[] = [];
      const bus = new EventBus({ run: 'live-x', clock, journal: a.journal, durable: true });
      bus.subscribe((e) => seen.push(e.seq));
      await bus.init(0);
      for (let i = 0; i < 5; i++) bus.emit('error', { code: 'X', message: String(i) });
      assert.deepEqual(seen, [], 'nothing published before it is written');
      await new Promise((r) => setImmediate(r));
      await bus.flush();
      assert.deepEqual(seen, [1, 2, 3, 4, 5]);
      assert.equal(await a.journal.lastEventSeq(), 5);
      // Emitted, never written: the process dies. Nobody saw event 6.
      bus.emit('error', { code: 'X', message: 'lost' });
      const next = new EventBus({ run: 'live-x', clock, journal: a.journal, durable: true });
      const seen2: TradekitEvent[] = [];
      next.subscribe((e) => seen2.push(e));
      await next.init(0);
      next.emit('error', { code: 'Y', message: 'after' });
      await new Promise((r) => setImmediate(r));
      await next.flush();
      assert.deepEqual(
        seen2.map((e) => [e.seq, e.type]),
        [[6, 'error']],
        'the next number, no stream.gap',
      );
    });

    it('bounds the backlog: drain() waits until the journal caught up below the high-water mark', async () => {
      const a = await open();
      const bus = new EventBus({ run: 'live-x', clock, journal: a.journal, highWater: 50 });
      await bus.init(0);
      for (let i = 0; i < 5000; i++) bus.emit('error', { code: 'X', message: String(i) });
      assert.equal(bus.backlog, 5000);
      await bus.drain();
      assert.ok(bus.backlog <= 50, `backlog ${bus.backlog}`);
      await bus.flush();
      assert.equal(await a.journal.lastEventSeq(), 5000);
    });

    it('keeps a batch the journal refused and retries it (a fenced-out writer never loses events silently)', async () => {
      const a = await open();
      const la = a.lease({ holder: { id: 'h1', host: 'h', pid: 1 }, ttlMs: 1000, clock });
      await la.acquire();
      const errors: string[] = [];
      const bus = new EventBus({ run: 'live-x', clock, journal: a.journal, onPersistError: (e) => errors.push((e as { code: string }).code) });
      await bus.init(0);
      // Another holder takes the run over: this process's writes are refused.
      clock.t += 1000;
      const b = await open('other');
      await b.lease({ holder: { id: 'h2', host: 'h', pid: 2 }, ttlMs: 1000, clock }).acquire();
      bus.emit('error', { code: 'X', message: 'late' });
      await bus.flush();
      assert.deepEqual(errors, ['TK_ERR_RUN_FENCED']);
      assert.equal(bus.backlog, 1, 'kept, not dropped');
      assert.equal(bus.persistFailing, true);
      assert.equal(await b.journal.lastEventSeq(), 0);
    });
  });
}
