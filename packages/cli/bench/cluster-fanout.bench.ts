/**
 * Fan-out through two orchestrator replicas: a run's events pushed to its Redis stream at 10,000
 * events/s (what a worker does), two `tradekit serve --queue` replicas following the stream, 100
 * socket.io clients (50 per replica, in two child processes) joined to the run. Reports delivery
 * latency (receive time − the event's own time stamp) p50/p99/max after a 2 s warm-up, and events
 * delivered per client. Starts Redis and PostgreSQL itself (scripts/services.mjs) unless
 * TK_TEST_REDIS_URL / TK_TEST_PG_URL are set. Run: node bench/run.mjs cluster-fanout
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '../../../..');
const BIN = path.join(ROOT, 'packages', 'cli', 'bin', 'tradekit.js');
const CLIENTS = path.join(ROOT, 'packages', 'dashboard', 'dist', 'bench', 'fanout-clients.js');
const TOKEN = 'tk_bench_cluster_0123456789abcdefghijklmnop';
const RUN = 'bench-fanout';

function quantile(hist: number[], q: number): number {
  const total = hist.reduce((a, b) => a + b, 0);
  let acc = 0;
  for (let i = 0; i < hist.length; i++) {
    acc += hist[i]!;
    if (acc >= q * total) return Math.round((i + 1) * 0.1 * 10) / 10;
  }
  return Infinity;
}

function replica(cfg: string, queue: string, state: string, prefix: string): Promise<{ url: string; p: ChildProcess }> {
  const p = spawn(process.execPath, [BIN, 'serve', '--config', cfg, '--queue', queue, '--state', state, '--log-level', 'warn'], {
    env: { ...process.env, TK_ADMIN: TOKEN, TRADEKIT_QUEUE_PREFIX: prefix },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  p.stdout!.on('data', (d) => (out += d));
  p.stderr!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      const m = /orchestrator at (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) {
        clearInterval(t);
        resolve({ url: m[1]!, p });
      }
      if (p.exitCode !== null) {
        clearInterval(t);
        reject(new Error(`replica exited: ${out}`));
      }
    }, 50);
  });
}

function clients(url: string, n: number): Promise<ChildProcess> {
  const child = fork(CLIENTS, [url, TOKEN, String(n), '0', RUN], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (c) => reject(new Error(`clients exited ${c}`)));
  });
}

const stop = (child: ChildProcess) =>
  new Promise<{ hist: number[]; events: number; batches: number }>(
    (resolve) => (child.once('message', (m) => resolve(m as never)), child.send({ stop: true })),
  );

export default async function bench() {
  const seconds = Number(process.env.TK_BENCH_SECONDS ?? 20);
  const rate = Number(process.env.TK_BENCH_RATE ?? 10_000);
  let services: { env: Record<string, string>; stop(): Promise<void> } | undefined;
  if (!process.env.TK_TEST_REDIS_URL || !process.env.TK_TEST_PG_URL) {
    const { startServices } = (await import(pathToFileURL(path.join(ROOT, 'scripts', 'services.mjs')).href)) as { startServices(): Promise<typeof services> };
    services = (await startServices())!;
  }
  const redisUrl = process.env.TK_TEST_REDIS_URL ?? services!.env.TK_TEST_REDIS_URL!;
  const pgUrl = process.env.TK_TEST_PG_URL ?? services!.env.TK_TEST_PG_URL!;
  const dir = mkdtempSync(path.join(tmpdir(), 'tk-fanout-'));
  const prefix = `tkb${process.pid}`;
  const procs: ChildProcess[] = [];
  const redis = new Redis(redisUrl);
  try {
    const replicas = [];
    for (const name of ['a', 'b']) {
      const cfg = path.join(dir, `${name}.yaml`);
      writeFileSync(
        cfg,
        [
          `server: { port: 0, dataDir: ${path.join(dir, name)} }`,
          'auth:',
          '  generate: false',
          '  tokens:',
          '    - name: bench',
          '      scopes: [read]',
          '      token: ${TK_ADMIN}',
          `runs: { roots: [${dir}] }`,
          '',
        ].join('\n'),
      );
      const r = await replica(cfg, redisUrl, pgUrl, prefix);
      procs.push(r.p);
      replicas.push(r);
    }
    // A run as a worker announces it (no worker here: the stream is written directly).
    const view = {
      id: RUN,
      name: RUN,
      mode: 'paper',
      magic: 1,
      symbols: ['EURUSD'],
      pace: 'live',
      cycleSeconds: 1,
      source: 'path',
      configFile: 'bench.yaml',
      startedAt: 0,
      startedBy: 'bench',
    };
    await redis.publish(`${prefix}:runs`, JSON.stringify({ id: RUN, status: 'running', view }));
    await new Promise((r) => setTimeout(r, 1000));
    const kids = [await clients(replicas[0]!.url, 50), await clients(replicas[1]!.url, 50)];
    procs.push(...kids);
    const pad = {
      account: { currency: 'USD', balance: 10000, equity: 10012.5, profit: 12.5, margin: 470.2, freeMargin: 9542.3, marginLevel: 2129.4, leverage: 100 },
    };
    const key = `${prefix}:events:${RUN}`;
    let seq = 0;
    const t0 = performance.now();
    const warm = setTimeout(() => {
      for (const k of kids) k.send({ measure: true });
    }, 2000);
    await new Promise<void>((resolve) => {
      const tick = async () => {
        const due = Math.min(Math.floor(((performance.now() - t0) / 1000) * rate), seconds * rate);
        if (seq < due) {
          const p = redis.pipeline();
          for (; seq < due; ) {
            seq++;
            p.xadd(
              key,
              'MAXLEN',
              '~',
              20000,
              '*',
              'e',
              JSON.stringify({ v: 1, type: 'account.update', run: RUN, seq, time: performance.timeOrigin + performance.now(), data: pad }),
            );
          }
          await p.exec();
        }
        if (seq >= seconds * rate) resolve();
        else setTimeout(() => void tick(), 2);
      };
      void tick();
    });
    await new Promise((r) => setTimeout(r, 2000));
    clearTimeout(warm);
    const got = await Promise.all(kids.map(stop));
    const hist = got[0]!.hist.map((v, i) => v + got[1]!.hist[i]!);
    return {
      name: 'cluster: fan-out through two replicas (Redis stream → replicas → socket.io)',
      results: {
        seconds,
        eventsPerSecond: rate,
        eventsSent: seq,
        clients: 100,
        replicas: 2,
        deliveredPerClient: Math.round((got[0]!.events + got[1]!.events) / 100),
        latencyP50Ms: quantile(hist, 0.5),
        latencyP99Ms: quantile(hist, 0.99),
        latencyMaxMs: quantile(hist, 1),
      },
      targets: { latencyP99Ms: 'report (one machine: < 50 ms)' },
      notes:
        'publisher (this process), Redis, PostgreSQL, 2 replicas and 2 client processes on the same 2-core loopback; latency = receive time − the event time stamped at XADD, after a 2 s warm-up',
    };
  } finally {
    for (const p of procs) p.kill('SIGKILL');
    await redis.del(`${prefix}:events:${RUN}`).catch(() => undefined);
    await redis.quit().catch(() => undefined);
    await new pg.Client({ connectionString: pgUrl }).end().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    await services?.stop();
  }
}
