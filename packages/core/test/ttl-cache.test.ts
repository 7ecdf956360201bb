import assert from 'node:assert/strict';
import path from 'node:path';
import { CsvDataSource, SimClock, TtlCache } from '../src/index.js';
import { EXAMPLES, utc } from './helpers/fs.js';
import { SlowSource } from './helpers/slow-source.js';

async function csv(clock: SimClock): Promise<CsvDataSource> {
  const s = new CsvDataSource(clock, {
    dir: path.join(EXAMPLES, 'data'),
    symbols: ['EURUSD', 'XAUUSD'],
    timeframes: ['M5', 'H1'],
    serverTime: { utcOffsetHours: 2, dst: 'us' },
  });
  await s.load();
  return s;
}

describe('TTL data cache', () => {
  it('makes concurrent requests for one key share a single fetch', async () => {
    const clock = new SimClock(utc('2026-06-01 10:02'));
    const slow = new SlowSource(await csv(clock), 30);
    const cache = new TtlCache(slow, clock, { ttlMs: 60_000 });
    const all = await Promise.all(Array.from({ length: 10 }, () => cache.bars('EURUSD', 'M5', 250)));
    assert.equal(slow.calls, 1);
    assert.ok(all.every((b) => b === all[0]));
    assert.deepEqual({ ...cache.stats(), size: undefined }, { hits: 0, misses: 1, joins: 9, evictions: 0, errors: 0, size: undefined });
    await cache.bars('EURUSD', 'M5', 250);
    assert.equal(cache.stats().hits, 1);
  });

  it('keys on symbol, timeframe and count', async () => {
    const clock = new SimClock(utc('2026-06-01 10:02'));
    const slow = new SlowSource(await csv(clock), 1);
    const cache = new TtlCache(slow, clock);
    await cache.bars('EURUSD', 'M5', 100);
    await cache.bars('EURUSD', 'M5', 250);
    await cache.bars('EURUSD', 'H1', 100);
    await cache.bars('XAUUSD', 'M5', 100);
    const b = await cache.bars('EURUSD', 'M5', 250);
    assert.equal(slow.calls, 4);
    assert.equal(b.length, 250);
  });

  it('expires entries after the TTL of clock time and as soon as the next bar closes', async () => {
    const clock = new SimClock(utc('2026-06-01 10:01'));
    const slow = new SlowSource(await csv(clock), 1);
    const cache = new TtlCache(slow, clock, { ttlMs: 3_600_000 });
    const a = await cache.bars('EURUSD', 'M5', 10);
    clock.set(utc('2026-06-01 10:04'));
    assert.equal(await cache.bars('EURUSD', 'M5', 10), a, 'same bar window: cached');
    clock.set(utc('2026-06-01 10:05'));
    const b = await cache.bars('EURUSD', 'M5', 10);
    assert.notEqual(b, a, 'a new M5 bar closed: refetched');
    assert.equal(b.time[9]! - a.time[9]!, 300_000);
    const info1 = await cache.symbolInfo('EURUSD');
    clock.set(utc('2026-06-01 10:30'));
    assert.equal(await cache.symbolInfo('EURUSD'), info1);
    const short = new TtlCache(slow, clock, { ttlMs: 1000, infoTtlMs: 1000 });
    await short.symbolInfo('EURUSD');
    clock.advance(1000);
    const before = slow.calls;
    await short.symbolInfo('EURUSD');
    assert.equal(slow.calls, before + 1);
  });

  it('stays bounded: least recently used entries go first', async () => {
    const clock = new SimClock(utc('2026-06-01 10:01'));
    const src = await csv(clock);
    const cache = new TtlCache(src, clock, { maxEntries: 3 });
    for (const n of [1, 2, 3]) cache.bars('EURUSD', 'M5', n);
    cache.bars('EURUSD', 'M5', 1); // refresh 1
    cache.bars('EURUSD', 'M5', 4); // evicts 2
    assert.equal(cache.stats().size, 3);
    assert.equal(cache.stats().evictions, 1);
    const misses = cache.stats().misses;
    cache.bars('EURUSD', 'M5', 1);
    assert.equal(cache.stats().misses, misses, '1 was kept');
    cache.bars('EURUSD', 'M5', 2);
    assert.equal(cache.stats().misses, misses + 1, '2 was evicted');
  });

  it('answers synchronously in front of a synchronous source', async () => {
    const clock = new SimClock(utc('2026-06-01 10:01'));
    const cache = new TtlCache(await csv(clock), clock);
    const r = cache.bars('EURUSD', 'M5', 5);
    assert.ok(!(r instanceof Promise));
    assert.ok(!(cache.tick('EURUSD') instanceof Promise));
  });

  it('does not cache failures', async () => {
    const clock = new SimClock(utc('2026-06-01 10:01'));
    const slow = new SlowSource(await csv(clock), 1);
    const cache = new TtlCache(slow, clock);
    slow.fail = true;
    await assert.rejects(Promise.resolve(cache.bars('EURUSD', 'M5', 5)), /source unavailable/);
    slow.fail = false;
    const b = await cache.bars('EURUSD', 'M5', 5);
    assert.equal(b.length, 5);
    assert.equal(cache.stats().errors, 1);
  });
});
