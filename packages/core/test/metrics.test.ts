/**
 * `@tradekit/core/metrics` over real runs and real HTTP: a run observed by TradekitMetrics, served by
 * serveMetrics on loopback, scraped with fetch and parsed from the exposition text. Cycles, hook
 * timings, orders by outcome, unknown outcomes, reconciliation differences, breaker trips and the
 * trading state move as the run does; a detached run's series go; the listener answers only GET
 * /metrics for loopback or IP Host names.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  TradekitMetrics,
  breakerOf,
  parseExposition,
  rejectClass,
  sampleValue,
  serveMetrics,
  sumOf,
  type Exposition,
  type MetricsServer,
} from '../src/metrics/index.js';
import { EXAMPLES, TEST_DIR } from './helpers/fs.js';
import { baseConfig, startRun, type TestRun } from './helpers/run.js';

const BLIND = path.join(TEST_DIR, 'fixtures', '_plugins', 'blind-broker.js');
const buyer = `export default { name: 'buyer', version: '1.0.0', provides: ['agent'], setup(ctx) { let once = false; ctx.addAgent({
  scan(s) { if (once) return { skip: 'done' }; once = true; return { symbol: s.symbol, side: 'buy', score: 1, probability: 0.5, entry: 'market', volume: 0.1 }; } }); } };`;
/** A gate that closes on the cycles listed in globalThis.__gateClosed (by cycle number) with the risk manager's circuit-breaker reason. */
const breaker = `export default { name: 'breaker', version: '1.0.0', provides: ['risk'], setup(ctx) {
  ctx.hooks.gate.tap('breaker', (cycle) => (globalThis.__gateClosed ?? []).includes(cycle.seq) ? 'Risk Block: Circuit Breaker (test)' : undefined); } };`;

async function scrape(url: string): Promise<Exposition> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

function get(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('metrics (@tradekit/core/metrics, scraped over HTTP)', function () {
  this.timeout(30_000);
  let t: TestRun | undefined;
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await t?.cleanup();
    t = undefined;
    delete (globalThis as { __gateClosed?: number[] }).__gateClosed;
  });

  it('cycles, cycle duration, hook timings, filled orders, breaker trips and the trading state move with the run', async () => {
    t = await startRun(baseConfig(`agents: [{ use: ./buyer.js }]\nrisk: [{ use: ./breaker.js }]`, '[EURUSD]'), { 'buyer.js': buyer, 'breaker.js': breaker });
    const metrics = new TradekitMetrics();
    metrics.observe(t.run);
    server = await serveMetrics(metrics, { port: 0 });
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const run = { run: t.run.id };

    let m = await scrape(server.url);
    assert.equal(m.types.get('tradekit_cycle_duration_seconds'), 'histogram');
    assert.equal(m.types.get('tradekit_orders_total'), 'counter');
    assert.equal(sampleValue(m, 'tradekit_cycles_total', run), 0);
    assert.equal(sampleValue(m, 'tradekit_trading_state', { ...run, state: 'ACTIVE' }), 1);
    assert.equal(sampleValue(m, 'tradekit_run_info', { ...run, mode: 'paper' }), 1);

    // Cycle numbers (ctx.seq) go on from 1; close the gate on the 3rd and 4th, then on the 6th.
    const first = t.run.engine.cycles + 1;
    (globalThis as { __gateClosed?: number[] }).__gateClosed = [first + 2, first + 3, first + 5];
    await t.run.cycle();
    m = await scrape(server.url);
    assert.equal(sampleValue(m, 'tradekit_cycles_total', run), 1);
    assert.equal(sampleValue(m, 'tradekit_cycle_duration_seconds_count', run), 1);
    assert.equal(sampleValue(m, 'tradekit_orders_total', { ...run, outcome: 'filled' }), 1);
    assert.equal(sampleValue(m, 'tradekit_orders_total', { ...run, outcome: 'rejected' }), 0);
    assert.ok(sampleValue(m, 'tradekit_hook_calls_total', { ...run, hook: 'scan' })! >= 1, 'the agent was timed in scan');
    assert.ok(sampleValue(m, 'tradekit_hook_seconds_total', { ...run, hook: 'scan' })! > 0);

    for (let i = 0; i < 5; i++) await t.run.cycle();
    m = await scrape(server.url);
    assert.equal(sampleValue(m, 'tradekit_cycles_total', run), 6);
    assert.equal(sampleValue(m, 'tradekit_cycle_duration_seconds_count', run), 6);
    assert.equal(sampleValue(m, 'tradekit_cycle_duration_seconds_bucket', { ...run, le: '+Inf' }), 6);
    assert.equal(sampleValue(m, 'tradekit_gated_cycles_total', { ...run, breaker: 'circuit_breaker' }), 3);
    assert.equal(sampleValue(m, 'tradekit_breaker_trips_total', { ...run, breaker: 'circuit_breaker' }), 2, 'closed twice: cycles 3-4 and 6');
    assert.equal(sampleValue(m, 'tradekit_breaker_open', { ...run, breaker: 'circuit_breaker' }), 1, 'the last cycle was gated');
    assert.ok(sampleValue(m, 'tradekit_hook_calls_total', { ...run, hook: 'gate' })! >= 6);

    await t.run.tradingState.set('HALTED', 'test', 'test');
    await t.run.cycle();
    m = await scrape(server.url);
    assert.equal(sampleValue(m, 'tradekit_trading_state', { ...run, state: 'HALTED' }), 1);
    assert.equal(sampleValue(m, 'tradekit_trading_state', { ...run, state: 'ACTIVE' }), 0);
    assert.equal(sampleValue(m, 'tradekit_trading_state_changes_total', { ...run, to: 'HALTED' }), 1);
    assert.equal(sampleValue(m, 'tradekit_breaker_trips_total', { ...run, breaker: 'halted' }), 1, 'the trading-state gate closed the cycle');
    assert.equal(sampleValue(m, 'tradekit_breaker_open', { ...run, breaker: 'circuit_breaker' }), 0);
    assert.ok(sampleValue(m, 'tradekit_events_total', run)! > 0);
    assert.equal(sampleValue(m, 'tradekit_event_backlog', run)! >= 0, true);
    assert.ok(
      m.samples.some((s) => s.name === 'process_cpu_user_seconds_total'),
      'process metrics',
    );
  });

  it('an unknown outcome counts as such, and its resolution next cycle as a reconciliation difference', async () => {
    const cfg = baseConfig(`agents: [{ use: ./buyer.js }]`, '[EURUSD]').replace(
      "broker:\n  use: '@tradekit/core/paper'\n  with: { balance: 10000 }",
      `broker:\n  use: ${BLIND}`,
    );
    t = await startRun(cfg, { 'buyer.js': buyer });
    const metrics = new TradekitMetrics({ processMetrics: false });
    metrics.observe(t.run);
    server = await serveMetrics(metrics, { port: 0 });
    const run = { run: t.run.id };
    await t.run.cycle();
    let m = await scrape(server.url);
    assert.equal(sampleValue(m, 'tradekit_orders_total', { ...run, outcome: 'unknown' }), 1);
    assert.equal(sampleValue(m, 'tradekit_errors_total', { ...run, code: 'TK_ERR_BROKER_UNKNOWN_OUTCOME' }), 1);
    assert.equal(sampleValue(m, 'tradekit_reconciliation_differences_total', { ...run, kind: 'resolved' }), 0);
    assert.ok(!m.samples.some((s) => s.name.startsWith('process_')), 'processMetrics: false');
    await t.run.cycle();
    m = await scrape(server.url);
    assert.equal(sampleValue(m, 'tradekit_reconciliation_differences_total', { ...run, kind: 'resolved' }), 1);
    assert.equal(sampleValue(m, 'tradekit_orders_total', { ...run, outcome: 'filled' }), 1, 'the lost fill, found by client id');
  });

  it('restart reconciliation (resolved, adopted, closed) is counted; a detached run leaves the scrape', async () => {
    const { tempDir } = await import('./helpers/fs.js');
    const db = tempDir('tk-db-');
    try {
      t = await startRun(baseConfig(`agents: [{ use: ./buyer.js }]`, '[EURUSD]').replace('url: memory', `url: sqlite://${db.dir}/state.db`), {
        'buyer.js': buyer,
      });
      const metrics = new TradekitMetrics({ processMetrics: false });
      const detach = metrics.observe(t.run);
      server = await serveMetrics(metrics, { port: 0 });
      await t.run.cycle();
      const journal = t.run.store.journal;
      await journal.saveOrder({
        clientId: 'tkcrashed000001',
        symbol: 'EURUSD',
        side: 'buy',
        type: 'market',
        volume: 0.1,
        status: 'pending',
        createdAt: 1,
        updatedAt: 1,
      });
      await t.run.broker.place({ clientId: 'tkorphan0000001', symbol: 'EURUSD', side: 'sell', type: 'market', volume: 0.2, magic: t.run.info.magic });
      await journal.openTrade({ positionId: 'ghost-1', symbol: 'EURUSD', side: 'buy', volume: 0.1, entryTime: 1, entryPrice: 1.1 });
      await t.run.engine.recover();
      const run = { run: t.run.id };
      let m = await scrape(server.url);
      for (const [kind, n] of [
        ['resolved', 1],
        ['adopted', 1],
        ['closed', 1],
        ['exits', 0],
        ['failed', 0],
      ] as const) {
        assert.equal(sampleValue(m, 'tradekit_reconciliation_differences_total', { ...run, kind }), n, kind);
      }
      detach();
      m = await scrape(server.url);
      assert.ok(!m.samples.some((s) => s.labels.run === t!.run.id), 'no series of a detached run');
      assert.ok(m.types.has('tradekit_cycles_total'), 'the families stay');
    } finally {
      await t?.cleanup();
      t = undefined;
      db.cleanup();
    }
  });

  it('the listener: GET /metrics only, Host names that cannot be a rebinding attack, a busy port is TK_ERR_METRICS_BIND', async () => {
    const metrics = new TradekitMetrics({ processMetrics: false });
    server = await serveMetrics(metrics, { port: 0 });
    assert.equal(await get(server.url, `127.0.0.1:${server.port}`), 200);
    assert.equal(await get(server.url, `localhost:${server.port}`), 200);
    assert.equal(await get(server.url, `evil.example:${server.port}`), 403);
    assert.equal((await fetch(server.url.replace('/metrics', '/'))).status, 404);
    assert.equal((await fetch(server.url, { method: 'POST' })).status, 405);

    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (busy.address() as { port: number }).port;
      await assert.rejects(
        serveMetrics(metrics, { port }),
        (e: { code?: string; message: string }) => e.code === 'TK_ERR_METRICS_BIND' && /already in use/.test(e.message),
      );
      await assert.rejects(serveMetrics(metrics, { port: 70000 }), { code: 'TK_ERR_METRICS_BIND' });
    } finally {
      busy.close();
    }
  });

  it('a backtest does not load prom-client; importing @tradekit/core/metrics does', () => {
    const dist = path.resolve(TEST_DIR, '..', 'dist', 'src');
    // prom-client is CommonJS: once imported (even from ESM) it is in the CommonJS module cache.
    const child = (importMetrics: boolean) =>
      spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { createRequire } from 'node:module';
const core = await import(${JSON.stringify(pathToFileURL(path.join(dist, 'index.js')).href)});
const r = await core.runBacktest({ configFile: ${JSON.stringify(path.join(EXAMPLES, 'quickstart.yaml'))}, to: '2026-05-20', set: { 'state.url': 'memory' } }, { logger: core.silentLogger() });
if (${importMetrics}) await import(${JSON.stringify(pathToFileURL(path.join(dist, 'metrics', 'index.js')).href)});
const loaded = Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('prom-client'));
process.stdout.write(JSON.stringify({ cycles: r.perf.cycles, loaded }));`,
        ],
        { encoding: 'utf8', timeout: 60_000 },
      );
    const plain = child(false);
    assert.equal(plain.status, 0, plain.stderr);
    const out = JSON.parse(plain.stdout) as { cycles: number; loaded: boolean };
    assert.ok(out.cycles > 100, `the backtest ran (${out.cycles} cycles)`);
    assert.equal(out.loaded, false, 'a backtest loads no metrics code');
    const withMetrics = child(true);
    assert.equal(withMetrics.status, 0, withMetrics.stderr);
    assert.equal((JSON.parse(withMetrics.stdout) as { loaded: boolean }).loaded, true, 'the check sees prom-client when it is loaded');
  });

  it('labels stay bounded: reject classes, breaker names, capped error codes', async () => {
    assert.equal(rejectClass({ code: 'TK_ERR_BROKER_NO_MONEY', retryable: false }), 'non_retryable');
    assert.equal(rejectClass({ code: 'TK_ERR_BROKER_MARKET_CLOSED', retryable: true }), 'retryable');
    assert.equal(rejectClass({ code: 'TK_ERR_MT5_LIMIT', retryable: false, errorClass: 'fatal' }), 'fatal');
    assert.equal(rejectClass({ code: 'TK_ERR_RUN_FENCED', retryable: false }), 'fatal');
    assert.equal(breakerOf('Risk Block: Daily loss limit (-120.00 < -100.00 USD)'), 'daily_loss');
    assert.equal(breakerOf('Halted (trading paused)'), 'halted');
    assert.equal(breakerOf('my own gate said no, with details 12345'), 'other');

    // A run whose errors carry many codes and free text: at most `maxCodes` codes, the rest `other`.
    const subs: ((e: unknown) => void)[] = [];
    const fake = {
      id: 'fake',
      bus: {
        subscribe: (fn: (e: unknown) => void) => (subs.push(fn), () => undefined),
        backlog: 0,
        counters: { emitted: 0, dropped: 0, persistErrors: 0, sinkErrors: 0 },
      },
      tradingState: { state: 'ACTIVE' as const },
      engine: { cycles: 0 },
    };
    const metrics = new TradekitMetrics({ processMetrics: false, maxCodes: 3 });
    metrics.observe(fake as never);
    for (const code of ['TK_ERR_A', 'TK_ERR_B', 'TK_ERR_C', 'TK_ERR_D', 'not a code "with quotes"', 'TK_ERR_A'])
      subs[0]!({ type: 'error', data: { code, message: 'x' } });
    const m = parseExposition(await metrics.text());
    const codes = m.samples.filter((s) => s.name === 'tradekit_errors_total').map((s) => `${s.labels.code}=${s.value}`);
    assert.deepEqual(codes.sort(), ['TK_ERR_A=2', 'TK_ERR_B=1', 'TK_ERR_C=1', 'other=2']);
    assert.equal(sumOf(m, 'tradekit_errors_total'), 6);
  });
});
