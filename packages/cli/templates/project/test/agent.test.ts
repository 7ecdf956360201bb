/**
 * The agent through tradekit's public API: tradekit.yaml run as a backtest over the sample bars in
 * data/ (the same engine and paper broker as `tradekit run`). Runs with `node --test` (`npm test`).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runBacktest, silentLogger } from '@tradekit/core';
import plugin from '../src/agent.js';

const CONFIG = fileURLToPath(new URL('../../tradekit.yaml', import.meta.url));

test('the manifest names an agent plugin with a config schema', () => {
  assert.equal(plugin.name, 'breakout-agent');
  assert.deepEqual(plugin.provides, ['agent']);
  assert.equal(typeof plugin.configSchema, 'object');
});

test('a backtest of tradekit.yaml trades both symbols, every trade by this agent, with its stops', async () => {
  const result = await runBacktest({ configFile: CONFIG }, { logger: silentLogger() });
  assert.ok(result.trades.length >= 10, `expected at least 10 trades on two weeks of M5 bars, got ${result.trades.length}`);
  assert.deepEqual(new Set(result.trades.map((t) => t.symbol)), new Set(['EURUSD', 'GBPUSD']));
  for (const t of result.trades) {
    assert.equal(t.agent, 'breakout-agent');
    assert.ok(t.exitTime > t.entryTime, `trade ${t.id} exits after it enters`);
  }
  const exits = new Set(result.trades.map((t) => t.exitReason));
  assert.ok([...exits].some((r) => /sl|tp|stop|take/i.test(r)), `some trades end on their stop or target (exit reasons: ${[...exits].join(', ')})`);
  assert.equal(result.stats.trades, result.trades.length);
});

test('the config schema refuses a bad value before anything runs', async () => {
  await assert.rejects(
    runBacktest({ configFile: CONFIG, set: { 'agents[0].with.lookback': 1 } }, { logger: silentLogger() }),
    (err: Error & { code?: string }) => /^TK_ERR_CONFIG_/.test(err.code ?? ''),
  );
});
