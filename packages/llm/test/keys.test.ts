/**
 * API keys: from the environment by name (apiKeyEnv) or from the config's secrets (apiKeySecret), sent
 * as a bearer token, never stored; apiKeyEnv is refused in a confined (tradekit serve) run.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Run, TradekitError, rootsPolicy, silentLogger } from '@tradekit/core';
import { openLlmStore } from '@tradekit/llm';
import { FakeLlmServer } from './fake-openai.js';
import { config, harness, ROOT, sentimentPlugin, type Harness } from './harness.js';

// The HTTP API's path refusal code (declared by @tradekit/dashboard), raised here the way the server does.
declare module '@tradekit/core' {
  interface ErrorCodeRegistry {
    testApi: 'TK_ERR_API_PATH_FORBIDDEN';
  }
}

const KEY = 'sk-from-env-4f9a7c1e';

describe('LLM API keys', function () {
  this.timeout(60_000);
  let server: FakeLlmServer;
  let url: string;
  let h: Harness;

  before(async () => {
    h = harness();
    server = new FakeLlmServer();
    server.script = { content: `{"score":0,"confidence":0.5,"emotion":"NEUTRAL","reasoning":"echo ${KEY}"}` };
    url = `${await server.start()}/v1`;
  });
  after(async () => {
    await server.stop();
    h.cleanup();
  });

  it('apiKeyEnv: the variable’s value goes as the bearer token and never into the calls table', async () => {
    const store = `sqlite://${path.join(h.dir, 'keys.db')}`;
    await h.run(config({ plugins: sentimentPlugin(url, {}, { apiKeyEnv: 'TK_TEST_LLM_KEY', store }) }), { TK_TEST_LLM_KEY: KEY });
    assert.ok(server.auth.length > 0);
    assert.ok(server.auth.every((a) => a === `Bearer ${KEY}`));
    const s = await openLlmStore(store, h.dir);
    try {
      const rows = await s.list();
      assert.ok(rows.length > 0);
      const text = JSON.stringify(rows);
      assert.ok(!text.includes(KEY), 'redacted');
      assert.ok(text.includes('[REDACTED]'));
    } finally {
      await s.close();
    }
  });

  it('apiKeySecret: the key from the config’s secrets: (itself from the environment)', async () => {
    server.auth.length = 0;
    const yaml = `${config({ plugins: sentimentPlugin(url, {}, { apiKeySecret: 'llm' }) })}secrets:\n  llm: \${TK_TEST_LLM_KEY2}\n`;
    await h.run(yaml, { TK_TEST_LLM_KEY2: `${KEY}-2` });
    assert.ok(server.auth.length > 0 && server.auth.every((a) => a === `Bearer ${KEY}-2`));
    await assert.rejects(h.run(config({ plugins: sentimentPlugin(url, {}, { apiKeySecret: 'nope' }) })), /TK_ERR_LLM_KEY_MISSING|secrets\.nope/);
    await assert.rejects(h.run(config({ plugins: sentimentPlugin(url, {}, { apiKeySecret: 'llm', apiKeyEnv: 'X_KEY' }) })), /apiKey|must NOT|not/);
  });

  it('a confined run (tradekit serve) cannot read the server environment through apiKeyEnv', async () => {
    const refuse = (abs: string, what: string, reason: string) => new TradekitError('TK_ERR_API_PATH_FORBIDDEN', `${what} ${abs}: ${reason}`);
    const yaml = config({
      plugins: `  - use: '@tradekit/llm/sentiment'\n    with: ${JSON.stringify({ llm: { model: 'm', baseURL: url, apiKeyEnv: 'TK_TEST_LLM_KEY', store: 'memory:' }, feed: { files: ['./headlines.json'] } })}\n`,
    }).replace(/use: "[^"]*risk\.js"/, "use: '@tradekit/agents/risk'");
    const run = await Run.load({
      configFile: path.join(h.dir, 'served.yaml'),
      text: yaml,
      env: { TK_TEST_LLM_KEY: KEY },
      // Resolved as the CLI resolves them (it depends on @tradekit/llm and @tradekit/agents).
      searchPaths: [pathToFileURL(path.join(ROOT, 'packages', 'cli', 'dist', 'src', 'main.js')).href],
      plugins: { allow: ['@tradekit/llm', '@tradekit/agents'] },
      paths: rootsPolicy({ roots: [h.dir, ROOT], refuse }),
      logger: silentLogger(),
    });
    const before = server.requests;
    process.env.TK_TEST_LLM_KEY = KEY;
    try {
      await assert.rejects(run.start(), (e: unknown) =>
        /apiKeyEnv is not available in a config started through tradekit serve/.test(
          String((e as Error).message) + String((e as { cause?: Error }).cause?.message),
        ),
      );
    } finally {
      delete process.env.TK_TEST_LLM_KEY;
      await run.close().catch(() => undefined);
    }
    assert.equal(server.requests, before, 'nothing was sent');
  });
});
