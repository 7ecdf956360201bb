/** The LlmClient through real HTTP against a scripted OpenAI-protocol server: every documented outcome. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SimClock, silentLogger, isTradekitError } from '@tradekit/core';
import {
  LlmClient,
  MemoryLlmStore,
  OllamaProvider,
  OpenAiCompatibleProvider,
  openLlmStore,
  SENTIMENT_SCHEMA,
  type LlmCall,
  type LlmClientOptions,
  type LlmRecordStore,
  type Sentiment,
} from '@tradekit/llm';
import { FakeLlmServer } from './fake-openai.js';

const T = Date.UTC(2026, 5, 3, 14, 0);
const VALID = '{"score":-0.8,"confidence":0.9,"emotion":"FEAR","risk":"MEDIUM","reasoning":"ECB dovish"}';

function call(time = T, user = '{"symbol":"EURUSD","headlines":["ECB cuts"]}'): LlmCall {
  return { kind: 'sentiment', subject: 'EURUSD', system: 'answer JSON', user, schemaName: 'sentiment', schema: SENTIMENT_SCHEMA, time };
}

describe('LlmClient over HTTP (scripted OpenAI-compatible server)', function () {
  this.timeout(20_000);
  let server: FakeLlmServer;
  let url: string;
  let store: MemoryLlmStore;

  beforeEach(async () => {
    server = new FakeLlmServer();
    url = `${await server.start()}/v1`;
    store = new MemoryLlmStore();
  });
  afterEach(async () => {
    await server.stop();
  });

  function client(over: Partial<LlmClientOptions> = {}, apiKey = 'sk-test-secret-123'): LlmClient {
    return new LlmClient({
      provider: new OpenAiCompatibleProvider({ baseURL: url, apiKey, responseFormat: 'json_object' }),
      model: 'test-model',
      temperature: 0.1,
      maxTokens: 200,
      timeoutMs: 2000,
      totalTimeoutMs: 20000,
      maxRetries: 2,
      retryBaseMs: 10,
      maxRetryDelayMs: 2000,
      concurrency: 2,
      budget: { maxTokens: 0, maxCost: 0, inputPricePerMTok: 0, outputPricePerMTok: 0 },
      cacheEntries: 100,
      mode: 'live',
      onMissing: 'error',
      store,
      clock: new SimClock(T),
      run: 'run-1',
      plugin: 'sentiment',
      log: silentLogger(),
      secrets: [apiKey],
      ...over,
    });
  }

  it('valid answer: the validated value, the key sent as a bearer token, the call stored with its tokens', async () => {
    server.script = { content: VALID, tokens: [100, 20] };
    const c = client({ budget: { maxTokens: 0, maxCost: 0, inputPricePerMTok: 2, outputPricePerMTok: 10 } });
    const o = await c.ask<Sentiment>(call());
    assert.ok(o.ok);
    assert.deepEqual(o.value, JSON.parse(VALID));
    assert.equal(o.source, 'live');
    assert.equal(server.requests, 1);
    assert.equal(server.auth[0], 'Bearer sk-test-secret-123');
    assert.deepEqual(server.bodies[0]!.response_format, { type: 'json_object' });
    assert.equal(store.rows.length, 1);
    const r = store.rows[0]!;
    assert.equal(r.outcome, 'ok');
    assert.equal(r.promptTokens, 100);
    assert.equal(r.completionTokens, 20);
    assert.equal(r.cost, (100 * 2 + 20 * 10) / 1e6);
    assert.equal(r.time, T);
    assert.equal(r.request.user, call().user);
    assert.equal(c.budget.tokens, 120);
  });

  it('malformed JSON: TK_ERR_LLM_REPLY_INVALID, no retry, stored as invalid with the raw reply', async () => {
    server.script = { content: 'Sentiment: BEARISH | 0.9 | ECB' };
    const o = await client().ask(call());
    assert.ok(!o.ok);
    assert.equal(o.failure, 'invalid');
    assert.equal(o.code, 'TK_ERR_LLM_REPLY_INVALID');
    assert.equal(server.requests, 1);
    assert.equal(store.rows[0]!.outcome, 'invalid');
    assert.equal(store.rows[0]!.parsed, undefined);
    assert.equal(store.rows[0]!.response, 'Sentiment: BEARISH | 0.9 | ECB');
  });

  it('schema-invalid JSON (score out of range, unknown emotion): TK_ERR_LLM_REPLY_INVALID, no value', async () => {
    server.script = [{ content: '{"score":-3,"confidence":0.9,"emotion":"FEAR"}' }];
    const o1 = await client().ask(call());
    assert.ok(!o1.ok && o1.code === 'TK_ERR_LLM_REPLY_INVALID' && /score|maximum|minimum/.test(o1.message), JSON.stringify(o1));
    server.script = { content: '{"score":0.1,"confidence":0.9,"emotion":"BORED"}' };
    const o2 = await client().ask(call(T + 1));
    assert.ok(!o2.ok && o2.failure === 'invalid');
    assert.equal(server.requests, 2);
  });

  it('a ```json fence around valid JSON is accepted', async () => {
    server.script = { content: `\`\`\`json\n${VALID}\n\`\`\`` };
    const o = await client().ask<Sentiment>(call());
    assert.ok(o.ok);
    assert.equal(o.value.emotion, 'FEAR');
  });

  it('slow past the timeout: TK_ERR_LLM_TIMEOUT, not retried', async () => {
    server.script = { content: VALID, delayMs: 3000 };
    const o = await client({ timeoutMs: 300 }).ask(call());
    assert.ok(!o.ok);
    assert.equal(o.code, 'TK_ERR_LLM_TIMEOUT');
    assert.equal(o.failure, 'timeout');
    assert.equal(server.requests, 1);
    assert.equal(store.rows[0]!.outcome, 'timeout');
  });

  it('429 with retry-after under the cap: waits and retries, then the answer', async () => {
    server.script = [{ status: 429, headers: { 'retry-after': '1' } }, { content: VALID }];
    const o = await client().ask(call());
    assert.ok(o.ok, JSON.stringify(o));
    assert.equal(server.requests, 2);
  });

  it('totalTimeoutMs bounds the whole call: no retry that cannot finish in time', async () => {
    server.script = { status: 429, headers: { 'retry-after': '2' } };
    const o = await client({ totalTimeoutMs: 1000, maxRetryDelayMs: 5000 }).ask(call());
    assert.ok(!o.ok);
    assert.equal(o.code, 'TK_ERR_LLM_RATE_LIMITED');
    assert.match(o.message, /totalTimeoutMs/);
    assert.equal(server.requests, 1);
    server.script = { content: VALID, delayMs: 3000 };
    const slow = await client({ timeoutMs: 5000, totalTimeoutMs: 300 }).ask(call(T + 1));
    assert.ok(!slow.ok && slow.code === 'TK_ERR_LLM_TIMEOUT' && /totalTimeoutMs/.test(slow.message));
  });

  it('429 with retry-after over maxRetryDelayMs: no wait, TK_ERR_LLM_RATE_LIMITED after one request', async () => {
    server.script = { status: 429, headers: { 'retry-after': '120' } };
    const o = await client({ maxRetryDelayMs: 1000 }).ask(call());
    assert.ok(!o.ok);
    assert.equal(o.code, 'TK_ERR_LLM_RATE_LIMITED');
    assert.equal(server.requests, 1);
  });

  it('500: retried maxRetries times, then TK_ERR_LLM_PROVIDER; a 500 then a valid answer succeeds', async () => {
    server.script = { status: 500 };
    const o = await client({ maxRetries: 2 }).ask(call());
    assert.ok(!o.ok);
    assert.equal(o.code, 'TK_ERR_LLM_PROVIDER');
    assert.equal(server.requests, 3);
    server.script = (_b, n) => (n === 3 ? { status: 503 } : { content: VALID });
    const o2 = await client({ maxRetries: 2 }).ask(call(T + 1));
    assert.ok(o2.ok);
    assert.equal(server.requests, 5);
  });

  it('400 (bad request) is not retried', async () => {
    server.script = { status: 400, body: { error: { message: 'unknown model', type: 'invalid_request_error' } } };
    const o = await client({ maxRetries: 3 }).ask(call());
    assert.ok(!o.ok && o.code === 'TK_ERR_LLM_PROVIDER');
    assert.equal(server.requests, 1);
  });

  it('network failure (nothing listening): retryable, ends in TK_ERR_LLM_PROVIDER', async () => {
    await server.stop();
    const o = await client({ maxRetries: 1 }).ask(call());
    assert.ok(!o.ok && o.code === 'TK_ERR_LLM_PROVIDER' && /network|connection/i.test(o.message), JSON.stringify(o));
  });

  it('token budget: the call that spends it goes through, the next takes TK_ERR_LLM_BUDGET without a request', async () => {
    server.script = { content: VALID, tokens: [40, 20] };
    const c = client({ budget: { maxTokens: 50, maxCost: 0, inputPricePerMTok: 0, outputPricePerMTok: 0 } });
    assert.ok((await c.ask(call(T))).ok);
    const o = await c.ask(call(T + 300_000));
    assert.ok(!o.ok);
    assert.equal(o.code, 'TK_ERR_LLM_BUDGET');
    assert.equal(server.requests, 1);
    assert.equal(store.rows[1]!.outcome, 'budget');
  });

  it('cost budget in money', async () => {
    server.script = { content: VALID, tokens: [1000, 1000] };
    const c = client({ budget: { maxTokens: 0, maxCost: 0.01, inputPricePerMTok: 5, outputPricePerMTok: 15 } });
    assert.ok((await c.ask(call(T))).ok); // 0.02 spent
    const o = await c.ask(call(T + 1));
    assert.ok(!o.ok && o.failure === 'budget');
    assert.equal(server.requests, 1);
  });

  it('cache: the same inputs at the same time ask once (failures too); another time asks again', async () => {
    server.script = { content: VALID };
    const c = client();
    const [a, b] = await Promise.all([c.ask(call()), c.ask(call())]);
    assert.ok(a.ok && b.ok);
    assert.equal(b.source, 'cache');
    assert.equal(server.requests, 1);
    await c.ask(call(T + 60_000));
    assert.equal(server.requests, 2);
    server.script = { content: 'nope' };
    const f1 = await c.ask(call(T + 120_000));
    const f2 = await c.ask(call(T + 120_000));
    assert.ok(!f1.ok && !f2.ok);
    assert.equal(server.requests, 3);
  });

  it('concurrency limit: never more requests in flight than configured', async () => {
    server.script = { content: VALID, delayMs: 150 };
    const c = client({ concurrency: 2 });
    await Promise.all([0, 1, 2, 3, 4, 5].map((i) => c.ask(call(T + i))));
    assert.equal(server.requests, 6);
    assert.equal(server.maxInFlight, 2);
  });

  it('the key never reaches the record: a reply echoing it is stored redacted', async () => {
    server.script = { content: '{"score":0,"confidence":0.1,"emotion":"NEUTRAL","reasoning":"key sk-test-secret-123"}' };
    const o = await client().ask<Sentiment>(call());
    assert.ok(o.ok);
    assert.equal(o.value.reasoning, 'key [REDACTED]');
    const text = JSON.stringify(store.rows);
    assert.ok(!text.includes('sk-test-secret-123'));
    assert.ok(text.includes('[REDACTED]'));
  });

  it('record to SQLite, then replay from a new store handle: same value, no request; a missing answer is TK_ERR_LLM_REPLAY_MISSING or the fallback', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tk-llm-'));
    try {
      const file = `sqlite://${path.join(dir, 'calls.db')}`;
      let s: LlmRecordStore = await openLlmStore(file, dir);
      server.script = [{ content: VALID }, { content: 'garbage' }];
      const rec = client({ mode: 'record', store: s });
      const ok = await rec.ask<Sentiment>(call(T));
      const bad = await rec.ask(call(T + 1));
      assert.ok(ok.ok && !bad.ok);
      await s.close();
      assert.equal(server.requests, 2);

      s = await openLlmStore(file, dir);
      const rep = client({ mode: 'replay', store: s });
      const again = await rep.ask<Sentiment>(call(T));
      assert.ok(again.ok);
      assert.equal(again.source, 'replay');
      assert.deepEqual(again.value, ok.value);
      const badAgain = await rep.ask(call(T + 1));
      assert.ok(!badAgain.ok && badAgain.failure === 'invalid', 'a recorded failure replays as the same failure');
      await assert.rejects(rep.ask(call(T + 2)), (e: unknown) => isTradekitError(e) && e.code === 'TK_ERR_LLM_REPLAY_MISSING');
      const fb = await client({ mode: 'replay', store: s, onMissing: 'fallback' }).ask(call(T + 2));
      assert.ok(!fb.ok && fb.code === 'TK_ERR_LLM_REPLAY_MISSING');
      assert.equal(server.requests, 2, 'replay made no request');
      const rows = await s.list({ kind: 'sentiment' });
      assert.equal(rows.length, 2);
      await s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Ollama native /api/chat: the schema goes as `format`, the reply is validated the same way', async () => {
    server.script = { content: VALID, tokens: [7, 3] };
    const base = url.replace(/\/v1$/, '');
    const c = client({ provider: new OllamaProvider({ baseURL: base }) });
    const o = await c.ask<Sentiment>(call());
    assert.ok(o.ok);
    assert.equal(o.value.score, -0.8);
    assert.deepEqual(server.bodies[0]!.format, SENTIMENT_SCHEMA);
    assert.equal(c.budget.tokens, 10);
    server.script = { content: '{"score":"high"}' };
    const bad = await c.ask(call(T + 1));
    assert.ok(!bad.ok && bad.code === 'TK_ERR_LLM_REPLY_INVALID');
    server.script = { status: 500 };
    const err = await client({ provider: new OllamaProvider({ baseURL: base }), maxRetries: 0 }).ask(call(T + 2));
    assert.ok(!err.ok && err.code === 'TK_ERR_LLM_PROVIDER');
  });
});
