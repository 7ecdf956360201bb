import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBacktest, silentLogger } from '@tradekit/core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const CONFIG = path.join(ROOT, 'packages', 'cli', 'bench', 'fixtures', 'compare-sma-eurusd.yaml');

describe('runBacktest at the end of the data', () => {
  it('closes every position at the end, so the trades add up to the balance change', async () => {
    const r = await runBacktest(
      { configFile: CONFIG, searchPaths: [path.join(ROOT, 'packages', 'cli', 'dist', 'src', 'main.js')], from: '2026-06-01', to: '2026-06-05' },
      { logger: silentLogger() },
    );
    assert.equal(r.finalAccount.margin, 0, 'no margin held: nothing open');
    assert.equal(r.stats.endBalance, r.stats.endEquity);
    const sum = Math.round(r.trades.reduce((s, t) => s + t.profit, 0) * 100) / 100;
    assert.equal(sum, Math.round((r.stats.endBalance - r.stats.startBalance) * 100) / 100);
    assert.equal(r.trades[r.trades.length - 1]!.exitReason, 'end of backtest');
  });
});
