/**
 * The CLI side of the serve hardening, with the real bin: `validate` answers an alias bomb and a URL
 * plugin with a coded error at file:line (exit 2, no stack); `serve` refuses a bad port and a
 * non-loopback bind before it creates anything, stores no first token on a failed start and prints
 * it on the first good one, and a running server sees tokens added and revoked by `--add-token` /
 * `--revoke-token` at once.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, tk, tkAsync } from './helpers.js';

function serve(args: string[], cwd: string): { child: ChildProcess; out: () => string; err: () => string } {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => void (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => void (err += d.toString()));
  return { child, out: () => out, err: () => err };
}

async function waitFor(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('tradekit validate / serve hardening (end to end)', function () {
  this.timeout(90_000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'tk-cli-sec-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('validate: an alias bomb is TK_ERR_CONFIG_LIMIT at file:line, exit 2, no stack trace', () => {
    let y = 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n';
    for (let i = 0; i < 9; i++)
      y += `b${i}: &b${i} [${Array(10)
        .fill(i ? `*b${i - 1}` : '*a')
        .join(',')}]\n`;
    const file = path.join(tmp, 'bomb.yaml');
    writeFileSync(file, y);
    const r = tk(['validate', file]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /bomb\.yaml:2:\d+ TK_ERR_CONFIG_LIMIT at \$: .*aliases/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('validate and run: a URL plugin is TK_ERR_PLUGIN_URL (exit 2) and never runs', () => {
    const marker = path.join(tmp, 'EXECUTED');
    const src = `import('node:fs').then((fs) => fs.writeFileSync(${JSON.stringify(marker)}, 'x'))`;
    const file = path.join(tmp, 'url.yaml');
    writeFileSync(
      file,
      `run: { name: u }\nsymbols: [EURUSD]\ndata: { use: '@tradekit/core/csv', with: { dir: ./data } }\nbroker: '@tradekit/core/paper'\nagents: [{ use: ${JSON.stringify(`data:text/javascript,${encodeURIComponent(src)}`)} }]\n`,
    );
    for (const cmd of ['validate', 'run']) {
      const r = tk([cmd, file]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /url\.yaml:5:\d+ TK_ERR_PLUGIN_URL at agents\[0\]\.use: plugin "data:text\/javascript,.*" is a URL/);
    }
    assert.ok(!existsSync(marker));
  });

  it('serve: a bad --port and a non-loopback --host are refused (exit 2) before anything is created', async () => {
    const dataDir = path.join(tmp, 'refused');
    const port = await tkAsync(['serve', '--port', '80a', '--data-dir', dataDir]);
    assert.equal(port.status, 2);
    assert.match(port.stderr, /TK_ERR_CLI_ARG: --port takes a number from 0 to 65535/);
    const host = await tkAsync(['serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', dataDir]);
    assert.equal(host.status, 2);
    assert.match(host.stderr, /TK_ERR_API_BIND: refusing to listen on every interface.*--allow-remote/);
    assert.ok(!existsSync(dataDir));
  });

  it('serve: a start on a busy port stores no token; the first good start prints it; --add-token / --revoke-token count at once', async () => {
    const dataDir = path.join(tmp, 'server');
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = String((busy.address() as { port: number }).port);
    const failed = await tkAsync(['serve', '--port', port, '--data-dir', dataDir]);
    busy.close();
    assert.equal(failed.status, 2, failed.stderr);
    assert.match(failed.stderr, /TK_ERR_API_BIND: 127\.0\.0\.1:\d+ is already in use/);
    assert.doesNotMatch(failed.stderr, /tk_[A-Za-z0-9_-]{43}/);

    const s = serve(['--port', '0', '--data-dir', dataDir, '--log-level', 'warn'], tmp);
    try {
      await waitFor(() => /orchestrator at http/.test(s.out()) || s.child.exitCode !== null, 'the server to listen');
      const token = /(tk_[A-Za-z0-9_-]{43})/.exec(s.err())?.[1];
      assert.ok(token, `the first token is printed on the first good start: ${s.err()}`);
      const base = /orchestrator at (http:\/\/127\.0\.0\.1:\d+)\//.exec(s.out())![1]!;
      const me = (t: string) => fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${t}` } });
      assert.equal((await me(token)).status, 200);

      const added = await tkAsync(['serve', '--add-token', 'ci', '--scopes', 'read', '--data-dir', dataDir]);
      assert.equal(added.status, 0, added.stderr);
      const ci = added.stdout.trim();
      const res = await me(ci);
      assert.equal(res.status, 200, 'the running server accepts a token added by another process at once');
      assert.equal(((await res.json()) as { name: string }).name, 'ci');

      const revoked = await tkAsync(['serve', '--revoke-token', 'ci', '--data-dir', dataDir]);
      assert.equal(revoked.status, 0, revoked.stderr);
      const gone = await me(ci);
      assert.equal(gone.status, 401);
      assert.equal(((await gone.json()) as { error: { code: string } }).error.code, 'TK_ERR_AUTH_INVALID');
      const unknown = await tkAsync(['serve', '--revoke-token', 'nobody', '--data-dir', dataDir]);
      assert.equal(unknown.status, 2);
      assert.match(unknown.stderr, /TK_ERR_CLI_ARG: no stored token is called "nobody"/);
    } finally {
      s.child.kill('SIGINT');
      await new Promise((r) => (s.child.exitCode !== null ? r(undefined) : s.child.once('exit', r)));
    }
  });
});
