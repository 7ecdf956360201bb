/** Performance statistics of a backtest from its trades and equity curve. */
import type { BacktestStats, BacktestTrade, EquityPoint } from './types.js';

const YEAR_MS = 365.25 * 86_400_000;

export function computeStats(trades: readonly BacktestTrade[], equity: readonly EquityPoint[], startBalance: number, exposedCycles: number): BacktestStats {
  const last = equity[equity.length - 1];
  const endEquity = last?.equity ?? startBalance;
  const endBalance = last?.balance ?? startBalance;
  const span = equity.length > 1 ? equity[equity.length - 1]!.time - equity[0]!.time : 0;
  const years = span / YEAR_MS;
  const growth = endEquity / startBalance;
  // Drawdown and its duration (peak → recovery of that peak, or → the end).
  let peak = startBalance;
  let peakTime = equity[0]?.time ?? 0;
  let maxDd = 0;
  let maxDur = 0;
  for (const p of equity) {
    if (p.equity >= peak) {
      maxDur = Math.max(maxDur, p.time - peakTime);
      peak = p.equity;
      peakTime = p.time;
    } else {
      maxDd = Math.max(maxDd, (peak - p.equity) / peak);
    }
  }
  if (last && last.equity < peak) maxDur = Math.max(maxDur, last.time - peakTime);
  // Sharpe and Sortino on per-cycle equity returns, annualised by cycles per year.
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  let downSq = 0;
  for (let i = 1; i < equity.length; i++) {
    const prev = equity[i - 1]!.equity;
    if (prev <= 0) continue;
    const r = equity[i]!.equity / prev - 1;
    n++;
    sum += r;
    sumSq += r * r;
    if (r < 0) downSq += r * r;
  }
  const mean = n ? sum / n : 0;
  const sd = n > 1 ? Math.sqrt(Math.max(0, (sumSq - n * mean * mean) / (n - 1))) : 0;
  const dd = n ? Math.sqrt(downSq / n) : 0;
  const perYear = years > 0 ? n / years : 0;
  const ann = Math.sqrt(perYear);
  const wins = trades.filter((t) => t.profit > 0);
  const losses = trades.filter((t) => t.profit < 0);
  const grossWin = wins.reduce((s, t) => s + t.profit, 0);
  const grossLoss = -losses.reduce((s, t) => s + t.profit, 0);
  return {
    startBalance,
    endBalance,
    endEquity,
    totalReturnPct: round((growth - 1) * 100, 4),
    cagrPct: years > 0 && growth > 0 ? round((growth ** (1 / years) - 1) * 100, 4) : 0,
    maxDrawdownPct: round(maxDd * 100, 4),
    maxDrawdownDurationMs: maxDur,
    sharpe: sd > 0 ? round((mean / sd) * ann, 4) : 0,
    sortino: dd > 0 ? round((mean / dd) * ann, 4) : 0,
    winRatePct: trades.length ? round((wins.length / trades.length) * 100, 4) : 0,
    profitFactor: grossLoss > 0 ? round(grossWin / grossLoss, 4) : grossWin > 0 ? Infinity : 0,
    expectancy: trades.length ? round(trades.reduce((s, t) => s + t.profit, 0) / trades.length, 4) : 0,
    exposurePct: equity.length ? round((exposedCycles / equity.length) * 100, 4) : 0,
    trades: trades.length,
    wins: wins.length,
    losses: losses.length,
  };
}

function round(v: number, d: number): number {
  const f = 10 ** d;
  return Math.round(v * f) / f;
}
