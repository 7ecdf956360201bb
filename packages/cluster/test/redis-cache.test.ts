/**
 * The market-data cache in Redis, with real processes: runs in two processes on one symbol fetch from
 * the source once per TTL and see exactly what the source returns; a fetcher that dies holding the
 * lock holds the others up only until its lock lapses; a window that closed after a reader's clock is
 * not served to it; Redis down means the source directly; under a simulated clock the plugin leaves
 * the data source alone (a backtest with it gives the same numbers).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { runBacktest, silentLogger, type Clock, type DataSource, type Logger } from '@tradekit/core';
import { RedisBarCache } from '../src/cache/redis-bar-cache.js';
import { acquireConnection, releaseConnection } from '../src/cache/shared.js';
import { connect } from '../src/redis.js';
import { serviceUrl } from './services.js';
import { ROOT, uniqueId } from './helpers.js';
import { TF_MS, digest, fakeBars } from './fixtures/fake-bars.js';
import { until } from './processes.js';

const USER = new URL('./fixtures/cache-user.js', import.meta.url).pathname;
// A bar boundary plus 10 s: the last closed M5 bar closes at the boundary.
const T0 = Math.floor(1_780_000_000_000 / TF_MS) * TF_MS + 10_000;
const TTL = 60_000;

interface UserOut {
  digests: string[];
  stats: Record<string, number>;
}

function users(cfg: Record<string, unknown>): { done: Promise<UserOut>; kill(): void; onLine(fn: (l: string) => void): void } {
  const p = spawn(process.execPath, [USER, JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const listeners: ((l: string) => void)[] = [];
  p.stdout.on('data', (d) => {
    out += d;
    for (const l of String(d).split('\n').filter(Boolean)) for (const f of listeners) f(l);
  });
  p.stderr.on('data', (d) => (err += d));
  const done = new Promise<UserOut>((resolve, reject) =>
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`cache user exited ${code}: ${err}`)))),
  );
  return { done, kill: () => p.kill('SIGKILL'), onLine: (f) => listeners.push(f) };
}

const sum = (xs: UserOut[], k: string) => xs.reduce((s, x) => s + (x.stats[k] ?? 0), 0);

describe('redis-cache: bar windows shared across processes (real Redis)', function () {
  this.timeout(60_000);
  let url: string;
  let redis: Redis;
  before(() => {
    url = serviceUrl('redis');
    redis = connect(url);
  });
  after(() => redis.quit());

  it("ten runs in two processes on one symbol: one source fetch per TTL, every run sees exactly the source's window", async () => {
    const source = uniqueId('feed');
    const counter = `${source}:fetches`;
    const base = { url, source, ttlMs: TTL, lockMs: 5_000, count: 300, counter };
    const first = await Promise.all([users({ ...base, users: 5, now: T0 }).done, users({ ...base, users: 5, now: T0 }).done]);
    const expected = digest(fakeBars('EURUSD', 300, T0));
    assert.equal(Number(await redis.get(counter)), 1, 'one fetch for ten runs');
    for (const o of first) assert.deepEqual(o.digests, Array(5).fill(expected));
    assert.equal(sum(first, 'misses'), 1);
    assert.equal(sum(first, 'joins'), 8, 'within a process the other four join the first');
    assert.equal(sum(first, 'hits') + sum(first, 'misses'), 2, 'one request per process reaches Redis');

    // Still within the TTL (and the same bar): served from Redis, no fetch.
    const within = await users({ ...base, users: 2, now: T0 + TTL - 1 }).done;
    assert.equal(Number(await redis.get(counter)), 1);
    assert.deepEqual(within.digests, Array(2).fill(expected));

    // Past the TTL: one more fetch for everyone, then served again.
    const later = await Promise.all([users({ ...base, users: 3, now: T0 + TTL + 1 }).done, users({ ...base, users: 3, now: T0 + TTL + 1 }).done]);
    assert.equal(Number(await redis.get(counter)), 2, 'once per TTL');
    for (const o of later) assert.deepEqual(o.digests, Array(3).fill(digest(fakeBars('EURUSD', 300, T0 + TTL + 1))));
  });

  it('a fetcher that dies holding the lock holds the others up only until its lock lapses', async () => {
    const source = uniqueId('dead');
    const counter = `${source}:fetches`;
    // The lock outlives the start of the next process even on a loaded machine (a 1.5 s lock could
    // lapse before a new node process got to ask, and then nothing waited).
    const base = { url, source, ttlMs: TTL, lockMs: 6_000, count: 120, counter, now: T0 };
    const holder = users({ ...base, users: 1, hang: true });
    let deadLock: string | undefined;
    try {
      let fetching = false;
      holder.onLine((l) => (fetching ||= l === 'fetching'));
      holder.done.catch(() => undefined);
      await until(() => fetching, 'the first process is fetching, holding the lock', 30_000);
      [deadLock] = await redis.lrange(`${counter}:locks`, 0, 0);
      assert.notEqual(deadLock, '(none)', 'it fetches under its lock');
    } finally {
      holder.kill();
    }
    const other = await users({ ...base, users: 2 }).done;
    assert.deepEqual(other.digests, Array(2).fill(digest(fakeBars('EURUSD', 120, T0))));
    assert.equal(Number(await redis.get(counter)), 2);
    const [, secondLock] = await redis.lrange(`${counter}:locks`, 0, 1);
    assert.ok(secondLock && secondLock !== '(none)' && secondLock !== deadLock, 'the second fetch ran under a new lock, after the dead one lapsed');
    assert.equal(sum([other], 'waits'), 1, 'it waited for the dead holder first');
  });

  it("a window whose last bar closed after a reader's clock is not served to that reader (clock skew between machines)", async () => {
    const source = uniqueId('skew');
    const counter = `${source}:fetches`;
    const base = { url, source, ttlMs: TTL, lockMs: 5_000, count: 50, counter };
    const ahead = T0 + 2 * TF_MS;
    await users({ ...base, users: 1, now: ahead }).done;
    const behind = await users({ ...base, users: 1, now: T0 }).done;
    assert.equal(Number(await redis.get(counter)), 2, 'the reader behind asked its own source');
    assert.deepEqual(behind.digests, [digest(fakeBars('EURUSD', 50, T0))]);
    assert.notEqual(behind.digests[0], digest(fakeBars('EURUSD', 50, ahead)));
    assert.equal(behind.stats.skewed, 1);
  });

  describe('in one process', () => {
    const clock: Clock = { kind: 'live', now: () => T0, sleep: async () => undefined };
    let fetches = 0;
    const src: DataSource = {
      name: 'fake',
      listSymbols: () => ['EURUSD'],
      symbolInfo: () => {
        throw new Error('not used');
      },
      tick: () => ({ symbol: 'EURUSD', time: T0, bid: 1, ask: 1.0001 }),
      bars: (symbol, _tf, q) => {
        fetches++;
        return fakeBars(symbol, q as number, T0);
      },
    };
    beforeEach(() => (fetches = 0));

    it('Redis down: every request reads the source, nothing fails, the failure is counted', async () => {
      const down = 'redis://:s3cret-pass@127.0.0.1:1';
      const r = acquireConnection(down);
      try {
        const warnings: string[] = [];
        const log = { ...silentLogger(), warn: (_o: unknown, m?: string) => warnings.push(m ?? '') } as never;
        const cache = new RedisBarCache(src, clock, r, { url: down, source: 'x', ttlMs: TTL, lockMs: 1000, maxBytes: 1 << 20, log });
        const a = await cache.bars('EURUSD', 'M5', 30);
        const b = await cache.bars('EURUSD', 'M5', 30);
        assert.equal(digest(a), digest(fakeBars('EURUSD', 30, T0)));
        assert.equal(digest(b), digest(a));
        assert.equal(fetches, 2);
        const s = cache.stats();
        assert.equal(s.bypassed, 2);
        assert.equal(s.errors, 2);
        assert.equal(warnings.length, 1, 'logged once, not per request');
        assert.match(warnings[0]!, /^redis-cache: .+; reading the source directly meanwhile$/);
        assert.doesNotMatch(warnings.join('\n'), /s3cret-pass/);
      } finally {
        await releaseConnection(down);
      }
    });

    it('runs of one process share one fetch; one run stopping (its signal) does not cancel it for the others', async () => {
      const r = acquireConnection(url);
      try {
        let release!: () => void;
        const gate = new Promise<void>((ok) => (release = ok));
        const slow: DataSource = { ...src, bars: async (symbol, _tf, q) => (fetches++, await gate, fakeBars(symbol, q as number, T0)) };
        const opts = { url, source: uniqueId('share'), ttlMs: TTL, lockMs: 5000, maxBytes: 1 << 20 };
        const a = new RedisBarCache(slow, clock, r, opts);
        const b = new RedisBarCache(slow, clock, r, opts);
        const stop = new AbortController();
        const pa = a.bars('EURUSD', 'M5', 40, stop.signal);
        const pb = b.bars('EURUSD', 'M5', 40, new AbortController().signal);
        await until(() => fetches === 1, 'the first run is fetching');
        stop.abort();
        await assert.rejects(pa, { code: 'TK_ERR_RUN_ABORTED' });
        release();
        assert.equal(digest(await pb), digest(fakeBars('EURUSD', 40, T0)));
        assert.equal(fetches, 1);
        assert.equal(b.stats().joins, 1);
      } finally {
        await releaseConnection(url);
      }
    });

    it('a window larger than maxBytes is not shared (and still served from the source)', async () => {
      const r = acquireConnection(url);
      try {
        const cache = new RedisBarCache(src, clock, r, { url, source: uniqueId('big'), ttlMs: TTL, lockMs: 1000, maxBytes: 1024, prefix: 'tradekit:mdc' });
        await new Promise<void>((ok) => (r.status === 'ready' ? ok() : r.once('ready', () => ok())));
        await cache.bars('EURUSD', 'M5', 300);
        await cache.bars('EURUSD', 'M5', 300);
        assert.equal(fetches, 2);
        assert.equal(cache.stats().tooLarge, 2);
      } finally {
        await releaseConnection(url);
      }
    });
  });

  it('under a simulated clock the plugin leaves the data source alone: a backtest with it gives the same numbers (and needs no Redis)', async function () {
    this.timeout(60_000);
    const tmp = mkdtempSync(path.join(tmpdir(), 'tk-rc-'));
    try {
      const cfg = (plugins: string) => `
run: { name: rc, mode: backtest, cycleSeconds: 300, warmupBars: 0, timeframe: M5 }
symbols: [EURUSD]
data:
  use: '@tradekit/core/csv'
  with: { dir: ${JSON.stringify(path.join(ROOT, 'examples', 'data'))}, timeframes: [M5], serverTime: { utcOffsetHours: 2, dst: us }, symbolInfo: { EURUSD: { spread: 0 } } }
broker: { use: '@tradekit/core/paper', with: { balance: 100000, currency: USD, leverage: 100 } }
agents: [{ use: ${JSON.stringify(path.join(ROOT, 'examples', 'sma-crossover'))}, with: { fast: 10, slow: 30, timeframe: M5, volume: 1 } }]
${plugins}
state: { url: memory }
`;
      writeFileSync(path.join(tmp, 'plain.yaml'), cfg(''));
      writeFileSync(
        path.join(tmp, 'cached.yaml'),
        cfg("plugins: [{ use: '@tradekit/cluster/redis-cache', with: { url: 'redis://127.0.0.1:1', source: 'csv-sample' } }]"),
      );
      const opts = { searchPaths: [import.meta.url], from: '2026-06-01', to: '2026-06-04' };
      const warnings: string[] = [];
      const quiet = silentLogger();
      const logger: Logger = { ...quiet, debug() {}, info() {}, error() {}, warn: (_o, m) => warnings.push(String(m)), child: () => logger };
      const plain = await runBacktest({ configFile: path.join(tmp, 'plain.yaml'), ...opts }, { logger: silentLogger() });
      const cached = await runBacktest({ configFile: path.join(tmp, 'cached.yaml'), ...opts }, { logger });
      assert.ok(plain.stats.trades > 0);
      assert.deepEqual(cached.stats, plain.stats);
      assert.deepEqual(
        warnings.filter((w) => /redis-cache/.test(w)),
        [],
        'it never tried Redis (which is not there)',
      );
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
