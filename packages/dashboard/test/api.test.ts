import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ADMIN, QUICKSTART, ROOT, VIEWER, testHost, until, type TestHost } from './helpers.js';

const enc = encodeURIComponent;

describe('orchestrator HTTP API (real HTTP, real runs)', function () {
  this.timeout(60000);
  let h: TestHost;
  let id: string;

  before(async () => {
    h = await testHost();
    const r = await h.post('/runs', { config: QUICKSTART, overrides: { pace: '3000x', stateUrl: `sqlite://${h.dir}/state.db`, logLevel: 'silent' } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    id = r.body.id;
    await until(async () => (await h.get(`/runs/${enc(id)}`)).body.cycles >= 12, 'a dozen cycles');
  });
  after(() => h.dispose());

  it('health needs no token and says nothing sensitive', async () => {
    const r = await h.get('/health', null);
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body).sort(), ['service', 'status', 'version']);
  });

  it('rejects a missing or unknown token with 401 and a code', async () => {
    const none = await h.get('/runs', null);
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'TK_ERR_AUTH_MISSING');
    const bad = await h.get('/runs', 'tk_not_a_real_token_000000000000000000000000');
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error.code, 'TK_ERR_AUTH_INVALID');
    const malformed = await h.get('/runs', null, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` });
    assert.equal(malformed.body.error.code, 'TK_ERR_AUTH_MISSING');
  });

  it('enforces scopes: a read token reads but cannot start or control runs (403)', async () => {
    assert.equal((await h.get('/runs', VIEWER)).status, 200);
    const start = await h.post('/runs', { config: QUICKSTART }, VIEWER);
    assert.equal(start.status, 403);
    assert.equal(start.body.error.code, 'TK_ERR_AUTH_SCOPE');
    const pause = await h.post(`/runs/${enc(id)}/pause`, {}, VIEWER);
    assert.equal(pause.status, 403);
    assert.equal(pause.body.error.code, 'TK_ERR_AUTH_SCOPE');
    assert.equal((await h.get(`/runs/${enc(id)}`)).body.tradingState, 'ACTIVE');
    const me = await h.get('/me', VIEWER);
    assert.deepEqual(me.body.scopes, ['read']);
  });

  it('lists and inspects runs, serves account, positions, scan and metrics from the live snapshot', async () => {
    const list = await h.get('/runs');
    assert.ok(list.body.items.some((r: { id: string }) => r.id === id));
    const run = await h.get(`/runs/${enc(id)}`);
    assert.equal(run.body.mode, 'paper');
    assert.deepEqual(run.body.symbols, ['EURUSD', 'GBPUSD', 'XAUUSD']);
    const acc = await h.get(`/runs/${enc(id)}/account`);
    assert.equal(acc.body.currency, 'USD');
    assert.ok(Number.isFinite(acc.body.equity) && Number.isFinite(acc.body.dayProfit) && acc.body.drawdownPct >= 0);
    const pos = await h.get(`/runs/${enc(id)}/positions`);
    assert.ok(Array.isArray(pos.body.positions));
    const scan = await h.get(`/runs/${enc(id)}/scan`);
    assert.equal(scan.body.rows.length, 3);
    for (const row of scan.body.rows) {
      if (/^(FILLED|PLACED)/.test(row.status)) assert.equal(row.kind, 'filled');
      if (row.status === 'No Cross') assert.equal(row.kind, 'skip');
    }
    const m = await h.get(`/runs/${enc(id)}/metrics`);
    assert.ok(m.body.cycles >= 12 && m.body.bus.emitted >= m.body.lastSeq);
  });

  it('pages trades and computes statistics from the journal', async () => {
    await until(async () => (await h.get(`/runs/${enc(id)}/trades?status=closed&limit=1`)).body.items.length === 1, 'a closed trade', 30000);
    const p1 = await h.get(`/runs/${enc(id)}/trades?limit=1`);
    assert.equal(p1.body.items.length, 1);
    assert.equal(p1.body.next, 1);
    const p2 = await h.get(`/runs/${enc(id)}/trades?limit=1&offset=1`);
    assert.notEqual(p2.body.items[0].positionId, p1.body.items[0].positionId);
    const closed = await h.get(`/runs/${enc(id)}/trades?status=closed&symbol=XAUUSD&limit=1000`);
    for (const t of closed.body.items) assert.ok(t.status === 'closed' && t.symbol === 'XAUUSD');
    const stats = await h.get(`/runs/${enc(id)}/stats`);
    assert.ok(stats.body.trades >= 1);
    assert.equal(stats.body.wins + stats.body.losses + stats.body.breakeven, stats.body.trades);
    assert.ok(Array.isArray(stats.body.factors));
    const orders = await h.get(`/runs/${enc(id)}/orders?status=filled&limit=5`);
    assert.ok(orders.body.items.length >= 1 && orders.body.items.every((o: { status: string }) => o.status === 'filled'));
  });

  it('quotes a real price, and errors (never invents one) for a symbol without a price', async () => {
    const q = await h.get(`/runs/${enc(id)}/quote?symbol=XAUUSD`);
    assert.equal(q.status, 200);
    assert.ok(q.body.ask >= q.body.bid && q.body.bid > 0);
    const none = await h.get(`/runs/${enc(id)}/quote?symbol=XAUUSDm`);
    assert.equal(none.status, 404);
    assert.equal(none.body.error.code, 'TK_ERR_DATA_SYMBOL');
    assert.equal(none.body.bid, undefined);
  });

  it('serves closed bars up to the run clock for the chart', async () => {
    const b = await h.get(`/runs/${enc(id)}/bars?symbol=XAUUSD&count=50`);
    assert.equal(b.body.timeframe, 'M5');
    assert.equal(b.body.bars.length, 50);
    const run = await h.get(`/runs/${enc(id)}`);
    assert.ok(b.body.bars.at(-1).time + 300_000 <= run.body.time + 300_000);
    // The symbol's digits (read from the data files: XAUUSD 4702.53, EURUSD 1.17123) for the chart's price scale.
    assert.equal(b.body.digits, 2);
    assert.equal((await h.get(`/runs/${enc(id)}/bars?symbol=EURUSD&count=5`)).body.digits, 5);
    const bad = await h.get(`/runs/${enc(id)}/bars?symbol=XAUUSD&timeframe=M7`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'TK_ERR_API_BAD_REQUEST');
  });

  it('validates requests with JSON errors and codes', async () => {
    const extra = await h.get(`/runs/${enc(id)}/trades?limit=5&colour=red`);
    assert.equal(extra.status, 400);
    assert.match(extra.body.error.message, /unknown parameter "colour"/);
    const neg = await h.get(`/runs/${enc(id)}/events?since=-1`);
    assert.equal(neg.body.error.code, 'TK_ERR_API_BAD_REQUEST');
    const both = await h.post('/runs', { config: 'a.yaml', yaml: 'run: {}' });
    assert.equal(both.body.error.code, 'TK_ERR_API_BAD_REQUEST');
    const nf = await h.get('/nope');
    assert.equal(nf.status, 404);
    assert.equal(nf.body.error.code, 'TK_ERR_API_NOT_FOUND');
    const nr = await h.get('/runs/nope/account');
    assert.equal(nr.body.error.code, 'TK_ERR_API_RUN_NOT_FOUND');
    const json = await fetch(`${h.url}/api/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: '{oops',
    });
    assert.equal(json.status, 400);
    assert.equal(((await json.json()) as { error: { code: string } }).error.code, 'TK_ERR_API_BAD_REQUEST');
  });

  it('checks uploaded YAML exactly like `tradekit validate` (codes, lines) and starts it against a base dir', async () => {
    const bad = await h.post('/runs', {
      yaml: 'run: { name: up, mode: paper, pase: 10x }\nsymbols: [EURUSD]\ndata: { use: "@tradekit/core/csv", with: { dir: ./examples/data } }\nbroker: "@tradekit/core/paper"\n',
      baseDir: ROOT,
    });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.errors[0].code, 'TK_ERR_CONFIG_UNKNOWN_KEY');
    assert.equal(bad.body.error.errors[0].line, 1);
    const text = readFileSync(QUICKSTART, 'utf8')
      .replace('name: quickstart', 'name: uploaded')
      .replace('./data', './examples/data')
      .replace('./sma-crossover', './examples/sma-crossover')
      .replace('sqlite://./quickstart.db', "'memory:'");
    const ok = await h.post('/runs', { yaml: text, baseDir: ROOT, overrides: { cycles: 5, pace: 'max', logLevel: 'silent' } });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.match(ok.body.id, /^uploaded@/);
    await until(async () => (await h.get(`/runs/${enc(ok.body.id)}`)).body.status === 'finished', 'the uploaded run to finish');
    const outside = await h.post('/runs', { yaml: text, baseDir: '/etc' });
    assert.equal(outside.status, 403);
    assert.equal(outside.body.error.code, 'TK_ERR_API_PATH_FORBIDDEN');
    const outsidePath = await h.post('/runs', { config: '/etc/hostname' });
    assert.equal(outsidePath.body.error.code, 'TK_ERR_API_PATH_FORBIDDEN');
    // The state file is checked where the run will open it: the config's own URL, or an override
    // however it is spelled.
    const ownState = await h.post('/runs', { yaml: text.replace("'memory:'", 'sqlite:///etc/tradekit-test.db'), baseDir: ROOT });
    assert.equal(ownState.status, 403);
    assert.equal(ownState.body.error.code, 'TK_ERR_API_PATH_FORBIDDEN');
    const spaced = await h.post('/runs', { config: QUICKSTART, overrides: { stateUrl: ' sqlite:///etc/tradekit-test.db' } });
    assert.equal(spaced.status, 403);
    assert.equal(spaced.body.error.code, 'TK_ERR_API_PATH_FORBIDDEN');
  });

  it('pauses, reduces, resumes with the state persisted, and audits every control action', async () => {
    const p = await h.post(`/runs/${enc(id)}/pause`, { reason: 'test pause' });
    assert.equal(p.status, 200);
    assert.equal(p.body.tradingState, 'HALTED');
    await until(async () => (await h.get(`/runs/${enc(id)}/scan`)).body.state === 'HALTED', 'a cycle in HALTED');
    assert.equal((await h.post(`/runs/${enc(id)}/reduce`, {})).body.tradingState, 'REDUCING');
    assert.equal((await h.post(`/runs/${enc(id)}/resume`, {})).body.tradingState, 'ACTIVE');
    const ev = await h.get(`/runs/${enc(id)}/events?since=0&limit=5000`);
    const changes = ev.body.items
      .filter((e: { type: string }) => e.type === 'state.changed')
      .map((e: { data: { to: string; by: string } }) => `${e.data.to}/${e.data.by}`);
    assert.deepEqual(changes.slice(-3), ['HALTED/admin', 'REDUCING/admin', 'ACTIVE/admin']);
    await h.post(`/runs/${enc(id)}/pause`, {}, VIEWER);
    const audit = await h.get(`/audit?run=${enc(id)}`);
    const actions = audit.body.items.map(
      (a: { action: string; actor: string; outcome: string; code?: string }) => `${a.actor}:${a.action}:${a.outcome}${a.code ? `:${a.code}` : ''}`,
    );
    assert.ok(actions.includes('admin:run.pause:ok'));
    assert.ok(actions.includes('admin:run.resume:ok'));
    assert.ok(actions.includes('admin:run.start:ok'));
    assert.ok(
      actions.includes('viewer:run.pause:error:TK_ERR_AUTH_SCOPE') || !actions.some((a: string) => a.startsWith('viewer:')),
      'scope failures happen before the audit (403 without a trace is fine)',
    );
    const inAudit = audit.body.items.find((a: { action: string }) => a.action === 'run.pause');
    assert.equal(inAudit.params.reason, 'test pause');
  });

  it('restricts CORS to the dashboard origin and refuses writes from other origins', async () => {
    const own = await h.get('/runs', ADMIN, { origin: h.url });
    assert.equal(own.headers.get('access-control-allow-origin'), h.url);
    const evil = await h.get('/runs', ADMIN, { origin: 'http://evil.example' });
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    const w = await h.post(`/runs/${enc(id)}/pause`, {}, ADMIN, { origin: 'http://evil.example' });
    assert.equal(w.status, 403);
    assert.equal(w.body.error.code, 'TK_ERR_API_ORIGIN');
    assert.equal((await h.get(`/runs/${enc(id)}`)).body.tradingState, 'ACTIVE');
  });

  it('stops a run gracefully; finished runs keep their history and refuse control with 409', async () => {
    const s = await h.post(`/runs/${enc(id)}/stop`, { reason: 'done' });
    assert.equal(s.body.status, 'stopping');
    await until(async () => (await h.get(`/runs/${enc(id)}`)).body.status === 'finished', 'the run to finish');
    const again = await h.post(`/runs/${enc(id)}/pause`, {});
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'TK_ERR_API_RUN_STATE');
    assert.ok((await h.get(`/runs/${enc(id)}/trades`)).body.items.length > 0);
  });

  it('never puts a token in a response or a log line', async () => {
    const all = JSON.stringify([(await h.get('/runs')).body, (await h.get(`/runs/${enc(id)}/events?since=0&limit=5000`)).body, (await h.get('/audit')).body]);
    for (const t of [ADMIN, VIEWER]) {
      assert.ok(!all.includes(t));
      assert.ok(!h.logText().includes(t));
    }
    assert.match(h.logText(), /audit: admin run.pause/);
  });
});

describe('orchestrator first start', function () {
  this.timeout(30000);
  it('generates one read+trade token, stores only its hash, and accepts it', async () => {
    const h = await testHost({ generate: true });
    try {
      assert.ok(h.generated && /^tk_[A-Za-z0-9_-]{43}$/.test(h.generated.token));
      assert.deepEqual(h.generated.scopes, ['read', 'trade']);
      assert.equal((await h.get('/me', h.generated.token)).body.name, 'admin');
      const db = readFileSync(path.join(h.dir, 'server', 'server.db'));
      assert.ok(!db.includes(Buffer.from(h.generated.token)));
      assert.ok(!h.logText().includes(h.generated.token));
    } finally {
      await h.dispose();
    }
  });
});
