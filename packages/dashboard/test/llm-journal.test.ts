/**
 * The journal view's model decisions: a run with @tradekit/llm's sentiment and critic plugins, started
 * through the API against a real HTTP server speaking the OpenAI chat protocol; `GET /runs/:id/llm`
 * serves every call with its prompt and answer and the critic's reviews, also after the run finished.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ensureChromium } from '@tradekit/test-support';
import { ADMIN, QUICKSTART, ROOT, testHost, until, type TestHost } from './helpers.js';

const enc = encodeURIComponent;

/** Chat completions: a review for the critic's prompt, a fearful sentiment otherwise. */
function chatServer(): Promise<{ url: string; close(): Promise<void>; count(): number }> {
  let n = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      n++;
      const system = (JSON.parse(body) as { messages: { content: string }[] }).messages[0]!.content;
      const content = system.includes('trading coach')
        ? { grade: 7, lesson: 'let winners run', analysis: 'clean entry' }
        : { score: 0.2, confidence: 0.8, emotion: 'FEAR', risk: 'LOW', reasoning: 'cautious' };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: `c${n}`,
          object: 'chat.completion',
          created: 0,
          model: 'm',
          choices: [{ index: 0, message: { role: 'assistant', content: JSON.stringify(content) }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 50, completion_tokens: 10, total_tokens: 60 },
        }),
      );
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
        count: () => n,
        close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
      }),
    ),
  );
}

describe('dashboard journal: LLM decisions and critic reviews', function () {
  this.timeout(60_000);
  let h: TestHost;
  let llm: Awaited<ReturnType<typeof chatServer>>;

  before(async () => {
    h = await testHost();
    llm = await chatServer();
  });
  after(async () => {
    await llm.close();
    await h.dispose();
  });

  it('serves each call with its prompt and answer, and the reviews, after the run finished (its calls table is opened again for the read)', async () => {
    const plugin = (file: string, w: unknown) =>
      `  - use: ${JSON.stringify(path.join(ROOT, 'packages', 'llm', 'dist', 'src', 'plugins', file))}\n    with: ${JSON.stringify(w)}\n`;
    const store = `sqlite://${path.join(h.dir, 'llm.db')}`;
    const llmSection = { model: 'm', baseURL: llm.url, store, maxRetries: 0 };
    const text = readFileSync(QUICKSTART, 'utf8')
      .replace('name: quickstart', 'name: llm-journal')
      .replace('./data', './examples/data')
      .replace('./sma-crossover', './examples/sma-crossover')
      .replace('sqlite://./quickstart.db', "'memory:'")
      .replace(
        /plugins:\n( {2}- .*\n( {4}.*\n)*)/,
        (m) =>
          `${m}${plugin('sentiment.js', { llm: llmSection, feed: { files: [path.join(ROOT, 'examples', 'news', 'headlines-sample.json')] } })}${plugin('critic.js', { llm: llmSection })}`,
      );
    const started = await h.post('/runs', { yaml: text, baseDir: ROOT, overrides: { cycles: 600, pace: 'max', logLevel: 'silent' } });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const id = started.body.id as string;
    await until(async () => (await h.get(`/runs/${enc(id)}`)).body.status === 'finished', 'the run to finish', 50_000);
    assert.ok(llm.count() > 0, 'the model was asked');

    const r = await h.get(`/runs/${enc(id)}/llm`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.available, true);
    const items = r.body.items as {
      kind: string;
      outcome: string;
      request: { user: string };
      response: string;
      parsed: Record<string, unknown>;
      time: number;
    }[];
    const sentiment = items.filter((i) => i.kind === 'sentiment');
    const critic = items.filter((i) => i.kind === 'critic');
    assert.ok(sentiment.length > 0 && critic.length > 0, `kinds: ${items.map((i) => i.kind).join(',')}`);
    assert.ok(
      sentiment.every((i) => i.outcome === 'ok' && i.request.user.includes('"headlines"') && i.parsed.emotion === 'FEAR' && i.response.includes('FEAR')),
    );
    for (let k = 1; k < items.length; k++) assert.ok(items[k - 1]!.time >= items[k]!.time, 'newest first');

    const trades = await h.get(`/runs/${enc(id)}/trades?status=closed&limit=1000`);
    const reviews = r.body.reviews as { positionId: string; grade: number; lesson: string }[];
    assert.ok(reviews.length > 0);
    const ids = new Set(trades.body.items.map((t: { positionId: string }) => t.positionId));
    assert.ok(reviews.every((v) => ids.has(v.positionId) && v.grade === 7 && v.lesson === 'let winners run'));
    // The overlay reduced the example agent's 0.1 lots to 0.06 (FEAR × 0.6) where there were headlines
    // (none in the 24 h before a Monday morning: no call, the agent's size), and never raised one.
    const volumes = trades.body.items.map((t: { volume: number }) => t.volume) as number[];
    assert.ok(
      volumes.every((v) => v === 0.06 || v === 0.1),
      JSON.stringify(volumes),
    );
    assert.ok(volumes.filter((v) => v === 0.06).length > volumes.length / 2);

    const only = await h.get(`/runs/${enc(id)}/llm?kind=critic&limit=2`);
    assert.equal(only.body.items.length, 2);
    assert.ok(only.body.items.every((i: { kind: string }) => i.kind === 'critic'));
    const bad = await h.get(`/runs/${enc(id)}/llm?kind=oracle`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'TK_ERR_API_BAD_REQUEST');
    const unknown = await h.get(`/runs/nope/llm`);
    assert.deepEqual(unknown.body, { available: false, items: [], reviews: [] });

    // The journal view in a real browser: the decisions table (prompt and answer behind a click) and
    // the critic's column in the trade history.
    ensureChromium();
    const profile = mkdtempSync(path.join(tmpdir(), 'tk-chromium-llm-'));
    const ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS],
      headless: true,
      viewport: { width: 1440, height: 900 },
    });
    try {
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      await page.goto(`${h.url}/#token=${ADMIN}`);
      await page.waitForSelector('[data-testid=run-list] li');
      await page.goto(`${h.url}/#/runs/${enc(id)}/journal`);
      await page.waitForSelector('[data-testid=trade-history] tbody tr');
      const rows = page.locator('[data-testid=llm-decisions] tbody tr');
      await rows.first().waitFor({ timeout: 20_000 });
      assert.ok((await rows.count()) > 0);
      const first = rows.first();
      await first.locator('summary').click();
      const text = await first.innerText();
      assert.match(text, /Prompt/);
      assert.match(text, /Answer/);
      await page.locator('[data-testid=trade-history] th', { hasText: 'Critic' }).waitFor({ timeout: 10_000 });
      assert.match(await page.locator('[data-testid=trade-history]').innerText(), /7\/10 · let winners run/);
    } finally {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
