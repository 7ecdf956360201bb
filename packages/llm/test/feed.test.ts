/** Headline sources: the file and HTTP feeds (real files, a real HTTP server), parsing, no look-ahead. */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SimClock, isTradekitError, silentLogger } from '@tradekit/core';
import { FileHeadlines, HttpHeadlines, parseHeadlines } from '@tradekit/llm';

const T = Date.UTC(2026, 5, 3, 12);
const H = 3_600_000;
const rows = [
  { time: new Date(T - 2 * H).toISOString(), currencies: ['EUR'], title: 'older' },
  { time: T - H, currency: 'usd', title: '  newer  ', source: 'wire' },
  { time: T + H, currencies: ['EUR'], title: 'the future' },
  { time: T - H, currencies: ['JPY'], title: 'other currency' },
];
const isFeedError = (e: unknown) => isTradekitError(e) && e.code === 'TK_ERR_LLM_FEED';

describe('headline feeds', () => {
  it('parses the JSON format and refuses anything else with TK_ERR_LLM_FEED', () => {
    const h = parseHeadlines(rows, 'x');
    assert.deepEqual(h[1], { time: T - H, title: 'newer', currencies: ['USD'], source: 'wire' });
    for (const bad of [{}, [{ time: 'soon', title: 'a', currency: 'EUR' }], [{ time: T, title: '', currency: 'EUR' }], [{ time: T, title: 'a' }], [3]]) {
      assert.throws(() => parseHeadlines(bad, 'x'), isFeedError);
    }
  });

  it('files: only the symbol’s currencies, only (from, to], newest first, never a later headline', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tk-feed-'));
    try {
      const f = path.join(dir, 'h.json');
      writeFileSync(f, JSON.stringify(rows));
      const src = new FileHeadlines([f]);
      const got = await src.headlines(['EUR', 'USD'], T - 24 * H, T, 10);
      assert.deepEqual(
        got.map((h) => h.title),
        ['newer', 'older'],
      );
      assert.deepEqual(
        (await src.headlines(['EUR', 'USD'], T - 24 * H, T, 1)).map((h) => h.title),
        ['newer'],
      );
      writeFileSync(f, '{not json');
      await assert.rejects(new FileHeadlines([f]).load(), isFeedError);
      await assert.rejects(new FileHeadlines([path.join(dir, 'missing.json')]).load(), isFeedError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('HTTP: fetched again after the TTL of clock time; a failure keeps the last headlines; a first failure is an error', async () => {
    let n = 0;
    let fail = false;
    const server = http.createServer((_req, res) => {
      n++;
      if (fail) return void res.writeHead(503).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(rows));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/h.json`;
    try {
      const clock = new SimClock(T);
      const src = new HttpHeadlines(url, { ttlMs: 15 * 60_000, timeoutMs: 2000, clock, log: silentLogger() });
      assert.equal((await src.headlines(['USD'], T - H - 1, T, 10)).length, 1);
      await src.headlines(['USD'], T - H - 1, T, 10);
      assert.equal(n, 1, 'cached within the TTL');
      clock.advance(20 * 60_000);
      fail = true;
      assert.equal((await src.headlines(['USD'], T - H - 1, T, 10)).length, 1, 'kept');
      assert.equal(n, 2);
      const fresh = new HttpHeadlines(url, { ttlMs: 60_000, timeoutMs: 2000, clock, log: silentLogger() });
      await assert.rejects(fresh.headlines(['USD'], 0, T, 10), isFeedError);
      await assert.rejects(fresh.headlines(['USD'], 0, T, 10), isFeedError);
      assert.equal(n, 3, 'a feed that is down is not asked again within the TTL');
      fail = false;
      clock.advance(60_000);
      assert.equal((await fresh.headlines(['USD'], 0, T, 10)).length, 1);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
