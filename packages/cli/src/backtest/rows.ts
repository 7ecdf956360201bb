/**
 * A backtest result as flat rows: the one shape that trades.csv, trades.json, equity.csv and the HTML
 * report all read, so the files agree with each other by construction.
 */
import { roundMoney, type BacktestResult, type BacktestTrade, type EquityPoint } from '@tradekit/core';

export interface TradeRow {
  id: string;
  symbol: string;
  side: 'buy' | 'sell';
  volume: number;
  entryTime: string;
  entryPrice: number;
  exitTime: string;
  exitPrice: number;
  exitReason: string;
  /** Commission charged on the trade (negative = paid), account currency. */
  commission: number;
  /** Net P&L (after commission and swap), account currency. */
  profit: number;
  agent: string;
}

export const TRADE_COLUMNS: readonly (keyof TradeRow)[] = [
  'id',
  'symbol',
  'side',
  'volume',
  'entryTime',
  'entryPrice',
  'exitTime',
  'exitPrice',
  'exitReason',
  'commission',
  'profit',
  'agent',
];

export interface EquityRow {
  time: string;
  balance: number;
  equity: number;
  /** Peak equity so far minus equity, account currency (≥ 0). */
  drawdown: number;
  /** The same as a percentage of the peak (≥ 0), rounded like the statistics (4 decimals). */
  drawdownPct: number;
}

export const EQUITY_COLUMNS: readonly (keyof EquityRow)[] = ['time', 'balance', 'equity', 'drawdown', 'drawdownPct'];

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function tradeRow(t: BacktestTrade): TradeRow {
  return {
    id: t.id,
    symbol: t.symbol,
    side: t.side,
    volume: t.volume,
    entryTime: iso(t.entryTime),
    entryPrice: t.entryPrice,
    exitTime: iso(t.exitTime),
    exitPrice: t.exitPrice,
    exitReason: t.exitReason,
    commission: t.commission,
    profit: t.profit,
    agent: t.agent ?? '',
  };
}

/**
 * Drawdown per equity point, from the running peak that starts at the starting balance: the same
 * definition as the statistics' max drawdown, so `max(drawdownPct) === stats.maxDrawdownPct`.
 */
export function drawdowns(equity: readonly EquityPoint[], startBalance: number): { money: Float64Array; pct: Float64Array } {
  return drawdownsOf(
    Float64Array.from(equity, (p) => p.equity),
    startBalance,
  );
}

/** The same over an equity column. */
export function drawdownsOf(equity: ArrayLike<number>, startBalance: number): { money: Float64Array; pct: Float64Array } {
  const money = new Float64Array(equity.length);
  const pct = new Float64Array(equity.length);
  let peak = startBalance;
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i]!;
    if (e > peak) peak = e;
    money[i] = roundMoney(peak - e);
    pct[i] = peak > 0 ? round4(((peak - e) / peak) * 100) : 0;
  }
  return { money, pct };
}

export function equityRows(result: Pick<BacktestResult, 'equity' | 'stats'>): EquityRow[] {
  const dd = drawdowns(result.equity, result.stats.startBalance);
  return result.equity.map((p, i) => ({ time: iso(p.time), balance: p.balance, equity: p.equity, drawdown: dd.money[i]!, drawdownPct: dd.pct[i]! }));
}

function round4(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}

/** One CSV cell: numbers as JavaScript prints them (non-finite: empty), text quoted when it must be. */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV with a header row; numbers as JavaScript prints them (the same text as in the JSON). */
export function toCsv<T extends object>(rows: readonly T[], columns: readonly (keyof T)[], header: readonly string[] = columns.map(String)): string {
  const cell = csvCell;
  const out: string[] = [header.map(cell).join(',')];
  for (const r of rows) out.push(columns.map((c) => cell(r[c])).join(','));
  return `${out.join('\n')}\n`;
}

/** snake_case headers for the CSV files (spreadsheet and pandas friendly). */
export function snake(columns: readonly string[]): string[] {
  return columns.map((c) => c.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`));
}

/** JSON.stringify replacer: non-finite numbers (a profit factor with no losing trade is Infinity) → null. */
export function finiteOrNull(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? null : v;
}

/** Indented JSON that survives non-finite numbers. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, finiteOrNull, 2)}\n`;
}
