/**
 * The LLM plugins in real backtests (core driver, CSV data, paper broker, the agents' risk policy)
 * against a scripted OpenAI-protocol server: every failure path ends in the configured fallback and
 * never in an order built on an unparsed answer; the overlay never raises the risk policy's size;
 * trading states hold when the model approves; a recorded backtest replays identically, offline.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { floorToStep } from '@tradekit/core';
import { openLlmStore, LLM_MODE_ENV, SizeOverlay, type Sentiment } from '@tradekit/llm';
import { FakeLlmServer, type Script } from './fake-openai.js';
import { config, criticPlugin, harness, researcherPlugin, resetProbe, sentimentPlugin, tradesOf, type Harness } from './harness.js';

const EURUSD_STEP = 0.01;
const sentiment = (s: Partial<Sentiment>): Script => ({
  content: JSON.stringify({ score: 0, confidence: 0.9, emotion: 'NEUTRAL', risk: 'LOW', reasoning: 'test', ...s }),
});

describe('LLM plugins in backtests', function () {
  this.timeout(120_000);
  let server: FakeLlmServer;
  let url: string;
  let h: Harness;
  let baseline: string[];
  let baselineCount: number;

  before(async () => {
    h = harness();
    const r = await h.run(config());
    baseline = tradesOf(r);
    baselineCount = r.trades.length;
    assert.ok(baselineCount >= 10, `the test agent trades (${baselineCount})`);
  });
  after(() => h.cleanup());
  beforeEach(async () => {
    server = new FakeLlmServer();
    url = `${await server.start()}/v1`;
  });
  afterEach(async () => {
    await server.stop();
  });

  it('an approving model changes nothing: the same trades as without it', async () => {
    server.script = sentiment({ score: 0.1, emotion: 'NEUTRAL' });
    const r = await h.run(config({ plugins: sentimentPlugin(url) }));
    assert.ok(server.requests > 0, 'the model was asked');
    assert.deepEqual(tradesOf(r), baseline);
  });

  it('confident bearish sentiment vetoes every BUY and no SELL', async () => {
    server.script = sentiment({ score: -0.9, confidence: 0.9 });
    const r = await h.run(config({ plugins: sentimentPlugin(url) }));
    assert.ok(r.trades.length > 0);
    assert.ok(
      r.trades.every((t) => t.side === 'sell'),
      tradesOf(r).join('\n'),
    );
  });

  it('bearish but unconfident sentiment vetoes nothing', async () => {
    server.script = sentiment({ score: -0.9, confidence: 0.3 });
    const r = await h.run(config({ plugins: sentimentPlugin(url) }));
    assert.deepEqual(tradesOf(r), baseline);
  });

  it('FEAR: every order is floor(risk volume × 0.6), never above the risk policy’s volume', async () => {
    server.script = sentiment({ emotion: 'FEAR' });
    const probe = resetProbe();
    const r = await h.run(config({ probe: true, plugins: sentimentPlugin(url) }));
    const ids = Object.keys(probe.final);
    // Not the baseline's count: smaller orders pass the risk policy's lot-exposure limit more often.
    assert.ok(ids.length >= baselineCount);
    for (const id of ids) {
      const risk = probe.risk[id]!;
      assert.ok(risk > 0);
      assert.equal(probe.final[id], floorToStep(risk * 0.6, EURUSD_STEP), id);
      assert.ok(probe.final[id]! <= risk);
    }
    assert.ok(
      r.trades.every((t) => t.volume <= 0.5),
      'the baseline sizes ≈ 0.75 lots: all reduced',
    );
  });

  it('GREED/EUPHORIA reduce by greedFactor; a factor above 1 is refused by the schema and ignored by the overlay', async () => {
    server.script = sentiment({ emotion: 'EUPHORIA' });
    const probe = resetProbe();
    await h.run(config({ probe: true, plugins: sentimentPlugin(url, { greedFactor: 0.8 }) }));
    for (const id of Object.keys(probe.final)) assert.equal(probe.final[id], floorToStep(probe.risk[id]! * 0.8, EURUSD_STEP));
    await assert.rejects(h.run(config({ plugins: sentimentPlugin(url, { greedFactor: 1.5 }) })), /greedFactor|maximum|<= 1/);
    // The overlay itself: a factor above 1 (a model asking for more) is no reduction at all.
    const o = new SizeOverlay();
    const c = { symbol: 'EURUSD', side: 'buy', score: 1, probability: 0.5, entry: 'market' } as const;
    o.reduce(c, 5, 'more please');
    assert.equal(o.factorOf(c), 1);
    o.reduce(c, 0.5, 'half');
    o.reduce(c, 3, 'more again');
    assert.equal(o.factorOf(c), 0.5);
  });

  const FAILURES: [string, Script, Record<string, unknown>][] = [
    ['malformed JSON', { content: 'BEARISH | 0.9 | ECB' }, {}],
    ['schema-invalid', { content: '{"score":7,"confidence":0.9,"emotion":"FEAR"}' }, {}],
    ['slow past the timeout', { content: '{"score":0,"confidence":0.9,"emotion":"FEAR"}', delayMs: 2000 }, { timeoutMs: 150 }],
    ['429 with retry-after over the cap', { status: 429, headers: { 'retry-after': '600' } }, {}],
    ['500', { status: 500 }, {}],
  ];

  for (const [name, script, llm] of FAILURES) {
    it(`${name}: onFailure block → no order at all; onFailure skip → exactly the trades without the model`, async () => {
      server.script = script;
      const blocked = await h.run(config({ plugins: sentimentPlugin(url, { onFailure: 'block' }, llm) }));
      assert.ok(server.requests > 0);
      assert.equal(blocked.trades.length, 0, tradesOf(blocked).join('\n'));
      const skipped = await h.run(config({ plugins: sentimentPlugin(url, { onFailure: 'skip' }, llm) }));
      assert.deepEqual(tradesOf(skipped), baseline, 'skip: decided without the model (no reduction from a garbage FEAR)');
    });
  }

  it('a headline feed that is down takes onFailure too (block: no order; skip: the trades without the model)', async () => {
    const down = { feed: { url: 'http://127.0.0.1:9/headlines.json', timeoutMs: 500 } };
    assert.equal((await h.run(config({ plugins: sentimentPlugin(url, { ...down, onFailure: 'block' }) }))).trades.length, 0);
    assert.deepEqual(tradesOf(await h.run(config({ plugins: sentimentPlugin(url, { ...down, onFailure: 'skip' }) }))), baseline);
    assert.equal(server.requests, 0);
  });

  it('over budget: the calls stop and the fallback applies (block → no trade after the budget is spent)', async () => {
    server.script = { ...sentiment({}), tokens: [60, 40] } as Script;
    const r = await h.run(config({ plugins: sentimentPlugin(url, { onFailure: 'block' }, { budget: { maxTokens: 300 } }) }));
    assert.equal(server.requests, 3, 'three calls spend 300 tokens; none after');
    assert.ok(r.trades.length > 0 && r.trades.length <= 3 * 8, 'trades only while the budget lasted');
    const lastAllowed = r.trades[r.trades.length - 1]!.entryTime;
    assert.ok(baseline.filter((t) => Date.parse(t.slice(0, 24)) > lastAllowed + 3_600_000).length > 0, 'later baseline entries were blocked');
  });

  for (const state of ['HALTED', 'REDUCING'] as const) {
    it(`${state} holds while the sentiment and the researcher both approve`, async () => {
      server.script = (b) =>
        b.messages[0]!.content.includes('research desk')
          ? { content: '{"bull":"up","bear":"down","action":"approve","confidence":0.95,"reason":"fine"}' }
          : sentiment({ score: 0.9, emotion: 'NEUTRAL' });
      const r = await h.run(config({ halt: state, plugins: sentimentPlugin(url) + researcherPlugin(url) }));
      assert.ok(server.requests >= 2, 'both models were asked and approved');
      assert.equal(r.trades.length, 0);
    });
  }

  it('the risk policy’s circuit breaker holds with approving models configured (its gate stops the cycle before research)', async () => {
    server.script = (b) =>
      b.messages[0]!.content.includes('research desk')
        ? { content: '{"bull":"up","bear":"down","action":"approve","confidence":0.95,"reason":"fine"}' }
        : sentiment({ score: 0.9, emotion: 'NEUTRAL' });
    const r = await h.run(config({ breaker: true, plugins: sentimentPlugin(url) + researcherPlugin(url) }));
    assert.equal(r.trades.length, 0);
  });

  it('researcher: approve changes nothing, veto drops, reduce scales down, an out-of-range sizeFactor is garbage (fallback)', async () => {
    const verdict = (v: Record<string, unknown>): Script => ({ content: JSON.stringify({ bull: 'b', bear: 'b', confidence: 0.9, reason: 'r', ...v }) });
    server.script = verdict({ action: 'approve' });
    assert.deepEqual(tradesOf(await h.run(config({ plugins: researcherPlugin(url) }))), baseline);

    server.script = verdict({ action: 'veto' });
    assert.equal((await h.run(config({ plugins: researcherPlugin(url) }))).trades.length, 0);
    server.script = verdict({ action: 'veto', confidence: 0.2 });
    assert.deepEqual(tradesOf(await h.run(config({ plugins: researcherPlugin(url) }))), baseline, 'an unconfident veto is ignored');

    server.script = verdict({ action: 'reduce', sizeFactor: 0.5 });
    let probe = resetProbe();
    await h.run(config({ probe: true, plugins: researcherPlugin(url) }));
    for (const id of Object.keys(probe.final)) assert.equal(probe.final[id], floorToStep(probe.risk[id]! * 0.5, EURUSD_STEP));

    server.script = verdict({ action: 'reduce', sizeFactor: 3 });
    probe = resetProbe();
    const r = await h.run(config({ probe: true, plugins: researcherPlugin(url, { onFailure: 'skip' }) }));
    assert.deepEqual(tradesOf(r), baseline);
    for (const id of Object.keys(probe.final)) assert.equal(probe.final[id], probe.risk[id], 'never above the risk size');
    assert.equal((await h.run(config({ plugins: researcherPlugin(url, { onFailure: 'block' }) }))).trades.length, 0);
  });

  it('critic: one validated review per closed trade, stored with its prompt and answer', async () => {
    server.script = { content: '{"grade":6,"lesson":"wait for the retest","analysis":"entered early"}' };
    const store = `sqlite://${path.join(h.dir, 'critic.db')}`;
    const r = await h.run(config({ plugins: criticPlugin(url, { store }) }));
    assert.deepEqual(tradesOf(r), baseline, 'the critic never trades');
    const s = await openLlmStore(store, h.dir);
    try {
      const rows = await s.list({ kind: 'critic' });
      assert.equal(rows.length, baselineCount);
      assert.ok(rows.every((x) => x.outcome === 'ok' && (x.parsed as { grade: number }).grade === 6 && x.request.user.includes('"exitReason"')));
    } finally {
      await s.close();
    }
  });

  it('recorded once, replayed twice: identical trades, and the replays make no request', async () => {
    // Answers vary with the prompt (bearish on some hours, fearful on others, garbage on some).
    server.script = (b) => {
      const user = b.messages[1]!.content;
      const hour = Number(/"time":"\d{4}-\d\d-\d\dT(\d\d)/.exec(user)?.[1] ?? 0);
      if (hour % 5 === 0) return { content: 'not json' };
      return sentiment({ score: hour % 3 === 0 ? -0.9 : 0.2, emotion: hour % 2 ? 'FEAR' : 'NEUTRAL' });
    };
    const store = `sqlite://${path.join(h.dir, 'replay.db')}`;
    const plugin = sentimentPlugin(url, { onFailure: 'block' }, { store });
    const recorded = await h.run(config({ plugins: plugin }), { [LLM_MODE_ENV]: 'record' });
    const asked = server.requests;
    assert.ok(asked > 5);
    assert.notDeepEqual(tradesOf(recorded), baseline, 'the model changed the run');
    await server.stop();
    const replay1 = await h.run(config({ plugins: plugin }), { [LLM_MODE_ENV]: 'replay' });
    const replay2 = await h.run(config({ plugins: plugin }), { [LLM_MODE_ENV]: 'replay' });
    assert.equal(server.requests, asked, 'no request in replay');
    assert.deepEqual(tradesOf(replay1), tradesOf(recorded));
    assert.deepEqual(tradesOf(replay2), tradesOf(recorded));
    // A period never recorded: the coded error vetoes (never a trade on a missing answer).
    const other = sentimentPlugin(url, { onFailure: 'skip' }, { store, model: 'another-model' });
    const missing = await h.run(config({ plugins: other }), { [LLM_MODE_ENV]: 'replay' });
    assert.equal(missing.trades.length, 0, 'onMissing: error → every candidate vetoed (TK_ERR_LLM_REPLAY_MISSING)');
    const fallback = await h.run(config({ plugins: sentimentPlugin(url, { onFailure: 'skip' }, { store, model: 'another-model', onMissing: 'fallback' }) }), {
      [LLM_MODE_ENV]: 'replay',
    });
    assert.deepEqual(tradesOf(fallback), baseline, 'onMissing: fallback → onFailure skip');
  });

  it('config errors are coded: no feed, a key variable that is not set', async () => {
    await assert.rejects(h.run(config({ plugins: sentimentPlugin(url, { feed: { files: [] } }) })), /TK_ERR_LLM_CONFIG|feed/);
    await assert.rejects(
      h.run(config({ plugins: sentimentPlugin(url, {}, { apiKeyEnv: 'TK_TEST_UNSET_LLM_KEY' }) })),
      /TK_ERR_LLM_KEY_MISSING|TK_TEST_UNSET_LLM_KEY/,
    );
    await assert.rejects(h.run(config({ plugins: sentimentPlugin(url, {}, { apiKey: 'sk-inline' }) })), /apiKey|additional|unknown/i);
    // An HTTP feed cannot be replayed: record/replay need headline files.
    await assert.rejects(
      h.run(config({ plugins: sentimentPlugin(url, { feed: { url: 'http://127.0.0.1:9/h.json' } }) }), { [LLM_MODE_ENV]: 'replay' }),
      /feed\.files only/,
    );
  });
});
