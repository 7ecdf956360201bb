/**
 * `tradekit serve` against a client holding a `trade` token: uploaded YAML is data, never code, and
 * never a way to the server's environment or to files outside `runs.roots`. Real server, real HTTP,
 * temp dirs. Each attack must get its coded 4xx, run nothing (malicious modules would leave a marker
 * file), write nothing outside the root, and leak no secret into any response, event, registry or
 * audit row, log line or file of the server.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { io as ioClient, type Socket } from 'socket.io-client';
import { createLogger, realPathOf } from '@tradekit/core';
import { ServerDb, TokenAuthority, serverConfig, startOrchestrator, type OrchestratorHost } from '../src/index.js';
import { ADMIN, ROOT, VIEWER, until } from './helpers.js';

const SECRET = `s3cr3t-${createHash('sha256').update(String(process.pid)).digest('hex').slice(0, 24)}`;
const ENV = { ...process.env, TK_SEC_SECRET: SECRET, TK_SEC_SYMBOL: 'EURUSD', TK_SEC_NAME: 'bad name!' };
const enc = encodeURIComponent;

/** `count` M5 bars from 2026-01-05, a gentle zigzag. */
function csv(count = 400): string {
  const t0 = Date.UTC(2026, 0, 5, 0, 0);
  let out = 'time,open,high,low,close,volume\n';
  for (let i = 0; i < count; i++) {
    const p = 1.1 + 0.001 * Math.sin(i / 7);
    out += `${new Date(t0 + i * 300_000).toISOString().slice(0, 19).replace('T', ' ')},${p.toFixed(5)},${(p + 0.0005).toFixed(5)},${(p - 0.0005).toFixed(5)},${p.toFixed(5)},${10 + (i % 7)}\n`;
  }
  return out;
}

function evilModule(marker: string): string {
  return `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport default { name: 'evil', version: '1.0.0', provides: ['agent'], setup(ctx) { ctx.addAgent({ scan: () => ({ skip: 'x' }) }); } };\n`;
}

const config = (o: { name?: string; symbols?: string; dir?: string; state?: string; extra?: string } = {}) =>
  `run: { name: ${o.name ?? 'sec'}, mode: paper, pace: max, warmupBars: 20, maxCycles: 3 }
symbols: ${o.symbols ?? '[EURUSD]'}
data: { use: '@tradekit/core/csv', with: { dir: ${o.dir ?? './data'}, timeframes: [M5] } }
broker: '@tradekit/core/paper'
state: { url: ${o.state ?? "'memory:'"} }
logging: { level: warn }
${o.extra ?? ''}`;

interface Sec {
  host: OrchestratorHost;
  root: string;
  outside: string;
  dataDir: string;
  marker: string;
  seen: string[];
  logText(): string;
  post(p: string, body: unknown, token?: string): Promise<{ status: number; body: any }>;
  get(p: string, token?: string): Promise<{ status: number; body: any }>;
  dispose(): Promise<void>;
}

async function secureHost(o: { port?: number } = {}): Promise<Sec> {
  const root = realPathOf(mkdtempSync(path.join(tmpdir(), 'tk-sec-root-')));
  const outside = realPathOf(mkdtempSync(path.join(tmpdir(), 'tk-sec-out-')));
  mkdirSync(path.join(root, 'data'));
  writeFileSync(path.join(root, 'data', 'EURUSD_M5.csv'), csv());
  mkdirSync(path.join(outside, 'data'));
  writeFileSync(path.join(outside, 'data', 'EURUSD_M5.csv'), csv());
  const dataDir = path.join(root, 'server');
  const chunks: string[] = [];
  const log = createLogger({
    level: 'debug',
    format: 'json',
    destination: new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) }) as never,
    redact: (s) => s,
  });
  const cfg = serverConfig(
    {
      server: { port: o.port ?? 0, dataDir, allowedHosts: ['dash.example.test'] },
      auth: {
        tokens: [
          { name: 'admin', scopes: ['read', 'trade'], token: ADMIN },
          { name: 'viewer', scopes: ['read'], token: VIEWER },
        ],
        generate: false,
      },
      runs: { roots: [root], keepFinished: 32 },
      plugins: { allow: ['tradekit-plugin-sma-crossover'] },
      env: { allow: ['TK_SEC_SYMBOL', 'TK_SEC_NAME'] },
    },
    root,
  );
  const sma = path.join(ROOT, 'examples', 'sma-crossover', 'package.json');
  const host = await startOrchestrator({
    config: cfg,
    log,
    env: ENV,
    searchPaths: [pathToFileURL(path.join(ROOT, 'package.json')).href, pathToFileURL(sma).href],
  });
  const seen: string[] = [];
  const call = async (method: string, p: string, body: unknown, token = ADMIN) => {
    const res = await fetch(`${host.url}/api${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    seen.push(text);
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    host,
    root,
    outside,
    dataDir,
    marker: path.join(outside, 'EXECUTED'),
    seen,
    logText: () => chunks.join(''),
    post: (p, body, token) => call('POST', p, body, token),
    get: (p, token) => call('GET', p, undefined, token),
    async dispose() {
      await host.close();
      rmSync(root, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    },
  };
}

/** Every file under `dir` (recursively), relative. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = path.join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** A raw HTTP request with any Host header (fetch does not let a caller set Host). */
function rawGet(url: string, pathname: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: pathname, method: 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serve security: uploaded configs are data, never code', function () {
  this.timeout(60000);
  let s: Sec;
  let outsideBefore: string[];
  before(async () => {
    s = await secureHost();
    writeFileSync(path.join(s.outside, 'evil.mjs'), evilModule(path.join(s.outside, 'EXECUTED')));
    writeFileSync(path.join(s.outside, 'config.yaml'), config({ dir: path.join(s.outside, 'data') }));
    writeFileSync(path.join(s.root, 'evil.txt'), evilModule(path.join(s.outside, 'EXECUTED')));
    symlinkSync(path.join(s.outside, 'evil.mjs'), path.join(s.root, 'linked-plugin.mjs'));
    symlinkSync(path.join(s.outside, 'config.yaml'), path.join(s.root, 'linked-config.yaml'));
    symlinkSync(path.join(s.outside, 'data'), path.join(s.root, 'linked-data'));
    symlinkSync(s.outside, path.join(s.root, 'linked-dir'));
    symlinkSync(path.join(s.outside, 'state.db'), path.join(s.root, 'linked-state.db'));
    outsideBefore = filesUnder(s.outside);
  });
  after(async () => {
    // What every test below relies on: nothing ran, nothing was written outside the root, no secret escaped.
    try {
      assert.ok(!existsSync(s.marker), 'a malicious module ran');
      assert.deepEqual(filesUnder(s.outside), outsideBefore, 'something was written outside the roots');
    } finally {
      await s.dispose();
    }
  });

  const upload = (yaml: string, extra: Record<string, unknown> = {}) => s.post('/runs', { yaml, baseDir: s.root, ...extra });

  it('refuses plugin URLs (data:, file:, node:, http:, https:) with TK_ERR_PLUGIN_URL before importing anything', async () => {
    const specs = [
      `data:text/javascript,${encodeURIComponent(evilModule(s.marker))}`,
      pathToFileURL(path.join(s.outside, 'evil.mjs')).href,
      'node:child_process',
      'http://127.0.0.1:9/evil.js',
      'https://example.invalid/evil.mjs',
    ];
    for (const spec of specs) {
      const r = await upload(config({ extra: `agents: [{ use: ${JSON.stringify(spec)} }]\n` }));
      assert.equal(r.status, 422, spec);
      assert.equal(r.body.error.code, 'TK_ERR_PLUGIN_URL', spec);
      assert.equal(r.body.error.errors[0].path, 'agents[0].use');
      assert.equal(r.body.error.errors[0].line, 7);
    }
    assert.ok(!existsSync(s.marker));
  });

  it('refuses plugin files outside the roots (absolute, ../, symlinked), non-JS files, and packages not in plugins.allow', async () => {
    const specs = [
      path.join(s.outside, 'evil.mjs'),
      `../${path.basename(s.outside)}/evil.mjs`,
      './linked-plugin.mjs',
      './linked-dir/evil.mjs',
      './evil.txt',
      '@tradekit/mt5-adapter',
      'left-pad',
    ];
    for (const spec of specs) {
      const r = await upload(config({ extra: `agents: [{ use: ${JSON.stringify(spec)} }]\n` }));
      assert.equal(r.status, 422, `${spec}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, 'TK_ERR_PLUGIN_FORBIDDEN', spec);
    }
    assert.ok(!existsSync(s.marker));
    // The same config by path (a file in the root) is held to the same rule.
    writeFileSync(path.join(s.root, 'by-path.yaml'), config({ extra: `agents: [{ use: ${JSON.stringify(path.join(s.outside, 'evil.mjs'))} }]\n` }));
    const byPath = await s.post('/runs', { config: path.join(s.root, 'by-path.yaml') });
    assert.equal(byPath.body.error.code, 'TK_ERR_PLUGIN_FORBIDDEN');
    // What is allowed does load: a .js file in the root and a package in plugins.allow.
    writeFileSync(path.join(s.root, 'ok-plugin.mjs'), evilModule(path.join(s.root, 'ok-ran')));
    const ok = await upload(config({ extra: 'agents: [{ use: ./ok-plugin.mjs }, { use: tradekit-plugin-sma-crossover, with: { timeframe: M5 } }]\n' }));
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.ok(existsSync(path.join(s.root, 'ok-ran')));
  });

  it('gives uploads no server environment but env.allow, naming the variable and never its value', async () => {
    const attempts = [
      config({ name: '"${TK_SEC_SECRET}"' }),
      config({ symbols: '["${TK_SEC_SECRET}"]' }),
      config({ dir: '"${TK_SEC_SECRET}"' }),
      config({ name: '"x${TK_SEC_SECRET:-fallback}"' }),
      config({ extra: 'secrets: { pw: "${TK_SEC_SECRET}" }\n' }),
    ];
    for (const yaml of attempts) {
      const r = await upload(yaml);
      assert.equal(r.status, 422, JSON.stringify(r.body));
      assert.equal(r.body.error.code, 'TK_ERR_CONFIG_ENV_FORBIDDEN');
      assert.match(r.body.error.errors[0].message, /\$\{TK_SEC_SECRET\} is not available here/);
    }
    writeFileSync(path.join(s.root, 'env-by-path.yaml'), config({ name: '"${TK_SEC_SECRET}"' }));
    const byPath = await s.post('/runs', { config: path.join(s.root, 'env-by-path.yaml') });
    assert.equal(byPath.body.error.code, 'TK_ERR_CONFIG_ENV_FORBIDDEN');
    // An allowed variable works; a bad allowed value is named, not shown.
    const ok = await upload(config({ symbols: '["${TK_SEC_SYMBOL}"]' }));
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const bad = await upload(config({ name: '"${TK_SEC_NAME}"' }));
    assert.equal(bad.status, 422);
    assert.match(bad.body.error.errors[0].message, /the value of \$\{TK_SEC_NAME\}/);
    assert.ok(!JSON.stringify(bad.body).includes('bad name!'));
  });

  it('confines configs, base dirs, data dirs and state files by real path: symlinks out and absolute paths are 403', async () => {
    const forbidden = async (what: string, r: Promise<{ status: number; body: any }>) => {
      const x = await r;
      assert.equal(x.status, 403, `${what}: ${JSON.stringify(x.body)}`);
      assert.equal(x.body.error.code, 'TK_ERR_API_PATH_FORBIDDEN', what);
    };
    await forbidden('config through a symlink', s.post('/runs', { config: path.join(s.root, 'linked-config.yaml') }));
    await forbidden('baseDir through a symlink', s.post('/runs', { yaml: config(), baseDir: path.join(s.root, 'linked-dir') }));
    await forbidden('data dir through a symlink', upload(config({ dir: './linked-data' })));
    await forbidden('data dir outside', upload(config({ dir: path.join(s.outside, 'data') })));
    await forbidden('state file through a dangling symlink', upload(config({ state: 'sqlite://./linked-state.db' })));
    await forbidden('state override through a symlink', upload(config(), { overrides: { stateUrl: `sqlite://${path.join(s.root, 'linked-dir', 'x.db')}` } }));
    assert.ok(!existsSync(path.join(s.outside, 'state.db')) && !existsSync(path.join(s.outside, 'x.db')));
  });

  it("never lets a run use the server's own db or data dir (journal, data, config)", async () => {
    const forbidden = async (what: string, r: Promise<{ status: number; body: any }>) => {
      const x = await r;
      assert.equal(x.status, 403, `${what}: ${JSON.stringify(x.body)}`);
      assert.equal(x.body.error.code, 'TK_ERR_API_PATH_FORBIDDEN', what);
    };
    const db = path.join(s.dataDir, 'server.db');
    const size = statSync(db).size;
    await forbidden('server.db as journal (override)', upload(config(), { overrides: { stateUrl: `sqlite://${db}` } }));
    await forbidden('server.db as journal (config)', upload(config({ state: `sqlite://${db}` })));
    await forbidden('dataDir as data dir', upload(config({ dir: s.dataDir })));
    await forbidden('dataDir as base dir', s.post('/runs', { yaml: config(), baseDir: s.dataDir }));
    const uploads = readdirSync(path.join(s.dataDir, 'uploads'));
    await forbidden('an upload record as a config', s.post('/runs', { config: path.join(s.dataDir, 'uploads', uploads[0]!) }));
    const tables = readFileSync(db).toString('latin1');
    assert.ok(!tables.includes('tk_trades') && !tables.includes('tk_events'), 'no journal tables in server.db');
    assert.ok(statSync(db).size >= size);
  });

  it('writes the CSV column cache only inside the roots (a .tkcache symlinked out is skipped, the OS temp dir unused)', async () => {
    const dir = path.join(s.root, 'cached');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'EURUSD_M5.csv'), csv(300));
    symlinkSync(s.outside, path.join(dir, '.tkcache'));
    const r = await upload(config({ dir: './cached' }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await s.host.orch.settled(r.body.id);
    const tmpName = `${createHash('sha1').update(path.join(dir, 'EURUSD_M5.csv')).digest('hex').slice(0, 16)}-EURUSD_M5.csv.tkcol`;
    assert.ok(!existsSync(path.join(tmpdir(), 'tradekit-cache', tmpName)), 'no cache in the OS temp dir');
    assert.ok(!readdirSync(s.outside).some((f) => f.endsWith('.tkcol')), 'no cache through the symlink');
    // A data dir whose .tkcache is a real dir inside the root gets its cache there.
    const r2 = await upload(config({ dir: './data' }));
    await s.host.orch.settled(r2.body.id);
    await until(() => existsSync(path.join(s.root, 'data', '.tkcache', 'EURUSD_M5.csv.tkcol')), 'the cache inside the root');
  });

  it('answers an alias bomb, a depth bomb and a node bomb with 422 TK_ERR_CONFIG_LIMIT, and a 500 KB body with 413, without blocking', async () => {
    let bomb = 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n';
    for (let i = 0; i < 9; i++)
      bomb += `b${i}: &b${i} [${Array(10)
        .fill(i ? `*b${i - 1}` : '*a')
        .join(',')}]\n`;
    const alias = await upload(bomb);
    assert.equal(alias.status, 422);
    assert.equal(alias.body.error.code, 'TK_ERR_CONFIG_LIMIT');
    assert.equal(alias.body.error.errors[0].line, 2);
    let keys = '';
    for (let i = 0; i < 15_000; i++) keys += `k${i}: ${i}\n`;
    const bombs = [`a: ${'['.repeat(100_000)}${']'.repeat(100_000)}`, `a: ${'{a: '.repeat(40_000)}${'}'.repeat(40_000)}`, keys];
    for (const yaml of bombs) {
      assert.ok(yaml.length < 256 * 1024);
      const t0 = performance.now();
      const r = await upload(yaml);
      const ms = performance.now() - t0;
      assert.equal(r.status, 422);
      assert.equal(r.body.error.code, 'TK_ERR_CONFIG_LIMIT');
      assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms`);
    }
    const huge = await upload(`a: ${'['.repeat(250_000)}${']'.repeat(250_000)}`);
    assert.equal(huge.status, 413);
    assert.equal(huge.body.error.code, 'TK_ERR_API_BODY_TOO_LARGE');
  });

  it('refuses requests and socket.io handshakes whose Host is not loopback, the bound address or server.allowedHosts', async () => {
    const port = String(s.host.port);
    const evil = await rawGet(s.host.url, '/api/health', { host: `evil.example:${port}` });
    assert.equal(evil.status, 403);
    assert.equal(JSON.parse(evil.body).error.code, 'TK_ERR_API_HOST');
    const evilAuthed = await rawGet(s.host.url, '/api/runs', { host: `rebind.attacker.test:${port}`, authorization: `Bearer ${ADMIN}` });
    assert.equal(JSON.parse(evilAuthed.body).error.code, 'TK_ERR_API_HOST');
    const handshake = await rawGet(s.host.url, '/socket.io/?EIO=4&transport=polling', { host: `evil.example:${port}` });
    assert.equal(handshake.status, 403);
    for (const good of [`localhost:${port}`, `127.0.0.1:${port}`, `dash.example.test:${port}`]) {
      assert.equal((await rawGet(s.host.url, '/api/health', { host: good })).status, 200, good);
    }
    assert.equal((await rawGet(s.host.url, '/socket.io/?EIO=4&transport=polling', { host: `localhost:${port}` })).status, 200);
  });

  it('sees tokens added and revoked by another process at once, and drops the sockets of a revoked one', async () => {
    const other = await ServerDb.open(s.dataDir);
    let socket: Socket | undefined;
    try {
      const issued = await (await TokenAuthority.open({ db: other, tokens: [] })).issue('late', ['read'], 'cli', 0);
      assert.equal((await s.get('/me', issued.token)).body.name, 'late');
      socket = ioClient(s.host.url, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { token: issued.token } });
      await until(() => socket!.connected, 'the socket to connect');
      const closed = new Promise<string>((resolve) => socket!.on('disconnect', (reason) => resolve(reason)));
      assert.equal(await other.revokeTokens('late'), 1);
      const after = await s.get('/me', issued.token);
      assert.equal(after.status, 401);
      assert.equal(after.body.error.code, 'TK_ERR_AUTH_INVALID');
      assert.equal(await closed, 'io server disconnect');
    } finally {
      socket?.disconnect();
      await other.close();
    }
  });

  it('keeps the secret out of every response, event, registry and audit row, log line and server file', async () => {
    const runs = await s.get('/runs');
    for (const r of runs.body.items as { id: string; hosted?: boolean }[]) if (r.hosted !== false) await s.get(`/runs/${enc(r.id)}/events?since=0&limit=5000`);
    await s.get('/audit?limit=1000');
    const everything = [...s.seen, s.logText(), ...filesUnder(s.dataDir).map((f) => readFileSync(path.join(s.dataDir, f)).toString('latin1'))].join('\n');
    assert.ok(everything.length > 10_000, 'there was plenty to look at');
    assert.ok(!everything.includes(SECRET), 'the secret value leaked');
    assert.match(everything, /TK_ERR_CONFIG_ENV_FORBIDDEN/, 'the refusals are in the audit log');
  });
});

describe('serve security: listening', function () {
  this.timeout(30000);

  it('refuses a non-loopback bind unless server.allowRemote, before opening anything', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tk-sec-bind-'));
    try {
      const cfg = serverConfig({ server: { host: '0.0.0.0', port: 0, dataDir: path.join(dir, 'server') }, runs: { roots: [dir] } }, dir);
      await assert.rejects(
        startOrchestrator({ config: cfg }),
        (e: { code?: string; message?: string }) => e.code === 'TK_ERR_API_BIND' && /server\.allowRemote/.test(e.message ?? ''),
      );
      assert.ok(!existsSync(path.join(dir, 'server')), 'nothing created, no token generated');
      const open = serverConfig({ server: { host: '0.0.0.0', port: 0, allowRemote: true, dataDir: path.join(dir, 'server') }, runs: { roots: [dir] } }, dir);
      const h = await startOrchestrator({ config: open });
      try {
        assert.ok(h.generated, 'the token is still required (and generated)');
        assert.equal((await fetch(`http://127.0.0.1:${h.port}/api/runs`)).status, 401);
      } finally {
        await h.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('generates the first token only once the server listens: a start on a busy port stores none', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tk-sec-port-'));
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as { port: number }).port;
    try {
      const cfg = (p: number) => serverConfig({ server: { port: p, dataDir: path.join(dir, 'server') }, runs: { roots: [dir] } }, dir);
      await assert.rejects(
        startOrchestrator({ config: cfg(port) }),
        (e: { code?: string; message?: string }) => e.code === 'TK_ERR_API_BIND' && /already in use/.test(e.message ?? ''),
      );
      const db = await ServerDb.open(path.join(dir, 'server'));
      assert.deepEqual(await db.tokens(), [], 'no token nobody saw');
      await db.close();
      const h = await startOrchestrator({ config: cfg(0) });
      try {
        assert.ok(h.generated);
        assert.equal((await fetch(`${h.url}/api/me`, { headers: { authorization: `Bearer ${h.generated.token}` } })).status, 200);
      } finally {
        await h.close();
      }
    } finally {
      busy.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
