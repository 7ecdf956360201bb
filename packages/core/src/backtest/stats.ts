/** Performance statistics of a backtest from its trades and equity curve. */
import type { BacktestStats, BacktestTrade, EquityPoint } from './types.js';

const YEAR_MS = 365.25 * 86_400_000;

export interface EquityColumns {
  time: Float64Array;
  balance: Float64Array;
  equity: Float64Array;
}

export function computeStats(trades: readonly BacktestTrade[], equity: readonly EquityPoint[], startBalance: number, exposedCycles: number): BacktestStats {
  return computeStatsColumnar(
    trades,
    { time: Float64Array.from(equity, (p) => p.time), balance: Float64Array.from(equity, (p) => p.balance), equity: Float64Array.from(equity, (p) => p.equity) },
    startBalance,
    exposedCycles,
  );
}

/** The same over a columnar curve (a backtest's full-resolution equity). */
export function computeStatsColumnar(trades: readonly BacktestTrade[], curve: EquityColumns, startBalance: number, exposedCycles: number): BacktestStats {
  const len = curve.time.length;
  const endEquity = len ? curve.equity[len - 1]! : startBalance;
  const endBalance = len ? curve.balance[len - 1]! : startBalance;
  const span = len > 1 ? curve.time[len - 1]! - curve.time[0]! : 0;
  const years = span / YEAR_MS;
  const growth = endEquity / startBalance;
  // Drawdown and its duration (peak → recovery of that peak, or → the end).
  let peak = startBalance;
  let peakTime = len ? curve.time[0]! : 0;
  let maxDd = 0;
  let maxDur = 0;
  for (let i = 0; i < len; i++) {
    const e = curve.equity[i]!;
    const t = curve.time[i]!;
    if (e >= peak) {
      maxDur = Math.max(maxDur, t - peakTime);
      peak = e;
      peakTime = t;
    } else {
      maxDd = Math.max(maxDd, (peak - e) / peak);
    }
  }
  if (len && endEquity < peak) maxDur = Math.max(maxDur, curve.time[len - 1]! - peakTime);
  // Sharpe and Sortino on per-cycle equity returns, annualised by cycles per year.
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  let downSq = 0;
  for (let i = 1; i < len; i++) {
    const prev = curve.equity[i - 1]!;
    if (prev <= 0) continue;
    const r = curve.equity[i]! / prev - 1;
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
    exposurePct: len ? round((exposedCycles / len) * 100, 4) : 0,
    trades: trades.length,
    wins: wins.length,
    losses: losses.length,
  };
}

function round(v: number, d: number): number {
  const f = 10 ** d;
  return Math.round(v * f) / f;
}
