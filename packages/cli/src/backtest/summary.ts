/** The compact statistics summary `tradekit backtest` prints on stdout. */
import type { BacktestResult } from '@tradekit/core';

export function fmtNum(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (v === Infinity) return '∞';
  if (v === -Infinity) return '-∞';
  return fixedEnUs(v, digits) ?? v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** `n.toLocaleString('en-US')` for a whole number. */
export function fmtInt(n: number): string {
  return fixedEnUs(n, 0) ?? n.toLocaleString('en-US');
}

/**
 * What `toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d })` prints,
 * without Intl (its first use costs tens of milliseconds of a short backtest's run): the shortest
 * decimal form of the number (what ICU rounds), rounded half away from zero, digits grouped by
 * three. Undefined for an exponent form (Intl then answers).
 */
function fixedEnUs(v: number, digits: number): string | undefined {
  const s = String(Math.abs(v));
  if (s.includes('e')) return undefined;
  const dot = s.indexOf('.');
  let whole = dot < 0 ? s : s.slice(0, dot);
  let frac = dot < 0 ? '' : s.slice(dot + 1);
  if (frac.length > digits) {
    const up = frac.charCodeAt(digits) >= 53;
    frac = frac.slice(0, digits);
    if (up) {
      // Add one unit in the last kept place to the decimal digits, carrying leftwards.
      const all = (whole + frac).split('');
      let i = all.length - 1;
      while (i >= 0 && all[i] === '9') all[i--] = '0';
      if (i >= 0) all[i] = String.fromCharCode(all[i]!.charCodeAt(0) + 1);
      else all.unshift('1');
      whole = all.slice(0, all.length - digits).join('');
      frac = all.slice(all.length - digits).join('');
    }
  }
  frac = frac.padEnd(digits, '0');
  let grouped = '';
  for (let end = whole.length; end > 0; end -= 3) grouped = whole.slice(Math.max(0, end - 3), end) + (grouped ? `,${grouped}` : '');
  return (v < 0 || Object.is(v, -0) ? '-' : '') + grouped + (digits ? `.${frac}` : '');
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
    `backtest ${r.name}: ${r.symbols.join(', ')} ${r.timeframe}, ${when(r.from)} → ${when(r.to)} UTC (${fmtInt(r.perf.cycles)} cycles, ${fmtInt(r.perf.bars)} bars)`,
    `  return ${fmtNum(s.totalReturnPct)} %   CAGR ${fmtNum(s.cagrPct)} %   max drawdown ${fmtNum(s.maxDrawdownPct)} % (${fmtDuration(s.maxDrawdownDurationMs)})   Sharpe ${fmtNum(s.sharpe)}   Sortino ${fmtNum(s.sortino)}`,
    `  trades ${s.trades} (${s.wins} won, ${s.losses} lost)   win rate ${fmtNum(s.winRatePct)} %   profit factor ${fmtNum(s.profitFactor)}   expectancy ${fmtNum(s.expectancy)} ${r.currency}   exposure ${fmtNum(s.exposurePct)} %`,
    `  balance ${fmtNum(s.startBalance)} → ${fmtNum(s.endBalance)} ${r.currency}   equity ${fmtNum(s.endEquity)} ${r.currency}`,
    `  engine ${Math.round(r.perf.engineMs)} ms (${fmtInt(Math.round(barsPerSec))} bars/s), setup ${Math.round(r.perf.setupMs)} ms`,
  ];
  if (reportPath) lines.push(`  report ${reportPath}`);
  return `${lines.join('\n')}\n`;
}
