/**
 * The in-process journals: the journal conformance suite (what applies to a store no other process
 * shares) on `memory:` and on the columnar `memory:compact` of backtests; then the compact journal
 * against the memory journal over random histories (same records read back, minus the order payloads
 * it does not keep), and its columns against its records.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MemoryStateStore, type Journal, type OrderRecord, type TradeRecord } from '../src/index.js';
import { CompactJournal } from '../src/store/compact-journal.js';
import { closedTradeColumns, fromRecords } from '../src/backtest/trade-columns.js';
import { journalConformance } from './helpers/conformance/journal.js';
import { memoryBackend } from './helpers/store-backends.js';

describe('in-process journals', () => {
  describe('conformance: memory:', () => journalConformance(memoryBackend(false)));
  describe('conformance: memory:compact', () => journalConformance(memoryBackend(true)));

  /** A record as both journals must give it back: no undefined keys, no order payloads. */
  const plain = <T extends object>(r: T | undefined): unknown => {
    if (r === undefined) return undefined;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r)) if (v !== undefined && k !== 'intent' && k !== 'result') out[k] = v;
    return out;
  };

  const SYMBOLS = ['EURUSD', 'XAUUSD', 'GBPUSD'];
  const REASONS = ['sl', 'tp', 'opposite cross', 'end of backtest'];
  type Op =
    | { kind: 'order'; id: number; status: OrderRecord['status']; t: number; withAgent: boolean; price?: number }
    | {
        kind: 'open';
        pos: number;
        t: number;
        sym: number;
        side: 'buy' | 'sell';
        volume: number;
        sl?: number;
        score?: number;
        details: boolean;
        commission?: number;
      }
    | {
        kind: 'exit';
        pos: number;
        deal: number;
        t: number;
        volume: number;
        partial: boolean;
        price: number;
        profit: number;
        commission: number;
        reason: number;
      };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      kind: fc.constant('order' as const),
      id: fc.integer({ min: 0, max: 6 }),
      status: fc.constantFrom<OrderRecord['status'][]>('pending', 'placed', 'filled', 'rejected', 'cancelled'),
      t: fc.integer({ min: 0, max: 50 }),
      withAgent: fc.boolean(),
      price: fc.option(fc.double({ min: 1, max: 2, noNaN: true }), { nil: undefined }),
    }),
    fc.record({
      kind: fc.constant('open' as const),
      pos: fc.integer({ min: 0, max: 6 }),
      t: fc.integer({ min: 0, max: 50 }),
      sym: fc.integer({ min: 0, max: 2 }),
      side: fc.constantFrom<('buy' | 'sell')[]>('buy', 'sell'),
      volume: fc.constantFrom(0.1, 0.3, 1),
      sl: fc.option(fc.double({ min: 1, max: 2, noNaN: true }), { nil: undefined }),
      score: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }),
      details: fc.boolean(),
      commission: fc.option(fc.constantFrom(-0.7, -3.5), { nil: undefined }),
    }),
    fc.record({
      kind: fc.constant('exit' as const),
      pos: fc.integer({ min: 0, max: 7 }),
      deal: fc.integer({ min: 0, max: 12 }),
      t: fc.integer({ min: 0, max: 80 }),
      volume: fc.constantFrom(0.1, 0.2, 1),
      partial: fc.boolean(),
      price: fc.double({ min: 1, max: 2, noNaN: true }),
      profit: fc.double({ min: -100, max: 100, noNaN: true }),
      commission: fc.constantFrom(0, -0.35),
      reason: fc.integer({ min: 0, max: 3 }),
    }),
  );

  function apply(j: Journal, o: Op): unknown {
    switch (o.kind) {
      case 'order':
        return j.saveOrder({
          clientId: `tk${o.id}`,
          symbol: SYMBOLS[o.id % 3]!,
          side: o.id % 2 ? 'sell' : 'buy',
          type: 'market',
          volume: 0.1,
          price: o.price,
          status: o.status,
          agent: o.withAgent ? `agent${o.id % 2}` : undefined,
          createdAt: o.t,
          updatedAt: o.t + 1,
          positionId: o.status === 'filled' ? `p${o.id}` : undefined,
          intent: { note: 'x' } as never,
          result: { retcode: 1 } as never,
        });
      case 'open':
        return j.openTrade({
          positionId: `p${o.pos}`,
          clientId: `tk${o.pos}`,
          symbol: SYMBOLS[o.sym]!,
          side: o.side,
          volume: o.volume,
          entryTime: o.t,
          entryPrice: 1.1,
          sl: o.sl,
          agent: 'sma',
          score: o.score,
          details: o.details ? { why: 'cross' } : undefined,
          commission: o.commission,
        });
      case 'exit':
        return j.recordExit({
          positionId: `p${o.pos}`,
          dealId: `d${o.deal}`,
          symbol: 'EURUSD',
          side: 'buy',
          volume: o.volume,
          partial: o.partial,
          openPrice: 1.1,
          openTime: 5,
          closePrice: o.price,
          closeTime: o.t,
          reason: REASONS[o.reason]!,
          profit: o.profit,
          commission: o.commission,
          swap: 0,
        });
    }
  }

  it('reads back what the memory journal does, after any history of orders, entries and exits', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const mem = new MemoryStateStore(() => 0).journal;
        const compact = new MemoryStateStore(() => 0, { compact: true }).journal;
        assert.ok(compact instanceof CompactJournal);
        for (const o of ops) assert.deepEqual(apply(compact, o), apply(mem, o), `same answer to ${o.kind}`);
        const same = (what: string, a: unknown, b: unknown) => assert.deepEqual(a, b, what);
        for (let i = 0; i < 8; i++) {
          same(`getTrade p${i}`, plain(compact.getTrade(`p${i}`) as TradeRecord | undefined), plain(mem.getTrade(`p${i}`) as TradeRecord | undefined));
          same(`getOrder tk${i}`, plain(compact.getOrder(`tk${i}`) as OrderRecord | undefined), plain(mem.getOrder(`tk${i}`) as OrderRecord | undefined));
        }
        for (const q of [{}, { status: 'open' as const }, { status: 'closed' as const }, { symbol: 'XAUUSD' }, { from: 10, to: 30 }, { limit: 2, offset: 1 }]) {
          same(`listTrades ${JSON.stringify(q)}`, (compact.listTrades(q) as TradeRecord[]).map(plain), (mem.listTrades(q) as TradeRecord[]).map(plain));
        }
        for (const f of [{}, { status: ['placed' as const, 'pending' as const] }, { symbol: 'EURUSD' }, { limit: 3 }]) {
          same(`listOrders ${JSON.stringify(f)}`, (compact.listOrders(f) as OrderRecord[]).map(plain), (mem.listOrders(f) as OrderRecord[]).map(plain));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gives a backtest its closed trades as columns, equal to the records, by entry time then id', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const compact = new MemoryStateStore(() => 0, { compact: true }).journal;
        for (const o of ops) apply(compact, o);
        const fromColumns = await closedTradeColumns(compact);
        const fromList = fromRecords(compact.listTrades({}) as TradeRecord[]);
        assert.deepEqual(fromColumns, fromList);
        for (let i = 1; i < fromColumns.length; i++) {
          const d = fromColumns.entryTime[i]! - fromColumns.entryTime[i - 1]!;
          assert.ok(d > 0 || (d === 0 && fromColumns.id[i - 1]! < fromColumns.id[i]!), 'sorted');
        }
      }),
      { numRuns: 200 },
    );
  });

  it('holds 50,000 round trips as columns and still answers record queries', () => {
    const j = new CompactJournal();
    for (let i = 0; i < 50_000; i++) {
      const id = `tk${i}`;
      j.saveOrder({ clientId: id, symbol: 'EURUSD', side: 'buy', type: 'market', volume: 0.1, status: 'pending', createdAt: i, updatedAt: i });
      j.recordFill(
        { clientId: id, symbol: 'EURUSD', side: 'buy', type: 'market', volume: 0.1, status: 'filled', positionId: `${i}`, createdAt: i, updatedAt: i },
        { positionId: `${i}`, clientId: id, symbol: 'EURUSD', side: 'buy', volume: 0.1, entryTime: i * 10, entryPrice: 1.1, agent: 'sma' },
      );
      j.recordExit({
        positionId: `${i}`,
        dealId: `d${i}`,
        symbol: 'EURUSD',
        side: 'buy',
        volume: 0.1,
        partial: false,
        openPrice: 1.1,
        openTime: i * 10,
        closePrice: 1.2,
        closeTime: i * 10 + 5,
        reason: 'tp',
        profit: 10,
        commission: 0,
        swap: 0,
      });
    }
    const c = j.tradeColumns();
    assert.equal(c.length, 50_000);
    assert.ok(c.closed.every((x) => x === 1));
    assert.deepEqual([c.strings[c.exitReason[49_999]!], c.exitTime[49_999], c.profit[0]], ['tp', 499_995, 10]);
    assert.equal(j.getOrder('tk7')?.status, 'filled');
    assert.equal(j.listTrades({ limit: 1 })[0]?.positionId, '49999');
  });
});
