/**
 * bridge/mt5_bridge.py in a real Python process, with the fake MetaTrader5 module
 * (test/fixtures/fake_mt5): the wire protocol, both call shapes of order_send/order_check
 * (docs/reference/mt5-notes.md §6), strict float types restored from JSON, tickets beyond 2^53 as strings, numpy arrays
 * as tables, one worker thread, deadlines (not_sent vs unknown), the token, secrets kept out of the
 * log, graceful shutdown — and the adapter trading through it: answers lost after execution (None,
 * -10005), deals read by order ticket, a slow order_send under the heartbeat, fencing.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LiveClock, silentLogger, type ActionResult, type OrderResult, type TradekitError } from '@tradekit/core';
import { RpcGateway } from '../src/transport/rpc-gateway.js';
import { Mt5Session } from '../src/adapter/session.js';
import { Mt5Broker } from '../src/adapter/broker.js';
import { Mt5DataSource } from '../src/adapter/data.js';
import type { Mt5OrderSendResult, Mt5Position, Mt5Table, Mt5AccountInfo } from '../src/mt5/types.js';
import type { PingValue } from '../src/wire/protocol.js';

const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BRIDGE = path.join(PKG, 'bridge', 'mt5_bridge.py');
const FAKE = path.join(PKG, 'test', 'fixtures', 'fake_mt5');
const TOKEN = 'bridge-test-token-42';
const PASSWORD = 'pw-secret-123';

interface Bridge {
  proc: ChildProcess;
  port: number;
  stderr(): string;
  callLog(): { fn: string; nargs: number; kwargs: string[]; thread: number }[];
  gateway(): Promise<RpcGateway>;
  stop(): Promise<number | null>;
}

async function startBridge(env: Record<string, string> = {}): Promise<Bridge> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tk-bridge-'));
  const logFile = path.join(dir, 'calls.jsonl');
  const proc = spawn('python3', [BRIDGE, '--port', '0', '--log-level', 'DEBUG'], {
    env: { ...process.env, PYTHONPATH: FAKE, MT5_BRIDGE_TOKEN: TOKEN, FAKE_MT5_CALL_LOG: logFile, FAKE_MT5_THREAD_CHECK: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const gateways: RpcGateway[] = [];
  let finalLog: { fn: string; nargs: number; kwargs: string[]; thread: number }[] | undefined;
  const readLog = () => {
    try {
      return readFileSync(logFile, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    } catch {
      return [];
    }
  };
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /LISTENING \S+ (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    proc.once('exit', (code) => reject(new Error(`bridge exited ${code}: ${err}`)));
  });
  return {
    proc,
    port,
    stderr: () => err,
    callLog: () => finalLog ?? readLog(),
    async gateway() {
      const g = new RpcGateway({ host: '127.0.0.1', port, token: TOKEN, heartbeatMs: 0, reconnect: false, callTimeoutMs: 5000 });
      gateways.push(g);
      await g.connect();
      return g;
    },
    async stop() {
      for (const g of gateways) await g.close();
      const code = await new Promise<number | null>((resolve) => {
        if (proc.exitCode !== null) return resolve(proc.exitCode);
        proc.once('exit', (c) => resolve(c));
        proc.kill('SIGTERM');
      });
      finalLog = readLog();
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

const order = (o: Record<string, unknown> = {}) => ({
  action: 1,
  symbol: 'EURUSD',
  volume: 1,
  type: 0,
  type_filling: 1,
  type_time: 0,
  deviation: 20,
  magic: 7,
  comment: 'tk-bridge-1',
  ...o,
});

describe('bridge (Python) with the fake MetaTrader5: the package whose order_send takes the request positionally', function () {
  this.timeout(20_000);
  let b: Bridge;
  let g: RpcGateway;
  before(async () => {
    b = await startBridge({ FAKE_MT5_SHAPE: 'positional' });
    g = await b.gateway();
  });
  after(async () => {
    await b.stop();
  });

  it('answers auth with its hello; calls before initialize get None with (-10004)', async () => {
    assert.deepEqual([g.hello!.server, g.hello!.protocol, g.hello!.control], ['mt5-bridge', 1, false]);
    assert.ok(g.hello!.methods.includes('order_send'));
    const r = await g.call('account_info');
    assert.deepEqual([r.value, r.lastError], [null, [-10004, 'No IPC connection']]);
  });

  it('initialize with a wrong then the right password; neither the password nor the token reaches the log', async () => {
    const bad = await g.call('initialize', [], { login: 12345678, password: 'wrong-password', server: 'Fake-Demo' });
    assert.deepEqual([bad.value, bad.lastError], [false, [-6, 'Terminal: Authorization failed']]);
    const ok = await g.call('initialize', [], { login: 12345678, password: PASSWORD, server: 'Fake-Demo' });
    assert.equal(ok.value, true);
    assert.doesNotMatch(b.stderr(), /pw-secret-123|wrong-password/);
    assert.doesNotMatch(b.stderr(), new RegExp(TOKEN));
    assert.match(b.stderr(), /initialize\(0 args, login, password=\*\*\*, server\)/);
  });

  it('turns named tuples into objects and numpy arrays into {columns, rows}', async () => {
    const a = (await g.call<Mt5AccountInfo>('account_info')).value!;
    assert.deepEqual([a.login, a.currency, a.margin_mode, a.trade_expert], [12345678, 'USD', 2, true]);
    const rates = (await g.call<Mt5Table>('copy_rates_from_pos', ['EURUSD', 5, 0, 3])).value!;
    assert.deepEqual(rates.columns, ['time', 'open', 'high', 'low', 'close', 'tick_volume', 'spread', 'real_volume']);
    assert.equal(rates.rows.length, 3);
    assert.ok(Number.isInteger(rates.rows[0]![0]) && (rates.rows[0]![0] as number) % 300 === 0);
  });

  it('restores float types JSON lost (volume 1 → 1.0) and sends tickets beyond 2^53 as exact strings', async () => {
    const r = (await g.call<Mt5OrderSendResult>('order_send', [order({ volume: 1 })])).value!;
    assert.equal(r.retcode, 10009, r.comment);
    assert.equal(r.order, '9007199254740993');
    assert.equal(typeof r.deal, 'string');
    assert.equal(r.request.volume, 1);
    const [p] = (await g.call<Mt5Position[]>('positions_get', [], { symbol: 'EURUSD' })).value!;
    assert.deepEqual([p!.ticket, p!.identifier], ['9007199254740993', '9007199254740993']);
    const close = (await g.call<Mt5OrderSendResult>('order_send', [order({ type: 1, position: '9007199254740993' })])).value!;
    assert.equal(close.retcode, 10009, 'the string ticket went back to the package as an int');
    assert.equal((await g.call<Mt5Position[]>('positions_get')).value!.length, 0);
  });

  it('positions_get with a positional filter gets the package’s None (-2); keywords work', async () => {
    const r = await g.call('positions_get', ['EURUSD']);
    assert.deepEqual([r.value, r.lastError[0]], [null, -2]);
  });

  it('runs every MT5 call on one thread, one at a time, even with several clients at once', async () => {
    const g2 = await b.gateway();
    await Promise.all([
      ...Array.from({ length: 15 }, () => g.call('symbol_info_tick', ['EURUSD'])),
      ...Array.from({ length: 15 }, () => g2.call('account_info')),
    ]);
    const log = b.callLog();
    assert.ok(log.length > 30);
    assert.equal(new Set(log.filter((l) => l.thread).map((l) => l.thread)).size, 1, 'one worker thread');
    assert.ok(b.stderr().indexOf('Traceback') < 0, b.stderr());
  });

  it('refuses unknown methods (nothing like getattr(mt5, anything))', async () => {
    await assert.rejects(g.call('__import__', ['os']), (e: TradekitError) => e.code === 'TK_ERR_MT5_METHOD');
  });
});

describe('bridge (Python): the package build whose order_send takes only keyword-unpacked requests', function () {
  this.timeout(20_000);
  it('retries once in the other call shape after (-2, "Unnamed arguments not allowed"), then remembers it', async () => {
    const b = await startBridge({ FAKE_MT5_SHAPE: 'keyword' });
    try {
      const g = await b.gateway();
      await g.call('initialize');
      const r1 = (await g.call<Mt5OrderSendResult>('order_send', [order()])).value!;
      assert.equal(r1.retcode, 10009);
      const chk = (await g.call<{ retcode: number }>('order_check', [order()])).value!;
      assert.equal(chk.retcode, 0);
      const r2 = (await g.call<Mt5OrderSendResult>('order_send', [order()])).value!;
      assert.equal(r2.retcode, 10009);
      const sends = b.callLog().filter((l) => l.fn === 'order_send');
      assert.deepEqual(
        sends.map((l) => (l.nargs === 1 ? 'positional' : 'keyword')),
        ['positional', 'keyword', 'keyword'],
        'one refused positional attempt, then keyword-unpacked only',
      );
      assert.equal((await g.call<Mt5Position[]>('positions_get')).value!.length, 2, 'two orders, no duplicate from the retry');
    } finally {
      await b.stop();
    }
  });
});

describe('bridge (Python): deadlines, token, shutdown', function () {
  this.timeout(20_000);
  it('a slow call past its deadline is "unknown"; a call still queued behind it is "not_sent" and never runs', async () => {
    const b = await startBridge({ FAKE_MT5_SLOW_MS: '400' });
    try {
      const g = await b.gateway();
      await g.call('initialize');
      const slow = g.call('order_send', [order()], {}, { deadlineMs: 100 });
      const queued = g.call('order_send', [order({ comment: 'queued' })], {}, { deadlineMs: 150 });
      await assert.rejects(slow, (e: TradekitError) => e.code === 'TK_ERR_MT5_TIMEOUT' && e.details?.outcome === 'unknown');
      await assert.rejects(queued, (e: TradekitError) => e.code === 'TK_ERR_MT5_TIMEOUT' && e.details?.outcome === 'not_sent');
      const pos = (await g.call<Mt5Position[]>('positions_get')).value!;
      assert.deepEqual(
        pos.map((p) => p.comment),
        ['tk-bridge-1'],
        'the slow send completed; the queued one never ran',
      );
    } finally {
      await b.stop();
    }
  });

  it('refuses a wrong token; will not start without one (exit 2, no token printed)', async () => {
    const b = await startBridge();
    try {
      const g = new RpcGateway({ host: '127.0.0.1', port: b.port, token: 'wrong-token-123', heartbeatMs: 0, reconnect: false });
      await assert.rejects(g.connect(), (e: TradekitError) => e.code === 'TK_ERR_MT5_UNAUTHORIZED');
      await g.close();
    } finally {
      await b.stop();
    }
    const proc = spawn('python3', [BRIDGE, '--port', '0'], {
      env: { ...process.env, PYTHONPATH: FAKE, MT5_BRIDGE_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    proc.stderr.on('data', (d) => (err += d));
    const code = await new Promise((r) => proc.once('exit', r));
    assert.equal(code, 2);
    assert.match(err, /MT5_BRIDGE_TOKEN/);
  });

  it('SIGTERM shuts the terminal connection down cleanly (exit 0, mt5.shutdown() called)', async () => {
    const b = await startBridge();
    const g = await b.gateway();
    await g.call('initialize');
    await g.close();
    const code = await b.stop();
    assert.equal(code, 0);
    assert.ok(
      b.callLog().some((l) => l.fn === 'shutdown-complete'),
      'mt5.shutdown() ran',
    );
  });
});

describe('the MT5 adapter over the Python bridge (fake MetaTrader5)', function () {
  this.timeout(20_000);
  it('passes the health gate, reads data, places, lists and closes a position with the client id', async () => {
    const b = await startBridge({ FAKE_MT5_SHAPE: 'keyword' });
    try {
      const gw = new RpcGateway({ host: '127.0.0.1', port: b.port, token: TOKEN, heartbeatMs: 0 });
      const clock = new LiveClock();
      const session = new Mt5Session(
        gw,
        clock,
        {
          login: 12345678,
          password: PASSWORD,
          server: 'Fake-Demo',
          serverTime: { utcOffsetHours: 0, dst: 'none' },
          rateLimit: { perSecond: 0, burst: 1, scope: 'trades' },
        },
        silentLogger(),
      );
      await session.open();
      await session.ensureTrading();
      const broker = new Mt5Broker(session.retain(), clock, { magic: 7 });
      const data = new Mt5DataSource(session.retain(), clock, { symbols: ['EURUSD'] });
      const bars = await data.bars('EURUSD', 'M5', 5);
      assert.equal(bars.length, 5);
      assert.ok(bars.time[4]! + 300_000 <= clock.now(), 'closed bars only');
      const info = await data.symbolInfo('EURUSD');
      assert.deepEqual([info.digits, info.fillingModes], [5, ['IOC']]);
      const r = await broker.place({ clientId: 'tkbridge0000001', symbol: 'EURUSD', side: 'buy', type: 'market', volume: 0.1, magic: 7 });
      assert.equal(r.status, 'filled', JSON.stringify(r));
      const [p] = await broker.positions();
      assert.deepEqual([p!.id, p!.clientId, p!.volume], [(r as { positionId: string }).positionId, 'tkbridge0000001', 0.1]);
      assert.equal((await broker.close(p!.id)).status, 'done');
      assert.equal((await broker.positions()).length, 0);
      await broker.shutdown();
      await data.close();
    } finally {
      await b.stop();
    }
  });
});

/** The adapter (session + broker) on a running bridge, as a run would build it. */
async function adapterOn(b: Bridge, o: { heartbeatMs?: number } = {}) {
  const gw = new RpcGateway({ host: '127.0.0.1', port: b.port, token: TOKEN, heartbeatMs: o.heartbeatMs ?? 0, callTimeoutMs: 5000 });
  const clock = new LiveClock();
  const session = new Mt5Session(
    gw,
    clock,
    {
      login: 12345678,
      password: PASSWORD,
      server: 'Fake-Demo',
      serverTime: { utcOffsetHours: 0, dst: 'none' },
      rateLimit: { perSecond: 0, burst: 1, scope: 'trades' },
    },
    silentLogger(),
  );
  await session.open();
  await session.ensureTrading();
  const broker = new Mt5Broker(session.retain(), clock, { magic: 7 });
  return { gw, broker };
}

const buy = (clientId: string, volume = 0.1) => ({ clientId, symbol: 'EURUSD', side: 'buy' as const, type: 'market' as const, volume, magic: 7 });
const sendsIn = (b: Bridge) => b.callLog().filter((l) => l.fn === 'order_send').length;

function filledOf(r: OrderResult): Extract<OrderResult, { status: 'filled' }> {
  assert.equal(r.status, 'filled', JSON.stringify(r));
  return r as Extract<OrderResult, { status: 'filled' }>;
}

function doneOf(r: ActionResult): Extract<ActionResult, { status: 'done' }> {
  assert.equal(r.status, 'done', JSON.stringify(r));
  return r as Extract<ActionResult, { status: 'done' }>;
}

describe('the MT5 adapter over the Python bridge: answers lost after execution (order_send → None, -10005)', function () {
  this.timeout(20_000);

  it('an order that executed but came back None: exactly one position, and place returns the adopted fill', async () => {
    const b = await startBridge({ FAKE_MT5_LOSE_ANSWER: '1', FAKE_MT5_COMMISSION_PER_LOT: '7' });
    const { broker } = await adapterOn(b);
    try {
      const f = filledOf(await broker.place(buy('tklost0000001')));
      assert.equal(sendsIn(b), 1, 'order_send reached the terminal once: never repeated after the IPC error');
      const log = b.callLog();
      const sent = log.findIndex((l) => l.fn === 'order_send');
      assert.ok(
        log.slice(sent).some((l) => l.fn === 'initialize'),
        'the terminal was re-initialized after the IPC error',
      );
      const mine = (await broker.positions()).filter((p) => p.clientId === 'tklost0000001');
      assert.deepEqual(
        mine.map((p) => p.id),
        [f.positionId],
        'exactly one position',
      );
      assert.equal(f.commission, -0.7, 'adopted from the fill deal found by client id');
      assert.equal((await broker.lookup('tklost0000001')).positions.length, 1);
    } finally {
      await broker.shutdown();
      await b.stop();
    }
  });

  it('a full close that executed but came back None: done with its deal, closed once, no false POSITION_NOT_FOUND', async () => {
    const b = await startBridge({ FAKE_MT5_LOSE_ANSWER: '2' });
    const { broker } = await adapterOn(b);
    try {
      const f = filledOf(await broker.place(buy('tklost0000002', 0.2)));
      const d = doneOf(await broker.close(f.positionId));
      assert.deepEqual([d.deal?.entry, d.deal?.volume, d.deal?.positionId], ['out', 0.2, f.positionId]);
      assert.equal(sendsIn(b), 2, 'the close reached the terminal once');
      assert.equal((await broker.positions()).length, 0);
    } finally {
      await broker.shutdown();
      await b.stop();
    }
  });

  it('a partial close that executed but came back None: exactly one slice closed', async () => {
    const b = await startBridge({ FAKE_MT5_LOSE_ANSWER: '2' });
    const { broker } = await adapterOn(b);
    try {
      const f = filledOf(await broker.place(buy('tklost0000003', 0.3)));
      const d = doneOf(await broker.close(f.positionId, 0.1));
      assert.equal(d.deal?.volume, 0.1);
      assert.equal(sendsIn(b), 2);
      const [p] = await broker.positions();
      assert.deepEqual([p!.id, p!.volume], [f.positionId, 0.2], 'one slice of 0.1, not two');
    } finally {
      await broker.shutdown();
      await b.stop();
    }
  });
});

describe('the MT5 adapter over the Python bridge: deals, heartbeat, fencing', function () {
  this.timeout(20_000);

  it('reads the fill and close deals by ORDER ticket (history_deals_get as documented): commission and deal reach the result at once', async () => {
    const b = await startBridge({ FAKE_MT5_DEALS_TICKET: 'order', FAKE_MT5_COMMISSION_PER_LOT: '7' });
    const { broker } = await adapterOn(b);
    try {
      const f = filledOf(await broker.place(buy('tkdeal0000001', 0.2)));
      assert.equal(f.commission, -1.4, 'from the fill deal');
      const d = doneOf(await broker.close(f.positionId, 0.1));
      assert.deepEqual([d.deal?.entry, d.deal?.volume, d.deal?.commission, d.deal?.clientId], ['out', 0.1, -0.7, 'tkdeal0000001']);
      assert.ok(
        b.callLog().some((l) => l.fn === 'history_deals_get' && l.kwargs.join() === 'ticket'),
        'queried with ticket=',
      );
    } finally {
      await broker.shutdown();
      await b.stop();
    }
  });

  it('an order_send slower than 3 heartbeats: ping answers at once (busy), exactly one order, no reconnect, down never emitted', async () => {
    const b = await startBridge({ FAKE_MT5_SLOW_MS: '1200' });
    const { gw, broker } = await adapterOn(b, { heartbeatMs: 200 });
    const events: string[] = [];
    gw.on('down', () => void events.push('down'));
    gw.on('up', () => void events.push('up'));
    try {
      const placing = broker.place(buy('tkslow0000001'));
      while (sendsIn(b) === 0) await new Promise((x) => setTimeout(x, 20));
      const probe = await b.gateway();
      const ping = probe.call<PingValue>('ping', [], {}, { deadlineMs: 1000 });
      assert.equal(await Promise.race([ping.then(() => 'ping'), placing.then(() => 'order_send')]), 'ping', 'the ping did not wait for the MT5 worker');
      assert.deepEqual([(await ping).value!.busy, (await ping).value!.method], [true, 'order_send']);
      filledOf(await placing);
      assert.equal(sendsIn(b), 1, 'exactly one order');
      assert.deepEqual(events, [], 'no reconnect: down never emitted');
      assert.equal(gw.state, 'up');
    } finally {
      await broker.shutdown();
      await b.stop();
    }
  });

  it('fencing: two adapters, one run; after the second fences with token 2 the first one’s order_send is refused (TK_ERR_RUN_FENCED) and never reaches the terminal', async () => {
    const b = await startBridge();
    const one = await adapterOn(b);
    const two = await adapterOn(b);
    try {
      await one.broker.fence({ run: 'run-bridge', token: 1 });
      filledOf(await one.broker.place(buy('tkfence000001')));
      await two.broker.fence({ run: 'run-bridge', token: 2 });
      const r = await one.broker.place(buy('tkfence000002'));
      assert.deepEqual([r.status, (r as { code: string }).code, (r as { retryable: boolean }).retryable], ['rejected', 'TK_ERR_RUN_FENCED', false]);
      assert.equal(sendsIn(b), 1, 'the stale write never reached the package');
      await assert.rejects(one.broker.fence({ run: 'run-bridge', token: 1 }), (e: TradekitError) => e.code === 'TK_ERR_RUN_FENCED');
      filledOf(await two.broker.place(buy('tkfence000003')));
      assert.equal(sendsIn(b), 2);
      assert.equal((await one.broker.positions()).length, 2, 'reads are never fenced');
      await assert.rejects(two.gw.call('tk_fence', [], { run: 'run-bridge', token: 'x' }), (e: TradekitError) => e.code === 'TK_ERR_MT5_PROTOCOL');
      assert.match(b.stderr(), /refused a write for run run-bridge: fencing token 1 < 2/);
      assert.doesNotMatch(b.stderr(), new RegExp(TOKEN));
    } finally {
      await one.broker.shutdown();
      await two.broker.shutdown();
      await b.stop();
    }
  });
});
