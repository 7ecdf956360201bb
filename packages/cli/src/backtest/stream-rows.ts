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

/**
 * trades.csv and trades.json in one pass: each trade's numbers and times are formatted once for both
 * files (they print the same text). Either sink may be left out.
 */
export function writeTrades(c: BacktestTradeColumns, csv?: TextSink, json?: TextSink): void {
  const iso = isoFormatter();
  const cell = memo(csvCell);
  const str = memo((s) => JSON.stringify(s));
  let ct = csv ? `${snake(TRADE_COLUMNS).map(csvCell).join(',')}\n` : '';
  let jt = '[';
  for (let i = 0; i < c.length; i++) {
    const id = c.id[i]!;
    const symbol = c.symbol[i]!;
    const side = c.side[i]!;
    const reason = c.exitReason[i]!;
    const agent = c.agent[i] ?? '';
    const volume = c.volume[i]!;
    const entryPrice = c.entryPrice[i]!;
    const exitPrice = c.exitPrice[i]!;
    const commission = c.commission[i]!;
    const profit = c.profit[i]!;
    const entry = iso(c.entryTime[i]!);
    const exit = iso(c.exitTime[i]!);
    if (csv) {
      ct +=
        csvCell(id) +
        ',' +
        cell(symbol) +
        ',' +
        cell(side) +
        ',' +
        csvNum(volume) +
        ',' +
        entry +
        ',' +
        csvNum(entryPrice) +
        ',' +
        exit +
        ',' +
        csvNum(exitPrice) +
        ',' +
        cell(reason) +
        ',' +
        csvNum(commission) +
        ',' +
        csvNum(profit) +
        ',' +
        cell(agent) +
        '\n';
    }
    if (json) {
      jt +=
        (i ? ',\n  {\n    "id": ' : '\n  {\n    "id": ') +
        JSON.stringify(id) +
        ',\n    "symbol": ' +
        str(symbol) +
        ',\n    "side": ' +
        str(side) +
        ',\n    "volume": ' +
        jsonNum(volume) +
        ',\n    "entryTime": "' +
        entry +
        '",\n    "entryPrice": ' +
        jsonNum(entryPrice) +
        ',\n    "exitTime": "' +
        exit +
        '",\n    "exitPrice": ' +
        jsonNum(exitPrice) +
        ',\n    "exitReason": ' +
        str(reason) +
        ',\n    "commission": ' +
        jsonNum(commission) +
        ',\n    "profit": ' +
        jsonNum(profit) +
        ',\n    "agent": ' +
        str(agent) +
        '\n  }';
    }
    if (i % ROWS_PER_WRITE === ROWS_PER_WRITE - 1) {
      if (csv) csv.write(ct);
      if (json) json.write(jt);
      ct = '';
      jt = '';
    }
  }
  csv?.write(ct);
  json?.write(c.length ? `${jt}\n]\n` : '[]\n');
}

export function writeTradesCsv(out: TextSink, c: BacktestTradeColumns): void {
  writeTrades(c, out, undefined);
}

/** The rows as `toJson` indents them: a two-space array of objects, then a newline. */
export function writeTradesJson(out: TextSink, c: BacktestTradeColumns): void {
  writeTrades(c, undefined, out);
}

export function writeEquityCsv(out: TextSink, eq: EquityColumns, startBalance: number): void {
  const iso = isoFormatter();
  const dd = drawdownsOf(eq.equity, startBalance);
  let text = `${snake(EQUITY_COLUMNS).map(csvCell).join(',')}\n`;
  for (let i = 0; i < eq.time.length; i++) {
    text += `${iso(eq.time[i]!)},${csvNum(eq.balance[i]!)},${csvNum(eq.equity[i]!)},${csvNum(dd.money[i]!)},${csvNum(dd.pct[i]!)}\n`;
    if (i % ROWS_PER_WRITE === ROWS_PER_WRITE - 1) {
      out.write(text);
      text = '';
    }
  }
  out.write(text);
}
