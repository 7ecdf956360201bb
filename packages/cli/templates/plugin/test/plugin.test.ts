/**
 * The plugin through tradekit's public API: its manifest against package.json, and a backtest of
 * test/backtest.yaml (which loads this package by its entry point, as a user's config does). Runs with
 * `node --test` (`npm test`).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runBacktest, silentLogger } from '@tradekit/core';
import plugin from '../src/index.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string; keywords: string[]; peerDependencies: Record<string, string> };
const CONFIG = fileURLToPath(new URL('../../test/backtest.yaml', import.meta.url));

test('the manifest matches package.json', () => {
  assert.equal(plugin.name, pkg.name);
  assert.equal(plugin.version, pkg.version);
  assert.deepEqual(plugin.provides, ['agent']);
  assert.equal(plugin.requires?.['@tradekit/core'], pkg.peerDependencies['@tradekit/core']);
  assert.ok(pkg.keywords.includes('tradekit-plugin'), 'the keyword that lists it as a tradekit plugin on npm');
});

test('a backtest over the sample bars trades both symbols, every trade by this plugin', async () => {
  const result = await runBacktest({ configFile: CONFIG }, { logger: silentLogger() });
  assert.ok(result.trades.length >= 10, `expected at least 10 trades on two weeks of M5 bars, got ${result.trades.length}`);
  assert.deepEqual(new Set(result.trades.map((t) => t.symbol)), new Set(['EURUSD', 'GBPUSD']));
  for (const t of result.trades) {
    assert.equal(t.agent, pkg.name);
    assert.ok(t.exitTime > t.entryTime, `trade ${t.id} exits after it enters`);
  }
  assert.equal(result.stats.trades, result.trades.length);
});

test('the config schema refuses a bad value before anything runs', async () => {
  await assert.rejects(
    runBacktest({ configFile: CONFIG, set: { 'agents[0].with.streak': 1 } }, { logger: silentLogger() }),
    (err: Error & { code?: string }) => /^TK_ERR_CONFIG_/.test(err.code ?? ''),
  );
});
