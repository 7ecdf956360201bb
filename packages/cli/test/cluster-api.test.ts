/**
 * The orchestrator's API when runs live on workers (`serve --queue`), in one process with a runs
 * worker, real Redis, PostgreSQL and the MT5 simulator: a run is `queued` until a worker takes it; a
 * pause asked while queued is applied by the worker before its first cycle; the chart's bars come from
 * the worker holding the run; a second start of the same live run is a 409; a stop while queued removes
 * it; events flow to a replica's socket.io clients; a worker shut down hands its run to another one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createLogger, silentLogger } from '@tradekit/core';
import { ClusterRunner, startRunsWorker } from '@tradekit/cluster';
import { hostedRunPolicy, serverConfig, startOrchestrator, type OrchestratorHost } from '@tradekit/dashboard';
import { CRASH_DIR, startSim, TOKEN, type Sim } from './crash-kit.js';

const ADMIN = 'tk_cluster_api_admin_0123456789abcdefghij';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function service(name: 'redis' | 'postgres'): string {
  const url = name === 'redis' ? process.env.TK_TEST_REDIS_URL : process.env.TK_TEST_PG_URL;
  if (url) return url;
  throw new Error(
    `this test needs ${name}: run it through \`npm test\` (scripts/test.mjs starts Redis and PostgreSQL)${process.env.TK_TEST_SERVICES_ERROR ? `; starting them failed: ${process.env.TK_TEST_SERVICES_ERROR}` : ''}`,
  );
}

async function until<T>(fn: () => Promise<T>, what: string, ms = 30_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const yaml = (name: string) => `run: { name: ${name}, mode: paper, pace: live, cycleSeconds: 1 }
symbols: [EURUSD, GBPUSD]
data:
  use: '@tradekit/mt5-adapter/data'
  with:
    bridge:
      host: 127.0.0.1
      port: \${MT5_BRIDGE_PORT}
      token: \${MT5_BRIDGE_TOKEN}
broker: { use: '@tradekit/mt5-adapter/broker' }
agents: [{ use: ./churn-agent.js }]
state: { leaseSeconds: 2 }
`;

describe('orchestrator API with runs on workers', () => {
  let sim: Sim | undefined;
  let dir: string;
  let db: string;
  let host: OrchestratorHost | undefined;
  let runner: ClusterRunner | undefined;
  const parts: { close(): Promise<void> }[] = [];
  const saved = { token: process.env.MT5_BRIDGE_TOKEN, port: process.env.MT5_BRIDGE_PORT };
  after(async () => {
    for (const p of parts) await p.close().catch(() => undefined);
    await host?.close();
    await runner?.close();
    await sim?.stop();
    // Assigning undefined to process.env would store the string "undefined".
    for (const [k, v] of [
      ['MT5_BRIDGE_TOKEN', saved.token],
      ['MT5_BRIDGE_PORT', saved.port],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    if (db) {
      const c = new pg.Client({ connectionString: service('postgres') });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
      await c.end();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('queued → running on a worker; queued pause applied; chart from the worker; 409; stop while queued; handover on shutdown', async function () {
    this.timeout(180_000);
    const redisUrl = service('redis');
    dir = mkdtempSync(path.join(tmpdir(), 'tk-capi-'));
    db = `tk_capi_${process.pid}`;
    const admin = new pg.Client({ connectionString: service('postgres') });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${db}`);
    await admin.end();
    const stateUrl = service('postgres').replace(/\/[^/]*$/, `/${db}`);
    const prefix = `tkapi${process.pid}`;
    sim = await startSim();
    process.env.MT5_BRIDGE_TOKEN = TOKEN;
    process.env.MT5_BRIDGE_PORT = String(sim.port);
    const config = serverConfig(
      {
        server: { port: 0, dataDir: path.join(dir, 'server') },
        auth: { tokens: [{ name: 'admin', scopes: ['read', 'trade'], token: ADMIN }], generate: false },
        runs: { roots: [CRASH_DIR], maxRuns: 20 },
        env: { allow: ['MT5_BRIDGE_TOKEN', 'MT5_BRIDGE_PORT'] },
        plugins: { allow: ['@tradekit/mt5-adapter'] },
      },
      dir,
    );
    const log = createLogger({ level: 'silent', format: 'json' });
    runner = await ClusterRunner.open({ url: redisUrl, stateUrl, prefix, controlTimeoutMs: 5000 });
    host = await startOrchestrator({ config, log, remote: runner, autostart: false });
    const api = async (method: string, p: string, body?: unknown) => {
      const res = await fetch(`${host!.url}/api${p}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };
    const worker = (concurrency = 5) =>
      startRunsWorker({
        url: redisUrl,
        stateUrl,
        prefix,
        concurrency,
        log: silentLogger(),
        lockMs: 2000,
        stalledIntervalMs: 500,
        env: process.env,
        policy: hostedRunPolicy(config),
      });

    // No worker yet: queued, and a pause waits for the worker.
    const started = await api('POST', '/runs', { yaml: yaml('api-live'), baseDir: CRASH_DIR });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    assert.equal(started.body.status, 'queued');
    const id = started.body.id as string;
    assert.equal(id, 'api-live');
    const paused = await api('POST', `/runs/${id}/pause`, { reason: 'before it starts' });
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    assert.equal(paused.body.tradingState, 'HALTED');
    const again = await api('POST', '/runs', { yaml: yaml('api-live'), baseDir: CRASH_DIR });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'TK_ERR_API_RUN_STATE');

    const w1 = await worker();
    parts.push(w1);
    await until(async () => (await api('GET', `/runs/${id}`)).body.status === 'running', 'the run to be taken by the worker');
    await until(async () => (await api('GET', `/runs/${id}`)).body.cycles > 1, 'cycles');
    assert.equal((await api('GET', `/runs/${id}`)).body.tradingState, 'HALTED', 'the queued pause was applied before trading');
    const ordersWhileHalted = (await api('GET', `/runs/${id}/trades`)).body.items.length;
    assert.equal(ordersWhileHalted, 0, 'nothing traded while halted');

    // The chart asks the worker.
    const bars = await api('GET', `/runs/${id}/bars?symbol=EURUSD&count=50`);
    assert.equal(bars.status, 200, JSON.stringify(bars.body));
    assert.ok(bars.body.bars.length > 10);
    assert.equal(bars.body.digits, 5, "the symbol's digits come from the worker too");
    assert.ok(bars.body.bars.every((b: { time: number }) => b.time <= Date.now()));

    // Resume through the worker: it trades.
    const resumed = await api('POST', `/runs/${id}/resume`, {});
    assert.equal(resumed.body.tradingState, 'ACTIVE');
    await until(async () => (await api('GET', `/runs/${id}/trades`)).body.items.length > 0, 'a trade after resume');

    // A worker shut down hands its run over (a second worker takes it; the run is not ended).
    const w2 = await worker();
    parts.push(w2);
    const seqBefore = (await api('GET', `/runs/${id}`)).body.lastSeq as number;
    await w1.close();
    await until(async () => w2.holding().includes(id), 'the second worker to hold the run');
    await until(async () => (await api('GET', `/runs/${id}`)).body.lastSeq > seqBefore + 3, 'events after the handover');
    assert.equal((await api('GET', `/runs/${id}`)).body.status, 'running');

    // A stop while queued removes the job (no worker has room for it).
    await w2.close();
    const q = await api('POST', '/runs', { yaml: yaml('api-queued'), baseDir: CRASH_DIR });
    assert.equal(q.body.status, 'queued');
    const s = await api('POST', `/runs/api-queued/stop`, { reason: 'never mind' });
    assert.equal(s.status, 200, JSON.stringify(s.body));
    await until(async () => (await api('GET', '/runs/api-queued')).body.status === 'finished', 'the queued run to end');
    const w3 = await worker();
    parts.push(w3);
    await until(async () => (await api('GET', `/runs/${id}`)).body.status === 'running' && w3.holding().includes(id), 'the live run on the new worker');
    assert.ok(!w3.holding().includes('api-queued'), 'the stopped queued run never started');
    const stop = await api('POST', `/runs/${id}/stop`, { reason: 'test over' });
    assert.equal(stop.status, 200);
    await until(async () => (await api('GET', `/runs/${id}`)).body.status === 'finished', 'the run to finish');
  });
});
