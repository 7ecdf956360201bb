/**
 * trades.csv, trades.json and equity.csv written row by row straight from a backtest's columns: no
 * row objects, no whole-file string. The text is exactly what `toCsv`/`toJson` print for the rows of
 * rows.ts (`tradeRow`, `equityRows`) — the tests hold the two to the same bytes.
 */
import type { BacktestTradeColumns, EquityColumns } from '@tradekit/core';
import { isoFormatter } from './iso-time.js';
import { EQUITY_COLUMNS, TRADE_COLUMNS, csvCell, drawdownsOf, snake } from './rows.js';

/** Where text goes (a ChunkFile, or a string in tests). */
export interface TextSink {
  write(text: string): void;
}

/** Rows per write: large enough that a write is cheap, small enough that a chunk stays small. */
const ROWS_PER_WRITE = 256;

const csvNum = (v: number): string => (Number.isFinite(v) ? String(v) : '');
const jsonNum = (v: number): string => (Number.isFinite(v) ? String(v) : 'null');

/** A cache of encoded strings: symbols, sides, exit reasons and agents repeat on every row. */
function memo(encode: (s: string) => string): (s: string) => string {
  const seen = new Map<string, string>();
  return (s) => {
    let e = seen.get(s);
    if (e === undefined) {
      e = encode(s);
      seen.set(s, e);
    }
    return e;
  };
}

export function writeTradesCsv(out: TextSink, c: BacktestTradeColumns): void {
  const iso = isoFormatter();
  const cell = memo(csvCell);
  let text = snake(TRADE_COLUMNS).map(csvCell).join(',') + '\n';
  for (let i = 0; i < c.length; i++) {
    text +=
      csvCell(c.id[i]) + ',' + cell(c.symbol[i]!) + ',' + cell(c.side[i]!) + ',' + csvNum(c.volume[i]!) + ',' +
      iso(c.entryTime[i]!) + ',' + csvNum(c.entryPrice[i]!) + ',' + iso(c.exitTime[i]!) + ',' + csvNum(c.exitPrice[i]!) + ',' +
      cell(c.exitReason[i]!) + ',' + csvNum(c.commission[i]!) + ',' + csvNum(c.profit[i]!) + ',' + cell(c.agent[i] ?? '') + '\n';
    if (i % ROWS_PER_WRITE === ROWS_PER_WRITE - 1) {
      out.write(text);
      text = '';
    }
  }
  out.write(text);
}

/** The rows as `toJson` indents them: a two-space array of objects, then a newline. */
export function writeTradesJson(out: TextSink, c: BacktestTradeColumns): void {
  if (c.length === 0) return out.write('[]\n');
  const iso = isoFormatter();
  const str = memo((s) => JSON.stringify(s));
  let text = '[';
  for (let i = 0; i < c.length; i++) {
    text +=
      (i ? ',\n  {\n    "id": ' : '\n  {\n    "id": ') + JSON.stringify(c.id[i]) +
      ',\n    "symbol": ' + str(c.symbol[i]!) +
      ',\n    "side": ' + str(c.side[i]!) +
      ',\n    "volume": ' + jsonNum(c.volume[i]!) +
      ',\n    "entryTime": "' + iso(c.entryTime[i]!) +
      '",\n    "entryPrice": ' + jsonNum(c.entryPrice[i]!) +
      ',\n    "exitTime": "' + iso(c.exitTime[i]!) +
      '",\n    "exitPrice": ' + jsonNum(c.exitPrice[i]!) +
      ',\n    "exitReason": ' + str(c.exitReason[i]!) +
      ',\n    "commission": ' + jsonNum(c.commission[i]!) +
      ',\n    "profit": ' + jsonNum(c.profit[i]!) +
      ',\n    "agent": ' + str(c.agent[i] ?? '') +
      '\n  }';
    if (i % ROWS_PER_WRITE === ROWS_PER_WRITE - 1) {
      out.write(text);
      text = '';
    }
  }
  out.write(text + '\n]\n');
}

export function writeEquityCsv(out: TextSink, eq: EquityColumns, startBalance: number): void {
  const iso = isoFormatter();
  const dd = drawdownsOf(eq.equity, startBalance);
  let text = snake(EQUITY_COLUMNS).map(csvCell).join(',') + '\n';
  for (let i = 0; i < eq.time.length; i++) {
    text += iso(eq.time[i]!) + ',' + csvNum(eq.balance[i]!) + ',' + csvNum(eq.equity[i]!) + ',' + csvNum(dd.money[i]!) + ',' + csvNum(dd.pct[i]!) + '\n';
    if (i % ROWS_PER_WRITE === ROWS_PER_WRITE - 1) {
      out.write(text);
      text = '';
    }
  }
  out.write(text);
}
