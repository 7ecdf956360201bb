/**
 * `tradekit worker` and `tradekit sweep --queue` before any work: bad values are command-line errors
 * (exit 2), an unreachable Redis is TK_ERR_CLUSTER_REDIS (exit 1), and the password in the URL never
 * shows. (Their runs on a real Redis: packages/cluster/test/sweep-distributed.test.ts.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SMA_EURUSD, tk, tkAsync } from './helpers.js';

const DOWN = 'redis://:s3cret-pw@127.0.0.1:1';

describe('tradekit worker / sweep --queue: arguments and an unreachable Redis', function () {
  this.timeout(60_000);
  let tmp: string;
  let grid: string;
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'tk-wk-'));
    grid = path.join(tmp, 'grid.yaml');
    writeFileSync(grid, 'agents[0].with.fast: [5, 8]\n');
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('worker: --queue is required; a URL that is not redis:// and a bad count are TK_ERR_CLI_ARG (exit 2)', () => {
    assert.equal(tk(['worker']).status, 2);
    const u = tk(['worker', '--queue', 'http://user:s3cret-pw@host:80']);
    assert.equal(u.status, 2);
    assert.match(u.stderr, /TK_ERR_CLI_ARG: --queue: queue URL "http:\/\/user:\*\*\*@host:80" is not redis:\/\/host:port/);
    assert.doesNotMatch(u.stderr, /s3cret-pw/);
    const c = tk(['worker', '--queue', 'redis://127.0.0.1:1', '--jobs-concurrency', '0']);
    assert.equal(c.status, 2);
    assert.match(c.stderr, /TK_ERR_CLI_ARG: --jobs-concurrency expects an integer ≥ 1, got "0"/);
    assert.equal(tk(['worker', '--queue', 'redis://127.0.0.1:1', '--lock-seconds', 'x']).status, 2);
  });

  it('sweep: --sweep-id needs --queue; a sweep id with a separator is refused (exit 2)', () => {
    const a = tk(['sweep', SMA_EURUSD, '--grid', grid, '--sweep-id', 'abc']);
    assert.equal(a.status, 2);
    assert.match(a.stderr, /TK_ERR_CLI_ARG: --sweep-id needs --queue/);
    const b = tk(['sweep', SMA_EURUSD, '--grid', grid, '--queue', 'redis://127.0.0.1:1', '--sweep-id', 'a-b']);
    assert.equal(b.status, 2);
    assert.match(b.stderr, /TK_ERR_CLI_ARG: --sweep-id expects letters, digits and _/);
  });

  it('an unreachable Redis: TK_ERR_CLUSTER_REDIS, exit 1, the URL shown without its password', async () => {
    const [w, s] = await Promise.all([tkAsync(['worker', '--queue', DOWN]), tkAsync(['sweep', SMA_EURUSD, '--grid', grid, '--queue', DOWN, '--json'])]);
    assert.equal(w.status, 1, w.stderr);
    assert.match(w.stderr, /TK_ERR_CLUSTER_REDIS: Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1 is unreachable: .*ECONNREFUSED/);
    assert.equal(s.status, 1, s.stderr);
    const err = JSON.parse(s.stderr.trim().split('\n').pop()!).errors[0];
    assert.equal(err.code, 'TK_ERR_CLUSTER_REDIS');
    for (const r of [w, s]) assert.doesNotMatch(r.stderr + r.stdout, /s3cret-pw/);
  });
});
