/**
 * rollup-style fixture cases: test/fixtures/<case>/config.yaml + expected.json (+ env.json).
 * Each bad config must give exactly the expected coded errors at the expected file:line:column and
 * JSON path; valid ones list their plugins with defaults applied.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, formatPath } from '../src/index.js';
import { TEST_DIR } from './helpers/fs.js';

const FIXTURES = path.join(TEST_DIR, 'fixtures');

interface Expected {
  ok?: boolean;
  plugins?: string[];
  config?: Record<string, unknown>;
  errors?: { code: string; line: number; column: number; path: string }[];
}

function get(obj: unknown, p: string): unknown {
  const segs = p.match(/[^.[\]]+/g) ?? [];
  let v: unknown = obj;
  for (const s of segs) v = v === undefined || v === null ? undefined : (v as Record<string, unknown>)[/^\d+$/.test(s) ? Number(s) : s];
  return v;
}

describe('config loader fixtures', () => {
  const cases = readdirSync(FIXTURES).filter((d) => !d.startsWith('_') && existsSync(path.join(FIXTURES, d, 'expected.json')));
  it('has the fixture cases', () => assert.ok(cases.length >= 15, `found ${cases.length}`));

  for (const c of cases) {
    it(c, async () => {
      const dir = path.join(FIXTURES, c);
      const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
      const envFile = path.join(dir, 'env.json');
      const env: NodeJS.ProcessEnv = {};
      if (existsSync(envFile))
        for (const [k, v] of Object.entries(JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string | null>)) if (v !== null) env[k] = v;
      const file = path.join(dir, 'config.yaml');
      const r = await loadConfig(file, { env });
      if (expected.ok) {
        assert.deepEqual(
          r.errors.map((e) => e.format()),
          [],
        );
        assert.deepEqual(
          r.plugins.map((p) => `${p.slot}:${p.instance}`),
          expected.plugins,
        );
        for (const [p, v] of Object.entries(expected.config ?? {})) assert.deepEqual(get(r.config, p), v, `config ${p}`);
        return;
      }
      assert.deepEqual(
        r.errors.map((e) => ({ code: e.code, line: e.line, column: e.column, path: e.path })),
        expected.errors,
        r.errors.map((e) => e.format()).join('\n'),
      );
      for (const e of r.errors) {
        assert.equal(e.file, file, 'every error names the file');
        assert.ok(e.message.length > 10, 'every error says what is wrong');
      }
    });
  }

  it('suggests the nearest key and the nearest built-in plugin', async () => {
    const r1 = await loadConfig(path.join(FIXTURES, 'unknown-key-top', 'config.yaml'), { env: {} });
    assert.match(r1.errors[0]!.message, /did you mean "symbols"/);
    const r2 = await loadConfig(path.join(FIXTURES, 'plugin-not-found', 'config.yaml'), { env: {} });
    assert.match(r2.errors[0]!.message, /did you mean "@tradekit\/core\/paper"/);
  });

  it('tells how to fix a missing environment variable', async () => {
    const r = await loadConfig(path.join(FIXTURES, 'env-missing', 'config.yaml'), { env: {} });
    assert.match(r.errors[0]!.message, /set TK_FIXTURE_DATA_DIR in the environment/);
    assert.match(r.errors[0]!.message, /config\.yaml:4/);
  });

  it('interpolates ${ENV}, applies ${ENV:-default}, and records secrets for redaction', async () => {
    const r = await loadConfig(path.join(FIXTURES, 'env-missing', 'config.yaml'), {
      env: { TK_FIXTURE_DATA_DIR: './bars', TK_FIXTURE_MT5_PASSWORD: 'hunter2-very-secret' },
    });
    assert.deepEqual(r.errors, []);
    assert.equal(r.config.data.with?.dir, './bars');
    assert.equal(r.config.broker.with?.currency, 'USD');
    assert.equal(r.config.secrets.mt5Password, 'hunter2-very-secret');
    assert.ok(r.source.secretValues.has('hunter2-very-secret'));
  });

  it('formats JSON paths like a reader writes them', () => {
    assert.equal(formatPath(['agents', 0, 'with', 'fast']), 'agents[0].with.fast');
    assert.equal(formatPath([]), '$');
    assert.equal(formatPath(['symbolInfo', 'EUR.USD']), 'symbolInfo["EUR.USD"]');
  });
});
