/**
 * Fan-out of run events to socket.io clients on loopback, through the orchestrator's EventHub
 * (batches encoded once, per-client bounded queues):
 *  1. 10,000 events/s to 100 clients (in a child process) plus one stalled client for 30 s
 *     (TK_BENCH_SECONDS to change): p50/p99 delivery latency, events delivered, server RSS over time.
 *  2. A real paper replay (quickstart, SMA agent, max pace) publishing through the hub: cycles/s with
 *     no clients vs with 10 clients and a stalled one. The cycle must not notice the clients.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server as IoServer } from 'socket.io';
import { Run, type TradekitEvent } from '@tradekit/core';
import { EventHub, TokenAuthority } from '../src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '..', '..', '..', '..');
const TOKEN = 'tk_bench_0123456789abcdefghijklmnopqrstuvwxyzABCDEF';

interface Server {
  url: string;
  io: IoServer;
  hub: EventHub;
  close(): Promise<void>;
}

async function server(clientBuffer: number): Promise<Server> {
  const authority = await TokenAuthority.open({ tokens: [{ name: 'bench', scopes: ['read'], token: TOKEN }] });
  const http = createServer();
  const io = new IoServer(http, { serveClient: false });
  const hub = new EventHub(io, { clientBuffer, flushMs: Number(process.env.TK_BENCH_FLUSH_MS ?? 5) });
  io.use((s, next) => {
    authority.verify((s.handshake.auth as { token?: string }).token).then(
      (p) => {
        s.data.p = p;
        next();
      },
      (e: unknown) => next(e as Error),
    );
  });
  io.on('connection', (s) => {
    hub.addClient(s);
    void s.join('run:bench');
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return { url, io, hub, close: () => new Promise<void>((r) => io.close(() => r())) };
}

function clients(url: string, n: number, stalled: boolean): Promise<ChildProcess> {
  // fork() runs the compiled sibling module.
  const child = fork(path.join(here, 'fanout-clients.js'), [url, TOKEN, String(n), stalled ? '1' : '0'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (c) => reject(new Error(`clients exited ${c}`)));
  });
}

function stop(child: ChildProcess): Promise<{ hist: number[]; events: number; batches: number }> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as never));
    child.send({ stop: true });
  });
}

function quantile(hist: number[], q: number): number {
  const total = hist.reduce((a, b) => a + b, 0);
  let acc = 0;
  for (let i = 0; i < hist.length; i++) {
    acc += hist[i]!;
    if (acc >= q * total) return (i + 1) * 0.1;
  }
  return Infinity;
}

const mb = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;

async function fanout(seconds: number): Promise<Record<string, number>> {
  const s = await server(2000);
  const child = await clients(s.url, 100, true);
  const rate = 10_000;
  const pad = {
    account: { currency: 'USD', balance: 10000, equity: 10012.5, profit: 12.5, margin: 470.2, freeMargin: 9542.3, marginLevel: 2129.4, leverage: 100 },
  };
  const rss: number[] = [];
  let seq = 0;
  let pushNs = 0;
  const t0 = performance.now();
  const sampler = setInterval(() => rss.push(process.memoryUsage().rss), 1000);
  // Latency is recorded after a 2 s warm-up (connections settling, JIT).
  const warmup = setTimeout(() => child.send({ measure: true }), 2000);
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = performance.now() - t0;
      const due = Math.min(Math.floor((elapsed / 1000) * rate), seconds * rate);
      const a = process.hrtime.bigint();
      while (seq < due) {
        seq++;
        const e: TradekitEvent = { v: 1, type: 'account.update', run: 'bench', seq, time: performance.timeOrigin + performance.now(), data: pad as never };
        s.hub.push('bench', e);
      }
      pushNs += Number(process.hrtime.bigint() - a);
      if (seq >= seconds * rate) resolve();
      else setTimeout(tick, 2);
    };
    tick();
  });
  await new Promise((r) => setTimeout(r, 1500));
  clearInterval(sampler);
  clearTimeout(warmup);
  const got = await stop(child);
  child.kill();
  const stats = s.hub.stats();
  await s.close();
  const warm = rss.slice(3);
  return {
    seconds,
    clients: 100,
    stalledClients: 1,
    eventsPerSecond: rate,
    eventsSent: seq,
    deliveredPerClient: Math.round(got.events / 100),
    batches: got.batches,
    latencyP50Ms: quantile(got.hist, 0.5),
    latencyP99Ms: quantile(got.hist, 0.99),
    latencyMaxMs: quantile(got.hist, 1),
    droppedForStalledClient: stats.dropped,
    rssAfterWarmupMB: mb(warm[0] ?? rss[0] ?? 0),
    rssMaxMB: mb(Math.max(...rss)),
    rssEndMB: mb(rss.at(-1) ?? 0),
    hubPushNsPerEvent: Math.round(pushNs / seq),
  };
}

async function cycles(withClients: boolean): Promise<number> {
  const s = await server(200);
  const child = withClients ? await clients(s.url, 10, true) : undefined;
  const run = await Run.load({
    configFile: path.join(ROOT, 'examples', 'quickstart.yaml'),
    overrides: { pace: 'max', cycles: 3000, stateUrl: 'memory:', logLevel: 'silent' },
    sinks: [{ name: 'hub', publish: (e) => s.hub.push('bench', e) }],
  });
  await run.start();
  const t = performance.now();
  const sum = await run.loop();
  const perSec = sum.cycles / ((performance.now() - t) / 1000);
  await run.close();
  if (child) {
    await stop(child);
    child.kill();
  }
  await s.close();
  return Math.round(perSec);
}

export default async function bench() {
  const seconds = Number(process.env.TK_BENCH_SECONDS ?? 30);
  const f = await fanout(seconds);
  const alone = await cycles(false);
  const watched = await cycles(true);
  return {
    name: 'dashboard: socket.io fan-out',
    results: { ...f, replayCyclesPerSecNoClients: alone, replayCyclesPerSecWith10ClientsAndStalled: watched },
    targets: {
      latencyP99Ms: '< 50',
      rssMaxMB: 'flat after warm-up (stalled client bounded by clientBuffer)',
      replayCyclesPerSecWith10ClientsAndStalled: '≈ NoClients',
    },
    notes:
      'server and a child process of 100 wire-protocol clients (+1 that stops reading) on the same 2-core loopback; latency = receive time − emit stamp of the oldest event in each batch',
  };
}
