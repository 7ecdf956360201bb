/**
 * `tradekit backtest` as a user runs it: a child process over the shipped sample data, then the
 * output folder read back: the CSV and JSON files agree with each other and with the statistics,
 * and report.html is self-contained and draws in a real browser.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QUICKSTART, ROOT, SMA_EURUSD, parseCsv, tk } from './helpers.js';

describe('tradekit backtest (end to end)', function () {
  this.timeout(60_000);
  let tmp: string;
  let out: string;
  let json: Record<string, any>;
  let stdout: string;

  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'tk-bt-'));
    out = path.join(tmp, 'report');
    const r = tk(['backtest', QUICKSTART, '--out', out, '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '', 'no progress bar and no logs when stderr is not a terminal');
    stdout = r.stdout;
    json = JSON.parse(r.stdout);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('writes the five files and says where', () => {
    for (const f of ['trades.csv', 'trades.json', 'equity.csv', 'stats.json', 'report.html']) {
      assert.ok(existsSync(path.join(out, f)), f);
      assert.equal(json.files[f], path.join(out, f));
    }
    assert.equal(json.out, out);
    assert.equal(stdout.trim().split('\n').length, 1, '--json prints one JSON line');
  });

  it('trades.csv and trades.json hold the same trades, and they add up to the statistics', () => {
    const trades = JSON.parse(readFileSync(path.join(out, 'trades.json'), 'utf8')) as Record<string, unknown>[];
    const csv = parseCsv(readFileSync(path.join(out, 'trades.csv'), 'utf8'));
    assert.deepEqual(csv.header, [
      'id',
      'symbol',
      'side',
      'volume',
      'entry_time',
      'entry_price',
      'exit_time',
      'exit_price',
      'exit_reason',
      'commission',
      'profit',
      'agent',
    ]);
    assert.equal(trades.length, json.stats.trades);
    assert.ok(trades.length > 100, 'the SMA example trades on three symbols');
    assert.equal(csv.rows.length, trades.length);
    const keys = ['id', 'symbol', 'side', 'volume', 'entryTime', 'entryPrice', 'exitTime', 'exitPrice', 'exitReason', 'commission', 'profit', 'agent'];
    csv.rows.forEach((row, i) => {
      keys.forEach((k, j) => {
        assert.equal(row[j], String(trades[i]![k]), `row ${i} ${k}`);
      });
    });
    for (const t of trades) {
      assert.ok(Date.parse(t.exitTime as string) > Date.parse(t.entryTime as string));
      assert.match(String(t.exitPrice), /^\d+(\.\d{1,5})?$/, 'prices as the broker filled them (no binary noise)');
      assert.ok(['buy', 'sell'].includes(t.side as string));
    }
    assert.deepEqual(new Set(trades.map((t) => t.symbol)), new Set(['EURUSD', 'GBPUSD', 'XAUUSD']));
    const wins = trades.filter((t) => (t.profit as number) > 0).length;
    assert.equal(wins, json.stats.wins);
    const sum = trades.reduce((s, t) => s + (t.profit as number), 0);
    assert.ok(Math.abs(sum / trades.length - json.stats.expectancy) < 1e-3, 'expectancy = mean net P&L');
  });

  it('equity.csv: one row per cycle, drawdown from the running peak agreeing with the max drawdown', () => {
    const csv = parseCsv(readFileSync(path.join(out, 'equity.csv'), 'utf8'));
    assert.deepEqual(csv.header, ['time', 'balance', 'equity', 'drawdown', 'drawdown_pct']);
    assert.equal(csv.rows.length, json.perf.cycles);
    let peak = json.stats.startBalance as number;
    let maxPct = 0;
    let prev = 0;
    for (const [time, , equity, dd, ddPct] of csv.rows) {
      const t = Date.parse(time!);
      assert.ok(t > prev, 'times strictly increase');
      prev = t;
      peak = Math.max(peak, Number(equity));
      assert.ok(Math.abs(Number(dd) - (peak - Number(equity))) < 0.011, `drawdown at ${time}`);
      maxPct = Math.max(maxPct, Number(ddPct));
    }
    assert.equal(maxPct, json.stats.maxDrawdownPct);
    const last = csv.rows[csv.rows.length - 1]!;
    assert.equal(Number(last[2]), json.stats.endEquity);
    assert.equal(Number(last[1]), json.stats.endBalance);
  });

  it('stats.json holds the statistics printed with --json, the run and its timing', () => {
    const doc = JSON.parse(readFileSync(path.join(out, 'stats.json'), 'utf8'));
    assert.deepEqual(doc.stats, json.stats);
    assert.equal(doc.name, 'quickstart');
    assert.deepEqual(doc.symbols, ['EURUSD', 'GBPUSD', 'XAUUSD']);
    assert.equal(doc.timeframe, 'M5');
    assert.equal(doc.currency, 'USD');
    assert.ok(doc.perf.cycles > 10_000 && doc.perf.engineMs > 0 && doc.perf.barsPerSecond > 0);
    assert.match(doc.from, /^2026-05-13T/);
  });

  it('report.html is self-contained: the chart library inlined, the data embedded, nothing fetched', () => {
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    assert.match(html, /TradingView Lightweight Charts™ v5\.\d+\.\d+/);
    assert.doesNotMatch(html, /<script[^>]+src=/i);
    assert.doesNotMatch(html, /<link[^>]+href=/i);
    assert.doesNotMatch(html, /\bimport\s*\(|fetch\(/);
    const m = html.match(/<script id="tk-data" type="application\/json">([\s\S]*?)<\/script>/);
    assert.ok(m, 'embedded data');
    const data = JSON.parse(m![1]!);
    assert.equal(data.trades.length, json.stats.trades);
    assert.deepEqual(data.stats, JSON.parse(readFileSync(path.join(out, 'stats.json'), 'utf8')).stats);
    assert.deepEqual(Object.keys(data.candles).sort(), ['EURUSD', 'GBPUSD', 'XAUUSD']);
    assert.equal(data.equity.t.length, json.perf.cycles);
    for (const c of Object.values(data.candles) as { t: number[]; o: number[]; bars: number }[]) {
      assert.ok(c.t.length > 5_000 && c.t.length === c.o.length && c.t.length === c.bars, 'every bar drawn (no thinning below 20,000)');
    }
  });

  it('prints a compact summary on stdout without --json, and --no-html skips the report', () => {
    const dir = path.join(tmp, 'plain');
    const r = tk(['backtest', SMA_EURUSD, '--out', dir, '--no-html', '--from', '2026-06-01', '--to', '2026-06-12']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^backtest compare-sma-eurusd: EURUSD M5, 2026-05-31 23:55 → 2026-06-12 21:00 UTC \(2,845 cycles, 2,845 bars\)$/m);
    assert.match(r.stdout, /^ {2}return -?[\d.,]+ % {3}CAGR .* max drawdown [\d.]+ % \(.+\) {3}Sharpe -?[\d.]+ {3}Sortino -?[\d.]+$/m);
    assert.match(
      r.stdout,
      /^ {2}trades \d+ \(\d+ won, \d+ lost\) {3}win rate [\d.]+ % {3}profit factor [\d.∞]+ {3}expectancy -?[\d.,]+ USD {3}exposure [\d.]+ %$/m,
    );
    assert.ok(existsSync(path.join(dir, 'trades.csv')));
    assert.ok(!existsSync(path.join(dir, 'report.html')));
  });

  it('--set changes a parameter before validation, like a sweep does', () => {
    const a = tk(['backtest', SMA_EURUSD, '--out', path.join(tmp, 'a'), '--no-html', '--json', '--from', '2026-06-01', '--to', '2026-06-12']);
    const b = tk([
      'backtest',
      SMA_EURUSD,
      '--out',
      path.join(tmp, 'b'),
      '--no-html',
      '--json',
      '--from',
      '2026-06-01',
      '--to',
      '2026-06-12',
      '--set',
      'agents[0].with.fast=5',
      '--set',
      'agents[0].with.slow=50',
    ]);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(b.status, 0, b.stderr);
    assert.notEqual(JSON.parse(a.stdout).stats.trades, JSON.parse(b.stdout).stats.trades);
  });

  describe('failures keep the CLI exit codes', () => {
    it('an invalid config exits 2 with the coded error and its location; nothing is written', () => {
      const bad = path.join(tmp, 'bad.yaml');
      writeFileSync(
        bad,
        readFileSync(SMA_EURUSD, 'utf8').replaceAll('../../../../examples', path.join(ROOT, 'examples')).replace('with: { fast: 10,', 'with: { fsat: 10,'),
      );
      const dir = path.join(tmp, 'never');
      const r = tk(['backtest', bad, '--out', dir]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /bad\.yaml:\d+:\d+ TK_ERR_CONFIG_UNKNOWN_KEY at agents\[0\]\.with\.fsat/);
      assert.ok(!existsSync(dir));
    });

    it('a bad command-line value exits 2 with TK_ERR_CLI_ARG', () => {
      const r = tk(['backtest', SMA_EURUSD, '--from', 'last tuesday']);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /TK_ERR_CLI_ARG: --from expects a UTC date/);
      const s = tk(['backtest', SMA_EURUSD, '--set', 'fast']);
      assert.equal(s.status, 2);
      assert.match(s.stderr, /TK_ERR_CLI_ARG: --set expects path=value/);
      const j = tk(['backtest', SMA_EURUSD, '--set', 'agents[0].with.fast=[1', '--json']);
      assert.equal(j.status, 2);
      assert.equal(JSON.parse(j.stderr).errors[0].code, 'TK_ERR_CLI_ARG');
    });

    it("a symbol the data does not have fails the data plugin's setup: exit 1, TK_ERR_PLUGIN_SETUP", () => {
      const r = tk(['backtest', SMA_EURUSD, '--symbols', 'EURUSD,NOPE', '--out', path.join(tmp, 'x')]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /compare-sma-eurusd\.yaml:\d+:\d+ TK_ERR_PLUGIN_SETUP at data\.use \[@tradekit\/core\/csv#setup\]: .*no CSV file for symbol NOPE/);
      assert.ok(!existsSync(path.join(tmp, 'x')));
    });

    it('an output folder that cannot be written exits 1 with TK_ERR_REPORT_WRITE', () => {
      const file = path.join(tmp, 'a-file');
      writeFileSync(file, 'not a folder');
      const r = tk(['backtest', SMA_EURUSD, '--out', path.join(file, 'sub'), '--from', '2026-06-01', '--to', '2026-06-03']);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /TK_ERR_REPORT_WRITE: cannot create the output folder .*ENOTDIR/);
    });
  });
});
