/**
 * The backtest statistics on cases small enough to compute by hand, through @tradekit/core's public
 * computeStats (what `tradekit backtest` prints and writes to stats.json).
 */
import assert from 'node:assert/strict';
import { computeStats, type BacktestTrade, type EquityPoint } from '@tradekit/core';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 5);
const YEAR_DAYS = 365.25;

function curve(values: number[], stepMs = DAY): EquityPoint[] {
  return values.map((v, i) => ({ time: T0 + i * stepMs, balance: v, equity: v }));
}

function trade(profit: number, i = 0): BacktestTrade {
  return {
    id: String(i),
    symbol: 'EURUSD',
    side: 'buy',
    volume: 0.1,
    entryTime: T0 + i * DAY,
    entryPrice: 1.1,
    exitTime: T0 + i * DAY + 3_600_000,
    exitPrice: 1.1,
    exitReason: 'test',
    profit,
    commission: 0,
  };
}

describe('backtest statistics (hand-computed cases)', () => {
  // 10,000 → 10,500 (peak) → 9,450 (−10 %) → 9,900 → 11,000 (new high), one point a day.
  const eq = curve([10_000, 10_500, 9_450, 9_900, 11_000]);
  const trades = [trade(100, 0), trade(-50, 1), trade(200, 2), trade(-25, 3), trade(0, 4)];
  const s = computeStats(trades, eq, 10_000, 3);

  it('total return, end balance and equity', () => {
    assert.equal(s.startBalance, 10_000);
    assert.equal(s.endEquity, 11_000);
    assert.equal(s.endBalance, 11_000);
    assert.equal(s.totalReturnPct, 10);
  });

  it('max drawdown is the deepest fall from a running peak, as a % of that peak', () => {
    // (10,500 − 9,450) / 10,500 = 10 % exactly
    assert.equal(s.maxDrawdownPct, 10);
  });

  it('max drawdown duration runs from the peak to the point that regains it', () => {
    // peak on day 1, regained (11,000 ≥ 10,500) on day 4: 3 days
    assert.equal(s.maxDrawdownDurationMs, 3 * DAY);
  });

  it('an unrecovered drawdown lasts until the end of the curve', () => {
    const r = computeStats([], curve([10_000, 12_000, 11_000, 11_500, 9_000]), 10_000, 0);
    assert.equal(r.maxDrawdownDurationMs, 3 * DAY);
    assert.equal(r.maxDrawdownPct, 25); // (12,000 − 9,000) / 12,000
  });

  it('win rate, profit factor and expectancy from the trade list (a zero trade is neither win nor loss)', () => {
    assert.equal(s.trades, 5);
    assert.equal(s.wins, 2);
    assert.equal(s.losses, 2);
    assert.equal(s.winRatePct, 40); // 2 of 5
    assert.equal(s.profitFactor, 4); // (100 + 200) / (50 + 25)
    assert.equal(s.expectancy, 45); // 225 / 5
  });

  it('exposure is the share of cycles with a position open', () => {
    assert.equal(s.exposurePct, 60); // 3 of 5
  });

  it('Sharpe and Sortino: per-cycle returns, annualised by cycles per year of the curve', () => {
    const v = [10_000, 10_500, 9_450, 9_900, 11_000];
    const r = v.slice(1).map((x, i) => x / v[i]! - 1); // 0.05, −0.1, 0.047619…, 0.111111…
    const mean = r.reduce((a, b) => a + b, 0) / r.length;
    const sd = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / (r.length - 1)); // sample sd
    const down = Math.sqrt(r.reduce((a, b) => a + Math.min(0, b) ** 2, 0) / r.length); // downside deviation, target 0
    const perYear = r.length / (4 / YEAR_DAYS); // 4 returns over 4 days
    assert.ok(Math.abs(s.sharpe - (mean / sd) * Math.sqrt(perYear)) < 1e-4, `sharpe ${s.sharpe}`);
    assert.ok(Math.abs(s.sortino - (mean / down) * Math.sqrt(perYear)) < 1e-4, `sortino ${s.sortino}`);
    assert.ok(s.sortino > s.sharpe, 'one small loss: downside deviation below the full sd');
  });

  it("CAGR compounds the total return over the curve's span in years", () => {
    const r = computeStats([], curve([10_000, 10_250], 182.625 * DAY), 10_000, 0); // half a year, +2.5 %
    assert.ok(Math.abs(r.cagrPct - (1.025 ** 2 - 1) * 100) < 1e-4, `cagr ${r.cagrPct}`); // 5.0625 %
  });

  it('no losing trade: profit factor is Infinity (stats.json writes null); no trade at all: 0', () => {
    assert.equal(computeStats([trade(10), trade(5, 1)], eq, 10_000, 0).profitFactor, Infinity);
    const none = computeStats([], eq, 10_000, 0);
    assert.equal(none.profitFactor, 0);
    assert.equal(none.winRatePct, 0);
    assert.equal(none.expectancy, 0);
  });

  it('an empty curve is all zeros, not NaN', () => {
    const r = computeStats([], [], 10_000, 0);
    for (const [k, v] of Object.entries(r)) assert.ok(Number.isFinite(v), `${k} = ${v}`);
    assert.equal(r.totalReturnPct, 0);
    assert.equal(r.endEquity, 10_000);
  });
});
