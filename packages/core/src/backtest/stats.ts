/** Performance statistics of a backtest from its trades and equity curve. */
import type { BacktestStats, BacktestTrade, EquityColumns, EquityPoint } from './types.js';

export type { EquityColumns } from './types.js';

const YEAR_MS = 365.25 * 86_400_000;

export function computeStats(trades: readonly BacktestTrade[], equity: readonly EquityPoint[], startBalance: number, exposedCycles: number): BacktestStats {
  return computeStatsColumnar(
    trades.map((t) => t.profit),
    {
      time: Float64Array.from(equity, (p) => p.time),
      balance: Float64Array.from(equity, (p) => p.balance),
      equity: Float64Array.from(equity, (p) => p.equity),
    },
    startBalance,
    exposedCycles,
  );
}

/** The same over columns: each trade's net profit (by entry time) and a backtest's full-resolution equity. */
export function computeStatsColumnar(profits: ArrayLike<number>, curve: EquityColumns, startBalance: number, exposedCycles: number): BacktestStats {
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
  let under = false;
  for (let i = 0; i < len; i++) {
    const e = curve.equity[i]!;
    const t = curve.time[i]!;
    if (e >= peak) {
      // A drawdown lasts from its peak until equity is back there; rising or flat steps are not one.
      if (under) maxDur = Math.max(maxDur, t - peakTime);
      under = false;
      peak = e;
      peakTime = t;
    } else {
      under = true;
      maxDd = Math.max(maxDd, (peak - e) / peak);
    }
  }
  if (under) maxDur = Math.max(maxDur, curve.time[len - 1]! - peakTime);
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
  // Sums in trade order (the order decides the last bits of a float sum).
  const count = profits.length;
  let wins = 0;
  let losses = 0;
  let grossWin = 0;
  let lossSum = 0;
  let total = 0;
  for (let i = 0; i < count; i++) {
    const p = profits[i]!;
    if (p > 0) {
      wins++;
      grossWin += p;
    } else if (p < 0) {
      losses++;
      lossSum += p;
    }
    total += p;
  }
  const grossLoss = -lossSum;
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
    winRatePct: count ? round((wins / count) * 100, 4) : 0,
    profitFactor: grossLoss > 0 ? round(grossWin / grossLoss, 4) : grossWin > 0 ? Infinity : 0,
    expectancy: count ? round(total / count, 4) : 0,
    exposurePct: len ? round((exposedCycles / len) * 100, 4) : 0,
    trades: count,
    wins,
    losses,
  };
}

function round(v: number, d: number): number {
  const f = 10 ** d;
  return Math.round(v * f) / f;
}
