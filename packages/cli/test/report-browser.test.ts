/**
 * report.html in a real browser (playwright-core driving the system Chromium), opened from file://
 * with every network request refused: the charts draw, the tables fill, a click on a trade moves
 * its symbol's chart to that trade.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ensureChromium } from '@tradekit/test-support';
import { QUICKSTART, tk } from './helpers.js';

const CHROMIUM = CHROMIUM_PATH;

describe('report.html in a browser', function () {
  this.timeout(60_000);
  let tmp: string;
  let browser: Browser | undefined;

  before(function () {
    this.timeout(600_000); // a fresh machine installs Debian's chromium first (about a minute)
    ensureChromium(CHROMIUM);
    tmp = mkdtempSync(path.join(tmpdir(), 'tk-html-'));
    const r = tk(['backtest', QUICKSTART, '--out', tmp, '--from', '2026-06-01', '--to', '2026-06-10']);
    assert.equal(r.status, 0, r.stderr);
  });
  after(async () => {
    await browser?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('draws every chart from the inlined library without touching the network', async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      requests.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(path.join(tmp, 'report.html')).href);
    await page.waitForFunction('window.tradekitReport !== undefined');
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, [], 'no request leaves the file');

    // (Browser-side code as strings: this package compiles without the DOM library.)
    const info = (await page.evaluate(`(() => {
      const r = window.tradekitReport;
      return {
        trades: r.data.trades.length,
        symbols: r.data.meta.symbols,
        charts: Object.keys(r.charts).sort(),
        canvases: document.querySelectorAll('canvas').length,
        statsRows: document.querySelectorAll('#tk-stats tr').length,
        tradeRows: document.querySelectorAll('#tk-trades tbody tr').length,
        pageInfo: document.getElementById('tk-page-info').textContent,
      };
    })()`)) as { trades: number; symbols: string[]; charts: string[]; canvases: number; statsRows: number; tradeRows: number; pageInfo: string };
    assert.deepEqual(info.charts, ['EURUSD', 'GBPUSD', 'XAUUSD']);
    assert.ok(info.canvases >= 4 * 2, `canvases: ${info.canvases}`); // equity + 3 symbols, each several layers
    assert.equal(info.statsRows, 15);
    assert.ok(info.trades > 0);
    assert.equal(info.tradeRows, Math.min(100, info.trades));
    assert.match(info.pageInfo!, new RegExp(`^${info.trades.toLocaleString('en-US')} trades · page 1 / `));

    // Something is drawn on the equity chart: its main canvas is not blank.
    const inked = (await page.evaluate(`(() => {
      const c = document.querySelector('#tk-equity canvas');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 200 || d[i + 1] < 200)) n++;
      return n;
    })()`)) as number;
    assert.ok(inked > 500, `drawn pixels: ${inked}`);

    // Filter to one symbol, click the first trade: that symbol's chart shows the trade's span.
    await page.selectOption('#tk-filter-symbol', 'EURUSD');
    const symbols = await page.$$eval('#tk-trades tbody tr td:nth-child(2)', (tds) => [...new Set(tds.map((t) => t.textContent))]);
    assert.deepEqual(symbols, ['EURUSD']);
    // Let the charts finish their first layout (a deferred fit would undo the zoom), then click.
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    await page.click('#tk-trades tbody tr:first-child');
    await page.waitForFunction(
      `(() => { const v = window.tradekitReport.charts.EURUSD.chart.timeScale().getVisibleRange(); return v && v.to - v.from < 10 * 86400; })()`,
      undefined,
      { timeout: 5_000 },
    );
    const range = (await page.evaluate(`(() => {
      const r = window.tradekitReport;
      const first = r.data.trades.find((t) => t[1] === 'EURUSD');
      return { visible: r.charts.EURUSD.chart.timeScale().getVisibleRange(), entry: first[4], exit: first[6] };
    })()`)) as { visible: { from: number; to: number } | null; entry: number; exit: number };
    assert.ok(range.visible && range.visible.from <= range.entry && range.visible.to >= range.exit, JSON.stringify(range));
    assert.ok(range.visible!.to - range.visible!.from < 10 * 86_400, 'zoomed in on the trade, not the whole run');
  });
});
