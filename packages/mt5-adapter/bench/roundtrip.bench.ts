/**
 * Round trips on loopback through the real wire protocol, the simulator server in its own thread:
 * - `order_send` through the gateway (p50/p99; target p99 < 5 ms), and through the adapter's
 *   Broker.place (tick + send + deal lookup);
 * - a 28-symbol `symbol_info_tick` fan-in per cycle, strictly serialized (the default) and pipelined;
 * - `order_send` through the Python bridge with the fake MetaTrader5 module (when python3 exists).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { LiveClock, silentLogger } from '@tradekit/core';
import { RpcGateway } from '../src/transport/rpc-gateway.js';
import { Mt5Session } from '../src/adapter/session.js';
import { Mt5Broker } from '../src/adapter/broker.js';
import { FX28 } from '../src/sim/catalog.js';
import type { Mt5OrderSendResult } from '../src/mt5/types.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PKG = path.resolve(HERE, '..', '..');
const TOKEN = 'bench-token-0123456789';

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

async function startWorker(): Promise<{ port: number; stop(): Promise<number> }> {
  const w = new Worker(path.join(HERE, 'sim-worker.js'), { workerData: { token: TOKEN, start: Date.UTC(2026, 4, 13, 10, 0, 0) } });
  const port = await new Promise<number>((resolve, reject) => {
    w.once('message', (m: { port: number }) => resolve(m.port));
    w.once('error', reject);
  });
  return {
    port,
    stop: () =>
      new Promise<number>((resolve) => {
        w.on('message', (m: { stopped?: boolean; calls?: number }) => m.stopped && resolve(m.calls ?? 0));
        w.postMessage('stop');
      }),
  };
}

/** `n` timed market buys through a raw gateway, each closed again (not timed) so the account stays small. */
async function sendLoop(port: number, n: number, typeFilling: number): Promise<number[]> {
  const g = new RpcGateway({ host: '127.0.0.1', port, token: TOKEN, heartbeatMs: 0 });
  await g.connect();
  await g.call('initialize');
  const req = { action: 1, symbol: 'EURUSD', volume: 0.1, type: 0, type_filling: typeFilling, type_time: 0, deviation: 20, magic: 1, comment: 'bench' };
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = (await g.call<Mt5OrderSendResult>('order_send', [req])).value!;
    out.push(performance.now() - t);
    await g.call('order_send', [{ ...req, type: 1, position: r.order }]);
  }
  await g.close();
  return out;
}

function gatewaySends(port: number, n: number): Promise<number[]> {
  return sendLoop(port, n, 0);
}

async function adapterPlaces(port: number, n: number): Promise<number[]> {
  const g = new RpcGateway({ host: '127.0.0.1', port, token: TOKEN, heartbeatMs: 0 });
  const clock = new LiveClock();
  const session = new Mt5Session(g, clock, { rateLimit: { perSecond: 0, burst: 1, scope: 'trades' } }, silentLogger());
  await session.open();
  await session.ensureTrading();
  const broker = new Mt5Broker(session.retain(), clock, { magic: 9 });
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await broker.place({ clientId: `bench${String(i).padStart(8, '0')}`, symbol: 'GBPUSD', side: 'buy', type: 'market', volume: 0.1, magic: 9 });
    out.push(performance.now() - t);
    if (r.status === 'filled') await broker.close(r.positionId);
  }
  await broker.shutdown();
  return out;
}

async function fanIn(port: number, cycles: number, maxInFlight: number): Promise<number[]> {
  const g = new RpcGateway({ host: '127.0.0.1', port, token: TOKEN, heartbeatMs: 0 });
  const session = new Mt5Session(g, new LiveClock(), { maxInFlight }, silentLogger());
  await session.open();
  const out: number[] = [];
  for (let c = 0; c < cycles; c++) {
    const t = performance.now();
    await Promise.all(FX28.map((s) => session.call('symbol_info_tick', [s])));
    out.push(performance.now() - t);
  }
  await g.close();
  return out;
}

async function pythonBridge(n: number): Promise<number[] | string> {
  const proc = spawn('python3', [path.join(PKG, 'bridge', 'mt5_bridge.py'), '--port', '0', '--log-level', 'WARNING'], {
    env: { ...process.env, PYTHONPATH: path.join(PKG, 'test', 'fixtures', 'fake_mt5'), MT5_BRIDGE_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (d) => {
        out += d;
        const m = /LISTENING \S+ (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      proc.once('error', reject);
      proc.once('exit', (c) => reject(new Error(`bridge exited ${c}`)));
    });
    // The fake MetaTrader5 module accepts IOC fills only.
    return await sendLoop(port, n, 1);
  } catch (e) {
    return `skipped: ${(e as Error).message}`;
  } finally {
    proc.kill('SIGTERM');
  }
}

export default async function bench() {
  const w = await startWorker();
  await gatewaySends(w.port, 200); // warm-up
  const sends = await gatewaySends(w.port, 2000);
  const places = await adapterPlaces(w.port, 500);
  await fanIn(w.port, 30, 1);
  const serial = await fanIn(w.port, 300, 1);
  const piped = await fanIn(w.port, 300, 28);
  await w.stop();
  const py = await pythonBridge(500);
  const results: Record<string, number | string> = {
    order_send_gateway_p50_ms: r3(pct(sends, 50)),
    order_send_gateway_p99_ms: r3(pct(sends, 99)),
    place_adapter_p50_ms: r3(pct(places, 50)),
    place_adapter_p99_ms: r3(pct(places, 99)),
    tick_fanin_28_serialized_p50_ms: r3(pct(serial, 50)),
    tick_fanin_28_serialized_p99_ms: r3(pct(serial, 99)),
    tick_fanin_28_pipelined_p50_ms: r3(pct(piped, 50)),
    tick_fanin_28_pipelined_p99_ms: r3(pct(piped, 99)),
  };
  if (typeof py === 'string') results.order_send_python_bridge = py;
  else {
    results.order_send_python_bridge_p50_ms = r3(pct(py, 50));
    results.order_send_python_bridge_p99_ms = r3(pct(py, 99));
  }
  return {
    name: 'mt5-adapter round trips (loopback, wire protocol)',
    results,
    targets: { order_send_gateway_p99_ms: '< 5 ms', tick_fanin_28_serialized_p99_ms: 'well inside one cycle (< 50 ms)' },
    notes:
      'Simulator server in a worker thread (own event loop) on 127.0.0.1; 2000 timed order_send (each followed by an untimed close), 500 Broker.place (tick + order_send + deal lookup), 300 cycles of 28 symbol_info_tick calls; Python bridge: bridge/mt5_bridge.py with the fake MetaTrader5 module, 500 order_send.',
  };
}
