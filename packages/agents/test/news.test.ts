/** The economic calendar: format, blackout windows, caching, offline behaviour (real HTTP server). */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SimClock, isTradekitError, silentLogger } from '@tradekit/core';
import { NewsCalendar, parseCalendar, symbolCurrencies, type CalendarOptions } from '@tradekit/agents';
import { FIXTURES, tempDir, utc } from './helpers.js';

const FIXTURE = readFileSync(`${FIXTURES}ff-calendar.json`, 'utf8');

function opts(sources: string[], extra: Partial<CalendarOptions> = {}): CalendarOptions {
  return { sources, ttlMs: 4 * 3600_000, retryMs: 15 * 60_000, fetchTimeoutMs: 2000, preMs: 15 * 60_000, postMs: 15 * 60_000, impacts: ['High'], ...extra };
}

describe('news calendar', () => {
  let server: Server;
  let url = '';
  let hits = 0;
  let mode: 'ok' | 'down' | 'garbage' = 'ok';
  before(async () => {
    server = createServer((_req, res) => {
      hits++;
      if (mode === 'down') {
        res.writeHead(503).end('maintenance');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(mode === 'garbage' ? '{"not":"a list"}' : FIXTURE);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const a = server.address() as { port: number };
    url = `http://127.0.0.1:${a.port}/ff_calendar_thisweek.json`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    hits = 0;
    mode = 'ok';
  });

  it('parses the ForexFactory weekly format (times with offsets → UTC)', () => {
    const ev = parseCalendar(JSON.parse(FIXTURE), 'fixture');
    assert.equal(ev.length, 5);
    assert.deepEqual(ev[0], { title: 'Non-Farm Employment Change', currency: 'USD', time: utc('2026-06-03T14:10:00'), impact: 'High' });
  });

  it('rejects other shapes with a coded error', () => {
    for (const bad of [{ a: 1 }, [{ title: 'x', country: 'USD' }], [{ title: 'x', country: 'USD', date: 'soon' }]]) {
      assert.throws(
        () => parseCalendar(bad, 'bad.json'),
        (e: unknown) => isTradekitError(e) && e.code === 'TK_ERR_AGENTS_NEWS_FORMAT',
      );
    }
  });

  it('blackout: high impact only, per currency, from 15 min before to 15 min after', async () => {
    const clock = new SimClock(utc('2026-06-03T13:00:00'));
    const cal = new NewsCalendar(opts([`${FIXTURES}ff-calendar.json`]), clock, silentLogger());
    await cal.refresh();
    const nfp = utc('2026-06-03T14:10:00');
    assert.equal(cal.blackout(['EUR', 'USD'], nfp - 16 * 60_000), undefined);
    assert.equal(cal.blackout(['EUR', 'USD'], nfp - 15 * 60_000)?.title, 'Non-Farm Employment Change');
    assert.equal(cal.blackout(['XAU', 'USD'], nfp + 15 * 60_000)?.title, 'Non-Farm Employment Change');
    assert.equal(cal.blackout(['XAU', 'USD'], nfp + 16 * 60_000), undefined);
    assert.equal(cal.blackout(['GBP', 'JPY'], nfp), undefined, 'other currencies');
    assert.equal(cal.blackout(['USD'], utc('2026-06-03T13:46:00')), undefined, 'the medium-impact PMI at 14:00 does not count');
    const medium = new NewsCalendar(opts([`${FIXTURES}ff-calendar.json`], { impacts: ['High', 'Medium'] }), clock, silentLogger());
    await medium.refresh();
    assert.equal(medium.blackout(['USD'], utc('2026-06-03T13:46:00'))?.title, 'ISM Services PMI');
    assert.equal(cal.blackout(['GBP'], utc('2026-06-01T04:00:00')), undefined, 'holidays are not high impact');
    assert.deepEqual(symbolCurrencies({ baseCurrency: 'XAU', profitCurrency: 'USD' }), ['XAU', 'USD']);
    assert.deepEqual(symbolCurrencies({ baseCurrency: 'USD', profitCurrency: 'USD' }), ['USD']);
  });

  it('fetches from a URL once per cache period, not on every call', async () => {
    const clock = new SimClock(utc('2026-06-03T08:00:00'));
    const cal = new NewsCalendar(opts([url]), clock, silentLogger());
    await cal.refresh();
    await cal.refresh();
    clock.advance(3 * 3600_000);
    await cal.refresh();
    assert.equal(hits, 1);
    assert.equal(cal.all.length, 5);
    clock.advance(3600_000);
    await cal.refresh();
    assert.equal(hits, 2, 'refetched after 4 hours');
  });

  it('offline: keeps the last events and does not retry before retryMs (the original re-fetched on every call)', async () => {
    const clock = new SimClock(utc('2026-06-03T08:00:00'));
    const cal = new NewsCalendar(opts([url]), clock, silentLogger());
    await cal.refresh();
    mode = 'down';
    clock.advance(5 * 3600_000);
    await cal.refresh();
    assert.equal(hits, 2);
    assert.equal(cal.stats.failures, 1);
    assert.match(cal.stats.lastError!, /HTTP 503/);
    assert.equal(cal.all.length, 5, 'still knows the week');
    for (let i = 0; i < 50; i++) {
      await cal.refresh();
      cal.blackout(['USD'], clock.now());
      clock.advance(10_000);
    }
    assert.equal(hits, 2, 'no fetch per call while offline');
    clock.advance(15 * 60_000);
    mode = 'ok';
    await cal.refresh();
    assert.equal(hits, 3);
    assert.equal(cal.stats.failures, 1);
  });

  it('a dead host is a failure too, and concurrent refreshes share one fetch', async () => {
    const clock = new SimClock(utc('2026-06-03T08:00:00'));
    const dead = new NewsCalendar(opts(['http://127.0.0.1:9/none.json'], { fetchTimeoutMs: 500 }), clock, silentLogger());
    await dead.refresh();
    assert.equal(dead.stats.failures, 1);
    assert.equal(dead.all.length, 0, 'no calendar, no blackout: there is no built-in fake schedule');
    assert.equal(dead.blackout(['USD'], utc('2026-06-03T18:30:00')), undefined);
    const cal = new NewsCalendar(opts([url]), clock, silentLogger());
    await Promise.all([cal.refresh(), cal.refresh(), cal.refresh()]);
    assert.equal(hits, 1);
  });

  it('a garbage response keeps the old calendar; the disk cache brings a restart back offline', async () => {
    const dir = tempDir();
    const cacheFile = path.join(dir, 'news-cache.json');
    const clock = new SimClock(utc('2026-06-03T08:00:00'));
    const cal = new NewsCalendar(opts([url], { cacheFile }), clock, silentLogger());
    await cal.refresh();
    assert.ok(existsSync(cacheFile));
    mode = 'garbage';
    clock.advance(5 * 3600_000);
    await cal.refresh();
    assert.equal(cal.all.length, 5);
    assert.match(cal.stats.lastError!, /expected a JSON array/);
    mode = 'down';
    const restarted = new NewsCalendar(opts([url], { cacheFile }), clock, silentLogger());
    assert.equal(await restarted.restore(), true);
    await restarted.refresh();
    assert.equal(restarted.all.length, 5);
    assert.equal(restarted.blackout(['USD'], utc('2026-06-03T14:00:00'))?.title, 'Non-Farm Employment Change');
  });
});
