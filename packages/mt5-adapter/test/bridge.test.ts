/**
 * bridge/mt5_bridge.py in a real Python process, with the fake MetaTrader5 module
 * (test/fixtures/fake_mt5): the wire protocol, both call shapes of order_send/order_check
 * (mt5-notes §6), strict float types restored from JSON, tickets beyond 2^53 as strings, numpy arrays
 * as tables, one worker thread, deadlines (not_sent vs unknown), the token, secrets kept out of the
 * log, graceful shutdown — and the adapter trading through it.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LiveClock, silentLogger, type TradekitError } from '@tradekit/core';
import { RpcGateway } from '../src/transport/rpc-gateway.js';
import { Mt5Session } from '../src/adapter/session.js';
import { Mt5Broker } from '../src/adapter/broker.js';
import { Mt5DataSource } from '../src/adapter/data.js';
import type { Mt5OrderSendResult, Mt5Position, Mt5Table, Mt5AccountInfo } from '../src/mt5/types.js';

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
      return readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
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

const order = (o: Record<string, unknown> = {}) => ({ action: 1, symbol: 'EURUSD', volume: 1, type: 0, type_filling: 1, type_time: 0, deviation: 20, magic: 7, comment: 'tk-bridge-1', ...o });

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
    await Promise.all([...Array.from({ length: 15 }, () => g.call('symbol_info_tick', ['EURUSD'])), ...Array.from({ length: 15 }, () => g2.call('account_info'))]);
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
    const proc = spawn('python3', [BRIDGE, '--port', '0'], { env: { ...process.env, PYTHONPATH: FAKE, MT5_BRIDGE_TOKEN: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
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
    assert.ok(b.callLog().some((l) => l.fn === 'shutdown-complete'), 'mt5.shutdown() ran');
  });
});

describe('the MT5 adapter over the Python bridge (fake MetaTrader5)', function () {
  this.timeout(20_000);
  it('passes the health gate, reads data, places, lists and closes a position with the client id', async () => {
    const b = await startBridge({ FAKE_MT5_SHAPE: 'keyword' });
    try {
      const gw = new RpcGateway({ host: '127.0.0.1', port: b.port, token: TOKEN, heartbeatMs: 0 });
      const clock = new LiveClock();
      const session = new Mt5Session(gw, clock, { login: 12345678, password: PASSWORD, server: 'Fake-Demo', serverTime: { utcOffsetHours: 0, dst: 'none' }, rateLimit: { perSecond: 0, burst: 1, scope: 'trades' } }, silentLogger());
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
