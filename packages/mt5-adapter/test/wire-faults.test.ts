/**
 * Fault injection through the real wire protocol (SimServer on loopback, port 0, RpcGateway):
 * transport drop before send (not_sent), connection dropped before / after execution (unknown),
 * slow responses beyond the deadline, queued calls past their deadline never running, the token,
 * and terminal-level faults (disconnected terminal 10031, AutoTrading off 10027, expert trading off
 * 10026, trading disabled 10017).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { SimTerminal } from '../src/sim/terminal-api.js';
import { SimServer } from '../src/wire/sim-server.js';
import { RpcGateway } from '../src/transport/rpc-gateway.js';
import type { Mt5OrderSendResult, Mt5Position } from '../src/mt5/types.js';
import type { FenceValue, PingValue } from '../src/wire/protocol.js';
import type { TradekitError } from '@tradekit/core';
import { manualSim, TOKEN } from './helpers.js';
import { deal } from './sim-kit.js';
import type { Simulator } from '../src/sim/simulator.js';

async function serve(sim: Simulator) {
  const terminal = new SimTerminal(sim);
  const server = new SimServer({ terminal, token: TOKEN, control: true });
  const { host, port } = await server.listen();
  const gw = new RpcGateway({ host, port, token: TOKEN, heartbeatMs: 0, jitter: 0, reconnectMinMs: 10, callTimeoutMs: 2000 });
  await gw.connect();
  await gw.call('initialize');
  return {
    server,
    gw,
    positions: async () => (await gw.call<Mt5Position[]>('positions_get')).value!,
    async close() {
      await gw.close();
      await server.close();
    },
  };
}

async function rejects(p: Promise<unknown>, code: string, outcome?: string): Promise<TradekitError> {
  try {
    await p;
  } catch (e) {
    const err = e as TradekitError;
    assert.equal(err.code, code, err.message);
    if (outcome) assert.equal(err.details?.outcome, outcome);
    return err;
  }
  assert.fail(`expected ${code}`);
}

describe('wire: transport faults', () => {
  it('not_sent: the bridge answers that the call never ran; nothing executed', async () => {
    const sim = manualSim();
    const s = await serve(sim);
    try {
      sim.faults.inject({ method: 'order_send', kind: 'not_sent' });
      await rejects(s.gw.call('order_send', [deal()]), 'TK_ERR_MT5_TIMEOUT', 'not_sent');
      assert.equal((await s.positions()).length, 0);
    } finally {
      await s.close();
    }
  });

  it('connection dropped before execution: outcome unknown, the write is reported lost, nothing executed, the link comes back', async () => {
    const sim = manualSim();
    const s = await serve(sim);
    try {
      const downs: { lostWrites: { clientOrderId?: string }[] }[] = [];
      let ups = 0;
      s.gw.on('down', (d) => void downs.push(d));
      s.gw.on('up', () => void ups++);
      sim.faults.inject({ method: 'order_send', kind: 'drop_before_execute' });
      await rejects(s.gw.call('order_send', [deal()], {}, { clientOrderId: 'tk-lost-1' }), 'TK_ERR_MT5_TRANSPORT', 'unknown');
      assert.deepEqual(
        downs.map((d) => d.lostWrites.map((w) => w.clientOrderId)),
        [['tk-lost-1']],
      );
      assert.equal((await s.positions()).length, 0, 'after reconnecting: nothing executed');
      assert.equal(ups, 1);
    } finally {
      await s.close();
    }
  });

  it('connection dropped after execution: outcome unknown, but the position exists', async () => {
    const sim = manualSim();
    const s = await serve(sim);
    try {
      sim.faults.inject({ method: 'order_send', kind: 'drop_after_execute' });
      await rejects(s.gw.call('order_send', [deal()]), 'TK_ERR_MT5_TRANSPORT', 'unknown');
      assert.equal((await s.positions()).length, 1);
    } finally {
      await s.close();
    }
  });

  it('slow response beyond the deadline: TIMEOUT with outcome unknown; a later call queued behind it sees its effect', async () => {
    const sim = manualSim();
    const s = await serve(sim);
    try {
      sim.faults.inject({ method: 'order_send', kind: 'slow', delayMs: 250 });
      await rejects(s.gw.call('order_send', [deal()], {}, { deadlineMs: 60 }), 'TK_ERR_MT5_TIMEOUT', 'unknown');
      assert.equal((await s.positions()).length, 1, 'calls run one at a time: positions_get ran after the slow send');
    } finally {
      await s.close();
    }
  });

  it('a call still queued at its deadline is answered not_sent and never runs', async () => {
    const sim = manualSim();
    const s = await serve(sim);
    try {
      sim.faults.inject({ method: 'order_send', kind: 'slow', delayMs: 200 });
      const first = s.gw.call<Mt5OrderSendResult>('order_send', [deal()], {}, { deadlineMs: 2000 });
      const second = s.gw.call('order_send', [deal()], {}, { deadlineMs: 50 });
      await rejects(second, 'TK_ERR_MT5_TIMEOUT', 'not_sent');
      assert.equal((await first).value!.retcode, 10009);
      assert.equal((await s.positions()).length, 1);
    } finally {
      await s.close();
    }
  });

  it('queued calls of a dropped connection do not run', async () => {
    const sim = manualSim();
    const s = await serve(sim);
    try {
      sim.faults.inject({ method: 'order_send', kind: 'slow', delayMs: 100 });
      const a = s.gw.call('order_send', [deal()]);
      const b = s.gw.call('order_send', [deal()]);
      await new Promise((r) => setTimeout(r, 20));
      s.server.dropConnections();
      await Promise.allSettled([a, b]);
      assert.equal((await s.positions()).length, 1, 'the running call finished, the queued one was dropped');
    } finally {
      await s.close();
    }
  });

  it('terminal faults: disconnected → 10031, AutoTrading off → 10027, expert trading off → 10026, account trading off → 10017', async () => {
    const sim = manualSim();
    const s = await serve(sim);
    try {
      const send = async () => (await s.gw.call<Mt5OrderSendResult>('order_send', [deal()])).value!.retcode;
      sim.connected = false;
      assert.equal(await send(), 10031);
      assert.equal((await s.gw.call<{ connected: boolean }>('ping')).value!.connected, false);
      sim.connected = true;
      sim.autoTrading = false;
      assert.equal(await send(), 10027);
      sim.autoTrading = true;
      sim.tradeExpert = false;
      assert.equal(await send(), 10026);
      sim.tradeExpert = true;
      sim.tradeAllowed = false;
      assert.equal(await send(), 10017);
    } finally {
      await s.close();
    }
  });
});

describe('wire: authentication and protocol', () => {
  it('a wrong token is refused (TK_ERR_MT5_UNAUTHORIZED); an unauthenticated request closes the connection', async () => {
    const server = new SimServer({ terminal: new SimTerminal(manualSim()), token: TOKEN });
    const { host, port } = await server.listen();
    try {
      assert.equal(host, '127.0.0.1', 'binds loopback by default');
      const gw = new RpcGateway({ host, port, token: 'not-the-token', heartbeatMs: 0 });
      await rejects(gw.connect(), 'TK_ERR_MT5_UNAUTHORIZED');
      await gw.close();
      const lines = await new Promise<string[]>((resolve, reject) => {
        const sock = net.connect({ host, port }, () => sock.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'account_info', params: {} })}\n`));
        let buf = '';
        sock.on('data', (d) => (buf += d));
        sock.on('close', () => resolve(buf.trim().split('\n')));
        sock.on('error', reject);
      });
      assert.equal(JSON.parse(lines[0]!).error.code, -32001);
    } finally {
      await server.close();
    }
  });

  it('answers unknown methods, bad params and unparseable lines with JSON-RPC errors; a sim without control refuses sim_*', async () => {
    const server = new SimServer({ terminal: new SimTerminal(manualSim()), token: TOKEN, control: false });
    const { host, port } = await server.listen();
    const gw = new RpcGateway({ host, port, token: TOKEN, heartbeatMs: 0 });
    try {
      const hello = await gw.connect();
      assert.deepEqual([hello.server, hello.protocol, hello.control], ['mt5-sim', 1, false]);
      await rejects(gw.call('os_system', ['rm -rf /']), 'TK_ERR_MT5_METHOD');
      await rejects(gw.call('sim_advance_to', [], { utc_ms: 1 }), 'TK_ERR_MT5_METHOD');
      const r = await gw.call('symbol_info', ['EURUSD']);
      assert.equal(r.value, null, 'before initialize');
      assert.deepEqual(r.lastError, [-10004, 'No IPC connection']);
    } finally {
      await gw.close();
      await server.close();
    }
  });

  it('a gateway whose server is down fails fast with TK_ERR_MT5_CONNECT', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    const gw = new RpcGateway({ host: '127.0.0.1', port, token: TOKEN, heartbeatMs: 0 });
    await rejects(gw.connect(), 'TK_ERR_MT5_CONNECT');
    await gw.close();
  });
});

describe('wire: heartbeat', () => {
  async function heartbeatRig(o: { heartbeatMs: number; graceMs?: number }) {
    const sim = manualSim();
    const server = new SimServer({ terminal: new SimTerminal(sim), token: TOKEN });
    const { host, port } = await server.listen();
    const gw = new RpcGateway({
      host,
      port,
      token: TOKEN,
      heartbeatMs: o.heartbeatMs,
      graceMs: o.graceMs ?? 30,
      connectTimeoutMs: 300,
      jitter: 0,
      reconnectMinMs: 10,
    });
    await gw.connect();
    await gw.call('initialize');
    const events: string[] = [];
    const lost: (string | undefined)[] = [];
    gw.on('down', (d) => {
      events.push('down');
      lost.push(...d.lostWrites.map((w) => w.clientOrderId));
    });
    gw.on('up', () => void events.push('up'));
    const next = (ev: 'up' | 'down') => new Promise<void>((resolve) => gw.on(ev, () => resolve()));
    return {
      sim,
      server,
      gw,
      events,
      lost,
      next,
      async close() {
        await gw.close();
        await server.close();
      },
    };
  }

  it('ping is answered at once while a long call holds the terminal: busy, with the method in flight', async () => {
    const h = await heartbeatRig({ heartbeatMs: 0 });
    try {
      h.sim.faults.inject({ method: 'order_send', kind: 'slow', delayMs: 300 });
      const send = h.gw.call<Mt5OrderSendResult>('order_send', [deal()], {}, { deadlineMs: 5000 });
      while (h.server.inFlight !== 'order_send') await new Promise((x) => setTimeout(x, 5));
      const ping = h.gw.call<PingValue>('ping', [], {}, { deadlineMs: 100 });
      const first = await Promise.race([send.then(() => 'order_send'), ping.then(() => 'ping')]);
      assert.equal(first, 'ping', 'the ping did not queue behind order_send');
      assert.deepEqual([(await ping).value!.busy, (await ping).value!.method, (await ping).value!.connected], [true, 'order_send', true]);
      assert.equal((await send).value!.retcode, 10009);
    } finally {
      await h.close();
    }
  });

  it('a slow order_send spanning many heartbeats, with pings the bridge answers only with errors (an older bridge queued them): one order, no reconnect', async () => {
    // A generous local grace: only the bridge's answers decide (a loaded machine cannot fake a miss).
    const h = await heartbeatRig({ heartbeatMs: 50, graceMs: 1000 });
    try {
      // Every ping is answered TIMEOUT (not_sent), as a bridge that queued it behind the MT5 call did.
      h.sim.faults.inject({ method: 'ping', kind: 'not_sent', times: 1_000_000 });
      h.sim.faults.inject({ method: 'order_send', kind: 'slow', delayMs: 400 });
      const r = await h.gw.call<Mt5OrderSendResult>('order_send', [deal()], {}, { deadlineMs: 5000, clientOrderId: 'ck-hb-1' });
      assert.equal(r.value!.retcode, 10009);
      h.sim.faults.clear();
      assert.deepEqual(h.events, [], 'down never emitted');
      assert.equal(h.gw.state, 'up');
      assert.equal(h.sim.positions.size, 1);
    } finally {
      await h.close();
    }
  });

  it('a hung bridge (nothing received at all) is a dead link: down, then the gateway reconnects', async () => {
    const h = await heartbeatRig({ heartbeatMs: 40 });
    try {
      const down = h.next('down');
      h.server.silence(true);
      await down;
      const up = h.next('up');
      h.server.silence(false);
      await up;
      assert.equal(h.gw.state, 'up');
    } finally {
      await h.close();
    }
  });

  it('a hung bridge with a write in flight: nothing is received, so the link is dead and the write is reported lost (outcome unknown)', async () => {
    const h = await heartbeatRig({ heartbeatMs: 40 });
    try {
      h.server.silence(true);
      const down = h.next('down');
      await rejects(h.gw.call('order_send', [deal()], {}, { deadlineMs: 10_000, clientOrderId: 'ck-hung-1' }), 'TK_ERR_MT5_TRANSPORT', 'unknown');
      await down;
      assert.deepEqual(h.lost, ['ck-hung-1']);
    } finally {
      h.server.silence(false);
      await h.close();
    }
  });
});

describe('wire: fencing (tk_fence, meta.fence)', () => {
  it('records the highest token per run; a smaller one is TK_ERR_RUN_FENCED (fatal, not_sent); a stale write never runs; reads are never fenced', async () => {
    const sim = manualSim();
    const s = await serve(sim);
    const server = s.server;
    try {
      assert.ok(s.gw.hello!.methods.includes('tk_fence'));
      assert.deepEqual((await s.gw.call<FenceValue>('tk_fence', [], { run: 'run-a', token: 1 })).value, { run: 'run-a', highest: 1 });
      assert.deepEqual((await s.gw.call<FenceValue>('tk_fence', [], { run: 'run-a', token: 2 })).value, { run: 'run-a', highest: 2 });
      const stale = await rejects(s.gw.call('tk_fence', [], { run: 'run-a', token: 1 }), 'TK_ERR_RUN_FENCED', 'not_sent');
      assert.equal(stale.classification, 'fatal');
      assert.deepEqual([stale.details?.token, stale.details?.highest], [1, 2]);
      await rejects(s.gw.call('order_send', [deal()], {}, { fence: { run: 'run-a', token: 1 } }), 'TK_ERR_RUN_FENCED', 'not_sent');
      assert.equal((await s.positions()).length, 0, 'the stale write never reached the terminal');
      assert.equal((await s.gw.call<Mt5OrderSendResult>('order_send', [deal()], {}, { fence: { run: 'run-a', token: 2 } })).value!.retcode, 10009);
      assert.equal(
        (await s.gw.call<Mt5OrderSendResult>('order_send', [deal()], {}, { fence: { run: 'run-b', token: 0 } })).value!.retcode,
        10009,
        'runs are independent',
      );
      assert.equal((await s.gw.call<Mt5Position[]>('positions_get', [], {})).value!.length, 2, 'reads carry no fence');
      assert.equal(server.fences.get('run-a'), 2);
      await rejects(s.gw.call('tk_fence', [], { run: '', token: 3 }), 'TK_ERR_MT5_PROTOCOL');
      await rejects(s.gw.call('tk_fence', [], { run: 'run-a', token: 1.5 }), 'TK_ERR_MT5_PROTOCOL');
    } finally {
      await s.close();
    }
  });
});
