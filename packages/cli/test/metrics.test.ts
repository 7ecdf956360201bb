/**
 * Prometheus metrics end to end, with the real bin: `tradekit serve` answers `/metrics` only with an
 * API token and shows every run it hosts (orders filled in one, rejected in another, a pause that
 * trips the halted breaker, a closed run's series gone); `tradekit run --metrics-port` serves one run
 * on a loopback port; the sample Grafana dashboard queries only metrics the scrape has.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseExposition, sampleValue, sumOf, type Exposition } from '@tradekit/core/metrics';
import { BIN, QUICKSTART, ROOT, tkAsync } from './helpers.js';

const ADMIN = 'tk_metrics_admin_0123456789abcdefghijklmnopqrstuvwxyz';
const VIEWER = 'tk_metrics_viewer_0123456789abcdefghijklmnopqrstuvwxyz';
const DASHBOARD = path.join(ROOT, 'docs', 'grafana', 'tradekit.json');

interface Child {
  child: ChildProcess;
  out: () => string;
  err: () => string;
}

function start(args: string[], cwd: string): Child {
  const child = spawn(process.execPath, [BIN, ...args], { cwd });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => void (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => void (err += d.toString()));
  return { child, out: () => out, err: () => err };
}

async function stop(c: Child): Promise<number | null> {
  if (c.child.exitCode === null) c.child.kill('SIGINT');
  return new Promise((r) => (c.child.exitCode !== null ? r(c.child.exitCode) : c.child.once('exit', (code) => r(code))));
}

/** Polls until `fn` returns a truthy value; bounded. */
async function until<T>(fn: () => T | Promise<T>, what: string, ms = 60_000): Promise<NonNullable<T>> {
  const end = performance.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function scrape(url: string, token?: string): Promise<Exposition> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

/** Every metric name a Grafana dashboard's queries use (`expr` of each target, panels nested in rows included). */
function dashboardMetrics(file: string): Set<string> {
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if ((k === 'expr' || k === 'query') && typeof v === 'string')
          for (const m of v.matchAll(/\b((?:tradekit|process|nodejs)_[a-z0-9_]+)/g)) names.add(m[1]!);
        else walk(v);
      }
    }
  };
  walk(JSON.parse(readFileSync(file, 'utf8')));
  return names;
}

/** A sample name's family: a histogram's `_bucket`, `_sum`, `_count` belong to it. */
function familyKnown(m: Exposition, name: string): boolean {
  if (m.types.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && m.types.get(base) === 'histogram';
}

describe('Prometheus metrics (tradekit serve /metrics, tradekit run --metrics-port)', function () {
  this.timeout(180_000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'tk-cli-metrics-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('serve: /metrics needs a token; runs, orders by outcome, rejects by class, a pause, a closed run; the Grafana dashboard queries only what is scraped', async () => {
    const serverYaml = path.join(tmp, 'server.yaml');
    writeFileSync(
      serverYaml,
      [
        'server: { host: 127.0.0.1, port: 0, dataDir: ./server }',
        'auth:',
        '  generate: false',
        `  tokens: [{ name: admin, scopes: [read, trade], token: ${ADMIN} }, { name: prometheus, scopes: [read], token: ${VIEWER} }]`,
        `runs: { roots: [${JSON.stringify(ROOT)}, ${JSON.stringify(tmp)}], keepFinished: 4 }`,
        '',
      ].join('\n'),
    );
    const s = start(['serve', '--config', serverYaml, '--log-level', 'warn'], tmp);
    try {
      const base = await until(
        () => /orchestrator at (http:\/\/127\.0\.0\.1:\d+)\//.exec(s.out())?.[1] ?? (s.child.exitCode !== null ? 'exited' : undefined),
        'the server to listen',
        30_000,
      );
      assert.notEqual(base, 'exited', s.err());
      const url = `${base}/metrics`;
      const api = async (method: string, p: string, body?: unknown) => {
        const res = await fetch(`${base}/api${p}`, {
          method,
          headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const json = (await res.json()) as Record<string, unknown>;
        assert.ok(res.status < 300, `${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
        return json;
      };

      // The token is required, as for the API.
      const none = await fetch(url);
      assert.equal(none.status, 401);
      assert.equal(((await none.json()) as { error: { code: string } }).error.code, 'TK_ERR_AUTH_MISSING');
      const bad = await fetch(url, { headers: { authorization: 'Bearer tk_not_a_token_of_this_server_0123456789abcdef' } });
      assert.equal(bad.status, 401);
      assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'TK_ERR_AUTH_INVALID');
      let m = await scrape(url, VIEWER);
      assert.equal(sampleValue(m, 'tradekit_runs_active'), 0);

      // Run A trades (fills); run B asks for a volume no paper symbol allows (rejects).
      const a = (await api('POST', '/runs', { config: QUICKSTART, overrides: { pace: '3000x', stateUrl: `sqlite://${tmp}/a.db`, logLevel: 'silent' } })) as {
        id: string;
      };
      const yamlB = readFileSync(QUICKSTART, 'utf8').replace('name: quickstart', 'name: rejecter').replace('volume: 0.1', 'volume: 100000');
      assert.match(yamlB, /volume: 100000/);
      const b = (await api('POST', '/runs', {
        yaml: yamlB,
        baseDir: path.join(ROOT, 'examples'),
        overrides: { pace: '3000x', stateUrl: `sqlite://${tmp}/b.db`, logLevel: 'silent' },
      })) as { id: string };
      const A = { run: a.id };
      const B = { run: b.id };

      m = await until(async () => {
        const x = await scrape(url, VIEWER);
        return (sampleValue(x, 'tradekit_orders_total', { ...A, outcome: 'filled' }) ?? 0) >= 1 && sumOf(x, 'tradekit_order_rejects_total', B) >= 1
          ? x
          : undefined;
      }, 'a fill in run A and a reject in run B');
      assert.equal(sampleValue(m, 'tradekit_runs_active'), 2);
      assert.equal(sampleValue(m, 'tradekit_orders_total', { ...B, outcome: 'filled' }), 0);
      assert.equal(
        sumOf(m, 'tradekit_order_rejects_total', { ...B, class: 'non_retryable' }),
        sampleValue(m, 'tradekit_orders_total', { ...B, outcome: 'rejected' }),
      );
      const reject = m.samples.find((x) => x.name === 'tradekit_order_rejects_total' && x.labels.run === b.id)!;
      assert.match(reject.labels.code!, /^TK_ERR_BROKER_[A-Z_]+$/);
      assert.equal(sumOf(m, 'tradekit_order_rejects_total', A), 0);
      for (const run of [A, B]) {
        assert.equal(sampleValue(m, 'tradekit_trading_state', { ...run, state: 'ACTIVE' }), 1);
        assert.ok(sampleValue(m, 'tradekit_cycle_duration_seconds_count', run)! >= 1);
        assert.equal(sampleValue(m, 'tradekit_run_info', { ...run, mode: 'paper' }), 1);
      }
      // Counters move between scrapes while the run cycles.
      const cyclesBefore = sampleValue(m, 'tradekit_cycles_total', A)!;
      const scansBefore = sampleValue(m, 'tradekit_hook_calls_total', { ...A, hook: 'scan' })!;
      m = await until(async () => {
        const x = await scrape(url, VIEWER);
        return sampleValue(x, 'tradekit_cycles_total', A)! > cyclesBefore ? x : undefined;
      }, 'more cycles of run A');
      assert.ok(sampleValue(m, 'tradekit_hook_calls_total', { ...A, hook: 'scan' })! > scansBefore);
      assert.ok(sampleValue(m, 'tradekit_cycle_duration_seconds_count', A)! > 0);

      // A pause: the state gauge flips, and the next cycles are gated by the halted breaker.
      await api('POST', `/runs/${encodeURIComponent(a.id)}/pause`, { reason: 'metrics test' });
      m = await until(async () => {
        const x = await scrape(url, VIEWER);
        return (sampleValue(x, 'tradekit_breaker_open', { ...A, breaker: 'halted' }) ?? 0) === 1 ? x : undefined;
      }, 'the halted breaker on run A');
      assert.equal(sampleValue(m, 'tradekit_trading_state', { ...A, state: 'HALTED' }), 1);
      assert.equal(sampleValue(m, 'tradekit_trading_state', { ...A, state: 'ACTIVE' }), 0);
      assert.equal(sampleValue(m, 'tradekit_trading_state_changes_total', { ...A, to: 'HALTED' }), 1);
      assert.equal(sampleValue(m, 'tradekit_breaker_trips_total', { ...A, breaker: 'halted' }), 1);
      assert.equal(sampleValue(m, 'tradekit_trading_state', { ...B, state: 'ACTIVE' }), 1, 'run B is not paused');

      // The sample dashboard queries only metrics this scrape has.
      const used = dashboardMetrics(DASHBOARD);
      assert.ok(used.size >= 10, `the dashboard queries ${[...used].join(', ')}`);
      const missing = [...used].filter((n) => !familyKnown(m, n));
      assert.deepEqual(missing, [], 'every metric the Grafana dashboard queries is in the scrape');

      // Stop and close run B: its series leave the scrape; A's stay.
      await api('POST', `/runs/${encodeURIComponent(b.id)}/stop`);
      await until(async () => ((await api('GET', `/runs/${encodeURIComponent(b.id)}`)) as { status: string }).status === 'finished', 'run B to finish');
      await api('POST', `/runs/${encodeURIComponent(b.id)}/close`);
      m = await scrape(url, VIEWER);
      assert.equal(sampleValue(m, 'tradekit_runs_active'), 1);
      assert.ok(!m.samples.some((x) => x.labels.run === b.id), 'no series of a closed run');
      assert.ok(sampleValue(m, 'tradekit_cycles_total', A)! > 0);
    } finally {
      assert.equal(await stop(s), 0, s.err());
    }
  });

  it('run --metrics-port: a loopback endpoint without token for one run; counters move; it goes with the run', async () => {
    const db = path.join(tmp, 'run.db');
    const r = start(['run', QUICKSTART, '--db', `sqlite://${db}`, '--pace', '3000x', '--quiet', '--metrics-port', '0'], tmp);
    let url: string | undefined;
    try {
      url = await until(
        () => /metrics at (http:\/\/\S+\/metrics)/.exec(r.err())?.[1] ?? (r.child.exitCode !== null ? 'exited' : undefined),
        'the metrics endpoint',
        30_000,
      );
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/, r.err());
      const first = await until(async () => {
        const x = await scrape(url!);
        return x.samples.find((s) => s.name === 'tradekit_cycles_total' && s.value > 0);
      }, 'the run to cycle');
      const run = { run: first.labels.run! };
      assert.match(run.run, /^quickstart@\d{8}T\d{6}-[0-9a-f]{4}$/, 'the run label is the run id');
      const m = await until(async () => {
        const x = await scrape(url!);
        return (sampleValue(x, 'tradekit_orders_total', { ...run, outcome: 'filled' }) ?? 0) >= 1 && sampleValue(x, 'tradekit_cycles_total', run)! > first.value
          ? x
          : undefined;
      }, 'a fill and more cycles');
      assert.equal(sampleValue(m, 'tradekit_trading_state', { ...run, state: 'ACTIVE' }), 1);
      assert.ok(sampleValue(m, 'tradekit_cycle_duration_seconds_count', run)! >= first.value);
      assert.ok(sampleValue(m, 'tradekit_hook_calls_total', { ...run, hook: 'scan' })! > 0);
      assert.equal(sampleValue(m, 'tradekit_runs_active'), undefined, "runs_active is the orchestrator's");
      assert.ok(m.samples.some((s) => s.name === 'process_resident_memory_bytes'));
    } finally {
      assert.equal(await stop(r), 0, r.err());
    }
    await assert.rejects(fetch(url), 'the endpoint closes with the run');
  });

  it('run --metrics-port: a bad port is TK_ERR_CLI_ARG, a busy one TK_ERR_METRICS_BIND, both before the run opens its state', async () => {
    const db = path.join(tmp, 'refused.db');
    const badPort = await tkAsync(['run', QUICKSTART, '--db', `sqlite://${db}`, '--metrics-port', '80a']);
    assert.equal(badPort.status, 2, badPort.stderr);
    assert.match(badPort.stderr, /TK_ERR_CLI_ARG: --metrics-port takes a number from 0 to 65535/);
    const withServe = await tkAsync(['run', QUICKSTART, '--db', `sqlite://${db}`, '--serve', '--metrics-port', '0']);
    assert.equal(withServe.status, 2, withServe.stderr);
    assert.match(withServe.stderr, /TK_ERR_CLI_ARG: --metrics-port is for a run without --serve/);
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    try {
      const port = String((busy.address() as { port: number }).port);
      const inUse = await tkAsync(['run', QUICKSTART, '--db', `sqlite://${db}`, '--metrics-port', port]);
      assert.equal(inUse.status, 2, inUse.stderr);
      assert.match(inUse.stderr, /TK_ERR_METRICS_BIND: 127\.0\.0\.1:\d+ is already in use/);
    } finally {
      busy.close();
    }
    assert.ok(!existsSync(db), 'the run never opened its state store');
  });
});
