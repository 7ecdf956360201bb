/** The compact statistics summary `tradekit backtest` prints on stdout. */
import type { BacktestResult } from '@tradekit/core';

export function fmtNum(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (v === Infinity) return '∞';
  if (v === -Infinity) return '-∞';
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function fmtDuration(ms: number): string {
  const h = Math.round(ms / 3_600_000);
  if (h >= 48) return `${Math.floor(h / 24)}d ${h % 24}h`;
  if (h >= 1) return `${h}h`;
  return `${Math.round(ms / 60_000)}m`;
}

function when(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

export function summaryText(r: BacktestResult, reportPath?: string): string {
  const s = r.stats;
  const barsPerSec = r.perf.engineMs > 0 ? r.perf.bars / (r.perf.engineMs / 1000) : 0;
  const lines = [
    `backtest ${r.name}: ${r.symbols.join(', ')} ${r.timeframe}, ${when(r.from)} → ${when(r.to)} UTC (${r.perf.cycles.toLocaleString('en-US')} cycles, ${r.perf.bars.toLocaleString('en-US')} bars)`,
    `  return ${fmtNum(s.totalReturnPct)} %   CAGR ${fmtNum(s.cagrPct)} %   max drawdown ${fmtNum(s.maxDrawdownPct)} % (${fmtDuration(s.maxDrawdownDurationMs)})   Sharpe ${fmtNum(s.sharpe)}   Sortino ${fmtNum(s.sortino)}`,
    `  trades ${s.trades} (${s.wins} won, ${s.losses} lost)   win rate ${fmtNum(s.winRatePct)} %   profit factor ${fmtNum(s.profitFactor)}   expectancy ${fmtNum(s.expectancy)} ${r.currency}   exposure ${fmtNum(s.exposurePct)} %`,
    `  balance ${fmtNum(s.startBalance)} → ${fmtNum(s.endBalance)} ${r.currency}   equity ${fmtNum(s.endEquity)} ${r.currency}`,
    `  engine ${Math.round(r.perf.engineMs)} ms (${Math.round(barsPerSec).toLocaleString('en-US')} bars/s), setup ${Math.round(r.perf.setupMs)} ms`,
  ];
  if (reportPath) lines.push(`  report ${reportPath}`);
  return lines.join('\n') + '\n';
}
