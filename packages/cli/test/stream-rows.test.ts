/**
 * The streamed output files are the bytes the row format prints: trades.csv/trades.json/equity.csv
 * written chunk by chunk from columns equal `toCsv`/`toJson` of `tradeRow`/`equityRows` — for awkward
 * strings (quotes, commas, newlines, non-ASCII), non-finite numbers, no trades, and many trades — and
 * the ISO formatter equals `Date.prototype.toISOString` everywhere.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BacktestResult, BacktestTrade, BacktestTradeColumns, EquityColumns, EquityPoint } from '@tradekit/core';
import { isoFormatter } from '../src/backtest/iso-time.js';
import { EQUITY_COLUMNS, TRADE_COLUMNS, equityRows, snake, toCsv, toJson, tradeRow } from '../src/backtest/rows.js';
import { writeEquityCsv, writeTradesCsv, writeTradesJson, type TextSink } from '../src/backtest/stream-rows.js';
import { writeReport } from '../src/backtest/write-report.js';
import { TradekitError } from '@tradekit/core';

/** A small deterministic generator (tests must not depend on Math.random). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

const AWKWARD = ['opposite cross', 'sl', 'say "hi"', 'a,b', 'line\nbreak', 'cr\rhere', 'épée ✓', '', 'tab\there', '\u2028sep'];

function sampleTrades(n: number, seed: number): BacktestTrade[] {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  let t = Date.UTC(2025, 11, 17, 12) + Math.floor(r() * 1e6);
  const out: BacktestTrade[] = [];
  for (let i = 0; i < n; i++) {
    const entry = t;
    t += Math.floor(r() * 5e7) + (r() < 0.3 ? 0.5 : 0);
    out.push({
      id: r() < 0.9 ? String(1_000_001 + 2 * i) : pick(AWKWARD) + i,
      symbol: pick(['EURUSD', 'XAUUSD', 'GBP,USD']),
      side: r() < 0.5 ? 'buy' : 'sell',
      volume: pick([0.1, 0.01, 1, 0.30000000000000004]),
      entryTime: entry,
      entryPrice: pick([1.10001, 4702.53, 1e21, 123456789.123]),
      exitTime: t,
      exitPrice: pick([1.09871, 4687.64, -0, 5e-7]),
      exitReason: pick(AWKWARD),
      profit: pick([-149.6, 2.63, 0, Infinity, -Infinity, Number.NaN, 1e-7, -0]),
      commission: pick([-0.7, 0, -3.5]),
      agent: pick(['sma-crossover', undefined, 'a "quoted" agent', 'ag,ent']),
    });
  }
  return out;
}

function columnsOf(trades: readonly BacktestTrade[]): BacktestTradeColumns {
  const f = (k: 'volume' | 'entryTime' | 'entryPrice' | 'exitTime' | 'exitPrice' | 'profit' | 'commission') => Float64Array.from(trades, (t) => t[k]);
  return {
    length: trades.length,
    id: trades.map((t) => t.id),
    symbol: trades.map((t) => t.symbol),
    side: trades.map((t) => t.side),
    volume: f('volume'),
    entryTime: f('entryTime'),
    entryPrice: f('entryPrice'),
    exitTime: f('exitTime'),
    exitPrice: f('exitPrice'),
    exitReason: trades.map((t) => t.exitReason),
    profit: f('profit'),
    commission: f('commission'),
    agent: trades.map((t) => t.agent),
  };
}

function sampleEquity(n: number, seed: number): EquityPoint[] {
  const r = rng(seed);
  let e = 10_000;
  return Array.from({ length: n }, (_, i) => {
    e += (r() - 0.5) * 200;
    return { time: Date.UTC(2026, 0, 1) + i * 3_600_000 * 50, balance: Math.round(e), equity: i % 97 === 5 ? Number.NaN : e };
  });
}

const equityColumnsOf = (eq: readonly EquityPoint[]): EquityColumns => ({
  time: Float64Array.from(eq, (p) => p.time),
  balance: Float64Array.from(eq, (p) => p.balance),
  equity: Float64Array.from(eq, (p) => p.equity),
});

/** Collects what a writer streams, and how many pieces it wrote. */
function collect(write: (s: TextSink) => void): { text: string; writes: number } {
  const parts: string[] = [];
  write({ write: (s) => void parts.push(s) });
  return { text: parts.join(''), writes: parts.length };
}

describe('streamed backtest files', () => {
  for (const n of [0, 1, 7, 3000]) {
    it(`trades.csv and trades.json from columns equal the row format (${n} trades)`, () => {
      const trades = sampleTrades(n, 42 + n);
      const rows = trades.map(tradeRow);
      const cols = columnsOf(trades);
      assert.equal(collect((s) => writeTradesCsv(s, cols)).text, toCsv(rows, TRADE_COLUMNS, snake(TRADE_COLUMNS)));
      assert.equal(collect((s) => writeTradesJson(s, cols)).text, toJson(rows));
    });
  }

  it('equity.csv from columns equals the row format, drawdowns included', () => {
    for (const n of [0, 1, 500, 20_001]) {
      const equity = sampleEquity(n, n);
      const stats = { startBalance: 10_000 } as BacktestResult['stats'];
      assert.equal(
        collect((s) => writeEquityCsv(s, equityColumnsOf(equity), 10_000)).text,
        toCsv(equityRows({ equity, stats }), EQUITY_COLUMNS, snake(EQUITY_COLUMNS)),
        `${n} points`,
      );
    }
  });

  it('writes in pieces, never the whole file as one string', () => {
    const cols = columnsOf(sampleTrades(5000, 1));
    assert.ok(collect((s) => writeTradesJson(s, cols)).writes > 10);
    assert.ok(collect((s) => writeTradesCsv(s, cols)).writes > 10);
  });

  it('formats ISO times exactly like Date.prototype.toISOString, including the odd ones', () => {
    const iso = isoFormatter();
    const r = rng(7);
    const same = (ms: number) => {
      let a: string;
      let b: string;
      try {
        a = new Date(ms).toISOString();
      } catch (e) {
        a = `throws ${(e as Error).name}`;
      }
      try {
        b = iso(ms);
      } catch (e) {
        b = `throws ${(e as Error).name}`;
      }
      assert.equal(b, a, String(ms));
    };
    for (const ms of [
      0,
      -0,
      0.5,
      -0.5,
      -1,
      1.999,
      951_782_400_000,
      951_868_799_999,
      4_107_542_400_000,
      253_402_300_799_999,
      253_402_300_800_000,
      -62_198_755_200_000,
      8.64e15,
      8.64e15 + 1,
      Number.NaN,
      Infinity,
    ])
      same(ms);
    // Every day from 1970 to 2200, every 97th to 9999 (leap years, centuries), at a varying time of day.
    for (let d = 0; d < 2_932_897; d += d < 84_000 ? 1 : 97) same(d * 86_400_000 + ((d * 7_919_993) % 86_400_000));
    for (let i = 0; i < 50_000; i++) same(Math.floor(r() * 253_402_300_800_000));
  });

  it('writeReport writes the same files as the row format, renamed into place with no temporary left', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tk-stream-'));
    try {
      const trades = sampleTrades(300, 3);
      const equity = sampleEquity(400, 4);
      const result = {
        name: 'x',
        configFile: 'x.yaml',
        symbols: ['EURUSD'],
        timeframe: 'H1',
        from: 0,
        to: 1,
        currency: 'USD',
        trades,
        tradeColumns: columnsOf(trades),
        equity,
        equityColumns: equityColumnsOf(equity),
        stats: { startBalance: 10_000, profitFactor: Infinity } as BacktestResult['stats'],
        finalAccount: {} as BacktestResult['finalAccount'],
        perf: { cycles: 1, bars: 1, engineMs: 1, setupMs: 1 },
      } satisfies BacktestResult;
      // A file that cannot be put in place: a coded error, and its temporary file is gone.
      mkdirSync(path.join(dir, 'trades.json'));
      assert.throws(
        () => writeReport(dir, result, { html: false, generatedBy: 'test' }),
        (e: unknown) => e instanceof TradekitError && e.code === 'TK_ERR_REPORT_WRITE' && e.file === path.join(dir, 'trades.json'),
      );
      assert.deepEqual(readdirSync(dir).sort(), ['trades.csv', 'trades.json']);
      rmSync(path.join(dir, 'trades.json'), { recursive: true });
      const w = writeReport(dir, result, { html: false, generatedBy: 'test' });
      const rows = trades.map(tradeRow);
      assert.equal(readFileSync(w.files['trades.csv']!, 'utf8'), toCsv(rows, TRADE_COLUMNS, snake(TRADE_COLUMNS)));
      assert.equal(readFileSync(w.files['trades.json']!, 'utf8'), toJson(rows));
      assert.equal(readFileSync(w.files['equity.csv']!, 'utf8'), toCsv(equityRows(result), EQUITY_COLUMNS, snake(EQUITY_COLUMNS)));
      assert.match(readFileSync(w.files['stats.json']!, 'utf8'), /"profitFactor": null/);
      assert.deepEqual(readdirSync(dir).sort(), ['equity.csv', 'stats.json', 'trades.csv', 'trades.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
