/**
 * The trade manager on synthetic bars whose true range is constant (ATR = 4 pips exactly), so every
 * break-even, partial and trail level can be stated in advance.
 */
import assert from 'node:assert/strict';
import { MemoryStateStore, PaperBroker, SimClock, TIMEFRAME_MS, silentLogger, type Action, type CsvDataSource, type Position } from '@tradekit/core';
import { FeatureHub, TRADE_MANAGER_SCHEMA, TradeManager, type TradeManagerConfig } from '@tradekit/agents';
import { RUN, cycleOf, synthSource, tempDir, utc, withDefaults, writeBars, type SynthBar } from './helpers.js';

const M5 = TIMEFRAME_MS.M5;
const START = utc('2026-03-02T00:00:00');
const ATR = 0.0004;
const W = 0.00015; // wick: a one-pip step plus two wicks is one ATR

/** 300 flat bars at `base` (range = ATR), then one bar per step (in pips; 0 = flat). */
function path(base: number, steps: number[]): SynthBar[] {
  const bars: SynthBar[] = [];
  let p = base;
  for (let i = 0; i < 300; i++) bars.push({ time: START + i * M5, open: p, high: p + ATR / 2, low: p - ATR / 2, close: p });
  for (const s of steps) {
    const o = p;
    const c = Math.round((p + s * 0.0001) * 1e5) / 1e5;
    const t = START + bars.length * M5;
    if (s === 0) bars.push({ time: t, open: o, high: o + ATR / 2, low: o - ATR / 2, close: o });
    else if (s > 0) bars.push({ time: t, open: o, high: c + W, low: o - W, close: c });
    else bars.push({ time: t, open: o, high: o + W, low: c - W, close: c });
    p = c;
  }
  for (let i = 0; i < 50; i++) bars.push({ time: START + bars.length * M5, open: p, high: p + ATR / 2, low: p - ATR / 2, close: p });
  return bars;
}

interface Bench {
  clock: SimClock;
  src: CsvDataSource;
  broker: PaperBroker;
  store: MemoryStateStore;
  hub: FeatureHub;
  tm: (cfg?: Partial<TradeManagerConfig>) => TradeManager;
  atBar(i: number): void;
  pass(tm: TradeManager, p?: Position): Promise<Action[]>;
}

async function bench(steps: number[]): Promise<Bench> {
  const dir = tempDir();
  writeBars(dir, 'EURUSD', 'M5', path(1.1, steps));
  const clock = new SimClock(START + 300 * M5);
  const src = await synthSource(dir, clock, ['EURUSD'], ['M5'], { EURUSD: { spread: 0 } });
  const broker = new PaperBroker(clock, src, { balance: 100_000, leverage: 500 });
  const store = new MemoryStateStore(() => clock.now());
  const hub = new FeatureHub();
  return {
    clock,
    src,
    broker,
    store,
    hub,
    tm: (cfg = {}) =>
      new TradeManager(withDefaults<TradeManagerConfig>(TRADE_MANAGER_SCHEMA, cfg), { hub, store, log: silentLogger(), instance: 'tm', barMs: M5 }),
    atBar(i) {
      clock.set(START + (300 + i) * M5);
    },
    async pass(tm, p) {
      const pos = p ?? (broker.positions({ magic: RUN.magic }) as Position[])[0]!;
      const cycle = cycleOf({ clock, data: src, broker, state: store, symbols: ['EURUSD'] });
      const actions = await tm.manage(cycle, pos);
      for (const a of actions) {
        const r = a.type === 'close' ? broker.close(a.positionId, a.volume) : a.type === 'modify' ? broker.modify(a.positionId, { sl: a.sl }) : undefined;
        assert.equal((r as { status: string } | undefined)?.status, 'done', `${JSON.stringify(a)} → ${JSON.stringify(r)}`);
      }
      return actions;
    },
  };
}

function buy(b: Bench, volume = 1): Position {
  const r = b.broker.place({ clientId: `b${Math.random()}`, symbol: 'EURUSD', side: 'buy', type: 'market', volume, sl: 1.09968, magic: RUN.magic }) as {
    status: string;
  };
  assert.equal(r.status, 'filled');
  return (b.broker.positions() as Position[])[0]!;
}

describe('trade manager', function () {
  this.timeout(20_000);

  it('break-even at 0.5 ATR (+0.05 ATR buffer) with one 30 % partial in the same pass, then a progressive trail that only ratchets', async () => {
    const b = await bench([1, 1, 1, 1, 1, 1, 1, 1, 0]);
    const tm = b.tm();
    const pos = buy(b);
    assert.equal(pos.openPrice, 1.1);
    const log: string[] = [];
    const sls: number[] = [];
    for (let i = 1; i <= 9; i++) {
      b.atBar(i);
      const acts = await b.pass(tm);
      assert.ok(
        acts.filter((a) => a.type === 'modify').length <= 1 && acts.filter((a) => a.type === 'close').length <= 1,
        `at most one stop change and one close per pass, got ${JSON.stringify(acts)}`,
      );
      const p = (b.broker.positions() as Position[])[0]!;
      sls.push(p.sl!);
      log.push(
        acts.map((a) => (a.type === 'close' ? `close ${a.volume} (${a.reason})` : `sl ${a.type === 'modify' ? a.sl : ''} (${a.reason})`)).join(' + ') || '-',
      );
    }
    assert.deepEqual(log, [
      '-', // +0.25 ATR
      // +0.5 ATR: entry + 0.05 ATR (the trail, 1.09982, is looser) and the partial, in one pass as the original
      'sl 1.10002 (break-even) + close 0.3 (partial 30% at break-even)',
      '-', // +0.75 ATR: the trail (1.09994) is below the break-even stop
      '-', // +1.0 ATR: the trail (1.10006) would move the stop by less than a pip
      'sl 1.10018 (trail 0.79 ATR)',
      'sl 1.10031 (trail 0.73 ATR)',
      'sl 1.10043 (trail 0.68 ATR)',
      'sl 1.10055 (trail 0.62 ATR)',
      '-', // flat: the best price did not improve
    ]);
    for (let i = 1; i < sls.length; i++) assert.ok(sls[i]! >= sls[i - 1]!, 'the stop never loosens');
    assert.equal((b.broker.positions() as Position[])[0]!.volume, 0.7);
  });

  it("never loosens the stop: a level below a buy's stop (above a sell's) is ignored", async () => {
    const b = await bench([1, 1, 1, 1, 1]);
    const tm = b.tm({ partialAtBe: false }); // stops only (a stop beyond entry is break-even done, which asks for the partial)
    b.atBar(5);
    const p: Position = {
      id: 'x1',
      symbol: 'EURUSD',
      side: 'buy',
      volume: 1,
      openPrice: 1.1,
      openTime: START,
      currentPrice: 1.1005,
      sl: 1.1004,
      profit: 0,
      commission: 0,
      swap: 0,
    };
    assert.deepEqual(await tm.manage(cycleOf({ clock: b.clock, data: b.src, state: b.store }), p), [], 'trail 1.10018 is below the current stop');
    // A sell 0.75 ATR in profit: break-even (1.10078) is more protective than the trail (1.10086).
    const s: Position = { ...p, id: 'x2', side: 'sell', openPrice: 1.1008, currentPrice: 1.1005, sl: 1.1012 };
    const acts = await tm.manage(cycleOf({ clock: b.clock, data: b.src, state: b.store }), s);
    assert.deepEqual(acts, [{ type: 'modify', positionId: 'x2', sl: 1.10078, reason: 'break-even' }]);
    assert.deepEqual(
      await tm.manage(cycleOf({ clock: b.clock, data: b.src, state: b.store }), { ...s, id: 'x3', sl: 1.10055 }),
      [],
      'already tighter than both',
    );
  });

  it('persists exit state: after a restart the partial close is never repeated', async () => {
    const b = await bench([1, 1, 1, 0, 0]);
    const tm = b.tm();
    const pos = buy(b);
    await b.store.journal.openTrade({
      positionId: pos.id,
      symbol: 'EURUSD',
      side: 'buy',
      volume: 1,
      entryTime: pos.openTime,
      entryPrice: pos.openPrice,
      agent: 'inst',
    });
    b.atBar(2);
    const partial = await b.pass(tm); // break-even and the partial
    assert.deepEqual(
      partial.map((a) => a.type),
      ['modify', 'close'],
    );
    const saved = await b.store.get<{ partialDone: boolean; initialVolume: number; beDone: boolean }>(tm.stateKey(pos.id));
    assert.equal(saved!.initialVolume, 1);
    // A new process: a fresh manager over the same store sees the partial as done.
    b.atBar(4);
    const again = b.tm();
    assert.deepEqual(await b.pass(again), []);
    assert.equal((await b.store.get<{ partialDone: boolean }>(again.stateKey(pos.id)))!.partialDone, true);
    // Even with the state store lost, the journal's opened volume (1.0) against the position's 0.7 says it happened.
    const wiped = new MemoryStateStore(() => b.clock.now());
    await wiped.journal.openTrade({ positionId: pos.id, symbol: 'EURUSD', side: 'buy', volume: 1, entryTime: pos.openTime, entryPrice: pos.openPrice });
    const fresh = new TradeManager(withDefaults<TradeManagerConfig>(TRADE_MANAGER_SCHEMA, {}), {
      hub: b.hub,
      store: wiped,
      log: silentLogger(),
      instance: 'tm',
      barMs: M5,
    });
    b.atBar(5);
    const p = (b.broker.positions() as Position[])[0]!;
    assert.deepEqual(await fresh.manage(cycleOf({ clock: b.clock, data: b.src, broker: b.broker, state: wiped }), p), []);
  });

  it('a partial close asked for but not executed (crash before the broker) is retried after a bar, not twice in a bar', async () => {
    const b = await bench([1, 1, 1, 0, 0]);
    const tm = b.tm();
    buy(b);
    b.atBar(2);
    const cycle = cycleOf({ clock: b.clock, data: b.src, broker: b.broker, state: b.store });
    const p = (b.broker.positions() as Position[])[0]!;
    const first = await tm.manage(cycle, p);
    assert.deepEqual(
      first.map((a) => a.type),
      ['modify', 'close'],
    ); // …and the process dies before sending them
    const restarted = b.tm();
    assert.ok(!(await restarted.manage(cycle, p)).some((a) => a.type === 'close'), 'same bar: no partial again');
    b.atBar(3);
    const retry = (
      await restarted.manage(cycleOf({ clock: b.clock, data: b.src, broker: b.broker, state: b.store }), (b.broker.positions() as Position[])[0]!)
    ).filter((a) => a.type === 'close');
    assert.equal(retry.length, 1);
    assert.equal((retry[0] as { volume: number }).volume, 0.3);
  });

  it('a bar that returns to the break-even stop after reaching it does not skip the partial (both went out in one pass)', async () => {
    const b = await bench([1, 1, -4, 0]);
    const tm = b.tm();
    const pos = buy(b);
    b.atBar(1);
    assert.deepEqual(await b.pass(tm), []);
    b.atBar(2);
    assert.deepEqual(
      (await b.pass(tm)).map((a) => (a.type === 'close' ? `close ${a.volume}` : a.type)),
      ['modify', 'close 0.3'],
    );
    // The next bar falls through the break-even stop: the broker closes the rest at 1.10002.
    b.atBar(3);
    assert.deepEqual(b.broker.positions(), []);
    const deals = (b.broker.history({ from: START, to: b.clock.now() }) as { positionId: string; entry: string; volume: number; price: number }[]).filter(
      (d) => d.positionId === pos.id && d.entry === 'out',
    );
    assert.deepEqual(
      deals.map((d) => d.volume),
      [0.3, 0.7],
      'the partial at +0.5 ATR, then the rest at break-even',
    );
    assert.equal(deals[1]!.price, 1.10002);
  });

  it('early cut: a loss beyond 0.5 ATR with RSI, MACD and SMA20 all against the trade closes it', async () => {
    const b = await bench([-1, -1, -1, 0]);
    const tm = b.tm();
    b.atBar(0);
    const p = buy(b);
    b.broker.modify(p.id, { sl: 1.099 });
    b.atBar(2);
    assert.deepEqual(await b.pass(tm), [], '0.5 ATR down: not beyond');
    b.atBar(3);
    const acts = await b.pass(tm);
    assert.equal(acts.length, 1);
    assert.equal(acts[0]!.type, 'close');
    assert.equal((acts[0] as { volume?: number }).volume, undefined, 'a full close');
    assert.match(acts[0]!.reason, /^early cut: 0\.75 ATR loss, RSI 0\.0, MACD against 3 bars, close beyond SMA20$/);
    assert.equal((b.broker.positions() as Position[]).length, 0);
  });

  it('with `agents`, positions opened by other agents are left alone', async () => {
    const b = await bench([1, 1, 1]);
    const tm = b.tm({ agents: ['inst'] });
    const pos = buy(b);
    await b.store.journal.openTrade({
      positionId: pos.id,
      symbol: 'EURUSD',
      side: 'buy',
      volume: 1,
      entryTime: pos.openTime,
      entryPrice: pos.openPrice,
      agent: 'someone-else',
    });
    b.atBar(2);
    assert.deepEqual(await b.pass(tm), []);
  });
});
