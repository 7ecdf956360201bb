/** Ranking sweep results by a statistic, the table printed on stdout, and results.csv / results.json. */
import type { BacktestStats } from '@tradekit/core';
import { suggest } from '@tradekit/core';
import { cliError } from '../errors.js';
import { fmtNum } from '../backtest/summary.js';
import { toCsv } from '../backtest/rows.js';
import type { JobError, SweepJobResult } from './messages.js';

export interface Metric {
  name: string;
  key: keyof BacktestStats;
  /** Higher is better (false for drawdowns). */
  higher: boolean;
}

const METRICS: Record<string, Metric> = {
  sharpe: { name: 'sharpe', key: 'sharpe', higher: true },
  sortino: { name: 'sortino', key: 'sortino', higher: true },
  return: { name: 'return', key: 'totalReturnPct', higher: true },
  cagr: { name: 'cagr', key: 'cagrPct', higher: true },
  drawdown: { name: 'drawdown', key: 'maxDrawdownPct', higher: false },
  'drawdown-duration': { name: 'drawdown-duration', key: 'maxDrawdownDurationMs', higher: false },
  'profit-factor': { name: 'profit-factor', key: 'profitFactor', higher: true },
  'win-rate': { name: 'win-rate', key: 'winRatePct', higher: true },
  expectancy: { name: 'expectancy', key: 'expectancy', higher: true },
  exposure: { name: 'exposure', key: 'exposurePct', higher: true },
  trades: { name: 'trades', key: 'trades', higher: true },
};
const ALIASES: Record<string, string> = {
  totalReturnPct: 'return',
  cagrPct: 'cagr',
  maxDrawdownPct: 'drawdown',
  maxDrawdownDurationMs: 'drawdown-duration',
  profitFactor: 'profit-factor',
  pf: 'profit-factor',
  winRatePct: 'win-rate',
  winrate: 'win-rate',
  exposurePct: 'exposure',
};

export function metricOf(name: string): Metric {
  const m = METRICS[name] ?? METRICS[ALIASES[name] ?? ''];
  if (!m) {
    const hint = suggest(name, Object.keys(METRICS));
    throw cliError(
      'TK_ERR_CLI_ARG',
      `--rank-by: unknown metric "${name}"${hint ? ` (did you mean "${hint}"?)` : ''}; one of ${Object.keys(METRICS).join(', ')}`,
    );
  }
  return m;
}

export interface RankedRow {
  rank: number;
  index: number;
  params: Record<string, unknown>;
  ok: boolean;
  stats?: BacktestStats;
  perf?: { cycles: number; bars: number; engineMs: number; setupMs: number };
  error?: JobError;
}

/**
 * Successful combinations by the metric (best first; ties by combination index, so the order never
 * depends on which worker finished first), then the failed ones by index.
 */
export function rank(results: readonly SweepJobResult[], paramsOf: (index: number) => Record<string, unknown>, metric: Metric): RankedRow[] {
  const val = (r: SweepJobResult) => (r.ok ? (r.stats[metric.key] as number) : NaN);
  const sorted = [...results].sort((a, b) => {
    if (a.ok !== b.ok) return a.ok ? -1 : 1;
    const va = val(a);
    const vb = val(b);
    const na = Number.isNaN(va);
    const nb = Number.isNaN(vb);
    if (na !== nb) return na ? 1 : -1;
    if (!na && va !== vb) return metric.higher ? vb - va : va - vb;
    return a.index - b.index;
  });
  return sorted.map((r, i) => ({
    rank: i + 1,
    index: r.index,
    params: paramsOf(r.index),
    ok: r.ok,
    stats: r.ok ? r.stats : undefined,
    perf: r.ok ? r.perf : undefined,
    error: r.ok ? undefined : r.error,
  }));
}

/** Column names for the grid's paths: the last segment when unambiguous, else the whole path. */
export function paramLabels(paths: readonly string[]): string[] {
  const last = paths.map(
    (p) =>
      p
        .split(/[.[\]]+/)
        .filter(Boolean)
        .pop() ?? p,
  );
  return paths.map((p, i) => (last.filter((x) => x === last[i]).length > 1 ? p : last[i]!));
}

function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function rankedTable(rows: readonly RankedRow[], paths: readonly string[], metric: Metric, top: number): string {
  const labels = paramLabels(paths);
  const head = ['rank', '#', ...labels, 'return %', 'max DD %', 'sharpe', 'sortino', 'PF', 'win %', 'trades', 'expect.'];
  const body: string[][] = [];
  for (const r of rows.slice(0, top)) {
    const p = paths.map((k) => show(r.params[k]));
    if (r.ok && r.stats) {
      const s = r.stats;
      body.push([
        String(r.rank),
        String(r.index),
        ...p,
        fmtNum(s.totalReturnPct),
        fmtNum(s.maxDrawdownPct),
        fmtNum(s.sharpe),
        fmtNum(s.sortino),
        fmtNum(s.profitFactor),
        fmtNum(s.winRatePct, 1),
        String(s.trades),
        fmtNum(s.expectancy),
      ]);
    } else {
      const msg = r.error?.message ?? '';
      body.push([String(r.rank), String(r.index), ...p, `${r.error?.code}: ${msg.length > 100 ? `${msg.slice(0, 99)}…` : msg}`]);
    }
  }
  const width = head.map((h, i) => Math.max(h.length, ...body.filter((b) => b.length === head.length).map((b) => b[i]!.length)));
  const fmt = (cells: string[]) =>
    cells.length === head.length
      ? cells.map((c, i) => (i >= 2 && i < 2 + labels.length ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join('  ')
      : `${cells
          .slice(0, -1)
          .map((c, i) => (i >= 2 ? c.padEnd(width[i]!) : c.padStart(width[i]!)))
          .join('  ')}  ${cells[cells.length - 1]}`;
  const lines = [fmt(head), ...body.map(fmt)];
  if (rows.length > top) lines.push(`… ${rows.length - top} more (ranked by ${metric.name}; all rows in --out results.csv)`);
  return `${lines.join('\n')}\n`;
}

const STAT_COLUMNS: (keyof BacktestStats)[] = [
  'totalReturnPct',
  'cagrPct',
  'maxDrawdownPct',
  'maxDrawdownDurationMs',
  'sharpe',
  'sortino',
  'winRatePct',
  'profitFactor',
  'expectancy',
  'exposurePct',
  'trades',
  'wins',
  'losses',
  'endBalance',
  'endEquity',
];

export function resultsCsv(rows: readonly RankedRow[], paths: readonly string[]): string {
  const flat = rows.map((r) => {
    const o: Record<string, unknown> = { rank: r.rank, combination: r.index };
    for (const p of paths) o[p] = show(r.params[p]);
    for (const k of STAT_COLUMNS) o[k] = r.stats?.[k];
    o.engineMs = r.perf ? Math.round(r.perf.engineMs) : undefined;
    o.errorCode = r.error?.code;
    o.errorMessage = r.error?.message;
    return o;
  });
  const cols = ['rank', 'combination', ...paths, ...STAT_COLUMNS, 'engineMs', 'errorCode', 'errorMessage'];
  return toCsv(flat, cols);
}
