/**
 * The dashboard in a real browser: Debian's Chromium driven by playwright-core (installed with apt
 * when missing; never `playwright install`). A paper replay of the quickstart (SMA example agent)
 * feeds it live. Set TK_SCREENSHOTS=docs to refresh docs/img/*.png.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ensureChromium } from '@tradekit/test-support';
import { DEFAULT_UI_DIR } from '../src/index.js';
import { ADMIN, QUICKSTART, ROOT, testHost, until, type TestHost } from './helpers.js';

const CHROMIUM = CHROMIUM_PATH;
const ARGS = [...CHROMIUM_ARGS];
const enc = encodeURIComponent;

describe('dashboard in Chromium (playwright-core)', function () {
  this.timeout(120000);
  let h: TestHost;
  let live: string;
  let done: string;
  let ctx: BrowserContext;
  let page: Page;
  let profile: string;
  const shots = process.env.TK_SCREENSHOTS === 'docs' ? path.join(ROOT, 'docs', 'img') : mkdtempSync(path.join(tmpdir(), 'tk-shots-'));

  before(async function () {
    this.timeout(900000);
    ensureChromium();
    assert.ok(existsSync(path.join(DEFAULT_UI_DIR, 'index.html')), `the web UI is not built at ${DEFAULT_UI_DIR}: run node scripts/setup.mjs`);
    mkdirSync(shots, { recursive: true });
    h = await testHost();
    // A short finished replay (for the results view) and a live-looking one at 600x (a cycle per 0.5 s).
    const b = await h.post('/runs', { config: QUICKSTART, overrides: { pace: 'max', cycles: 600, stateUrl: `sqlite://${h.dir}/b.db`, logLevel: 'silent' } });
    done = b.body.id;
    await until(async () => (await h.get(`/runs/${enc(done)}`)).body.status === 'finished', 'the short replay');
    const a = await h.post('/runs', { config: QUICKSTART, overrides: { pace: '600x', stateUrl: `sqlite://${h.dir}/a.db`, logLevel: 'silent' } });
    assert.equal(a.status, 201, JSON.stringify(a.body));
    live = a.body.id;
    profile = mkdtempSync(path.join(tmpdir(), 'tk-chromium-'));
    ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true, viewport: { width: 1440, height: 900 } });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    page.on('pageerror', (e) => process.stderr.write(`browser page error: ${e.message}\n`));
    page.on('console', (m) => m.type() === 'error' && process.stderr.write(`browser console: ${m.text()}\n`));
  });

  after(async () => {
    await ctx?.close();
    await h?.dispose();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('refuses a bad token and loads with a good one', async () => {
    await page.goto(`${h.url}/`);
    await page.fill('input[name=token]', 'tk_not_valid_not_valid_not_valid_000');
    await page.click('button[type=submit]');
    await page.waitForSelector('.error:has-text("TK_ERR_AUTH_INVALID")');
    await page.goto(`${h.url}/#token=${ADMIN}`);
    await page.waitForSelector('[data-testid=run-list] li');
    assert.ok(!page.url().includes(ADMIN), 'the token is removed from the address bar');
  });

  it("shows a paper run's account and scanner updating live", async () => {
    await page.goto(`${h.url}/#/runs/${enc(live)}/live`);
    await page.waitForSelector('[data-testid=conn]:has-text("live")');
    const equity = page.locator('[data-testid=equity]');
    await until(async () => /\d/.test(await equity.innerText()), 'the equity figure');
    const clock = page.locator('[data-testid=run-clock]');
    const t0 = await clock.innerText();
    const scanner = page.locator('[data-testid=scanner]');
    await until(async () => (await scanner.locator('.scan-cell').count()) === 3, 'three scanner cells');
    const scan0 = await page.locator('.scanner h4').innerText();
    await until(
      async () => (await clock.innerText()) !== t0 && (await page.locator('.scanner h4').innerText()) !== scan0,
      'the run clock and the scan cycle to move',
      20000,
    );
    // Fills show as FILLED/SIGNAL, never SKIP (the original's bug).
    await until(
      async () =>
        (await page.locator('.scan-cell[data-kind=filled], .scan-cell[data-kind=signal]').count()) > 0 ||
        (await page.locator('[data-testid=trade-feed] li').count()) > 1,
      'a signal or fill',
      30000,
    );
    for (const cell of await scanner.locator('.scan-cell').all()) {
      const status = await cell.locator('.status').innerText();
      const kind = await cell.getAttribute('data-kind');
      if (/^(FILLED|PLACED)/.test(status)) assert.equal(kind, 'filled');
      if (/^CANDIDATE/.test(status)) assert.equal(kind, 'signal');
    }
    const api = (await h.get(`/runs/${enc(live)}/account`)).body;
    assert.equal(api.currency, 'USD');
  });

  it('renders candles and trade markers on the chart', async () => {
    await page.click('.scan-cell[data-symbol=XAUUSD]');
    const info = page.locator('[data-testid=chart-info]');
    await until(async () => Number(await info.getAttribute('data-bars')) > 100, 'candles');
    await until(async () => Number(await info.getAttribute('data-markers')) > 0, 'a trade marker', 30000);
    assert.ok((await page.locator('[data-testid=chart] canvas').count()) > 0);
    // The candle canvas is not blank: red and green pixels are drawn (the chart paints on an animation
    // frame after its data changes, so the pixels are read until they are there).
    const drawn = () =>
      page.evaluate(() => {
        const document = (globalThis as any).document;
        let up = 0;
        let down = 0;
        for (const c of Array.from(document.querySelectorAll('[data-testid=chart] canvas')) as any[]) {
          const g = c.getContext('2d');
          if (!g || !c.width || !c.height) continue;
          const d = g.getImageData(0, 0, c.width, c.height).data;
          for (let i = 0; i < d.length; i += 16) {
            if (d[i] === 0x26 && d[i + 1] === 0xa6 && d[i + 2] === 0x9a) up++;
            if (d[i] === 0xef && d[i + 1] === 0x53 && d[i + 2] === 0x50) down++;
          }
        }
        return { up, down };
      });
    let colours = { up: 0, down: 0 };
    await until(async () => {
      colours = await drawn();
      return colours.up > 0 && colours.down > 0;
    }, 'red and green candles on the canvas').catch(() => undefined);
    assert.ok(colours.up > 0 && colours.down > 0, `candles drawn (${JSON.stringify(colours)})`);
    await page.waitForTimeout(800);
    await page.screenshot({ path: path.join(shots, 'dashboard-live.png') });
  });

  it("prints chart prices with each symbol's digits: 5 for EURUSD, 2 for XAUUSD (the axis labels as drawn)", async () => {
    // A second tab that records the text lightweight-charts draws on its canvases (axis labels are canvas text).
    const tab = await ctx.newPage();
    try {
      await tab.addInitScript(() => {
        const proto = (globalThis as any).CanvasRenderingContext2D.prototype;
        const fillText = proto.fillText;
        const drawn: string[] = ((globalThis as any).__tkDrawn = []);
        proto.fillText = function (this: unknown, text: unknown, ...rest: unknown[]) {
          drawn.push(String(text));
          return fillText.call(this, text, ...rest);
        };
      });
      await tab.goto(`${h.url}/#/runs/${enc(live)}/live`);
      const info = tab.locator('[data-testid=chart-info]');
      /** Price labels (numbers with a decimal point) drawn after the chart switched to `symbol`, within [lo, hi]. */
      const labels = async (symbol: string, digits: number, lo: number, hi: number): Promise<string[]> => {
        await tab.selectOption('select[aria-label=symbol]', symbol);
        await until(
          async () => (await info.getAttribute('data-digits')) === String(digits) && Number(await info.getAttribute('data-bars')) > 100,
          `${symbol} candles`,
        );
        await tab.evaluate(() => ((globalThis as any).__tkDrawn.length = 0));
        return until(async () => {
          const drawn = (await tab.evaluate(() => [...(globalThis as any).__tkDrawn])) as string[];
          const prices = drawn.filter((t) => /^\d+\.\d+$/.test(t) && Number(t) >= lo && Number(t) <= hi);
          return prices.length >= 3 ? [...new Set(prices)] : undefined;
        }, `${symbol} price labels on the axis`);
      };
      const eur = await labels('EURUSD', 5, 0.5, 2);
      assert.deepEqual(
        eur.filter((t) => !/^\d\.\d{5}$/.test(t)),
        [],
        `EURUSD labels with 5 decimals: ${eur.join(' ')}`,
      );
      const xau = await labels('XAUUSD', 2, 1000, 10000);
      assert.deepEqual(
        xau.filter((t) => !/^\d{4}\.\d{2}$/.test(t)),
        [],
        `XAUUSD labels with 2 decimals: ${xau.join(' ')}`,
      );
    } finally {
      await tab.close();
    }
  });

  it('pauses the run from the UI (with confirmation) and the run goes HALTED', async () => {
    await page.click('[data-testid=btn-pause]');
    await page.fill('.modal input', 'browser test');
    await page.click('[data-testid=confirm]');
    await page.waitForSelector('[data-testid=trading-state]:has-text("HALTED")');
    const r = await h.get(`/runs/${enc(live)}`);
    assert.equal(r.body.tradingState, 'HALTED');
    const audit = (await h.get(`/audit?run=${enc(live)}`)).body.items[0];
    assert.equal(audit.action, 'run.pause');
    assert.equal(audit.params.reason, 'browser test');
    await page.waitForSelector('[data-testid=event-log] li:has-text("ACTIVE → HALTED")');
  });

  it('shows the journal, results side by side, and fits a phone', async () => {
    await page.goto(`${h.url}/#/runs/${enc(done)}/journal`);
    await page.waitForSelector('[data-testid=stats] .stat');
    await page.waitForSelector('[data-testid=trade-history] tbody tr');
    await page.screenshot({ path: path.join(shots, 'dashboard-journal.png'), fullPage: true });
    await page.goto(`${h.url}/#/runs/${enc(done)}/results`);
    await page.selectOption('select[aria-label="second run"]', live);
    await until(
      async () => (await page.locator('.result canvas').count()) > 0 && (await page.locator('.result [data-testid=stats]').count()) === 2,
      'two results',
    );
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(shots, 'dashboard-results.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${h.url}/#/runs/${enc(live)}/live`);
    await page.waitForSelector('[data-testid=equity]');
    await until(async () => /\d/.test(await page.locator('[data-testid=equity]').innerText()), 'equity on a phone');
    const overflow = await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth - (globalThis as any).innerWidth);
    assert.ok(overflow <= 1, `no horizontal scroll at phone width (${overflow}px)`);
    await page.waitForTimeout(600);
    await page.screenshot({ path: path.join(shots, 'dashboard-phone.png'), fullPage: true });
  });
});
