/**
 * A backtest's closed trades as columns, read from its journal: straight from the compact journal's
 * columns (no record per trade), or from `listTrades` for any other journal. Sorted by entry time,
 * then position id — the order of trades.csv.
 */
import type { Journal, TradeRecord } from '../interfaces.js';
import type { Side } from '../types.js';
import { CompactJournal, type JournalTradeColumns } from '../store/compact-journal.js';
import { isPromiseLike } from '../util/maybe.js';
import type { BacktestTrade, BacktestTradeColumns, EquityColumns, EquityPoint } from './types.js';

const SIDES: readonly Side[] = ['buy', 'sell'];

export async function closedTradeColumns(journal: Journal): Promise<BacktestTradeColumns> {
  if (journal instanceof CompactJournal) return fromJournalColumns(journal.tradeColumns());
  let list = journal.listTrades({ status: 'closed' });
  if (isPromiseLike(list)) list = await list;
  return fromRecords(list);
}

function fromJournalColumns(j: JournalTradeColumns): BacktestTradeColumns {
  const ids = j.positionId;
  const rows: number[] = [];
  let sorted = true;
  for (let r = 0; r < j.length; r++) {
    if (!j.closed[r]) continue;
    if (sorted && rows.length) {
      const p = rows[rows.length - 1]!;
      const d = j.entryTime[p]! - j.entryTime[r]!;
      if (d > 0 || (d === 0 && ids[r]! < ids[p]!)) sorted = false;
    }
    rows.push(r);
  }
  // Rows are in entry order already, unless trades opened at one instant were journaled out of id order.
  if (!sorted) rows.sort((a, b) => j.entryTime[a]! - j.entryTime[b]! || (ids[a]! < ids[b]! ? -1 : 1));
  const n = rows.length;
  const f64 = (src: Float64Array): Float64Array => {
    const out = new Float64Array(n);
    for (let k = 0; k < n; k++) out[k] = src[rows[k]!]!;
    return out;
  };
  const str = j.strings;
  const id: string[] = new Array<string>(n);
  const symbol: string[] = new Array<string>(n);
  const side: Side[] = new Array<Side>(n);
  const exitReason: string[] = new Array<string>(n);
  const agent: (string | undefined)[] = new Array<string | undefined>(n);
  for (let k = 0; k < n; k++) {
    const r = rows[k]!;
    id[k] = ids[r]!;
    symbol[k] = str[j.symbol[r]!]!;
    side[k] = SIDES[j.side[r]!]!;
    const why = j.exitReason[r]!;
    exitReason[k] = why < 0 ? '' : str[why]!;
    const a = j.agent[r]!;
    agent[k] = a < 0 ? undefined : str[a];
  }
  return {
    length: n,
    id,
    symbol,
    side,
    volume: f64(j.volume),
    entryTime: f64(j.entryTime),
    entryPrice: f64(j.entryPrice),
    exitTime: f64(j.exitTime),
    exitPrice: f64(j.exitPrice),
    exitReason,
    profit: f64(j.profit),
    commission: f64(j.commission),
    agent,
  };
}

/** From journal records (any store). */
export function fromRecords(records: readonly TradeRecord[]): BacktestTradeColumns {
  const list = records.filter((t) => t.status === 'closed').sort((a, b) => a.entryTime - b.entryTime || (a.positionId < b.positionId ? -1 : 1));
  const col = (f: (t: TradeRecord) => number): Float64Array => Float64Array.from(list, f);
  return {
    length: list.length,
    id: list.map((t) => t.positionId),
    symbol: list.map((t) => t.symbol),
    side: list.map((t) => t.side),
    volume: col((t) => t.volume),
    entryTime: col((t) => t.entryTime),
    entryPrice: col((t) => t.entryPrice),
    exitTime: col((t) => t.exitTime!),
    exitPrice: col((t) => t.exitPrice!),
    exitReason: list.map((t) => t.exitReason ?? ''),
    profit: col((t) => t.profit),
    commission: col((t) => t.commission),
    agent: list.map((t) => t.agent),
  };
}

/** Trade `i` as an object. */
export function tradeAt(c: BacktestTradeColumns, i: number): BacktestTrade {
  return {
    id: c.id[i]!,
    symbol: c.symbol[i]!,
    side: c.side[i]!,
    volume: c.volume[i]!,
    entryTime: c.entryTime[i]!,
    entryPrice: c.entryPrice[i]!,
    exitTime: c.exitTime[i]!,
    exitPrice: c.exitPrice[i]!,
    exitReason: c.exitReason[i]!,
    profit: c.profit[i]!,
    commission: c.commission[i]!,
    agent: c.agent[i],
  };
}

export function tradesOf(c: BacktestTradeColumns): BacktestTrade[] {
  const out: BacktestTrade[] = new Array<BacktestTrade>(c.length);
  for (let i = 0; i < c.length; i++) out[i] = tradeAt(c, i);
  return out;
}

export function equityPointsOf(c: EquityColumns): EquityPoint[] {
  const out: EquityPoint[] = new Array<EquityPoint>(c.time.length);
  for (let i = 0; i < c.time.length; i++) out[i] = { time: c.time[i]!, balance: c.balance[i]!, equity: c.equity[i]! };
  return out;
}
