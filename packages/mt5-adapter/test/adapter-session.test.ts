/**
 * The adapter around the broker: the session's health gate, IPC re-initialization, replay driving,
 * broker symbol names, the DataSource (closed bars only, UTC, hidden symbols, bad data), the offset
 * check, the client-side rate limiter, the retcode classifier and the comment codec.
 */
import assert from 'node:assert/strict';
import { LiveClock, SimClock, silentLogger, type Logger, type TradekitError } from '@tradekit/core';
import { Simulator } from '../src/sim/simulator.js';
import { TIMEFRAME } from '../src/mt5/constants.js';
import { classifyRetcode, isSuccessRetcode, SUCCESS_RETCODES } from '../src/mt5/retcodes.js';
import { AsyncRateLimiter } from '../src/adapter/rate-limiter.js';
import { decodeComment, encodeComment } from '../src/adapter/comment.js';
import { Mt5Session } from '../src/adapter/session.js';
import { SimGateway } from '../src/transport/sim-gateway.js';
import { SimTerminal } from '../src/sim/terminal-api.js';
import { checkServerOffset } from '../src/plugins/offset-check.js';
import type { Mt5Table } from '../src/mt5/types.js';
import { manualSim, RecordingGateway, rig, simTimer, WED } from './helpers.js';
import { zigzagBars } from './sim-kit.js';

async function rejects(p: Promise<unknown>, code: string): Promise<TradekitError> {
  try {
    await p;
  } catch (e) {
    assert.equal((e as TradekitError).code, code, (e as Error).message);
    return e as TradekitError;
  }
  assert.fail(`expected ${code}`);
}

function capture(): Logger & { lines: { level: string; obj: unknown; msg?: string }[] } {
  const lines: { level: string; obj: unknown; msg?: string }[] = [];
  const mk = (): Logger & { lines: typeof lines } => ({
    lines,
    debug: (obj, msg) => void lines.push({ level: 'debug', obj, msg }),
    info: (obj, msg) => void lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => void lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => void lines.push({ level: 'error', obj, msg }),
    child: () => mk(),
  });
  return mk();
}

describe('adapter session: health gate', () => {
  it('AutoTrading off fails the trading gate with TK_ERR_MT5_AUTOTRADING_DISABLED (fatal) and says how to fix it', async () => {
    const sim = manualSim();
    sim.autoTrading = false;
    const err = await rejects(rig(sim, { transport: 'inproc' }), 'TK_ERR_MT5_AUTOTRADING_DISABLED');
    assert.equal(err.classification, 'fatal');
    assert.match(err.message, /Algo Trading/);
  });

  it('expert trading refused by the server is TK_ERR_MT5_AUTOTRADING_DISABLED; a disconnected terminal TK_ERR_MT5_NOT_CONNECTED', async () => {
    const a = manualSim();
    a.tradeExpert = false;
    await rejects(rig(a, { transport: 'inproc' }), 'TK_ERR_MT5_AUTOTRADING_DISABLED');
    const b = manualSim();
    b.connected = false;
    await rejects(rig(b, { transport: 'inproc' }), 'TK_ERR_MT5_NOT_CONNECTED');
  });

  it('a wrong password is TK_ERR_MT5_AUTH_FAILED, and the password appears in no log line', async () => {
    const log = capture();
    const err = await rejects(
      rig(manualSim(), { transport: 'inproc', session: { login: 5_001_234, password: 'hunter2-secret', server: 'TradekitSim-Demo' }, log }),
      'TK_ERR_MT5_AUTH_FAILED',
    );
    assert.doesNotMatch(err.message, /hunter2/);
    assert.doesNotMatch(JSON.stringify(log.lines), /hunter2/);
  });

  it('an IPC timeout at startup (terminal still starting) is retried; it then connects', async () => {
    const sim = manualSim();
    sim.initFailure = 'timeout';
    const r = await rig(sim, { transport: 'inproc', timer: simTimer(sim) });
    assert.ok(r.session.account);
    await r.close();
  });

  it('an IPC error on a write (order_send None, -10005): re-initializes, but the write is never repeated — the None goes back to the caller', async () => {
    let rec!: RecordingGateway;
    const r = await rig(manualSim(), { transport: 'inproc', wrap: (g) => (rec = new RecordingGateway(g)) });
    try {
      const count = (m: string) => rec.calls.filter((c) => c.method === m).length;
      const inits = count('initialize');
      r.sim.faults.inject({ method: 'order_send', kind: 'none_after_execute' });
      const res = await r.session.call('order_send', [
        { action: 1, symbol: 'EURUSD', volume: 0.1, type: 0, type_filling: 0, type_time: 0, magic: 1, comment: 'ck-sess-1' },
      ]);
      assert.deepEqual([res.value, res.lastError], [null, [-10005, 'IPC timeout']]);
      assert.equal(count('order_send'), 1, 'not repeated');
      assert.equal(count('initialize'), inits + 1, 're-initialized');
      assert.equal(r.sim.positions.size, 1, 'it had executed: one position');
      // A read with the same IPC error is repeated once after re-initializing.
      r.sim.faults.inject({ method: 'positions_get', kind: 'none_before_execute' });
      const p = await r.session.call<unknown[]>('positions_get');
      assert.equal(p.value!.length, 1);
      assert.equal(count('positions_get'), 2);
    } finally {
      await r.close();
    }
  });

  it('after the terminal drops IPC (restart), a call re-initializes and retries once', async () => {
    const r = await rig(manualSim(), { transport: 'inproc' });
    try {
      r.terminal.call('shutdown');
      const a = await r.broker.account();
      assert.equal(a.balance, 10_000);
    } finally {
      await r.close();
    }
  });
});

describe('adapter session: replays drive the simulator', () => {
  it('a simulated run clock advances the simulator before each call', async () => {
    const r = await rig(manualSim(), { transport: 'tcp' });
    try {
      r.clock.advance(90_000);
      await r.broker.account();
      assert.equal(r.sim.now(), WED + 90_000);
    } finally {
      await r.close();
    }
  });

  it('a terminal that cannot be driven (a real bridge, or a sim without control) refuses a replay: TK_ERR_MT5_REPLAY_UNSUPPORTED', async () => {
    await rejects(rig(manualSim(), { transport: 'tcp', control: false }), 'TK_ERR_MT5_REPLAY_UNSUPPORTED');
  });

  it('with a live clock nothing is driven', async () => {
    const r = await rig(manualSim(), { transport: 'tcp', control: false, clock: new LiveClock() });
    try {
      await r.broker.account();
      assert.equal(r.sim.now(), WED);
    } finally {
      await r.close();
    }
  });
});

describe('adapter session: broker symbol names', () => {
  const sim = (suffix: string, names = ['EURUSD', 'XAUUSD']) =>
    new Simulator({
      seed: 1,
      start: WED,
      suffix,
      hidden: ['XAUUSD'],
      symbols: names.map((name) => ({ name, feed: { kind: 'walk' as const, meanTickMs: 60_000 } })),
      historyMs: 3_600_000,
    });

  it('finds the broker name by suffix ("", "m", "c") and reports positions under the canonical name', async () => {
    const r = await rig(sim('m'), { transport: 'inproc' });
    try {
      assert.equal(await r.session.brokerSymbol('EURUSD'), 'EURUSDm');
      const f = await r.broker.place({ clientId: 'ck-sfx-1', symbol: 'EURUSD', side: 'buy', type: 'market', volume: 0.1 });
      assert.equal(f.status, 'filled');
      const [p] = await r.broker.positions({ symbol: 'EURUSD' });
      assert.equal(p!.symbol, 'EURUSD');
      assert.equal((await r.data.symbolInfo('EURUSD')).symbol, 'EURUSD');
    } finally {
      await r.close();
    }
  });

  it('an explicit map wins (XAUUSD → XAUUSD.sd), and resolving selects a hidden symbol', async () => {
    const r = await rig(sim('.sd'), { transport: 'inproc', session: { symbolMap: { XAUUSD: 'XAUUSD.sd' } } });
    try {
      assert.equal(await r.session.brokerSymbol('XAUUSD'), 'XAUUSD.sd');
      assert.equal(r.sim.sym('XAUUSD.sd').selected, true);
      assert.ok((await r.data.tick('XAUUSD')).bid > 1000);
    } finally {
      await r.close();
    }
  });

  it('an unknown symbol is TK_ERR_MT5_SYMBOL_NOT_FOUND naming what was tried and similar symbols', async () => {
    const r = await rig(sim('m'), { transport: 'inproc' });
    try {
      const err = await rejects(r.session.brokerSymbol('EURGBP'), 'TK_ERR_MT5_SYMBOL_NOT_FOUND');
      assert.match(err.message, /"EURGBPm"/);
      assert.match(err.message, /EURUSDm/);
    } finally {
      await r.close();
    }
  });
});

describe('adapter DataSource', () => {
  const bars = zigzagBars(WED + 300_000, 41);
  const barSim = () => new Simulator({ seed: 2, start: WED + 120_000, symbols: [{ name: 'EURUSD', feed: { kind: 'bars', bars } }] });

  it('returns closed bars only (the forming bar is dropped), oldest first, with UTC open times', async () => {
    const r = await rig(barSim(), { transport: 'tcp' });
    try {
      const b = await r.data.bars('EURUSD', 'M5', 10);
      assert.equal(b.length, 10);
      assert.equal(b.time[9], bars.time[39], 'the last closed bar (09:55 UTC), not the forming 10:00 one');
      for (let i = 0; i < 10; i++) {
        assert.equal(b.time[i], bars.time[30 + i]);
        assert.deepEqual(
          [b.open[i], b.high[i], b.low[i], b.close[i], b.volume[i]],
          [bars.open[30 + i], bars.high[30 + i], bars.low[30 + i], bars.close[30 + i], bars.volume[30 + i]],
        );
      }
      assert.ok(b.time instanceof Float64Array);
      // The terminal's per-bar spread (points) comes along, so a paper broker over MT5 data prices bars with it.
      assert.equal(b.spread?.length, 10);
      assert.ok(
        [...b.spread!].every((x) => Number.isInteger(x) && x > 0),
        `spreads ${[...b.spread!]}`,
      );
      const range = await r.data.bars('EURUSD', 'M5', { from: bars.time[35]!, to: WED + 300_000 });
      assert.deepEqual([...range.time], bars.time.slice(35, 40), 'range: inclusive, still no forming bar');
      r.clock.advance(200_000); // 10:05:20: the 10:00 bar has closed
      const after = await r.data.bars('EURUSD', 'M5', 1);
      assert.equal(after.time[0], bars.time[40]);
      const h1 = await r.data.bars('EURUSD', 'H1', 2);
      assert.equal(h1.time[1]! % 3_600_000, 0);
    } finally {
      await r.close();
    }
  });

  it('quotes in UTC and maps the symbol spec (filling bits, trade mode enum, stops level, tick value)', async () => {
    const r = await rig(
      manualSim({ filling: 'IOC_ONLY', symbols: [{ name: 'EURUSD', stopsLevel: 15, tradeMode: 1, feed: { kind: 'manual', bid: 1.1, ask: 1.1001 } }] }),
      { transport: 'tcp', trading: false },
    );
    try {
      const t = await r.data.tick('EURUSD');
      assert.deepEqual(t, { symbol: 'EURUSD', time: WED, bid: 1.1, ask: 1.1001 });
      const i = await r.data.symbolInfo('EURUSD');
      assert.deepEqual([i.fillingModes, i.tradeMode, i.stopsLevel, i.digits, i.tickValue, i.assetClass], [['IOC'], 'longonly', 15, 5, 1, 'forex']);
    } finally {
      await r.close();
    }
  });

  it('rejects bad bars at the edge with TK_ERR_DATA_BAD_BAR', async () => {
    let rec!: RecordingGateway;
    const r = await rig(barSim(), { transport: 'inproc', wrap: (g) => (rec = new RecordingGateway(g)) });
    try {
      rec.rewrite = (m, res) => {
        if (m !== 'copy_rates_from_pos' || !res.value) return res;
        const t = res.value as Mt5Table;
        t.rows[3]![4] = Number.NaN; // a NaN close
        return res;
      };
      await rejects(r.data.bars('EURUSD', 'M5', 10), 'TK_ERR_DATA_BAD_BAR');
    } finally {
      await r.close();
    }
  });

  it('copy_rates uses MT5 timeframe values (M5 = 5, H1 = 16385)', async () => {
    let rec!: RecordingGateway;
    const r = await rig(barSim(), { transport: 'inproc', wrap: (g) => (rec = new RecordingGateway(g)) });
    try {
      await r.data.bars('EURUSD', 'H1', 3);
      const c = rec.calls.find((x) => x.method === 'copy_rates_from_pos')!;
      assert.deepEqual(c.args, ['EURUSD', TIMEFRAME.H1, 0, 4]);
    } finally {
      await r.close();
    }
  });
});

describe('adapter: broker offset check', () => {
  it('warns when the configured server time does not match what the quotes say', async () => {
    const sim = manualSim();
    const log = capture();
    const session = new Mt5Session(new SimGateway(new SimTerminal(sim)), new SimClock(WED), { serverTime: { utcOffsetHours: 0, dst: 'none' } }, silentLogger());
    await session.open();
    const observed = await checkServerOffset(session, ['EURUSD'], WED, log);
    assert.equal(observed, 3);
    assert.equal(log.lines.filter((l) => l.level === 'warn').length, 1);
    const ok = new Mt5Session(new SimGateway(new SimTerminal(sim)), new SimClock(WED), {}, silentLogger());
    await ok.open();
    const log2 = capture();
    await checkServerOffset(ok, ['EURUSD'], WED, log2);
    assert.equal(log2.lines.length, 0);
  });
});

describe('adapter: client-side rate limiter (token bucket)', () => {
  it('lets a burst through, then paces requests at the configured rate, in arrival order', async () => {
    const clock = { advance: (_ms: number) => undefined };
    const timer = simTimer(clock);
    const rl = new AsyncRateLimiter({ perSecond: 2, burst: 2 }, timer);
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => rl.acquire().then(() => order.push(i))));
    assert.deepEqual(order, [0, 1, 2, 3]);
    assert.ok(timer.slept >= 1000 && timer.slept <= 1100, `waited ${timer.slept} ms for 2 tokens at 2/s`);
  });
});

describe('retcode classifier', () => {
  it('success = {10008, 10009, 10010, 10025}; order_check’s 0 is not an order_send success', () => {
    assert.deepEqual([...SUCCESS_RETCODES].sort(), [10008, 10009, 10010, 10025]);
    assert.equal(isSuccessRetcode(0), false);
  });

  it('maps each class to its action and tradekit code', () => {
    const t = (c: number) => {
      const k = classifyRetcode(c);
      return [k.action, k.errorClass, k.errorCode];
    };
    assert.deepEqual(t(10004), ['refresh', 'retryable', 'TK_ERR_MT5_REQUOTE']);
    assert.deepEqual(t(10024), ['backoff', 'retryable', 'TK_ERR_MT5_RATE_LIMITED']);
    assert.deepEqual(t(10030), ['switch-fill', 'nonRetryable', 'TK_ERR_MT5_FILLING']);
    assert.deepEqual(t(10012), ['reconcile', 'retryable', 'TK_ERR_BROKER_UNKNOWN_OUTCOME']);
    assert.deepEqual(t(10031), ['reconcile', 'retryable', 'TK_ERR_MT5_NO_CONNECTION']);
    assert.deepEqual(t(10014), ['reject', 'nonRetryable', 'TK_ERR_BROKER_INVALID_VOLUME']);
    assert.deepEqual(t(10016), ['reject', 'nonRetryable', 'TK_ERR_BROKER_INVALID_STOPS']);
    assert.deepEqual(t(10019), ['reject', 'nonRetryable', 'TK_ERR_BROKER_NO_MONEY']);
    assert.deepEqual(t(10027), ['reject', 'fatal', 'TK_ERR_MT5_AUTOTRADING_DISABLED']);
    assert.deepEqual(t(10006), ['reject', 'fatal', 'TK_ERR_BROKER_REJECTED']);
    assert.deepEqual(t(10011), ['retry', 'retryable', 'TK_ERR_MT5_RETCODE']);
    assert.deepEqual(t(99999), ['reject', 'nonRetryable', 'TK_ERR_MT5_RETCODE']);
  });
});

describe('comment codec', () => {
  it('puts the client id first, drops the engine’s duplicate, truncates, and refuses ids it cannot carry', () => {
    assert.equal(encodeComment('tk0123456789abcd', 'tk tk0123456789abcd'), 'tk0123456789abcd');
    assert.equal(encodeComment('tk0123456789abcd', 'breakout long entry'), 'tk0123456789abcd breakout');
    assert.equal(decodeComment('tk0123456789abcd breakout'), 'tk0123456789abcd');
    assert.equal(decodeComment('[sl 1.09500]'), undefined);
    assert.equal(decodeComment(''), undefined);
    assert.throws(
      () => encodeComment('has space', ''),
      (e: TradekitError) => e.code === 'TK_ERR_MT5_CONFIG',
    );
  });
});
