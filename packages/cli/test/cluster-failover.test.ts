/**
 * Past one machine, on loopback: 2 orchestrator replicas (`tradekit serve --queue --state`), 3 workers,
 * Redis, PostgreSQL and the MT5 simulator as the venue. 20 runs are started through both replicas;
 * the worker holding some of them is SIGKILLed: every one of them resumes on another worker (a new
 * fencing token), the simulator shows no duplicate order, every journal equals the simulator, and a
 * socket.io client on replica A follows a run started through replica B with no gap in `seq` across the
 * failover.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { io as ioClient, type Socket } from 'socket.io-client';
import { openStateStore, type TradekitEvent } from '@tradekit/core';
import { brokerTruth, compare, CRASH_DIR, startSim, TOKEN, type Sim } from './crash-kit.js';
import { BIN } from './helpers.js';

const ADMIN = 'tk_cluster_admin_0123456789abcdefghijklmnop';
const RUNS = Number(process.env.TK_CLUSTER_RUNS ?? 20);
const LEASE_S = 3;
const CYCLE_S = 1;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function service(name: 'redis' | 'postgres'): string {
  const url = name === 'redis' ? process.env.TK_TEST_REDIS_URL : process.env.TK_TEST_PG_URL;
  if (url) return url;
  throw new Error(
    `this test needs ${name}: run it through \`npm test\` (scripts/test.mjs starts Redis and PostgreSQL)${process.env.TK_TEST_SERVICES_ERROR ? `; starting them failed: ${process.env.TK_TEST_SERVICES_ERROR}` : ''}`,
  );
}

interface Proc {
  p: ChildProcess;
  out(): string;
  line(re: RegExp, ms?: number): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
}

function start(args: string[], env: NodeJS.ProcessEnv, cmd = BIN): Proc {
  const p = spawn(process.execPath, [cmd, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout!.on('data', (d) => (out += d));
  p.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
  return {
    p,
    out: () => out,
    exited,
    async line(re, ms = 30_000) {
      const end = Date.now() + ms;
      for (;;) {
        const m = re.exec(out);
        if (m) return m;
        if (p.exitCode !== null) throw new Error(`process exited (${p.exitCode}) before ${re}:\n${out}`);
        if (Date.now() > end) throw new Error(`timed out waiting for ${re}:\n${out}`);
        await sleep(50);
      }
    },
  };
}

const runYaml = (name: string) => `run:
  name: ${name}
  mode: paper
  pace: live
  cycleSeconds: ${CYCLE_S}
symbols: [EURUSD, GBPUSD]
data:
  use: '@tradekit/mt5-adapter/data'
  with:
    bridge:
      host: 127.0.0.1
      port: \${MT5_BRIDGE_PORT}
      token: \${MT5_BRIDGE_TOKEN}
broker:
  use: '@tradekit/mt5-adapter/broker'
agents:
  - use: ./churn-agent.js
    with: { holdMs: 6000 }
state:
  leaseSeconds: ${LEASE_S}
`;

describe('cluster: 2 replicas, 3 workers, Redis, PostgreSQL, MT5 simulator', () => {
  const procs: Proc[] = [];
  let sim: Sim | undefined;
  let dir: string;
  let db: string;
  let stateUrl: string;
  const sockets: Socket[] = [];
  after(async () => {
    for (const s of sockets) s.disconnect();
    for (const p of procs) if (p.p.exitCode === null) p.p.kill('SIGKILL');
    await sim?.stop();
    if (db) {
      const c = new pg.Client({ connectionString: service('postgres') });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
      await c.end();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`${RUNS} runs survive the loss of a worker: resumed elsewhere, no duplicate order, journals == venue, no seq gap`, async function () {
    this.timeout(10 * 60_000);
    const redisUrl = service('redis');
    dir = mkdtempSync(path.join(tmpdir(), 'tk-cluster-'));
    db = `tk_cluster_${process.pid}`;
    const admin = new pg.Client({ connectionString: service('postgres') });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${db}`);
    await admin.end();
    stateUrl = service('postgres').replace(/\/[^/]*$/, `/${db}`);
    const prefix = `tkc${process.pid}`;
    sim = await startSim();
    const common = { TRADEKIT_QUEUE_PREFIX: prefix, MT5_BRIDGE_TOKEN: TOKEN, MT5_BRIDGE_PORT: String(sim.port), TK_ADMIN: ADMIN };

    // Two replicas (their own server db each; the same token), three workers.
    const replicas: { url: string; proc: Proc }[] = [];
    for (const name of ['a', 'b']) {
      const cfg = path.join(dir, `server-${name}.yaml`);
      writeFileSync(
        cfg,
        [
          `server: { port: 0, dataDir: ${path.join(dir, `replica-${name}`)} }`,
          'auth:',
          '  generate: false',
          '  tokens:',
          '    - name: admin',
          '      scopes: [read, trade]',
          '      token: ${TK_ADMIN}',
          `runs: { roots: [${CRASH_DIR}], maxRuns: 100, keepFinished: 100 }`,
          'env: { allow: [MT5_BRIDGE_TOKEN, MT5_BRIDGE_PORT] }',
          "plugins: { allow: ['@tradekit/mt5-adapter'] }",
          '',
        ].join('\n'),
      );
      const proc = start(['serve', '--config', cfg, '--queue', redisUrl, '--state', stateUrl, '--log-level', 'warn'], common);
      procs.push(proc);
      const m = await proc.line(/orchestrator at (http:\/\/127\.0\.0\.1:\d+)\//);
      replicas.push({ url: m[1]!, proc });
    }
    const workers: { id: string; proc: Proc }[] = [];
    const startWorker = async () => {
      // The same server.yaml: API-started configs are held to the same policy on the workers.
      const proc = start(
        [
          'worker',
          '--queue',
          redisUrl,
          '--state',
          stateUrl,
          '--config',
          path.join(dir, 'server-a.yaml'),
          '--runs-concurrency',
          '20',
          '--jobs-concurrency',
          '1',
          '--lock-seconds',
          String(LEASE_S),
          '--log-level',
          'warn',
        ],
        common,
      );
      procs.push(proc);
      await proc.line(/worker: jobs, runs on/);
      workers.push({ id: '', proc });
    };
    for (let i = 0; i < 3; i++) await startWorker();

    const api = async (base: string, method: string, p: string, body?: unknown) => {
      const res = await fetch(`${base}/api${p}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };

    // 20 runs, alternately through replica A and B.
    const ids: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await api(replicas[i % 2]!.url, 'POST', '/runs', { yaml: runYaml(`cluster-${i}`), baseDir: CRASH_DIR });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      ids.push(r.body.id);
    }
    assert.equal(new Set(ids).size, RUNS);
    const redis = new Redis(redisUrl);
    const holderOf = async (id: string) => (JSON.parse((await redis.get(`${prefix}:holder:${id}`)) ?? '{}') as { worker?: string }).worker;
    // Every run is held by a worker and has traded.
    const end1 = Date.now() + 120_000;
    for (;;) {
      const list = (await api(replicas[0]!.url, 'GET', '/runs')).body.items as { id: string; status: string }[];
      const running = ids.filter((id) => list.find((r) => r.id === id)?.status === 'running');
      if (running.length === RUNS) break;
      assert.ok(Date.now() < end1, `runs running on replica A: ${running.length}/${RUNS}\n${workers.map((w) => w.proc.out()).join('\n')}`);
      await sleep(250);
    }

    // A client on replica A follows a run started through replica B (odd index).
    const followed = ids[1]!;
    const seen: TradekitEvent[] = [];
    const socket = ioClient(replicas[0]!.url, { transports: ['websocket'], auth: { token: ADMIN }, forceNew: true });
    sockets.push(socket);
    socket.on('events', (list: TradekitEvent[]) => {
      for (const e of list) if (e.run === followed) seen.push(e);
    });
    const joined = await new Promise<{ ok: boolean; snapshot?: { seq: number } }>((resolve) => socket.emit('join', { run: followed }, resolve));
    assert.ok(joined.ok, JSON.stringify(joined));
    await sleep(3000);

    // Kill the worker holding the followed run.
    const victimId = (await holderOf(followed))!;
    // A worker's id is host:pid:random.
    const victim = workers.find((w) => victimId.split(':')[1] === String(w.proc.p.pid))!;
    assert.ok(victim, `the holder ${victimId} is one of ours`);
    const moved: string[] = [];
    for (const id of ids) if ((await holderOf(id)) === victimId) moved.push(id);
    const seqBefore = Math.max(...seen.map((e) => e.seq));
    const killedAt = Date.now();
    victim.proc.p.kill('SIGKILL');
    await victim.proc.exited;

    // Every run of the dead worker resumes on another one.
    const resumedAfter: number[] = [];
    for (const id of moved) {
      const end = Date.now() + 60_000;
      for (;;) {
        const h = await holderOf(id);
        if (h && h !== victimId) break;
        assert.ok(Date.now() < end, `run ${id} was not taken over`);
        await sleep(100);
      }
      resumedAfter.push(Date.now() - killedAt);
    }
    // The followed run's events go on with the next number.
    const end2 = Date.now() + 60_000;
    while (!seen.some((e) => e.seq > seqBefore + 5 && e.time > killedAt)) {
      assert.ok(Date.now() < end2, 'events of the followed run after the failover');
      await sleep(100);
    }
    const firstAfter = seen.find((e) => e.time > killedAt && e.type === 'cycle.start');
    process.stdout.write(
      `      cluster: ${moved.length} of ${RUNS} runs moved off the killed worker; held again after ${Math.min(...resumedAfter)}–${Math.max(...resumedAfter)} ms; followed run's first cycle after the kill at +${(firstAfter?.time ?? 0) - killedAt} ms (lease ${LEASE_S} s, cycle ${CYCLE_S} s)\n`,
    );
    assert.ok(moved.length >= 1);

    // Stop everything, then compare every journal with the simulator.
    for (const id of ids) {
      const r = await api(replicas[ids.indexOf(id) % 2]!.url, 'POST', `/runs/${encodeURIComponent(id)}/stop`, { reason: 'test over' });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    const end3 = Date.now() + 60_000;
    for (;;) {
      const list = (await api(replicas[1]!.url, 'GET', '/runs')).body.items as { id: string; status: string }[];
      if (ids.every((id) => list.find((r) => r.id === id)?.status === 'finished')) break;
      assert.ok(Date.now() < end3, `runs finished: ${JSON.stringify(list.map((r) => [r.id, r.status]))}`);
      await sleep(250);
    }
    const stoppedAt = Date.now();
    let orders = 0;
    for (const id of ids) {
      const store = await openStateStore({ url: stateUrl, baseDir: dir, run: id, now: () => 0 });
      try {
        const journal = { orders: await store.journal.listOrders({}), trades: await store.journal.listTrades({}), exits: await exitsOf(stateUrl, id) };
        orders += journal.orders.length;
        const truth = await brokerTruth({ kind: 'mt5', run: id, db: '', port: sim.port });
        assert.deepEqual(compare(truth, journal, stoppedAt - 2000), [], `${id}: journal != simulator`);
      } finally {
        await store.close();
      }
    }
    assert.ok(orders > RUNS, `the runs traded (${orders} orders)`);

    // The client on A saw the run started through B with consecutive numbers across the failover.
    const seqs = seen.map((e) => e.seq);
    for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1]! + 1, `seq ${seqs[i - 1]} then ${seqs[i]}`);
    assert.ok(seen.some((e) => e.time < killedAt) && seen.some((e) => e.time > killedAt));
    await redis.quit();
  });
});

async function exitsOf(url: string, run: string): Promise<{ position_id: string; deal_id: string | null; reason: string; volume: number }[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query('SELECT position_id, deal_id, reason, volume FROM tk_trade_exits WHERE run = $1', [run])).rows;
  } finally {
    await c.end();
  }
}
